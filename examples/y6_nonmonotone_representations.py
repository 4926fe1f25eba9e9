r"""Y6: at a global minimum of a 2-block ResNet the representations need not improve.

Statement
    Data ``X = [1, 5/2, 3]``, ``Y = [1, 3, 2]``, mean squared error without 1/2. The best
    line on ``x`` (with intercept) has slope ``9/13`` and risk ``R_lin(x) = 25/78``. For the
    scalar 2-block ReLU ResNet

        h_0 = x,   h_l = h_{l-1} + v_l relu(u_l h_{l-1} + b_l)  (l = 1, 2),   f = w h_2 + c,

    there is a global minimum (risk exactly 0) at which the best line on the first block's
    output is *worse* than on the input: ``R_lin(h_1) > R_lin(x)``.

Reference
    Yun, Sra & Jadbabaie 2019, abstract [S] and example data [Q]; the concrete form is
    derived here [D]; CLAIMS.md Y6. How ``PARAMS`` were found (by hand, no search): block 1
    puts its kink at ``x = 11/4`` and stretches the last sample, ``h_1 = [1, 5/2, 4]``; on
    these equally spaced points the labels ``1, 3, 2`` are V-shaped, so the best line on
    ``h_1`` has risk 1/2. Block 2 puts its kink at ``h = 3`` and pulls the last sample to
    ``7/4``, so ``h_2 = (3 y + 1)/4``; ``w = 4/3, c = -1/3`` inverts it. (Random global
    minima have this property only about 5% of the time; the claim is existential, and
    one exact witness proves it.)

Checked
    Every check is EXACT (``Fraction`` by hand and ``fmpq`` through the library):
    1. ``R_lin(x) = 25/78`` with slope ``9/13`` (exact least squares, proof kit);
    2. the library's exact risk of ``resnet(1, [relu block, hidden [1], bias] * 2,
       output_bias=True)`` at ``PARAMS`` is 0 and a by-hand forward pass agrees; the risk
       is ``>= 0``, so this is a global minimum;
    3. the exact gradient is 0 and the kink margin is positive (twice differentiable);
    4. ``R_lin(h_1) = 1/2 > 25/78`` (and ``R_lin(h_2) = 0``), ``h_1`` cross-checked
       against the library's one-block output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from verify import (
    Claim,
    Dataset,
    Evidence,
    Landscape,
    Method,
    Objective,
    evidence,
    least_squares,
    loss,
    resnet,
    run_script,
    to_fraction,
)

TITLE = "Y6  Yun, Sra & Jadbabaie 2019: non-monotone block representations at a global minimum"
X_DATA: tuple[Fraction, ...] = (Fraction(1), Fraction(5, 2), Fraction(3))
Y_DATA: tuple[Fraction, ...] = (Fraction(1), Fraction(3), Fraction(2))
CLAIMED_SLOPE = Fraction(9, 13)
CLAIMED_R_LIN = Fraction(25, 78)
# Constructed by hand; see the module docstring.
PARAMS: dict[str, Fraction] = {
    "u1": Fraction(2),
    "b1": Fraction(-11, 2),
    "v1": Fraction(2),
    "u2": Fraction(1),
    "b2": Fraction(-3),
    "v2": Fraction(-9, 4),
    "w": Fraction(4, 3),
    "c": Fraction(-1, 3),
}
BLOCK = {"activation": "relu", "hidden": [1], "bias": True}
Vec = Sequence[Fraction]
EXACT = Method.EXACT


def linear_fit(features: Vec, ys: Vec) -> tuple[Fraction, Fraction]:
    """Exact least squares ``y ~ slope * feature + intercept``: (slope, mean squared risk)."""
    fit = least_squares([features], ys, intercept=True)
    return fit.coef[0], fit.risk


def representations(xs: Vec, p: Mapping[str, Fraction]) -> list[list[Fraction]]:
    """``[h_0, h_1, h_2]`` at every sample, by hand."""
    h0 = list(xs)
    h1 = [h + p["v1"] * max(p["u1"] * h + p["b1"], Fraction(0)) for h in h0]
    h2 = [h + p["v2"] * max(p["u2"] * h + p["b2"], Fraction(0)) for h in h1]
    return [h0, h1, h2]


def landscape(xs: Vec, ys: Vec, p: Mapping[str, Fraction], blocks: int = 2) -> Landscape:
    """The library's exact value and gradient of the ``blocks``-block ResNet at ``p``
    (one block: ``w = 1, c = 0``, so the outputs are ``h_1``)."""
    model = resnet(1, [BLOCK] * blocks, output_bias=True)
    named: dict[str, Any] = {"w": [p["w"] if blocks == 2 else 1], "c": p["c"] if blocks == 2 else 0}
    for i in range(blocks):
        named[f"blocks[{i}].phi[0].A"] = [[p[f"u{i + 1}"]]]
        named[f"blocks[{i}].phi[0].b"] = [p[f"b{i + 1}"]]
        named[f"blocks[{i}].V"] = [[p[f"v{i + 1}"]]]
    theta = model.pack({k: np.asarray(v, dtype=object) for k, v in named.items()}, dtype=object)
    data = Dataset(np.asarray([[x] for x in xs], dtype=object), np.asarray(ys, dtype=object))
    return Objective(model, loss("squared"), data).evaluate(theta, "exact", order=1)


def check_linear_baseline(xs: Vec, ys: Vec, slope: Fraction, risk: Fraction) -> Evidence:
    """The best line on ``x`` has exactly the claimed slope and risk."""
    got_slope, got_risk = linear_fit(xs, ys)
    text = f"slope {got_slope}, R_lin(x) = {got_risk}"
    ok = (got_slope, got_risk) == (slope, risk)
    witness = {"slope": str(got_slope), "R_lin": str(got_risk)}
    return evidence(
        ok, EXACT, text + (" (exact)." if ok else f"; claimed {slope}, {risk}."), witness=witness
    )


def check_global_minimum(xs: Vec, ys: Vec, p: Mapping[str, Fraction]) -> Evidence:
    """Risk exactly 0 at ``p`` (library, fmpq), agreeing with the by-hand forward pass."""
    land = landscape(xs, ys, p)
    risk, outs = to_fraction(land.risk), [to_fraction(v) for v in land.outputs[0]]
    hand = [p["w"] * h + p["c"] for h in representations(xs, p)[2]]
    shown = [str(v) for v in outs]
    witness = {"risk": str(risk), "outputs": shown}
    if outs != hand:
        ok, text = None, f"library outputs {shown} disagree with the hand forward pass {hand}."
    elif risk == 0:
        ok, text = True, f"outputs {shown} equal the labels: risk = 0, the global minimum value"
        text += " of a nonnegative risk."
    else:
        ok, text = False, f"risk = {risk} > 0 at the given parameters (outputs {shown})."
    return evidence(ok, EXACT, text, witness=witness)


def check_smooth_critical_point(xs: Vec, ys: Vec, p: Mapping[str, Fraction]) -> Evidence:
    """Exact gradient 0 and kink margin > 0 (no sample on a ReLU kink)."""
    land = landscape(xs, ys, p)
    grad, margin = [to_fraction(g) for g in land.gradient], to_fraction(land.kink_margin)
    witness = {"gradient": [str(g) for g in grad], "kink_margin": str(margin)}
    why = [f"gradient {[str(g) for g in grad]} is not 0"] if any(grad) else []
    if margin <= 0:
        why.append(
            "a sample sits on a ReLU kink (margin 0), so the risk is not twice differentiable"
        )
    if why:
        return evidence(False, EXACT, "; ".join(why) + ".", witness=witness)
    text = f"gradient = 0 exactly; kink margin = {margin} > 0, so the risk is twice differentiable."
    return evidence(True, EXACT, text, margin=float(margin), witness=witness)


def check_representation_worse(xs: Vec, ys: Vec, p: Mapping[str, Fraction]) -> Evidence:
    """``R_lin(h_1) > R_lin(x)`` exactly, with ``h_1`` cross-checked against the library."""
    hs = representations(xs, p)
    lib_h1 = [to_fraction(v) for v in landscape(xs, ys, p, blocks=1).outputs[0]]
    if lib_h1 != hs[1]:
        return evidence(
            None, EXACT, f"library h_1 = {lib_h1} disagrees with the hand value {hs[1]}."
        )
    r = [linear_fit(h, ys)[1] for h in hs]
    names = ("R_lin(x)", "R_lin(h_1)", "R_lin(h_2)")
    witness: dict[str, Any] = {"h_1": [str(v) for v in hs[1]], "h_2": [str(v) for v in hs[2]]}
    witness |= {k: str(v) for k, v in zip(names, r, strict=True)}
    gap = r[1] - r[0]
    text = f"h_1 = {witness['h_1']}; " + ", ".join(
        f"{k} = {v}" for k, v in zip(names, r, strict=True)
    )
    text += f"; R_lin(h_1) - R_lin(x) = {gap}" + (" > 0." if gap > 0 else " <= 0.")
    return evidence(gap > 0, EXACT, text, margin=float(gap), witness=witness)


def claims() -> list[Claim]:
    """Every claim, at the module constants (tests monkeypatch them)."""
    p, shown = PARAMS, ", ".join(f"{k}={v}" for k, v in PARAMS.items())
    return [
        Claim(
            f"best line on x: slope {CLAIMED_SLOPE}, R_lin(x) = {CLAIMED_R_LIN}",
            "[Q] data, [D] value",
            "exact least squares with intercept",
            check_linear_baseline(X_DATA, Y_DATA, CLAIMED_SLOPE, CLAIMED_R_LIN),
        ),
        Claim(
            "2-block ReLU ResNet has a zero-risk (global) minimum at the given point",
            "[D]",
            f"library exact risk at {shown}",
            check_global_minimum(X_DATA, Y_DATA, p),
        ),
        Claim(
            "that point is a twice-differentiable critical point",
            "[D]",
            "library exact gradient and kink margin",
            check_smooth_critical_point(X_DATA, Y_DATA, p),
        ),
        Claim(
            "representations need not improve: R_lin(h_1) > R_lin(x) at that point",
            "[S] abstract, [D] concrete form",
            "exact least squares on x and on h_1",
            check_representation_worse(X_DATA, Y_DATA, p),
        ),
    ]


def main() -> int:
    """Print every claim; exit 0 only if every asserted claim is reproduced."""
    return run_script(TITLE, claims)


if __name__ == "__main__":
    raise SystemExit(main())
