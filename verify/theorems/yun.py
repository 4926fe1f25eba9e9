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
    dropped and not claimed (Y1'), and to be plausible (``n > d_x``) otherwise.

    For the theorems as stated (no premise dropped), half the cases come from
    :func:`_isolated_deep_cases` instead: about as many samples as parameters, where
    critical points are generically isolated and can be certified."""
    dropped = theorem.dropped
    needs_rank = "full_rank_hL" in theorem.premise_names
    spanning = "column_space" in dropped or "column_space" not in theorem.premise_names
    if not dropped and not spanning and draw(st.booleans()):
        return draw(_isolated_deep_cases())
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


def _isolated_activation(draw: st.DrawFn) -> Any:
    """The activation of an isolated-regime case: half the time ``square`` (polynomial: no
    saturation, so critical points stay at finite distance; exact arithmetic; its
    positive-scaling orbits are handled by the slice certificate), else smooth or relu.
    Smooth units at ``n > P`` often saturate (minima at infinity), relu units die."""
    name = "square" if draw(st.booleans()) else draw(st.sampled_from((*SMOOTH, "relu")))
    return activation(name)


@st.composite
def _isolated_deep_cases(draw: st.DrawFn) -> tuple[Any, Any]:
    """Yun-form ResNets with the smallest widths, ``d_x = 2``: half the time two blocks (a
    first block with one hidden unit, no bias, then one block with ``m = 1``, so
    ``sum m_l = 1 < d_x``: premise 2 holds structurally; ``P = 10``, ``n`` in 8..10,
    ``n >= d_x + 1`` for premise 1), else the first block alone (``P`` = 6 or 7, ``n`` in
    ``P+1..10``). With the output coupling of the last block factored out by
    :mod:`verify.certify.slice` the two-block risk has 9 effective parameters (7 for relu
    and square, whose two units each have a positive-scaling orbit), so critical points are
    generically isolated there and can be certified (issue 15: decisiveness). Measured:
    at two blocks about 60% of the damped-Newton runs do not converge in the search's 200
    iterations (square: slow; relu: stuck at a kink; tanh/sigmoid: escape to infinity),
    which is why half of these cases are single blocks."""
    act = _isolated_activation(draw)
    if draw(st.booleans()):  # L = 1 (block 1 of Yun's form alone), as in single_block_cases
        model = Model(2, (ResidualBlock(act, None, (1,), draw(st.booleans())),))
        n = draw(st.integers(model.n_params + 1, 10))
    else:
        model = Model(2, (ResidualBlock(act, None, (1,)), ResidualBlock(act, 1, ())))
        n = draw(st.integers(8, 10))
    y = labels(draw, n)
    return instance(model, rows(draw, n, 2), y), start_point(draw, model)


@st.composite
def single_block_cases(draw: st.DrawFn, theorem: Theorem) -> tuple[Any, Any]:
    """Single-block ResNets ``w^T(x + V phi(x))`` with one hidden layer.

    Half the cases (a drawn boolean) are overparameterized (``d_x`` in 2..3, 1-2 hidden
    units, ``n <= 8``: the tiny instances often interpolate and their critical points
    come in manifolds that Krawczyk cannot isolate); the other half have more samples
    than parameters (``d_x = 2``, one hidden unit, ``P`` = 6 or 7, ``n`` in ``P+1..10``,
    activation from :func:`_isolated_activation`), where critical points are generically
    isolated up to the output coupling and positive scaling that
    :mod:`verify.certify.slice` handles, so they can be certified (issue 15: decisiveness).
    """
    if draw(st.booleans()):
        act = _isolated_activation(draw)
        model = Model(2, (ResidualBlock(act, None, (1,), draw(st.booleans())),))
        n = draw(st.integers(model.n_params + 1, 10))
        y = labels(draw, n)
        return instance(model, rows(draw, n, 2), y), start_point(draw, model)
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
