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

Each theorem carries its setting (where it applies) and its search cases (a
Hypothesis strategy of ``(instance, start)`` pairs inside the setting). Run them
from the command line::

    resnet-verify check --theorem-module my_claims.py:ZERO_PREDICTOR_BOUND instance.json
    resnet-verify check --theorem-module my_claims.py:TOO_STRONG instance.json
    resnet-verify search --theorem-module my_claims.py:TOO_STRONG --budget 20

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
from verify import Condition, Evidence, Requirement, Setting, Theorem, Verdict
from verify.search.strategies import datasets, models, parameter_points

_Y2 = verify.theorem("Y2")
_CRITICAL = _Y2.premises[0]  # "theta* is a critical point (certified)", with its float screen


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


SQUARED_LOSS = Requirement(
    "squared_loss",
    "l(p; y) = (p - y)^2",
    lambda model, loss: None if loss.name == "squared" else f"the loss is {loss.label!r}",
    about="loss",
)
# the setting: Y2's (single-block ResNet, trainable V, scalar output, no output bias,
# convex loss) plus the squared loss; outside it the answer is "does not apply"
SETTING = Setting("single-block ResNet, squared loss", (*_Y2.setting.requirements, SQUARED_LOSS))


@st.composite
def search_cases(draw: st.DrawFn, theorem: Theorem) -> tuple[verify.Instance, np.ndarray]:
    """``(instance, start)`` pairs inside the theorem's setting, from public strategies."""
    model = draw(
        models(
            acts=("identity", "tanh"),
            max_d_in=2,
            max_params=20,
            setting=theorem.setting,
        )
    )
    data = draw(datasets(model.d_in, min_n=2, max_n=5))
    start = np.array([float(v) for v in draw(parameter_points(model))])
    return verify.Instance(verify.loss("squared"), data, model), start


ZERO_PREDICTOR_BOUND = Theorem(
    id="ZERO_PREDICTOR_BOUND",
    title="single block, squared loss: every critical point has R <= E[y^2]",
    reference="derived from Yun, Sra & Jadbabaie (2019), L = 1 corollary (Y2), and w = 0",
    tag="D",
    premises=(_CRITICAL,),
    conclusion=Condition(
        "risk_le_zero_predictor",
        "R(theta*) <= E[y^2] (the risk of f = 0)",
        lambda ctx: _risk_at_most(ctx, _mean_square_label(ctx), "E[y^2]"),
    ),
    setting=SETTING,
    cases=search_cases,
    saddles=True,  # a theorem about every critical point: examine saddles too
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
    setting=SETTING,
    cases=search_cases,
    saddles=True,
)
