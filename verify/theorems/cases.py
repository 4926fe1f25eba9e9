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
from verify.data import Dataset, Instance
from verify.models import Model

SMOOTH = ("tanh", "softplus", "sigmoid")


def rationals(max_abs: int = 3, max_denominator: int = 8) -> st.SearchStrategy[Fraction]:
    """Small rationals ``p/q`` with ``|p/q| <= max_abs`` and ``q <= max_denominator``."""
    return st.builds(
        lambda q, p: Fraction(p, q),
        st.integers(1, max_denominator),
        st.integers(-max_abs * max_denominator, max_abs * max_denominator),
    ).map(lambda v: v if abs(v) <= max_abs else Fraction(max_abs) * (1 if v > 0 else -1))


def _seeded(draw: st.DrawFn) -> np.random.Generator:
    """A numpy generator from one drawn seed: Hypothesis draws (and shrinks) the seed, numpy
    draws the numbers (one Hypothesis choice instead of one per number; issue 15)."""
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def _fractions(rng: np.random.Generator, size: int, max_abs: int, max_den: int
               ) -> list[Fraction]:
    """``size`` rationals ``p/q``, ``q <= max_den``, ``|p/q| <= max_abs`` (0 is frequent)."""
    q = rng.integers(1, max_den + 1, size=size)
    p = rng.integers(-max_abs * max_den, max_abs * max_den + 1, size=size)
    p = np.clip(p, -max_abs * q, max_abs * q)
    return [Fraction(int(a), int(b)) for a, b in zip(p, q, strict=True)]


def rows(draw: st.DrawFn, n: int, d: int, max_abs: int = 3) -> list[list[Fraction]]:
    """``n`` data rows of ``d`` small rationals (denominators <= 4), from one drawn seed."""
    v = _fractions(_seeded(draw), n * d, max_abs, 4)
    return [v[i * d:(i + 1) * d] for i in range(n)]


def labels(draw: st.DrawFn, n: int, d_out: int = 1) -> list[Any]:
    """``n`` labels (scalars, or rows of ``d_out`` for vector outputs), from one drawn seed."""
    v = _fractions(_seeded(draw), n * d_out, 3, 4)
    if d_out == 1:
        return v
    return [v[i * d_out:(i + 1) * d_out] for i in range(n)]


def instance(model: Model, x: list[list[Fraction]], y: list[Any], the_loss: Loss | None = None
             ) -> Instance:
    """An instance without parameters (the search supplies the start point)."""
    data = Dataset(np.array(x, dtype=object), np.array(y, dtype=object))
    return Instance(the_loss or loss("squared"), data, model)


def start_point(draw: st.DrawFn, model: Model) -> np.ndarray:
    """A float start point of small rationals times a scale in {1/2, 1, 2}."""
    scale = draw(st.sampled_from((0.5, 1.0, 2.0)))
    v = _fractions(_seeded(draw), model.n_params, 2, 4)
    return np.array([float(x) * scale for x in v], dtype=np.float64)


def half_at_w_zero(draw: st.DrawFn, model: Model, start: np.ndarray) -> np.ndarray:
    """``start``, or (on a drawn boolean, half the time) ``start`` with the output weights
    ``w = 0``: next to the saddle family at ``w = 0`` that planted theorems and probes aim at."""
    if not draw(st.booleans()):
        return start
    named = model.unpack(start)
    named["w"][:] = 0.0
    return model.pack(named)
