r"""Search profiles for open probes: case strategies designed to make a claim fail.

``Y1-OPEN`` is the open probe of docs/claims.md (Y1-open): Yun et al.'s dichotomy
(every critical point has ``R <= R_lin`` or ``lambda_min(Hessian) < 0``) without
premise 2 (``column_space``) and without premise 1 (Y1', derived). Premise 2
fails when the rows of the ``U_l`` span ``R^{d_x}`` (``N = {0}``); the cases
here make them span (square ``U_l``), examine saddles as well as minima, start
half the time at ``w = 0`` (next to the degenerate critical points where the
dichotomy could fail), and use squared and logistic losses. Whatever a campaign
finds is reported with its effort; finding nothing is INCONCLUSIVE.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from verify.catalogue.activations import activation
from verify.catalogue.losses import loss
from verify.models import Model, ResidualBlock
from verify.theorems.cases import (
    SMOOTH,
    half_at_w_zero,
    instance,
    labels,
    rows,
    start_point,
)
from verify.theorems.catalogue import theorem
from verify.theorems.core import Theorem


@st.composite
def spanning_cases(draw: st.DrawFn, theorem: Theorem) -> tuple[Any, Any]:
    """Deep Yun-form ResNets (2-3 blocks) whose later ``U_l`` are ``d_x x d_x`` (their rows
    span ``R^{d_x}`` at generic points), hidden layers in every block, squared or logistic
    loss, and starts at random points or with ``w = 0``."""
    d_in = draw(st.integers(1, 3))
    act = activation(draw(st.sampled_from((*SMOOTH, "relu", "square"))))
    hidden = lambda: (draw(st.integers(1, 2)),)  # noqa: E731
    blocks = [ResidualBlock(act, None, hidden(), draw(st.booleans()))]
    for _ in range(draw(st.integers(1, 2))):
        blocks.append(ResidualBlock(act, d_in, hidden() if draw(st.booleans()) else (),
                                    draw(st.booleans())))
    model = Model(d_in, tuple(blocks))
    n = draw(st.integers(1, 7))
    x = rows(draw, n, d_in)
    if draw(st.booleans()):
        the_loss = loss("logistic")
        y: list[Any] = [1 if v >= 0 else -1 for v in labels(draw, n)]
    else:
        the_loss, y = loss("squared"), labels(draw, n)
    return instance(model, x, y, the_loss), half_at_w_zero(draw, model, start_point(draw, model))


Y1_OPEN = replace(
    theorem("Y1'", ("column_space",)),
    cases=spanning_cases,
    saddles=True,
)

PROBES: dict[str, Theorem] = {"Y1-OPEN": Y1_OPEN}
