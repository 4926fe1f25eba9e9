r"""Pólya-type positivity certificates for one-kink ReLU fits on scalar data.

Setting (CLAIMS.md Y5 [D]): scalar samples ``x_i``, labels ``y_i`` depending on a
parameter ``p >= 0`` (e.g. ``rho``), predictors ``span(basis) + m phi_beta`` where
``phi_beta`` is one ReLU unit ``(x - beta)_+`` (orientation ``+1``) or
``(beta - x)_+`` (``-1``) with its kink at ``beta``. On each *cell* (a closed gap
between samples, or a half-line outside them) ``phi_beta`` is one polynomial in
``beta`` at every sample, and the best risk is ``(S_yy - S_py^2 / S_pp) / n``
(residual sums after projecting out ``basis``). Its excess over a claimed bound is
``N(beta, p) / (n S_pp)``; :func:`certify_cell` proves ``N >= 0`` on the cell for
every ``p >= 0`` by writing ``beta = (lo s + hi t)/(s + t)`` (``beta = hi - t`` /
``lo + t`` on half-lines) and checking that ``(s + t)^deg N`` has only nonnegative
coefficients in ``s, t, p`` (Pólya), else with z3 (nonlinear real arithmetic).
If neither certifies, it looks for an exact witness (rational ``beta``, ``p``) with
a smaller risk. :func:`no_point_below` runs every cell plus the base span;
:func:`cells_cover` proves with z3 that the cells cover every ``beta`` in R.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from verify.proofkit.exact import dot, least_squares
from verify.proofkit.smt import polynomial_sign
from verify.verdict import Evidence, Method, Verdict

BETA = sp.Symbol("beta", real=True)
_S = sp.Symbol("s", nonnegative=True)
_T = sp.Symbol("t", nonnegative=True)

Vector = Sequence[Any]


@dataclass(frozen=True)
class Cell:
    """Kink positions ``[lo, hi]`` on which the feature is one polynomial in :data:`BETA`.

    ``phi`` is the feature at each sample; ``orientation`` the sign of ``u``.
    """

    name: str
    lo: sp.Expr
    hi: sp.Expr
    phi: tuple[sp.Expr, ...]
    orientation: int


@dataclass(frozen=True)
class CellResult:
    cell: Cell
    excess_numerator: sp.Expr
    certified: bool
    witness: dict[str, str] | None


def kink_cells(xs: Vector, orientations: Sequence[int]) -> list[Cell]:
    """Every kink range (half-lines outside the data, closed gaps between samples),
    omitting ranges where the unit is inactive on every sample (constant predictor)."""
    pts = sorted(set(xs))
    out: list[Cell] = []
    for o in orientations:
        for lo, hi in [(-sp.oo, pts[0]), *itertools.pairwise(pts), (pts[-1], sp.oo)]:
            if o > 0:  # (x - beta)_+, active where x >= hi
                phi = tuple(x - BETA if x >= hi else sp.Integer(0) for x in xs)
            else:  # (beta - x)_+, active where x <= lo
                phi = tuple(BETA - x if x <= lo else sp.Integer(0) for x in xs)
            if all(p == 0 for p in phi):
                continue
            where = (
                f"beta <= {hi}"
                if lo == -sp.oo
                else (f"beta >= {lo}" if hi == sp.oo else f"beta in [{lo}, {hi}]")
            )
            out.append(Cell(f"{'u > 0' if o > 0 else 'u < 0'}, {where}", lo, hi, phi, o))
    return out


def polya_form(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr, param: sp.Symbol) -> sp.Poly:
    """``expr(beta, param)`` as a polynomial in ``s, t, param >= 0`` covering ``[lo, hi]``."""
    deg = sp.Poly(expr, BETA).degree() if expr.has(BETA) else 0
    if lo == -sp.oo and hi == sp.oo:
        raise ValueError("cells must be bounded on at least one side")
    if lo == -sp.oo:
        form = expr.subs(BETA, hi - _T)
    elif hi == sp.oo:
        form = expr.subs(BETA, lo + _T)
    else:
        form = sp.cancel(expr.subs(BETA, (lo * _S + hi * _T) / (_S + _T)) * (_S + _T) ** deg)
    return sp.Poly(sp.expand(form), _S, _T, param)


def nonnegative_coefficients(expr: sp.Expr, param: sp.Symbol) -> tuple[bool, bool]:
    """(every coefficient of ``expr`` as a polynomial in ``param`` is >= 0, some is > 0)."""
    coeffs = sp.Poly(sp.expand(expr), param).coeffs() if expr != 0 else []
    return all(c >= 0 for c in coeffs), any(c > 0 for c in coeffs)


def probe_betas(cell: Cell) -> list[sp.Expr]:
    """A few rational kink positions inside the cell."""
    if cell.lo == -sp.oo:
        return [cell.hi - k for k in (0, 1, 10)]
    if cell.hi == sp.oo:
        return [cell.lo + k for k in (0, 1, 10)]
    return [cell.lo + (cell.hi - cell.lo) * sp.Rational(k, 4) for k in range(5)]


def certify_cell(
    ys: Vector,
    basis: Sequence[Vector],
    cell: Cell,
    claimed: sp.Expr,
    param: sp.Symbol,
    probes: Sequence[sp.Expr],
) -> CellResult:
    """Certify ``best risk on the cell >= claimed`` for every kink in it and ``param >= 0``;
    on failure look for an exact witness at ``probe_betas(cell) x probes``."""
    r_y = least_squares(basis, ys).residual
    r_phi = least_squares(basis, cell.phi).residual
    spp, spy, syy = dot(r_phi, r_phi), dot(r_phi, r_y), dot(r_y, r_y)
    n = len(ys)
    numer = sp.expand(spp * (syy - n * claimed) - spy**2)
    if all(c >= 0 for c in polya_form(numer, cell.lo, cell.hi, param).coeffs()):
        return CellResult(cell, sp.factor(numer), True, None)
    constraints = [sp.Ge(param, 0, evaluate=False)]
    if cell.lo != -sp.oo:
        constraints.append(sp.Ge(BETA, cell.lo, evaluate=False))
    if cell.hi != sp.oo:
        constraints.append(sp.Le(BETA, cell.hi, evaluate=False))
    if polynomial_sign(numer, constraints, timeout_ms=5000).verdict is Verdict.HOLDS:
        return CellResult(cell, sp.factor(numer), True, None)
    for beta, p in itertools.product(probe_betas(cell), probes):
        at = {BETA: beta, param: p}
        if spp.subs(at) > 0 and numer.subs(at) < 0:
            risk = (syy - spy**2 / spp).subs(at) / n
            witness = {"beta": str(beta), str(param): str(p), "risk": str(risk)}
            witness["claimed"] = str(claimed.subs(param, p))
            return CellResult(cell, sp.factor(numer), False, witness)
    return CellResult(cell, sp.factor(numer), False, None)


def no_point_below(
    ys: Vector,
    basis: Sequence[Vector],
    cells: Sequence[Cell],
    claimed: sp.Expr,
    model_name: str,
    base_name: str,
    *,
    param: sp.Symbol,
    probes: Sequence[sp.Expr],
) -> tuple[Evidence, list[CellResult]]:
    """Risk >= ``claimed`` for every predictor in ``span(basis) + m phi_beta``, every
    ``param > 0`` (EXACT certificates). The base span's excess must be a polynomial in
    ``param`` with nonnegative coefficients. A witness gives VIOLATED; neither gives
    INCONCLUSIVE."""
    base = sp.expand(least_squares(basis, ys).risk - claimed)
    base_ok, _ = nonnegative_coefficients(base, param)
    results = [certify_cell(ys, basis, c, claimed, param, probes) for c in cells]
    bad = [r for r in results if not r.certified]
    witnesses = [r for r in bad if r.witness is not None]
    base_witness = None if base_ok else next((p for p in probes if base.subs(param, p) < 0), None)
    if base_ok and not bad:
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            f"{model_name}: {base_name} and all {len(cells)} kink cells have risk >= {claimed} "
            f"for every {param} > 0 (nonnegative-coefficient certificates).",
            witness={"cells": [r.cell.name for r in results]},
        ), results
    if witnesses or base_witness is not None:
        wit = witnesses[0].witness if witnesses else {str(param): str(base_witness)}
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


def cells_cover(xs: Vector, cells: Sequence[Cell], orientations: Sequence[int]) -> Evidence:
    """The cells plus the ranges where no sample is active cover every ``beta`` in R, per
    orientation. z3 (linear real arithmetic): unsat -> HOLDS; sat -> INCONCLUSIVE with
    the uncovered ``beta`` (re-checked exactly): a gap leaves the claim unproved."""
    import z3

    lo_x, hi_x = min(xs), max(xs)
    beta = z3.Real("beta")
    for o in orientations:
        ranges = [(c.lo, c.hi) for c in cells if c.orientation == o]
        ranges.append((hi_x, sp.oo) if o > 0 else (-sp.oo, lo_x))  # unit inactive everywhere

        def inside(lo: sp.Expr, hi: sp.Expr) -> Any:
            parts = [beta >= z3.RealVal(str(sp.Rational(lo)))] if lo != -sp.oo else []
            parts += [beta <= z3.RealVal(str(sp.Rational(hi)))] if hi != sp.oo else []
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


def cell_lines(done: Sequence[CellResult]) -> tuple[str, ...]:
    """One line per enumerated cell: its excess numerator and whether it was certified."""
    return tuple(
        f"{r.cell.name}: excess numerator N = {r.excess_numerator}  "
        f"[{'certified >= 0' if r.certified else 'NOT certified'}]"
        for r in done
    )
