r"""Yun, Sra & Jadbabaie (NeurIPS 2019), "Are deep ResNets provably better than linear
predictors?": the main theorem (Y1), its derived strengthening without premise 1 (Y1'),
and the single-block corollary (Y2). Statements: ``docs/claims.md`` §Y.

Model (Y0): ``h_1 = x + V_1 phi^1(x)``, ``h_l = h_{l-1} + V_l phi^l(U_l h_{l-1})``,
``f = w^T h_L``; the loss is convex in the prediction. The setting (:data:`YUN`)
requires a trainable ``V_l`` in every block, a trainable ``U_l`` in every block
``l >= 2``, a scalar output without bias and a convex loss.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from verify.catalogue.activations import activation
from verify.models import Model, ResidualBlock
from verify.theorems.cases import SMOOTH, instance, labels, rows, start_point
from verify.theorems.conclusions import DICHOTOMY, LE_LINEAR
from verify.theorems.core import Theorem
from verify.theorems.premises import COLUMN_SPACE, CRITICAL, FULL_RANK, TWICE_DIFF, W_NONZERO
from verify.theorems.setting import SINGLE_BLOCK_RESNET, YUN


@st.composite
def _deep_cases(draw: st.DrawFn, theorem: Theorem) -> tuple[Any, Any]:
    """Deep Yun-form ResNets. Premise 2 holds structurally (``sum m_l < d_x``) unless
    ``column_space`` is dropped: then the later blocks' U's have ``m_l = d_x`` rows and
    span R^{d_x} at generic points. Premise 1 is made to fail (``n < d_x``) when it is
    dropped and not claimed (Y1'), and to be plausible (``n > d_x``) otherwise."""
    dropped = theorem.dropped
    needs_rank = "full_rank_hL" in theorem.premise_names
    spanning = "column_space" in dropped or "column_space" not in theorem.premise_names
    d_in = draw(st.integers(2, 3))
    act = activation(draw(st.sampled_from((*SMOOTH, "relu"))))
    blocks = [ResidualBlock(act, None, (draw(st.integers(1, 2)),), draw(st.booleans()))]
    if spanning:
        for _ in range(draw(st.integers(1, 2))):
            blocks.append(ResidualBlock(act, d_in, ()))
    else:
        budget = d_in - 1
        while budget > 0 and len(blocks) < 3 and draw(st.booleans()):
            m = draw(st.integers(1, budget))
            budget -= m
            blocks.append(ResidualBlock(act, m, ()))
    model = Model(d_in, tuple(blocks))
    if "full_rank_hL" in dropped:  # rank E[l'' h h^T] <= n < d_x
        n = draw(st.integers(1, d_in - 1))
    elif needs_rank:
        n = draw(st.integers(d_in + 1, 8))
    else:
        n = draw(st.integers(1, 8))
    y = labels(draw, n)
    return instance(model, rows(draw, n, d_in), y), start_point(draw, model)


@st.composite
def single_block_cases(draw: st.DrawFn, theorem: Theorem) -> tuple[Any, Any]:
    """Single-block ResNets ``w^T(x + V phi(x))`` with one hidden layer."""
    d_in = draw(st.integers(2, 3))
    act = activation(draw(st.sampled_from((*SMOOTH, "relu"))))
    block = ResidualBlock(act, None, (draw(st.integers(1, 2)),), draw(st.booleans()))
    model = Model(d_in, (block,))
    n = draw(st.integers(d_in + 1, 8))
    y = labels(draw, n)
    return instance(model, rows(draw, n, d_in), y), start_point(draw, model)


_REF = "Yun, Sra & Jadbabaie (NeurIPS 2019)"

Y1 = Theorem(
    "Y1",
    "critical points are better than linear or strict saddles (deep ResNets)",
    f"{_REF}, main theorem (poster)",
    "S",
    (CRITICAL, TWICE_DIFF, FULL_RANK, COLUMN_SPACE),
    DICHOTOMY,
    setting=YUN,
    cases=_deep_cases,
    proof="deep_resnet_critical_points_no_worse_than_linear_or_saddle",
)
Y1_PRIME = Theorem(
    "Y1'",
    "derived: Y1 without premise 1 (full rank of E[l'' h_L h_L^T] is not needed)",
    f"{_REF}, main theorem; derived strengthening (docs/claims.md Y1-D), not the paper's proof",
    "D",
    (CRITICAL, TWICE_DIFF, COLUMN_SPACE),
    DICHOTOMY,
    setting=YUN,
    cases=_deep_cases,
    proof="deep_resnet_dichotomy_without_premise_1",
)
Y2 = Theorem(
    "Y2",
    "single block: critical points with w != 0 are no worse than linear",
    f"{_REF}, L = 1 corollary (poster)",
    "S",
    (CRITICAL, W_NONZERO),
    LE_LINEAR,
    setting=SINGLE_BLOCK_RESNET,
    cases=single_block_cases,
    saddles=True,
    proof="single_block_resnet_critical_points_no_worse_than_linear",
)

THEOREMS = (Y1, Y1_PRIME, Y2)
