r"""Planted false theorems: the power suite of the search (issue 15).

Each entry is an ordinary :class:`~verify.theorems.core.Theorem` with
``kind="negative_control"``, its own setting and search cases, stating a claim
that is *known to be false* with a known family of certified counterexamples.
A search that cannot find them in its budget is weak; a search that reports a
VIOLATED verdict for a true theorem (Y1, Y1', Y2, S1, K2, Y3D) is wrong. Graded by
difficulty (``DIFFICULTY``): ``easy`` ones run in the default test suite (found
in every seed tried), the others in the slow group and in
``benchmarks/search_power.py``.

=========  =====================================================================  ==========
id         false claim (and where its counterexamples live)                      difficulty
=========  =====================================================================  ==========
FC1        Y1's dichotomy for 1-hidden-layer ReLU nets (dead units, hinted start)  easy
K3         K2's conclusion at local minima when ``d_y > d_x`` (docs/claims.md K3)  easy
P-K2       K2 without its rank condition at ``d_y > d_x`` (every critical point)  easy
P-S1       S1 without its saddle branch: every critical point has R <= R_lin      medium
           (false at saddles, e.g. ``w = 0`` with ``E[l'(0, y) h(x)] = 0``)
P-Y2       Y2 without ``w != 0`` (the same saddles, no differentiability premise)  medium
P-S1-BLIND P-S1 from plain starts: the saddle finder must reach the thin family   medium
           ``{w = 0, E[l'(0, y) h(x)] = 0}`` by itself
P-FC-BLIND FC1 from plain starts: dead units must be reached by the finder        medium
           (biases below ``-|a| max|x|``)
P-FC3      FC1 at depth 3 (three ReLU layers), plain starts                        medium
P-Y3-HALF  Y3's derived bound with ``G/2`` for ``G`` (docs/claims.md Y3 [D]): false  medium
           at Huber ``w = 0`` saddles ``{E[l'(0, y) h_L(x)] = 0}`` with
           ``sign(y) = -sign(x)``, ``|y| > delta`` (scalar x, identity block,
           ``v u = -1``: ``R - E l(t x) = delta |t| E|x|`` for small ``t`` against
           ``0.859 delta |t| E|x|``); a violation of one loss family only: with
           logistic loss ``|l'(0, y)| = G/2`` and no first-order violation exists
=========  =====================================================================  ==========

Difficulty is measured (``benchmarks/search_power.py``, 20 seeds): easy = found
within a handful of instances, medium = within 200 in every seed, hard = fewer
than 95% of seeds within 50. P-S1-BLIND was designed to be hard and measured at
exactly 95% within 50 (median 20 instances): no planted theorem is hard yet.

True controls: the catalogue's Y1, Y1', Y2, S1, K2 (``TRUE_THEOREMS``, by id) and Y3D,
the Y3 bound with its derived constant ``G`` (``TRUE_CONTROLS``; not in the main
catalogue, so ``resnet-verify all`` is unchanged). Y3D shares P-Y3-HALF's setting
(:data:`~verify.theorems.near_identity.NEAR_IDENTITY`) and cases; at P-Y3-HALF's
hand-built counterexample it is certified to hold. Its conclusion is certified HOLDS only
by a subgradient certificate for the infimum over ``t`` (at ``t0 = 0`` or near the
minimiser) or by ``R <= R_lin``; a Y3D search is evidence of soundness, not a proof.

Not planted (said so rather than faked): a logistic-only violation (the linear
baseline is not attained on separable data, so R <= R_lin has no certified bracket
there).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from verify.catalogue.activations import activation
from verify.catalogue.losses import loss
from verify.models import Model, ResidualBlock, fully_connected
from verify.theorems.cases import (
    half_at_w_zero,
    instance,
    labels,
    rationals,
    rows,
    start_point,
)
from verify.theorems.catalogue import FC1, K2, K3, Y2
from verify.theorems.conclusions import DICHOTOMY, LE_LINEAR
from verify.theorems.core import Theorem
from verify.theorems.near_identity import NEAR_IDENTITY, Y3_BOUND, Y3_HALF_BOUND
from verify.theorems.premises import CRITICAL, TWICE_DIFF
from verify.theorems.setting import FULLY_CONNECTED, SINGLE_BLOCK_RESNET


def _fc_plain(depth: int) -> Any:
    @st.composite
    def cases(draw: st.DrawFn, theorem: Theorem) -> tuple[Any, Any]:
        """Fully-connected ReLU nets of ``depth`` hidden layers on data with a linear trend
        plus bounded noise, from plain starts (no dead-unit hint)."""
        widths = [draw(st.integers(1, 2)) for _ in range(depth)]
        model = fully_connected(1, widths, "relu")
        n = draw(st.integers(3, 7))
        slope = draw(rationals(2, 2))
        x = rows(draw, n, 1)
        y = [slope * r[0] + draw(rationals(1, 4)) for r in x]
        return instance(model, x, y), start_point(draw, model)

    return cases


def _saddle(hint: bool) -> Any:
    @st.composite
    def cases(draw: st.DrawFn, theorem: Theorem) -> tuple[Any, Any]:
        """Single blocks ``w^T(x + V phi(Ax + b))`` with one hidden unit; with the hint,
        half the starts put ``w = 0``, next to the saddle family
        ``{w = 0, E[l'(0, y)(x + V phi)] = 0}`` (``R = mean l(0, y) > R_lin``). One unit
        keeps ``V`` unique there, so piecewise-linear and polynomial activations give
        exactly rational critical points."""
        d_in = draw(st.integers(1, 2))
        act = activation(draw(st.sampled_from(("relu", "square", "identity"))))
        model = Model(d_in, (ResidualBlock(act, None, (1,), draw(st.booleans())),))
        n = draw(st.integers(d_in + 1, 6))
        y = labels(draw, n)
        start = start_point(draw, model)
        if hint:
            start = half_at_w_zero(draw, model, start)
        return instance(model, rows(draw, n, d_in), y), start

    return cases


_saddle_cases = _saddle(hint=True)


@st.composite
def _wide_cases(draw: st.DrawFn, theorem: Theorem) -> tuple[Any, Any]:
    """Kawaguchi--Bengio single blocks with parameter-free features at ``d_y = 2 > d_x = 1``
    (the rank condition cannot hold), as in K3's cases."""
    act = activation(draw(st.sampled_from(("square", "tanh", "softplus"))))
    model = Model(1, (ResidualBlock(act),), 2)
    n = draw(st.integers(3, 7))
    y = labels(draw, n, 2)
    return instance(model, rows(draw, n, 1), y), start_point(draw, model)


P_S1 = Theorem(
    "P-S1",
    "PLANTED FALSE: S1 without its saddle branch (every critical point has R <= R_lin)",
    "planted from Shamir (2018) / docs/claims.md S1: false at saddles such as w = 0",
    "D",
    (CRITICAL, TWICE_DIFF),
    LE_LINEAR,
    kind="negative_control",
    setting=SINGLE_BLOCK_RESNET,
    cases=_saddle_cases,
    saddles=True,
)
P_Y2 = replace(
    Y2.without("w_nonzero"),
    id="P-Y2",
    title="PLANTED FALSE: Y2 without w != 0",
    reference="planted from Yun et al. (2019) L = 1 corollary: false at w = 0 saddles",
    kind="negative_control",
    cases=_saddle_cases,
    dropped=(),
)
P_K2 = replace(
    K2.without("rank_condition"),
    id="P-K2",
    title="PLANTED FALSE: K2 without its rank condition, at d_y > d_x",
    reference="planted from docs/claims.md K2/K3: the rank condition fails at d_y > d_x",
    kind="negative_control",
    cases=_wide_cases,
    dropped=(),
)
P_S1_BLIND = replace(
    P_S1,
    id="P-S1-BLIND",
    title="PLANTED FALSE: S1 without its saddle branch, plain starts (no w = 0 hint)",
    cases=_saddle(hint=False),
)
P_FC_BLIND = Theorem(
    "P-FC-BLIND",
    "PLANTED FALSE: FC1 from plain starts (dead ReLU units must be found)",
    "planted from Yun et al. (2019) motivating example; thin region of dead biases",
    "D",
    (CRITICAL, TWICE_DIFF),
    DICHOTOMY,
    kind="negative_control",
    setting=FULLY_CONNECTED,
    cases=_fc_plain(1),
)
P_FC3 = replace(
    P_FC_BLIND,
    id="P-FC3",
    title="PLANTED FALSE: FC1 at depth 3 (three ReLU layers), plain starts",
    cases=_fc_plain(3),
)

@st.composite
def _near_identity_cases(draw: st.DrawFn, theorem: Theorem) -> tuple[Any, Any]:
    """Yun-form ResNets without biases (one hidden unit per block, 1 or 2 blocks, identity,
    relu or tanh) on scalar or 2-d inputs, Huber (``delta`` 1/2 or 1) or logistic loss.
    Huber labels have ``|y| > delta`` (so ``l'(0; y) = -delta sign(y)`` at ``w = 0``); in
    half the cases ``sign(y_i) = -sign(x_i1)``, where the halved Y3 bound fails at the
    saddles ``{w = 0, E[l'(0, y) h_L(x)] = 0}``; half the starts put ``w = 0``."""
    d_in = draw(st.sampled_from((1, 1, 2)))
    act = activation(draw(st.sampled_from(("identity", "relu", "tanh"))))
    depth = draw(st.sampled_from((1, 1, 1, 2)))
    model = Model(d_in, tuple(ResidualBlock(act, None, (1,), False) for _ in range(depth)))
    n = draw(st.integers(2, 6))
    x = rows(draw, n, d_in)
    noise = labels(draw, n)
    aligned = draw(st.booleans())
    signs = [
        -1 if aligned and r[0] > 0 else 1 if aligned and r[0] < 0 else (1 if v >= 0 else -1)
        for r, v in zip(x, noise, strict=True)
    ]
    if draw(st.sampled_from((True, True, False))):
        the_loss = loss("huber", delta=draw(st.sampled_from(("1/2", "1"))))
        delta = the_loss.param("delta")
        y: list[Any] = [s * (delta + abs(v) + Fraction(1, 4)) for s, v in zip(signs, noise,
                                                                               strict=True)]
    else:
        the_loss, y = loss("logistic"), signs
    return instance(model, x, y, the_loss), half_at_w_zero(draw, model, start_point(draw, model))


Y3D = Theorem(
    "Y3D",
    "Y3 with the derived constant: at critical points R <= E l(t^T x) + G (e^alpha - 1) "
    "E||x|| ||t|| for every t",
    "Yun, Sra & Jadbabaie (2019) near-identity risk bound; constant derived in "
    "docs/claims.md Y3",
    "D",
    (CRITICAL,),
    Y3_BOUND,
    setting=NEAR_IDENTITY,
    cases=_near_identity_cases,
    saddles=True,
)
P_Y3_HALF = replace(
    Y3D,
    id="P-Y3-HALF",
    title="PLANTED FALSE: Y3 with its constant halved (G/2 instead of G)",
    reference="planted from docs/claims.md Y3 [D]: false at w = 0 saddles with Huber loss",
    conclusion=Y3_HALF_BOUND,
    kind="negative_control",
)

PLANTED: dict[str, Theorem] = {
    t.id: t for t in (FC1, K3, P_K2, P_S1, P_Y2, P_S1_BLIND, P_FC_BLIND, P_FC3, P_Y3_HALF)
}
DIFFICULTY: dict[str, str] = {
    "FC1": "easy",
    "K3": "easy",
    "P-K2": "easy",
    "P-S1": "medium",
    "P-Y2": "medium",
    "P-S1-BLIND": "medium",
    "P-FC-BLIND": "medium",
    "P-FC3": "medium",
    "P-Y3-HALF": "medium",
}
#: ids of the catalogue's true theorems searched by the power suite (looked up with
#: :func:`verify.theorems.catalogue.theorem`)
TRUE_THEOREMS = ("Y1", "Y1'", "Y2", "S1", "K2")
#: true theorems of the power suite that are not in the catalogue (searched as controls:
#: never VIOLATED); Y3D is kept here so that ``resnet-verify all`` is unchanged
TRUE_CONTROLS: dict[str, Theorem] = {Y3D.id: Y3D}

__all__ = ["DIFFICULTY", "PLANTED", "TRUE_CONTROLS", "TRUE_THEOREMS"]
