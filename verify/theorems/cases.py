"""Shared pieces for the theorems' search cases: small rationals, data rows, instances.

Each theorem module builds its own Hypothesis strategy of ``(instance, start)``
pairs from these, inside the theorem's setting by construction (a test checks
it for every theorem of the catalogue). Sizes stay tiny (P <= 30, n <= 10).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from verify.catalogue.losses import Loss, loss
from verify.data import Dataset
from verify.io.instances import Instance
from verify.models import Model

SMOOTH = ("tanh", "softplus", "sigmoid")


def rationals(max_abs: int = 3, max_denominator: int = 8) -> st.SearchStrategy[Fraction]:
    """Small rationals ``p/q`` with ``|p/q| <= max_abs`` and ``q <= max_denominator``."""
    return st.builds(
        lambda q, p: Fraction(p, q),
        st.integers(1, max_denominator),
        st.integers(-max_abs * max_denominator, max_abs * max_denominator),
    ).map(lambda v: v if abs(v) <= max_abs else Fraction(max_abs) * (1 if v > 0 else -1))


def rows(draw: st.DrawFn, n: int, d: int, max_abs: int = 3) -> list[list[Fraction]]:
    """``n`` data rows of ``d`` small rationals."""
    num = rationals(max_abs, 4)
    return [[draw(num) for _ in range(d)] for _ in range(n)]


def labels(draw: st.DrawFn, n: int, d_out: int = 1) -> list[Any]:
    """``n`` labels (scalars, or rows of ``d_out`` for vector outputs)."""
    num = rationals(3, 4)
    if d_out == 1:
        return [draw(num) for _ in range(n)]
    return [[draw(num) for _ in range(d_out)] for _ in range(n)]


def instance(model: Model, x: list[list[Fraction]], y: list[Any], the_loss: Loss | None = None
             ) -> Instance:
    """An instance without parameters (the search supplies the start point)."""
    data = Dataset(np.array(x, dtype=object), np.array(y, dtype=object))
    return Instance(the_loss or loss("squared"), data, model)


def start_point(draw: st.DrawFn, model: Model) -> np.ndarray:
    """A float start point of small rationals times a scale in {1/2, 1, 2}."""
    scale = draw(st.sampled_from((0.5, 1.0, 2.0)))
    return np.array([float(draw(rationals(2, 4))) * scale for _ in range(model.n_params)])
