r"""Y5: a width-1 ReLU net is no better than the linear predictor; a one-unit ResNet is.

Statement (Yun, Sra & Jadbabaie 2019, example; CLAIMS.md Y5, tags [Q] + [D]).
Data ``X = [0, 1, 2, 3, 4, 5]``, ``Y = [-rho, 1-rho, 2+rho, 3-rho, 4+rho, 5+rho]``,
``rho > 0``; squared loss as the *mean* of ``(p - y)^2`` (no 1/2); every
predictor has an intercept.

1. ``R_lin = 8 rho^2 / 15`` [Q value, D check].
2. The width-1 fully-connected ReLU net ``a relu(u x + b) + c`` has no point
   (local minimum or not) with risk below ``8 rho^2 / 15`` [D].
3. The one-unit ResNet ``w (x + v relu(u x + b)) + c`` has global minimum
   ``29 rho^2 / 57 < 8 rho^2 / 15``, attained with the kink at ``x = 2`` or ``x = 3`` [D].
4. The paper's ``R_2(theta_2) = rho^2 (12 rho^2 + 82 rho + 215) / (21 rho^2 + 156 rho + 420)``
   is below ``8 rho^2 / 15`` exactly for ``0 < rho < (3 + 3 sqrt 21) / 4`` [Q formula,
   D algebra]. The formula itself is *quoted, not reproduced*: CLAIMS.md records
   that neither ``theta_2`` nor the architecture behind it could be reconstructed.

What is checked, and how (every asserted check is EXACT: SymPy with a symbolic
``rho``, valid for **all** ``rho > 0``; no numeric step and no interval sweep):

* (1) exact least squares with symbolic ``rho``; cross-checked against the
  library's exact (``fmpq``) risk of ``linear_predictor`` at a few rational ``rho``.
* (2) cell enumeration. For ``u > 0`` the net is ``c + m (x - beta)_+`` and for
  ``u < 0`` it is ``c + m (beta - x)_+`` (``beta = -b/u``, ``m`` free); ``a = 0``
  or ``u = 0`` give constants. For each orientation and each kink interval
  ``[x_k, x_{k+1}]`` (closed, so kinks on samples are included) and each
  half-line outside the data, the feature ``phi_beta`` on the samples is a fixed
  polynomial in ``beta``, and the best risk over ``(c, m)`` is
  ``(S_yy - S_phiy^2 / S_phiphi) / n`` (centred sums), a rational function of
  ``(beta, rho)``. Its excess over the claimed bound is
  ``N(beta, rho) / (n S_phiphi)``; ``N`` is certified nonnegative on
  ``[x_k, x_{k+1}] x [0, oo)`` by writing ``beta = (x_k s + x_{k+1} t)/(s + t)``
  (``beta = x_0 - t`` / ``x_5 + t`` on half-lines) and checking that
  ``(s + t)^deg N`` has only nonnegative coefficients as a polynomial in
  ``s, t, rho >= 0``. Constant predictors (and ``S_phiphi = 0``) are covered by
  ``Var(y) - 8 rho^2/15`` having nonnegative coefficients in ``rho``. The cell
  formula is cross-checked against the library's exact risk of
  ``fully_connected(1, [1], "relu")`` at one kink per cell and rational ``rho``.
* (3) explicit parameters, rational functions of ``rho``: ``u = 1, b = -2``,
  ``v = -7 rho/(12 rho + 19)``, ``w = (12 rho + 19)/19``, ``c = -23 rho/19``; the
  symbolic risk equals ``29 rho^2/57`` identically (and the library's exact risk
  agrees at rational ``rho``); likewise with the kink at ``x = 3``
  (``b = -3, v = 7 rho/(5 rho + 19), w = (5 rho + 19)/19, c = -16 rho/19``);
  ``8/15 - 29/57 > 0``. The lower bound uses the
  same cell enumeration: the ResNet's predictions lie in
  ``span{1, x, (x - beta)_+}`` (``(beta - x)_+ = (x - beta)_+ - (x - beta)``),
  and the excess is certified nonnegative cell by cell as above.
* When a certificate fails, the checks look for an exact witness (rational kink
  and ``rho`` whose cell optimum is below the claim). Such an optimum is a real
  network: ``c + m phi_beta`` is ``a relu(u x + b) + c`` with ``u = +-1``,
  ``b = -u beta``, ``a = m``; every ``c + w x + m (x - beta)_+`` is a one-unit
  ResNet (``u = 1, v = m/w`` if ``w != 0``; else ``u = -1, v = 1``, ``w = m``).
  So a witness makes the claim VIOLATED (EXACT); no certificate and no witness
  gives INCONCLUSIVE.
* (4) SymPy ``solveset`` of ``R_2 < 8 rho^2/15`` over ``rho > 0``, plus the
  factorisation ``rho^2 (4 rho^2 - 6 rho - 45) / (15 (7 rho^2 + 52 rho + 140))``.

``main()`` returns 0 only if every asserted check HOLDS.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from verify import (
    Claim,
    Dataset,
    Evidence,
    Method,
    Objective,
    Verdict,
    all_of,
    fully_connected,
    linear_predictor,
    loss,
    resnet,
    run_script,
)

RHO = sp.Symbol("rho", positive=True)
BETA = sp.Symbol("beta", real=True)
_S = sp.Symbol("s", nonnegative=True)
_T = sp.Symbol("t", nonnegative=True)

Vector = Sequence[sp.Expr]

X_DATA: tuple[sp.Expr, ...] = tuple(sp.Integer(i) for i in range(6))
SIGNS = (-1, -1, 1, -1, 1, 1)
Y_DATA: tuple[sp.Expr, ...] = tuple(x + s * RHO for x, s in zip(X_DATA, SIGNS, strict=True))

CLAIMED_R_LIN: sp.Expr = sp.Rational(8, 15) * RHO**2
CLAIMED_RESNET_MIN: sp.Expr = sp.Rational(29, 57) * RHO**2
QUOTED_R2: sp.Expr = RHO**2 * (12 * RHO**2 + 82 * RHO + 215) / (21 * RHO**2 + 156 * RHO + 420)
CLAIMED_R2_UPPER: sp.Expr = (3 + 3 * sp.sqrt(21)) / 4

# Explicit global minimisers of the one-unit ResNet, kink at x = 2 and at x = 3,
# found by solving the least-squares problem on span{1, x, (x - k)_+} with SymPy
# (prediction c + w x + m (x - k)_+, so v = m / w with u = 1, b = -k).
RESNET_POINTS: tuple[dict[str, sp.Expr], ...] = (
    {
        "u": sp.Integer(1),
        "b": sp.Integer(-2),
        "v": -7 * RHO / (12 * RHO + 19),
        "w": (12 * RHO + 19) / 19,
        "c": -23 * RHO / 19,
    },
    {
        "u": sp.Integer(1),
        "b": sp.Integer(-3),
        "v": 7 * RHO / (5 * RHO + 19),
        "w": (5 * RHO + 19) / 19,
        "c": -16 * RHO / 19,
    },
)

# Rational rho at which exact-engine cross-checks and witness searches run.
RHO_PROBES: tuple[sp.Rational, ...] = tuple(
    sp.Rational(p) for p in ("1/10", "1/2", "1", "2", "7/2", "5", "10")
)

ONE_UNIT_RESNET_BLOCK = {"activation": "relu", "hidden": [1], "bias": True}


# ---- exact least squares ----------------------------------------------------


def _dot(p: Vector, q: Vector) -> sp.Expr:
    return sp.expand(sum((a * b for a, b in zip(p, q, strict=True)), sp.Integer(0)))


def ls_coefficients(ys: Vector, basis: Sequence[Vector]) -> list[sp.Expr]:
    """Least-squares coefficients of ``ys`` on the (numeric, independent) ``basis``."""
    gram = sp.Matrix([[_dot(p, q) for q in basis] for p in basis])
    rhs = sp.Matrix([_dot(p, ys) for p in basis])
    return [sp.cancel(c) for c in gram.LUsolve(rhs)]


def ls_residual(ys: Vector, basis: Sequence[Vector]) -> list[sp.Expr]:
    """``ys`` minus its orthogonal projection on ``span(basis)``."""
    if not basis:
        return list(ys)
    coef = ls_coefficients(ys, basis)
    return [
        sp.expand(y - sum((c * v[i] for c, v in zip(coef, basis, strict=True)), sp.Integer(0)))
        for i, y in enumerate(ys)
    ]


def ls_risk(ys: Vector, basis: Sequence[Vector]) -> sp.Expr:
    """Mean squared residual of the best fit of ``ys`` in ``span(basis)``."""
    res = ls_residual(ys, basis)
    return sp.cancel(_dot(res, res) / len(ys))


def _ones(xs: Vector) -> list[sp.Expr]:
    return [sp.Integer(1)] * len(xs)


def _fraction(q: Any) -> Fraction:
    """A SymPy ``Rational`` or python-flint ``fmpq`` as a ``Fraction``."""
    q = sp.Rational(q) if isinstance(q, int) else q
    return Fraction(int(q.p), int(q.q))


def _library_risk(model: Any, params: dict[str, Any], xs: Vector, ys: Vector) -> Fraction:
    """The library's exact (fmpq) mean squared risk of ``model`` at rational ``params``."""
    data = Dataset(
        np.asarray([[_fraction(x)] for x in xs], dtype=object),
        np.asarray([_fraction(y) for y in ys], dtype=object),
    )
    exact = {k: np.asarray(v, dtype=object) for k, v in params.items()}
    theta = model.pack(exact, dtype=object)
    return _fraction(Objective(model, loss("squared"), data).evaluate(theta, "exact", 1).risk)


def _at(values: Vector, rho: sp.Expr) -> list[sp.Expr]:
    return [v.subs(RHO, rho) for v in values]


def _nonneg_poly_in_rho(expr: sp.Expr) -> tuple[bool, bool]:
    """(all coefficients of ``expr`` as a polynomial in rho are >= 0, some is > 0)."""
    coeffs = sp.Poly(sp.expand(expr), RHO).coeffs() if expr != 0 else []
    return all(c >= 0 for c in coeffs), any(c > 0 for c in coeffs)


def _positive_for_nonneg_rho(expr: sp.Expr) -> bool:
    """True if ``expr`` is a polynomial in rho, nonnegative coefficients, positive at 0."""
    ok, _ = _nonneg_poly_in_rho(expr)
    return ok and sp.expand(expr).subs(RHO, 0) > 0


# ---- claim 1: R_lin --------------------------------------------------------


def check_linear_risk(xs: Vector, ys: Vector, claimed: sp.Expr) -> Evidence:
    """``R_lin`` (least squares with intercept, symbolic rho) equals ``claimed`` identically."""
    risk = ls_risk(ys, [_ones(xs), list(xs)])
    diff = sp.factor(risk - claimed)
    witness = {"R_lin": str(sp.factor(risk)), "claimed": str(claimed)}
    if diff != 0:
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            f"R_lin = {sp.factor(risk)} differs from the claim by {diff}, a nonzero "
            "rational function of rho.",
            witness=witness,
        )
    coef = ls_coefficients(ys, [_ones(xs), list(xs)])
    model = linear_predictor(1, intercept=True)
    for rho in RHO_PROBES:
        params = {"w": [_fraction(coef[1].subs(RHO, rho)), _fraction(coef[0].subs(RHO, rho))]}
        lib = _library_risk(model, params, xs, _at(ys, rho))
        if lib != _fraction(claimed.subs(RHO, rho)):
            return Evidence(
                Verdict.INCONCLUSIVE,
                Method.EXACT,
                f"SymPy gives R_lin = {claimed} but the library's exact risk at rho = {rho} "
                f"is {lib}; the two engines disagree.",
                witness=witness,
            )
    return Evidence(
        Verdict.HOLDS,
        Method.EXACT,
        f"R_lin = {sp.factor(risk)} for every rho (slope {coef[1]}, intercept {coef[0]}); "
        f"the library's exact risk agrees at rho in {{{', '.join(map(str, RHO_PROBES))}}}.",
        witness=witness,
    )


# ---- cell enumeration -------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A range ``[lo, hi]`` of kink positions on which the feature is one polynomial.

    ``phi`` gives the feature's value at each sample as a polynomial in ``BETA``;
    ``orientation`` is the sign of ``u`` (``+1``: ``(x - beta)_+``, ``-1``: ``(beta - x)_+``).
    """

    name: str
    lo: sp.Expr
    hi: sp.Expr
    phi: tuple[sp.Expr, ...]
    orientation: int


def _relu_pattern(xs: Vector, lo: sp.Expr, hi: sp.Expr, orientation: int) -> tuple[sp.Expr, ...]:
    # u > 0: phi = (x - beta)_+, active where x >= hi; u < 0: phi = (beta - x)_+, x <= lo.
    if orientation > 0:
        return tuple(x - BETA if x >= hi else sp.Integer(0) for x in xs)
    return tuple(BETA - x if x <= lo else sp.Integer(0) for x in xs)


def kink_cells(xs: Vector, orientations: Sequence[int]) -> list[Cell]:
    """Every kink range (half-lines outside the data, closed gaps between samples).

    Ranges where the unit is inactive on every sample are omitted: there the
    predictor is constant, which the constant/basis check covers.
    """
    pts = sorted(set(xs))
    out: list[Cell] = []
    for o in orientations:
        sign = "u > 0" if o > 0 else "u < 0"
        ranges = [(-sp.oo, pts[0])]
        ranges += list(itertools.pairwise(pts))
        ranges += [(pts[-1], sp.oo)]
        for lo, hi in ranges:
            phi = _relu_pattern(xs, lo, hi, o)
            if all(p == 0 for p in phi):
                continue
            where = (
                f"beta <= {hi}"
                if lo == -sp.oo
                else (f"beta >= {lo}" if hi == sp.oo else f"beta in [{lo}, {hi}]")
            )
            out.append(Cell(f"{sign}, {where}", lo, hi, phi, o))
    return out


def _polya_form(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> sp.Poly:
    """``expr(beta, rho)`` rewritten as a polynomial in ``s, t, rho >= 0`` covering the cell."""
    deg = sp.Poly(expr, BETA).degree() if expr.has(BETA) else 0
    if lo == -sp.oo and hi == sp.oo:
        raise ValueError("cells must be bounded on at least one side")
    if lo == -sp.oo:
        form = expr.subs(BETA, hi - _T)
    elif hi == sp.oo:
        form = expr.subs(BETA, lo + _T)
    else:
        form = sp.cancel(expr.subs(BETA, (lo * _S + hi * _T) / (_S + _T)) * (_S + _T) ** deg)
    return sp.Poly(sp.expand(form), _S, _T, RHO)


@dataclass(frozen=True)
class CellResult:
    cell: Cell
    excess_numerator: sp.Expr
    certified: bool
    witness: dict[str, str] | None


def _probe_betas(cell: Cell) -> list[sp.Expr]:
    if cell.lo == -sp.oo:
        return [cell.hi - k for k in (0, 1, 10)]
    if cell.hi == sp.oo:
        return [cell.lo + k for k in (0, 1, 10)]
    return [cell.lo + (cell.hi - cell.lo) * sp.Rational(k, 4) for k in range(5)]


def certify_cell(ys: Vector, basis: Sequence[Vector], cell: Cell, claimed: sp.Expr) -> CellResult:
    """Certify ``best risk on the cell >= claimed`` for every kink in it and every rho >= 0.

    On failure, look for an exact witness (rational kink and rho with a smaller risk).
    """
    r_y = ls_residual(ys, basis)
    r_phi = ls_residual(cell.phi, basis)
    spp, spy, syy = _dot(r_phi, r_phi), _dot(r_phi, r_y), _dot(r_y, r_y)
    n = len(ys)
    numer = sp.expand(spp * (syy - n * claimed) - spy**2)
    form = _polya_form(numer, cell.lo, cell.hi)
    if all(c >= 0 for c in form.coeffs()):
        return CellResult(cell, sp.factor(numer), True, None)
    if _z3_nonnegative_on_cell(numer, cell):
        return CellResult(cell, sp.factor(numer), True, None)
    for beta in _probe_betas(cell):
        for rho in RHO_PROBES:
            at = {BETA: beta, RHO: rho}
            if spp.subs(at) > 0 and numer.subs(at) < 0:
                risk = (syy - spy**2 / spp).subs(at) / n
                witness = {
                    "beta": str(beta),
                    "rho": str(rho),
                    "risk": str(risk),
                    "claimed": str(claimed.subs(RHO, rho)),
                }
                return CellResult(cell, sp.factor(numer), False, witness)
    return CellResult(cell, sp.factor(numer), False, None)


def _z3_nonnegative_on_cell(numer: sp.Expr, cell: Cell) -> bool:
    """z3 (nonlinear real arithmetic) proves ``numer(beta, rho) >= 0`` on the cell, rho >= 0."""
    from verify import polynomial_sign

    constraints = [sp.Ge(RHO, 0, evaluate=False)]
    if cell.lo != -sp.oo:
        constraints.append(sp.Ge(BETA, cell.lo, evaluate=False))
    if cell.hi != sp.oo:
        constraints.append(sp.Le(BETA, cell.hi, evaluate=False))
    return polynomial_sign(numer, constraints, timeout_ms=5000).verdict is Verdict.HOLDS


def check_no_point_below(
    xs: Vector,
    ys: Vector,
    basis: Sequence[Vector],
    cells: Sequence[Cell],
    claimed: sp.Expr,
    model_name: str,
    base_name: str,
) -> tuple[Evidence, list[CellResult]]:
    """Risk >= ``claimed`` at every parameter point, for every rho > 0 (exact certificates).

    ``basis`` spans the predictions available without the unit (constants for
    the fully-connected net; affine functions for the ResNet): its best risk
    minus ``claimed`` must be a polynomial in rho with nonnegative coefficients.
    """
    base = sp.expand(ls_risk(ys, basis) - claimed)
    base_ok, _ = _nonneg_poly_in_rho(base)
    results = [certify_cell(ys, basis, c, claimed) for c in cells]
    bad = [r for r in results if not r.certified]
    witnesses = [r for r in bad if r.witness is not None]
    base_witness = None
    if not base_ok:
        base_witness = next((rho for rho in RHO_PROBES if base.subs(RHO, rho) < 0), None)
    if base_ok and not bad:
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            f"{model_name}: {base_name} and all {len(cells)} kink cells have risk >= {claimed} "
            "for every rho > 0 (nonnegative-coefficient certificates).",
            witness={"cells": [r.cell.name for r in results]},
        ), results
    if witnesses or base_witness is not None:
        wit = witnesses[0].witness if witnesses else {"rho": str(base_witness)}
        where = witnesses[0].cell.name if witnesses else base_name
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            f"{model_name}: a point with risk below {claimed} exists ({where}, {wit}).",
            witness=dict(wit or {}),
        ), results
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.EXACT,
        f"{model_name}: no certificate for cells {[r.cell.name for r in bad]} "
        f"(base ok: {base_ok}) and no exact witness found at the probe points.",
    ), results


def check_cells_cover(xs: Vector, cells: Sequence[Cell], orientations: Sequence[int]) -> Evidence:
    """The enumerated kink cells, plus the ranges where no sample is active (covered by the
    constant/affine base), cover every kink position beta in R, for every orientation.

    Decided by z3 (linear real arithmetic): "some beta lies in no range" unsat -> HOLDS;
    sat -> INCONCLUSIVE with the uncovered beta (re-checked exactly): a gap in the
    enumeration leaves the claim unproved, it does not refute it.
    """
    import z3

    lo_x, hi_x = min(xs), max(xs)
    for o in orientations:
        ranges = [(c.lo, c.hi) for c in cells if c.orientation == o]
        ranges.append((hi_x, sp.oo) if o > 0 else (-sp.oo, lo_x))  # unit inactive everywhere
        beta = z3.Real("beta")

        def inside(lo: sp.Expr, hi: sp.Expr, b: Any = beta) -> Any:
            parts = []
            if lo != -sp.oo:
                parts.append(b >= z3.RealVal(str(sp.Rational(lo))))
            if hi != sp.oo:
                parts.append(b <= z3.RealVal(str(sp.Rational(hi))))
            return z3.And(*parts) if parts else z3.BoolVal(True)

        solver = z3.Solver()
        solver.add(z3.Not(z3.Or(*[inside(lo, hi) for lo, hi in ranges])))
        answer = solver.check()
        if answer == z3.sat:
            value = solver.model().eval(beta, model_completion=True)
            b = sp.Rational(value.numerator_as_long(), value.denominator_as_long())
            if not any((lo == -sp.oo or lo <= b) and (hi == sp.oo or b <= hi) for lo, hi in ranges):
                return Evidence(
                    Verdict.INCONCLUSIVE,
                    Method.EXACT,
                    f"orientation {o:+d}: kink beta = {b} lies in no enumerated cell, so the "
                    "enumeration does not prove the claim",
                    witness={"orientation": o, "beta": str(b)},
                )
        if answer != z3.unsat:
            return Evidence(Verdict.INCONCLUSIVE, Method.EXACT, f"z3 answered {answer}")
    return Evidence(
        Verdict.HOLDS,
        Method.EXACT,
        f"the {len(cells)} cells and the inactive ranges cover every beta in R for "
        f"orientations {list(orientations)} (z3, linear real arithmetic)",
    )


def fc_params(cell: Cell, beta: sp.Expr, coef: Sequence[sp.Expr]) -> dict[str, Any]:
    """``a relu(u x + b) + c`` realising ``coef[0] + coef[1] * phi_beta``."""
    u = sp.Integer(cell.orientation)
    return {
        "layers[0].A": [[_fraction(u)]],
        "layers[0].b": [_fraction(-u * beta)],
        "w": [_fraction(coef[1])],
        "c": _fraction(coef[0]),
    }


def check_fc_engine(xs: Vector, ys: Vector, cells: Sequence[Cell]) -> Evidence:
    """Cross-check the cell formula against the library's exact risk (sampled kinks and rho)."""
    model = fully_connected(1, [1], "relu")
    checked = 0
    for cell in cells:
        beta = _probe_betas(cell)[1 if sp.oo in (-cell.lo, cell.hi) else 2]
        for rho in RHO_PROBES[1:4]:
            phi = [p.subs(BETA, beta) for p in cell.phi]
            y_at = _at(ys, rho)
            if all(p == phi[0] for p in phi):
                continue
            coef = ls_coefficients(y_at, [_ones(xs), phi])
            formula = ls_risk(y_at, [_ones(xs), phi])
            lib = _library_risk(model, fc_params(cell, beta, coef), xs, y_at)
            if lib != _fraction(formula):
                return Evidence(
                    Verdict.INCONCLUSIVE,
                    Method.EXACT,
                    f"cell {cell.name}, beta = {beta}, rho = {rho}: formula {formula} but the "
                    f"library's exact risk is {lib}; the two engines disagree.",
                )
            checked += 1
    return Evidence(
        Verdict.HOLDS,
        Method.EXACT,
        f"the library's exact risk equals the cell formula at {checked} sampled "
        "(kink, rho) pairs (a consistency check, not part of the proof).",
    )


# ---- claim 3: the one-unit ResNet -------------------------------------------


def _relu_sym(z: sp.Expr) -> sp.Expr | None:
    z = sp.simplify(z)
    if z.is_nonnegative:
        return z
    if z.is_nonpositive:
        return sp.Integer(0)
    return None


def resnet_predictions(xs: Vector, p: dict[str, sp.Expr]) -> list[sp.Expr] | None:
    """``w (x + v relu(u x + b)) + c`` at each sample; None if a ReLU sign is undecided."""
    out = []
    for x in xs:
        act = _relu_sym(p["u"] * x + p["b"])
        if act is None:
            return None
        out.append(p["w"] * (x + p["v"] * act) + p["c"])
    return out


def check_resnet_attains(
    xs: Vector, ys: Vector, params: dict[str, sp.Expr], claimed: sp.Expr
) -> Evidence:
    """The symbolic risk at ``params`` equals ``claimed`` for every rho > 0; library agrees."""
    for name, value in params.items():
        _, den = sp.fraction(sp.together(value))
        if not _positive_for_nonneg_rho(den):
            return Evidence(
                Verdict.INCONCLUSIVE,
                Method.EXACT,
                f"parameter {name} = {value} is not shown pole-free for rho > 0.",
            )
    preds = resnet_predictions(xs, params)
    if preds is None:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            "the sign of a pre-activation depends on rho; split the rho range.",
        )
    risk = sp.factor(sp.cancel(sum((f - y) ** 2 for f, y in zip(preds, ys, strict=True)) / len(ys)))
    witness = {k: str(v) for k, v in params.items()} | {"risk": str(risk)}
    if sp.cancel(risk - claimed) != 0:
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            f"the risk at the given point is {risk}, not {claimed}.",
            witness=witness,
        )
    model = resnet(1, [ONE_UNIT_RESNET_BLOCK], output_bias=True)
    for rho in RHO_PROBES:
        p = {k: _fraction(v.subs(RHO, rho)) for k, v in params.items()}
        lib = _library_risk(
            model,
            {
                "blocks[0].phi[0].A": [[p["u"]]],
                "blocks[0].phi[0].b": [p["b"]],
                "blocks[0].V": [[p["v"]]],
                "w": [p["w"]],
                "c": p["c"],
            },
            xs,
            _at(ys, rho),
        )
        if lib != _fraction(claimed.subs(RHO, rho)):
            return Evidence(
                Verdict.INCONCLUSIVE,
                Method.EXACT,
                f"SymPy gives {risk} but the library's exact risk at rho = {rho} "
                f"is {lib}; the two engines disagree.",
                witness=witness,
            )
    return Evidence(
        Verdict.HOLDS,
        Method.EXACT,
        f"risk at u={params['u']}, b={params['b']}, v={params['v']}, w={params['w']}, "
        f"c={params['c']} is {risk} for every rho > 0; the library's exact risk agrees at "
        f"rho in {{{', '.join(map(str, RHO_PROBES))}}}.",
        witness=witness,
    )


def check_strictly_better(smaller: sp.Expr, larger: sp.Expr) -> Evidence:
    """``smaller < larger`` for every rho > 0 (polynomial with nonnegative coefficients)."""
    gap = sp.factor(larger - smaller)
    ok, pos = _nonneg_poly_in_rho(sp.expand(larger - smaller))
    if ok and pos:
        return Evidence(
            Verdict.HOLDS, Method.EXACT, f"{larger} - {smaller} = {gap} > 0 for every rho > 0."
        )
    bad = next((r for r in RHO_PROBES if (larger - smaller).subs(RHO, r) <= 0), None)
    if bad is not None:
        return Evidence(
            Verdict.VIOLATED, Method.EXACT, f"{larger} - {smaller} = {gap} is <= 0 at rho = {bad}."
        )
    return Evidence(
        Verdict.INCONCLUSIVE, Method.EXACT, f"could not decide the sign of {gap} for all rho > 0."
    )


# ---- claim 4: the quoted R_2 formula -------------------------------------


def check_quoted_r2_range(r2: sp.Expr, r_lin: sp.Expr, upper: sp.Expr) -> Evidence:
    """``{rho > 0 : r2 < r_lin}`` is exactly the open interval ``(0, upper)``."""
    diff = sp.factor(sp.together(r2 - r_lin))
    _, den = sp.fraction(sp.together(r2))
    solved = sp.solveset(r2 - r_lin < 0, RHO, sp.Interval.open(0, sp.oo))
    target = sp.Interval.open(0, upper)
    same = (
        isinstance(solved, sp.Interval)
        and solved.left_open
        and solved.right_open
        and sp.simplify(solved.start) == 0
        and sp.simplify(solved.end - upper) == 0
    )
    witness = {"difference": str(diff), "solution": str(solved)}
    if not _positive_for_nonneg_rho(den):
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            f"denominator {den} not shown positive for rho > 0.",
            witness=witness,
        )
    if same:
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            f"R_2 - ({r_lin}) = {diff}; the denominator is positive, so R_2 < R_lin iff "
            f"rho in {target} (~ (0, {sp.N(upper, 6)})).",
            witness=witness,
        )
    return Evidence(
        Verdict.VIOLATED,
        Method.EXACT,
        f"R_2 < R_lin on {solved} over rho > 0, not on {target}.",
        witness=witness,
    )


# ---- report -----------------------------------------------------------------


TITLE = "Y5  Yun, Sra & Jadbabaie 2019: six-point dataset, rho > 0 symbolic"


def claims(
    xs: Vector | None = None,
    ys: Vector | None = None,
    claimed_lin: sp.Expr | None = None,
    claimed_resnet: sp.Expr | None = None,
    resnet_points: Sequence[dict[str, sp.Expr]] | None = None,
    quoted_r2: sp.Expr | None = None,
    r2_upper: sp.Expr | None = None,
    cell_filter: Callable[[list[Cell]], list[Cell]] | None = None,
) -> list[Claim]:
    """Run every check; arguments default to the module constants (tests override them)."""
    xs = X_DATA if xs is None else xs
    ys = Y_DATA if ys is None else ys
    lin = CLAIMED_R_LIN if claimed_lin is None else claimed_lin
    res = CLAIMED_RESNET_MIN if claimed_resnet is None else claimed_resnet
    points = RESNET_POINTS if resnet_points is None else resnet_points
    r2 = QUOTED_R2 if quoted_r2 is None else quoted_r2
    upper = CLAIMED_R2_UPPER if r2_upper is None else r2_upper

    ones = _ones(xs)
    keep = cell_filter or (lambda cells: cells)
    fc_cells = keep(kink_cells(xs, (1, -1)))
    fc_ev, fc_cells_done = check_no_point_below(
        xs,
        ys,
        [ones],
        fc_cells,
        lin,
        "width-1 ReLU net",
        "constant predictors (a = 0, u = 0, or no sample active)",
    )
    engine = check_fc_engine(xs, ys, fc_cells)
    fc = _combine(_combine(fc_ev, check_cells_cover(xs, fc_cells, (1, -1))), engine)
    rn_cells = keep(kink_cells(xs, (1,)))
    rn_low, rn_cells_done = check_no_point_below(
        xs,
        ys,
        [ones, list(xs)],
        rn_cells,
        res,
        "one-unit ResNet",
        "affine predictors (w v u = 0, or no kink inside the data)",
    )
    rn_low = _combine(rn_low, check_cells_cover(xs, rn_cells, (1,)))
    return [
        Claim(
            f"R_lin = {lin}",
            "[Q] value, [D] check",
            "least squares with intercept, symbolic rho",
            check_linear_risk(xs, ys, lin),
        ),
        Claim(
            f"width-1 ReLU net a*relu(u x + b) + c: no point has risk < {lin}",
            "[D]",
            "all kink cells and orientations, every rho > 0",
            fc,
            details=_cell_lines(fc_cells_done),
        ),
        Claim(
            f"one-unit ResNet attains {res} (kink at x = 2 and at x = 3)",
            "[D]",
            "explicit parameters, rational functions of rho",
            _conjunction([check_resnet_attains(xs, ys, pt, res) for pt in points]),
        ),
        Claim(
            f"one-unit ResNet: no point has risk < {res}",
            "[D]",
            "all kink cells, every rho > 0",
            rn_low,
            details=_cell_lines(rn_cells_done),
        ),
        Claim(
            f"{res} < {lin} for every rho > 0",
            "[D]",
            "sign of the difference",
            check_strictly_better(res, lin),
        ),
        Claim(
            "R_2(theta_2) < R_lin iff 0 < rho < (3 + 3 sqrt 21)/4",
            "[Q] formula, [D] algebra",
            "solution set of the inequality over rho > 0",
            check_quoted_r2_range(r2, lin, upper),
        ),
        Claim(
            "R_2(theta_2) = rho^2 (12 rho^2 + 82 rho + 215)/(21 rho^2 + 156 rho + 420)",
            "[Q]",
            "nothing (quoted, not reproduced)",
            None,
            note="theta_2 and the architecture behind the formula could not be reconstructed "
            "(docs/claims.md Y5); only the algebra of the inequality above is checked.",
        ),
    ]


def _cell_lines(done: Sequence[CellResult]) -> tuple[str, ...]:
    return tuple(
        f"{r.cell.name}: excess numerator N = {r.excess_numerator}"
        f"  [{'certified >= 0' if r.certified else 'NOT certified'}]"
        for r in done
    )


def _conjunction(parts: Sequence[Evidence]) -> Evidence:
    verdict = all_of(e.verdict for e in parts)
    return Evidence(verdict, Method.EXACT, " ".join(e.reason for e in parts))


def _combine(main_ev: Evidence, cross: Evidence) -> Evidence:
    verdict = all_of([main_ev.verdict, cross.verdict])
    return Evidence(
        verdict,
        main_ev.method,
        f"{main_ev.reason} Cross-check: {cross.reason}",
        witness=main_ev.witness,
    )


def main() -> int:
    """Print every claim; exit 0 only if every asserted claim is reproduced."""
    return run_script(TITLE, claims)


if __name__ == "__main__":
    raise SystemExit(main())
