r"""Y5: on the six-point data a one-unit ResNet is strictly better than the linear predictor.

Statement
    Data ``X = [0, 1, 2, 3, 4, 5]``, ``Y = [-rho, 1-rho, 2+rho, 3-rho, 4+rho, 5+rho]``,
    ``rho > 0``; squared loss as the *mean* of ``(p - y)^2`` (no 1/2); every predictor has
    an intercept; ``R_lin = 8 rho^2 / 15`` (checked in ``y5_fully_connected_no_better.py``,
    with the width-1 fully-connected net that never beats it). 3. The one-unit ResNet
    ``w (x + v relu(u x + b)) + c`` has global minimum ``29 rho^2 / 57 < 8 rho^2 / 15``,
    attained with the kink at ``x = 2`` or ``x = 3``. 4. The paper's ``R_2(theta_2) =
    rho^2 (12 rho^2 + 82 rho + 215) / (21 rho^2 + 156 rho + 420)`` is below
    ``8 rho^2 / 15`` exactly for ``0 < rho < (3 + 3 sqrt 21) / 4``.

Reference
    Yun, Sra & Jadbabaie 2019, example; CLAIMS.md Y5: 3 [D], 4 [Q formula, D algebra]. The
    formula of 4 is *quoted, not reproduced*: neither ``theta_2`` nor the architecture
    behind it could be reconstructed.

Checked
    Every asserted check is EXACT (SymPy with a symbolic ``rho``: valid for **all**
    ``rho > 0``, no numeric step and no sweep). (3) explicit parameters, rational in ``rho``
    (``u = 1, b = -2, v = -7 rho/(12 rho + 19), w = (12 rho + 19)/19, c = -23 rho/19`` and
    the kink-at-3 point): the symbolic risk is ``29 rho^2/57`` identically (library agrees
    at rational ``rho``); the lower bound by cell enumeration on ``span{1, x,
    (x - beta)_+}`` (proof kit, :mod:`verify.proofkit.positivity`: Polya-type certificates
    or z3 per kink cell, z3 for the cover). A failed certificate looks for an exact witness
    (rational kink and ``rho`` below the claim, a real network): VIOLATED; neither gives
    INCONCLUSIVE. ``29/57 < 8/15`` by the sign of the difference. (4) SymPy ``solveset`` of
    ``R_2 < 8 rho^2/15`` over ``rho > 0``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from verify import (
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
    kink_cells,
    model_risk,
    no_point_below,
    nonnegative_coefficients,
    resnet,
    run_script,
    to_fraction,
)

TITLE = "Y5  Yun, Sra & Jadbabaie 2019: six-point data, one-unit ResNet vs R_lin, rho > 0 symbolic"
RHO = sp.Symbol("rho", positive=True)
X_DATA: tuple[sp.Expr, ...] = tuple(sp.Integer(i) for i in range(6))
Y_DATA: tuple[sp.Expr, ...] = tuple(
    x + s * RHO for x, s in zip(X_DATA, (-1, -1, 1, -1, 1, 1), strict=True)
)
CLAIMED_R_LIN: sp.Expr = sp.Rational(8, 15) * RHO**2
CLAIMED_RESNET_MIN: sp.Expr = sp.Rational(29, 57) * RHO**2
QUOTED_R2: sp.Expr = RHO**2 * (12 * RHO**2 + 82 * RHO + 215) / (21 * RHO**2 + 156 * RHO + 420)
CLAIMED_R2_UPPER: sp.Expr = (3 + 3 * sp.sqrt(21)) / 4
# Global minimisers of the one-unit ResNet, kink at x = 2 and x = 3 (least squares on
# span{1, x, (x - k)_+}, prediction c + w x + m (x - k)_+, so v = m / w with u = 1, b = -k).
# fmt: off
RESNET_POINTS: tuple[dict[str, sp.Expr], ...] = (
    {"u": sp.Integer(1), "b": sp.Integer(-2), "v": -7 * RHO / (12 * RHO + 19),
     "w": (12 * RHO + 19) / 19, "c": -23 * RHO / 19},
    {"u": sp.Integer(1), "b": sp.Integer(-3), "v": 7 * RHO / (5 * RHO + 19),
     "w": (5 * RHO + 19) / 19, "c": -16 * RHO / 19},
)
# fmt: on
# Rational rho at which exact-engine cross-checks and witness searches run.
RHO_PROBES: tuple[sp.Rational, ...] = tuple(
    sp.Rational(p) for p in ("1/10", "1/2", "1", "2", "7/2", "5", "10")
)
ONE_UNIT_RESNET_BLOCK = {"activation": "relu", "hidden": [1], "bias": True}
Vector = Sequence[sp.Expr]
EXACT = Method.EXACT
PROBES = f"rho in {{{', '.join(map(str, RHO_PROBES))}}}"


def _at(values: Vector, rho: sp.Expr) -> list[sp.Expr]:
    return [v.subs(RHO, rho) for v in values]


def _positive_for_nonneg_rho(expr: sp.Expr) -> bool:
    """A polynomial in rho with nonnegative coefficients, positive at 0."""
    return nonnegative_coefficients(expr, RHO)[0] and sp.expand(expr).subs(RHO, 0) > 0


def check_no_point_below(xs: Vector, ys: Vector, *rest: Any) -> tuple[Evidence, list[CellResult]]:
    """Risk >= ``claimed`` at every point for every rho > 0 (exact certificates); ``rest`` is
    ``(basis, cells, claimed, model_name, base_name)`` of :func:`verify.no_point_below`."""
    return no_point_below(ys, *rest, param=RHO, probes=RHO_PROBES)


def resnet_predictions(xs: Vector, p: dict[str, sp.Expr]) -> list[sp.Expr] | None:
    """``w (x + v relu(u x + b)) + c`` at each sample; None if a ReLU sign is undecided."""
    out = []
    for x in xs:
        z = sp.simplify(p["u"] * x + p["b"])
        if not (z.is_nonnegative or z.is_nonpositive):
            return None
        out.append(p["w"] * (x + p["v"] * (z if z.is_nonnegative else 0)) + p["c"])
    return out


def check_resnet_attains(
    xs: Vector, ys: Vector, params: dict[str, sp.Expr], claimed: sp.Expr
) -> Evidence:
    """The symbolic risk at ``params`` equals ``claimed`` for every rho > 0; library agrees."""
    poles = [
        k for k, v in params.items() if not _positive_for_nonneg_rho(sp.fraction(sp.together(v))[1])
    ]
    if poles:
        return evidence(
            None,
            EXACT,
            f"parameter {poles[0]} = {params[poles[0]]} is not shown pole-free for rho > 0.",
        )
    if (preds := resnet_predictions(xs, params)) is None:
        return evidence(
            None, EXACT, "the sign of a pre-activation depends on rho; split the rho range."
        )
    risk = sp.factor(sp.cancel(sum((f - y) ** 2 for f, y in zip(preds, ys, strict=True)) / len(ys)))
    witness = {k: str(v) for k, v in params.items()} | {"risk": str(risk)}
    if sp.cancel(risk - claimed) != 0:
        return evidence(
            False, EXACT, f"the risk at the given point is {risk}, not {claimed}.", witness=witness
        )
    model = resnet(1, [ONE_UNIT_RESNET_BLOCK], output_bias=True)
    names = {
        "u": "blocks[0].phi[0].A",
        "b": "blocks[0].phi[0].b",
        "v": "blocks[0].V",
        "w": "w",
        "c": "c",
    }
    shapes = {"u": 2, "b": 1, "v": 2, "w": 1, "c": 0}  # nesting depth of each parameter

    def library_risk(rho: sp.Expr) -> Any:
        nested = {
            names[k]: _nest(to_fraction(v.subs(RHO, rho)), shapes[k]) for k, v in params.items()
        }
        return model_risk(model, nested, xs, _at(ys, rho))

    bad = first_disagreement(claimed, library_risk, RHO, RHO_PROBES)
    shown = ", ".join(f"{k}={v}" for k, v in params.items())
    text = f"risk at {shown} is {risk} for every rho > 0; the library's exact risk agrees"
    text = f"SymPy gives {risk} but {bad}" if bad else f"{text} at {PROBES}."
    return evidence(not bad or None, EXACT, text, witness=witness)


def _nest(v: Any, depth: int) -> Any:
    return v if depth == 0 else [_nest(v, depth - 1)]


def check_strictly_better(smaller: sp.Expr, larger: sp.Expr) -> Evidence:
    """``smaller < larger`` for every rho > 0 (polynomial with nonnegative coefficients)."""
    gap = sp.factor(larger - smaller)
    ok, pos = nonnegative_coefficients(sp.expand(larger - smaller), RHO)
    if ok and pos:
        return evidence(True, EXACT, f"{larger} - {smaller} = {gap} > 0 for every rho > 0.")
    bad = next((r for r in RHO_PROBES if (larger - smaller).subs(RHO, r) <= 0), None)
    if bad is not None:
        return evidence(False, EXACT, f"{larger} - {smaller} = {gap} is <= 0 at rho = {bad}.")
    return evidence(None, EXACT, f"could not decide the sign of {gap} for all rho > 0.")


def check_quoted_r2_range(r2: sp.Expr, r_lin: sp.Expr, upper: sp.Expr) -> Evidence:
    """``{rho > 0 : r2 < r_lin}`` is exactly the open interval ``(0, upper)``."""
    diff, den = sp.factor(sp.together(r2 - r_lin)), sp.fraction(sp.together(r2))[1]
    solved = sp.solveset(r2 - r_lin < 0, RHO, sp.Interval.open(0, sp.oo))
    target = sp.Interval.open(0, upper)
    same = isinstance(solved, sp.Interval) and solved.left_open and solved.right_open
    same = same and sp.simplify(solved.start) == 0 and sp.simplify(solved.end - upper) == 0
    witness = {"difference": str(diff), "solution": str(solved)}
    if not _positive_for_nonneg_rho(den):
        return evidence(
            None, EXACT, f"denominator {den} not shown positive for rho > 0.", witness=witness
        )
    if same:
        return evidence(
            True,
            EXACT,
            f"R_2 - ({r_lin}) = {diff}; the denominator is positive, so R_2 < R_lin iff rho in "
            f"{target} (~ (0, {sp.N(upper, 6)})).",
            witness=witness,
        )
    return evidence(
        False, EXACT, f"R_2 < R_lin on {solved} over rho > 0, not on {target}.", witness=witness
    )


def claims(cell_filter: Callable[[list[Cell]], list[Cell]] | None = None) -> list[Claim]:
    """Every claim at the module constants (tests monkeypatch them); ``cell_filter`` drops
    cells (the mutation test checks that an incomplete enumeration no longer HOLDS)."""
    xs, ys, lin, res = X_DATA, Y_DATA, CLAIMED_R_LIN, CLAIMED_RESNET_MIN
    ones, keep = [sp.Integer(1)] * len(xs), cell_filter or (lambda cells: cells)
    rn_cells = keep(kink_cells(xs, (1,)))
    rn_ev, rn_done = check_no_point_below(
        xs,
        ys,
        [ones, list(xs)],
        rn_cells,
        res,
        "one-unit ResNet",
        "affine predictors (w v u = 0, or no kink inside the data)",
    )
    rn = conjunction(rn_ev, cells_cover(xs, rn_cells, (1,)), sep=" Cross-check: ")
    attains = conjunction(*[check_resnet_attains(xs, ys, pt, res) for pt in RESNET_POINTS], sep=" ")
    # fmt: off
    return [
        Claim(f"one-unit ResNet attains {res} (kink at x = 2 and at x = 3)", "[D]",
              "explicit parameters, rational functions of rho", attains),
        Claim(f"one-unit ResNet: no point has risk < {res}", "[D]",
              "all kink cells, every rho > 0", rn, details=cell_lines(rn_done)),
        Claim(f"{res} < {lin} for every rho > 0", "[D]", "sign of the difference",
              check_strictly_better(res, lin)),
        Claim("R_2(theta_2) < R_lin iff 0 < rho < (3 + 3 sqrt 21)/4", "[Q] formula, [D] algebra",
              "solution set of the inequality over rho > 0",
              check_quoted_r2_range(QUOTED_R2, lin, CLAIMED_R2_UPPER)),
        Claim("R_2(theta_2) = rho^2 (12 rho^2 + 82 rho + 215)/(21 rho^2 + 156 rho + 420)", "[Q]",
              "nothing (quoted, not reproduced)", None,
              note="theta_2 and the architecture behind the formula could not be reconstructed "
              "(docs/claims.md Y5); only the algebra of the inequality above is checked."),
    ]
    # fmt: on


def main() -> int:
    """Print every claim; exit 0 only if every asserted claim is reproduced."""
    return run_script(TITLE, claims)


if __name__ == "__main__":
    raise SystemExit(main())
