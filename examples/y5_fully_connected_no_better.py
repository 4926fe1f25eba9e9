r"""Y5: on the six-point data a width-1 ReLU net never beats the linear predictor.

Statement
    Data ``X = [0, 1, 2, 3, 4, 5]``, ``Y = [-rho, 1-rho, 2+rho, 3-rho, 4+rho, 5+rho]``,
    ``rho > 0``; squared loss as the *mean* of ``(p - y)^2`` (no 1/2); every predictor has
    an intercept. 1. ``R_lin = 8 rho^2 / 15``. 2. The width-1 fully-connected ReLU net
    ``a relu(u x + b) + c`` has no point (local minimum or not) with risk below
    ``8 rho^2 / 15``. (The contrast -- a one-unit ResNet reaches ``29 rho^2 / 57`` -- and the
    paper's quoted ``R_2`` formula are in ``y5_resnet_strictly_better.py``.)

Reference
    Yun, Sra & Jadbabaie 2019, example; CLAIMS.md Y5: 1 [Q value, D check], 2 [D].

Checked
    Every asserted check is EXACT (SymPy with a symbolic ``rho``: valid for **all**
    ``rho > 0``, no numeric step and no sweep). (1) proof-kit least squares, cross-checked
    with the library's exact risk of ``linear_predictor`` at rational ``rho``. (2) cell
    enumeration (proof kit, :mod:`verify.proofkit.positivity`): for ``u > 0`` the net is
    ``c + m (x - beta)_+``, for ``u < 0`` ``c + m (beta - x)_+``; on each kink cell the best
    risk over ``(c, m)`` is a rational function of ``(beta, rho)`` whose excess over the
    bound is certified nonnegative by a Polya-type certificate (or z3); constants by
    nonnegative coefficients in ``rho``; z3 proves the cells cover every ``beta``; the
    cell formula is cross-checked with the library's exact risk of
    ``fully_connected(1, [1], "relu")``. A failed certificate looks for an exact witness
    (rational kink and ``rho`` below the claim, a real network): VIOLATED; neither gives
    INCONCLUSIVE.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from verify import (
    BETA,
    Cell,
    CellResult,
    Claim,
    Evidence,
    Method,
    cell_lines,
    cells_cover,
    conjunction,
    evidence,
    first_disagreement,
    fully_connected,
    kink_cells,
    least_squares,
    linear_predictor,
    model_risk,
    no_point_below,
    probe_betas,
    run_script,
    to_fraction,
)

TITLE = "Y5  Yun, Sra & Jadbabaie 2019: six-point data, width-1 ReLU net vs R_lin, rho > 0 symbolic"
RHO = sp.Symbol("rho", positive=True)
X_DATA: tuple[sp.Expr, ...] = tuple(sp.Integer(i) for i in range(6))
Y_DATA: tuple[sp.Expr, ...] = tuple(
    x + s * RHO for x, s in zip(X_DATA, (-1, -1, 1, -1, 1, 1), strict=True)
)
CLAIMED_R_LIN: sp.Expr = sp.Rational(8, 15) * RHO**2
# Rational rho at which exact-engine cross-checks and witness searches run.
RHO_PROBES: tuple[sp.Rational, ...] = tuple(
    sp.Rational(p) for p in ("1/10", "1/2", "1", "2", "7/2", "5", "10")
)
Vector = Sequence[sp.Expr]
EXACT = Method.EXACT
PROBES = f"rho in {{{', '.join(map(str, RHO_PROBES))}}}"


def _at(values: Vector, rho: sp.Expr) -> list[sp.Expr]:
    return [v.subs(RHO, rho) for v in values]


def check_linear_risk(xs: Vector, ys: Vector, claimed: sp.Expr) -> Evidence:
    """``R_lin`` (least squares with intercept, symbolic rho) equals ``claimed`` identically."""
    fit = least_squares([list(xs)], ys, intercept=True)
    (slope, icpt), risk, diff = fit.coef, sp.factor(fit.risk), sp.factor(fit.risk - claimed)
    witness = {"R_lin": str(risk), "claimed": str(claimed)}
    if diff != 0:
        text = f"R_lin = {risk} differs from the claim by {diff}, a nonzero rational function."
        return evidence(False, EXACT, text, witness=witness)
    model = linear_predictor(1, intercept=True)
    bad = first_disagreement(
        claimed,
        lambda rho: model_risk(
            model,
            {"w": [to_fraction(slope.subs(RHO, rho)), to_fraction(icpt.subs(RHO, rho))]},
            xs,
            _at(ys, rho),
        ),
        RHO,
        RHO_PROBES,
    )
    text = f"R_lin = {risk} for every rho (slope {slope}, intercept {icpt}); the library agrees"
    text = f"SymPy gives R_lin = {claimed} but {bad}" if bad else f"{text} at {PROBES}."
    return evidence(not bad or None, EXACT, text, witness=witness)


def check_no_point_below(xs: Vector, ys: Vector, *rest: Any) -> tuple[Evidence, list[CellResult]]:
    """Risk >= ``claimed`` at every point for every rho > 0 (exact certificates); ``rest`` is
    ``(basis, cells, claimed, model_name, base_name)`` of :func:`verify.no_point_below`."""
    return no_point_below(ys, *rest, param=RHO, probes=RHO_PROBES)


def fc_params(cell: Cell, beta: sp.Expr, coef: Sequence[sp.Expr]) -> dict[str, Any]:
    """``a relu(u x + b) + c`` realising ``coef[0] * phi_beta + coef[1]``."""
    u, (m, c) = sp.Integer(cell.orientation), map(to_fraction, coef)
    return {"layers[0].A": [[int(u)]], "layers[0].b": [to_fraction(-u * beta)], "w": [m], "c": c}


def check_fc_engine(xs: Vector, ys: Vector, cells: Sequence[Cell]) -> Evidence:
    """Cross-check the cell formula against the library's exact risk (sampled kinks and rho)."""
    model, checked = fully_connected(1, [1], "relu"), 0
    for cell in cells:
        beta = probe_betas(cell)[1 if sp.oo in (-cell.lo, cell.hi) else 2]
        phi = [p.subs(BETA, beta) for p in cell.phi]
        for rho in RHO_PROBES[1:4] if any(p != phi[0] for p in phi) else ():
            fit = least_squares([phi], _at(ys, rho), intercept=True)
            lib = model_risk(model, fc_params(cell, beta, fit.coef), xs, _at(ys, rho))
            if lib != to_fraction(fit.risk):
                return evidence(
                    None,
                    EXACT,
                    f"cell {cell.name}, beta = {beta}, rho = {rho}: formula {fit.risk} but the "
                    f"library's exact risk is {lib}.",
                )
            checked += 1
    return evidence(
        True,
        EXACT,
        f"the library's exact risk equals the cell formula at {checked} sampled (kink, rho) pairs "
        "(a consistency check, not part of the proof).",
    )


def claims(cell_filter: Callable[[list[Cell]], list[Cell]] | None = None) -> list[Claim]:
    """Every claim at the module constants (tests monkeypatch them); ``cell_filter`` drops
    cells (the mutation test checks that an incomplete enumeration no longer HOLDS)."""
    xs, ys, lin = X_DATA, Y_DATA, CLAIMED_R_LIN
    ones, keep = [sp.Integer(1)] * len(xs), cell_filter or (lambda cells: cells)
    fc_cells = keep(kink_cells(xs, (1, -1)))
    fc_ev, fc_done = check_no_point_below(
        xs,
        ys,
        [ones],
        fc_cells,
        lin,
        "width-1 ReLU net",
        "constant predictors (a = 0, u = 0, or no sample active)",
    )
    fc = conjunction(
        fc_ev,
        cells_cover(xs, fc_cells, (1, -1)),
        check_fc_engine(xs, ys, fc_cells),
        sep=" Cross-check: ",
    )
    # fmt: off
    return [
        Claim(f"R_lin = {lin}", "[Q] value, [D] check",
              "least squares with intercept, symbolic rho", check_linear_risk(xs, ys, lin)),
        Claim(f"width-1 ReLU net a*relu(u x + b) + c: no point has risk < {lin}", "[D]",
              "all kink cells and orientations, every rho > 0", fc, details=cell_lines(fc_done)),
    ]
    # fmt: on


def main() -> int:
    """Print every claim; exit 0 only if every asserted claim is reproduced."""
    return run_script(TITLE, claims)


if __name__ == "__main__":
    raise SystemExit(main())
