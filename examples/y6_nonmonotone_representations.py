r"""Y6: at a global minimum of a 2-block ResNet the representations need not improve.

Statement (Yun, Sra & Jadbabaie 2019, abstract [S] and example data [Q];
concrete form derived here [D]; CLAIMS.md Y6). Data ``X = [1, 5/2, 3]``,
``Y = [1, 3, 2]``, mean squared error without 1/2. The best line on ``x`` (with
intercept) has slope ``9/13`` and risk ``R_lin(x) = 25/78``. For the scalar
2-block ReLU ResNet

    h_0 = x,   h_l = h_{l-1} + v_l relu(u_l h_{l-1} + b_l)  (l = 1, 2),   f = w h_2 + c,

there is a global minimum (risk exactly 0) at which the best line on the first
block's output is *worse* than on the input: ``R_lin(h_1) > R_lin(x)``.

What is checked (every check EXACT: rational arithmetic, ``Fraction`` by hand
and python-flint ``fmpq`` through the library):

1. ``R_lin(x) = 25/78`` with slope ``9/13`` (closed-form least squares).
2. At the hard-coded rational parameters ``PARAMS`` the library's exact risk of
   ``resnet(1, [relu block with hidden [1] and bias] * 2, output_bias=True)`` is
   0, and a by-hand forward pass agrees; since the risk is ``>= 0`` this is a
   global minimum.
3. The library's exact gradient is 0 and the kink margin (smallest
   ``|u_l h_{l-1} + b_l|`` over samples and blocks) is positive, so the risk is
   twice differentiable there (no sample on a kink).
4. ``R_lin(h_1) = 1/2 > 25/78`` (and ``R_lin(h_2) = 0``): the representation
   after block 1 is worse for a linear predictor than the raw input.

How ``PARAMS`` were found (by hand, no search). Block 1 puts its kink at
``x = 11/4`` and stretches the last sample: ``h_1 = [1, 5/2, 4]``; on these
equally spaced points the labels ``1, 3, 2`` are V-shaped, so the best line on
``h_1`` has risk 1/2. Block 2 puts its kink at ``h = 3`` and pulls the last
sample to ``7/4``, so ``h_2 = [1, 5/2, 7/4] = (3 y + 1)/4`` is an affine image
of the labels; ``w = 4/3, c = -1/3`` inverts it. (CLAIMS.md notes that random
global minima have this property only about 5% of the time; the claim is
existential, and one exact witness proves it.)

``main()`` returns 0 only if every check HOLDS.
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
    Method,
    Objective,
    Verdict,
    loss,
    resnet,
    run_script,
)

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


def _fraction(q: Any) -> Fraction:
    """A python-flint ``fmpq`` (or int/Fraction) as a ``Fraction``."""
    if isinstance(q, int | Fraction):
        return Fraction(q)
    return Fraction(int(q.p), int(q.q))


def linear_fit(features: Sequence[Fraction], ys: Sequence[Fraction]) -> tuple[Fraction, Fraction]:
    """Exact least squares ``y ~ slope * feature + intercept``: (slope, mean squared risk).

    A constant feature gives slope 0 and the variance of ``ys``.
    """
    n = len(ys)
    mf, my = sum(features, Fraction(0)) / n, sum(ys, Fraction(0)) / n
    sff = sum(((f - mf) ** 2 for f in features), Fraction(0))
    sfy = sum(((f - mf) * (y - my) for f, y in zip(features, ys, strict=True)), Fraction(0))
    syy = sum(((y - my) ** 2 for y in ys), Fraction(0))
    if sff == 0:
        return Fraction(0), syy / n
    return sfy / sff, (syy - sfy**2 / sff) / n


def _relu(z: Fraction) -> Fraction:
    return z if z > 0 else Fraction(0)


def representations(xs: Sequence[Fraction], p: Mapping[str, Fraction]) -> list[list[Fraction]]:
    """``[h_0, h_1, h_2]`` at every sample, by hand."""
    h0 = list(xs)
    h1 = [h + p["v1"] * _relu(p["u1"] * h + p["b1"]) for h in h0]
    h2 = [h + p["v2"] * _relu(p["u2"] * h + p["b2"]) for h in h1]
    return [h0, h1, h2]


def _theta(model: Any, p: Mapping[str, Fraction], blocks: int) -> np.ndarray:
    named: dict[str, Any] = {}
    for i in range(blocks):
        named[f"blocks[{i}].phi[0].A"] = [[p[f"u{i + 1}"]]]
        named[f"blocks[{i}].phi[0].b"] = [p[f"b{i + 1}"]]
        named[f"blocks[{i}].V"] = [[p[f"v{i + 1}"]]]
    named["w"] = [p["w"] if blocks == 2 else Fraction(1)]
    named["c"] = p["c"] if blocks == 2 else Fraction(0)
    return model.pack({k: np.asarray(v, dtype=object) for k, v in named.items()}, dtype=object)


def _objective(xs: Sequence[Fraction], ys: Sequence[Fraction], blocks: int) -> Objective:
    model = resnet(1, [BLOCK] * blocks, output_bias=True)
    data = Dataset(np.asarray([[x] for x in xs], dtype=object), np.asarray(ys, dtype=object))
    return Objective(model, loss("squared"), data)


# ---- checks -------------------------------------------------------------------


def check_linear_baseline(
    xs: Sequence[Fraction], ys: Sequence[Fraction], slope: Fraction, risk: Fraction
) -> Evidence:
    """The best line on ``x`` has exactly the claimed slope and risk."""
    got_slope, got_risk = linear_fit(xs, ys)
    witness = {"slope": str(got_slope), "R_lin": str(got_risk)}
    if (got_slope, got_risk) == (slope, risk):
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            f"slope {got_slope}, R_lin(x) = {got_risk} (exact).",
            witness=witness,
        )
    return Evidence(
        Verdict.VIOLATED,
        Method.EXACT,
        f"slope {got_slope}, R_lin(x) = {got_risk}; claimed {slope}, {risk}.",
        witness=witness,
    )


def check_global_minimum(
    xs: Sequence[Fraction], ys: Sequence[Fraction], p: Mapping[str, Fraction]
) -> Evidence:
    """Risk exactly 0 at ``p`` (library, fmpq), agreeing with the by-hand forward pass."""
    obj = _objective(xs, ys, 2)
    land = obj.evaluate(_theta(obj.model, p, 2), "exact", order=1)
    risk = _fraction(land.risk)
    hand = [p["w"] * h + p["c"] for h in representations(xs, p)[2]]
    lib_out = [_fraction(v) for v in land.outputs[0]]
    witness = {"risk": str(risk), "outputs": [str(v) for v in lib_out]}
    if lib_out != hand:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            f"library outputs {lib_out} disagree with the hand forward pass {hand}.",
            witness=witness,
        )
    if risk == 0:
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            f"outputs {[str(v) for v in lib_out]} equal the labels: risk = 0, the "
            "global minimum value of a nonnegative risk.",
            witness=witness,
        )
    return Evidence(
        Verdict.VIOLATED,
        Method.EXACT,
        f"risk = {risk} > 0 at the given parameters (outputs {[str(v) for v in lib_out]}).",
        witness=witness,
    )


def check_smooth_critical_point(
    xs: Sequence[Fraction], ys: Sequence[Fraction], p: Mapping[str, Fraction]
) -> Evidence:
    """Exact gradient 0 and kink margin > 0 (no sample on a ReLU kink)."""
    obj = _objective(xs, ys, 2)
    land = obj.evaluate(_theta(obj.model, p, 2), "exact", order=1)
    grad = [_fraction(g) for g in land.gradient]
    margin = _fraction(land.kink_margin)
    witness = {"gradient": [str(g) for g in grad], "kink_margin": str(margin)}
    if any(g != 0 for g in grad) or margin <= 0:
        why = []
        if any(g != 0 for g in grad):
            why.append(f"gradient {[str(g) for g in grad]} is not 0")
        if margin <= 0:
            why.append(
                "a sample sits on a ReLU kink (margin 0), so the risk is not twice "
                "differentiable there"
            )
        return Evidence(Verdict.VIOLATED, Method.EXACT, "; ".join(why) + ".", witness=witness)
    return Evidence(
        Verdict.HOLDS,
        Method.EXACT,
        f"gradient = 0 exactly; kink margin = {margin} > 0, so the risk is twice "
        "differentiable at this point.",
        margin=float(margin),
        witness=witness,
    )


def check_representation_worse(
    xs: Sequence[Fraction], ys: Sequence[Fraction], p: Mapping[str, Fraction]
) -> Evidence:
    """``R_lin(h_1) > R_lin(x)`` exactly, with ``h_1`` cross-checked against the library."""
    h0, h1, h2 = representations(xs, p)
    obj = _objective(xs, ys, 1)
    lib_h1 = [_fraction(v) for v in obj.evaluate(_theta(obj.model, p, 1), "exact", 1).outputs[0]]
    if lib_h1 != h1:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            f"library h_1 = {lib_h1} disagrees with the hand value {h1}.",
        )
    r = [linear_fit(h, ys)[1] for h in (h0, h1, h2)]
    gap = r[1] - r[0]
    witness = {
        "h_1": [str(v) for v in h1],
        "h_2": [str(v) for v in h2],
        "R_lin(x)": str(r[0]),
        "R_lin(h_1)": str(r[1]),
        "R_lin(h_2)": str(r[2]),
    }
    text = (
        f"h_1 = {[str(v) for v in h1]}; R_lin(x) = {r[0]}, R_lin(h_1) = {r[1]}, "
        f"R_lin(h_2) = {r[2]}; R_lin(h_1) - R_lin(x) = {gap}"
    )
    verdict = Verdict.HOLDS if gap > 0 else Verdict.VIOLATED
    return Evidence(
        verdict,
        Method.EXACT,
        text + (" > 0." if gap > 0 else " <= 0."),
        margin=float(gap),
        witness=witness,
    )


# ---- report -------------------------------------------------------------------


TITLE = "Y6  Yun, Sra & Jadbabaie 2019: non-monotone block representations at a global minimum"


def claims(
    xs: Sequence[Fraction] | None = None,
    ys: Sequence[Fraction] | None = None,
    params: Mapping[str, Fraction] | None = None,
    slope: Fraction | None = None,
    r_lin: Fraction | None = None,
) -> list[Claim]:
    """Run every check; arguments default to the module constants (tests override them)."""
    xs = X_DATA if xs is None else xs
    ys = Y_DATA if ys is None else ys
    p = PARAMS if params is None else params
    slope = CLAIMED_SLOPE if slope is None else slope
    r_lin = CLAIMED_R_LIN if r_lin is None else r_lin
    shown = ", ".join(f"{k}={v}" for k, v in p.items())
    return [
        Claim(
            f"best line on x: slope {slope}, R_lin(x) = {r_lin}",
            "[Q] data, [D] value",
            "exact least squares with intercept",
            check_linear_baseline(xs, ys, slope, r_lin),
        ),
        Claim(
            "2-block ReLU ResNet has a zero-risk (global) minimum at the given point",
            "[D]",
            f"library exact risk at {shown}",
            check_global_minimum(xs, ys, p),
        ),
        Claim(
            "that point is a twice-differentiable critical point",
            "[D]",
            "library exact gradient and kink margin",
            check_smooth_critical_point(xs, ys, p),
        ),
        Claim(
            "representations need not improve: R_lin(h_1) > R_lin(x) at that point",
            "[S] abstract, [D] concrete form",
            "exact least squares on x and on h_1",
            check_representation_worse(xs, ys, p),
        ),
    ]


def main() -> int:
    """Print every claim; exit 0 only if every asserted claim is reproduced."""
    return run_script(TITLE, claims)


if __name__ == "__main__":
    raise SystemExit(main())
