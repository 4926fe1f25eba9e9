r"""Your own theorem, declared in your own module: a template to copy.

Two claims about single-block ResNets ``f(x) = w^T (x + V phi(x))`` with the
squared loss, built from the toolkit's building blocks (the premises of the
shipped theorem Y2) and two checks written here:

* ``ZERO_PREDICTOR_BOUND`` (true): at every critical point, ``R <= E[y^2]``,
  the risk of the zero predictor. Derived from Yun et al.'s Y2 (``w != 0``
  gives ``R <= R_lin <= E[l(0; y)]``) and the case ``w = 0`` (then ``f = 0``).
* ``TOO_STRONG`` (false, a negative control): ``R <= E[y^2] / 2``. At the
  shipped instance ``shamir_saddle.json`` the point is exactly critical with
  ``R = E[y^2] = 7/2``, so the toolkit reports it VIOLATED (EXACT).

Run them from the command line::

    resnet-verify check --theorem-module my_claims.py:ZERO_PREDICTOR_BOUND instance.json
    resnet-verify check --theorem-module my_claims.py:TOO_STRONG instance.json

or in Python with ``verify.check(theorem, instance)``, or in pytest with the
plugin's ``assert_not_violated`` (see ``test_my_claims.py`` next to this file).
A check receives the evaluation context ``ctx`` (a certified critical point or
a Krawczyk box around one): ``ctx.land.risk`` (exact ``fmpq`` or an Arb ball),
``ctx.objective.data`` (``x``, ``y``), ``ctx.objective.loss``,
``ctx.objective.model``, ``ctx.param(name)`` and ``ctx.method`` (EXACT or
CERTIFIED), and returns a :class:`verify.Evidence`. Only rigorous comparisons
may say HOLDS or VIOLATED; anything else is INCONCLUSIVE.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import flint
import numpy as np
from hypothesis import strategies as st

import verify
from verify import Condition, Evidence, Method, Theorem, Verdict
from verify.search.strategies import datasets, models, parameter_points

_Y2 = verify.theorem("Y2")
_BLOCKS = {p.name: p for p in _Y2.premises}


def _mean_square_label(ctx: Any) -> Fraction:
    y = ctx.objective.data.y
    return sum((Fraction(v) ** 2 for v in y.reshape(-1)), Fraction(0)) / len(y)


def _risk_at_most(ctx: Any, bound: Fraction, what: str) -> Evidence:
    """``R(theta*) <= bound`` decided exactly (rational risk) or by Arb comparison."""
    risk = ctx.land.risk
    q = flint.fmpq(bound.numerator, bound.denominator)
    if isinstance(risk, flint.fmpq):
        holds, fails = risk <= q, risk > q
    else:  # an Arb ball: a comparison is True only when it is certain
        ball = risk if isinstance(risk, flint.arb) else flint.arb(risk)
        holds, fails = ball <= flint.arb(q), ball > flint.arb(q)
    text = f"R = {risk} vs {what} = {bound}"
    if holds:
        return Evidence(Verdict.HOLDS, ctx.method, text)
    if fails:
        return Evidence(Verdict.VIOLATED, ctx.method, f"R > {what}: {text}")
    return Evidence(Verdict.INCONCLUSIVE, ctx.method, f"enclosure straddles {what}: {text}")


def _squared_loss(ctx: Any) -> Evidence:
    name = ctx.objective.loss.name
    if name == "squared":
        return Evidence(Verdict.HOLDS, Method.EXACT, "the loss is (p - y)^2")
    return Evidence(Verdict.VIOLATED, Method.EXACT, f"the loss is {name!r}, not 'squared'")


SQUARED_LOSS = Condition("squared_loss", "l(p; y) = (p - y)^2", _squared_loss)

ZERO_PREDICTOR_BOUND = Theorem(
    id="ZERO_PREDICTOR_BOUND",
    title="single block, squared loss: every critical point has R <= E[y^2]",
    reference="derived from Yun, Sra & Jadbabaie (2019), L = 1 corollary (Y2), and w = 0",
    tag="D",
    premises=(_BLOCKS["critical_point"], _BLOCKS["loss_convex"], SQUARED_LOSS),
    conclusion=Condition(
        "risk_le_zero_predictor",
        "R(theta*) <= E[y^2] (the risk of f = 0)",
        lambda ctx: _risk_at_most(ctx, _mean_square_label(ctx), "E[y^2]"),
    ),
    requires=_Y2.requires,  # the setting: single-block ResNet, scalar output, no output bias
)

TOO_STRONG = Theorem(
    id="TOO_STRONG",
    title="NEGATIVE CONTROL: every critical point has R <= E[y^2] / 2",
    reference="deliberately false; violated at shamir_saddle.json (R = E[y^2] = 7/2)",
    tag="D",
    premises=ZERO_PREDICTOR_BOUND.premises,
    conclusion=Condition(
        "risk_le_half_zero_predictor",
        "R(theta*) <= E[y^2] / 2",
        lambda ctx: _risk_at_most(ctx, _mean_square_label(ctx) / 2, "E[y^2]/2"),
    ),
    kind="negative_control",
    requires=_Y2.requires,
)


@st.composite
def search_cases(draw: st.DrawFn) -> tuple[verify.Instance, np.ndarray]:
    """``(instance, start)`` pairs inside the theorems' setting, from public strategies."""
    model = draw(
        models(
            kinds=("resnet",),
            acts=("tanh", "softplus", "identity"),
            max_d_in=2,
            max_blocks=1,
            max_params=20,
        ).filter(lambda m: _Y2.requires(m) is None)
    )
    data = draw(datasets(model.d_in, min_n=2, max_n=5))
    start = np.array([float(v) for v in draw(parameter_points(model))])
    return verify.Instance(verify.loss("squared"), data, model), start


# the strategy `resnet-verify search --theorem-module my_claims.py:NAME` uses for NAME
SEARCH_CASES = {"ZERO_PREDICTOR_BOUND": search_cases(), "TOO_STRONG": search_cases()}
