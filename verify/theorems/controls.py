r"""Negative controls without a paper of their own: claims known to be false, which the
search must be able to refute with a certified counterexample.

FC1 is Y1's dichotomy for fully-connected ReLU networks without skip connections,
false by Yun et al.'s motivating example (a dead-ReLU bad local minimum).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from verify.models import fully_connected
from verify.theorems.cases import instance, rationals, rows, start_point
from verify.theorems.conclusions import DICHOTOMY
from verify.theorems.core import Theorem
from verify.theorems.premises import CRITICAL, TWICE_DIFF
from verify.theorems.setting import FULLY_CONNECTED


@st.composite
def _fc_cases(draw: st.DrawFn, theorem: Theorem) -> tuple[Any, Any]:
    """Small fully-connected ReLU nets with an output bias on data with a linear trend plus
    bounded noise (linear predictors are good there); half the starts have dead units."""
    model = fully_connected(1, [draw(st.integers(1, 2))], "relu")
    n = draw(st.integers(3, 7))
    slope = draw(rationals(2, 2))
    x = rows(draw, n, 1)
    y = [slope * r[0] + draw(rationals(1, 4)) for r in x]
    start = start_point(draw, model)
    if draw(st.booleans()):  # start some units dead on the data: bias below -|u| * max|x|
        named = model.unpack(start)
        xmax = max(abs(float(v)) for row in x for v in row)
        a, b = named["layers[0].A"], named["layers[0].b"]
        b[:] = -(np.abs(a[:, 0]) * xmax + 1.0)
        start = model.pack(named)
    return instance(model, x, y), start


FC1 = Theorem(
    "FC1",
    "NEGATIVE CONTROL: Y1's dichotomy for fully-connected networks without skips",
    "Yun et al. (2019) motivating example: false for fully-connected ReLU networks",
    "D",
    (CRITICAL, TWICE_DIFF),
    DICHOTOMY,
    kind="negative_control",
    setting=FULLY_CONNECTED,
    cases=_fc_cases,
    examples=("fc",),
)

THEOREMS = (FC1,)
