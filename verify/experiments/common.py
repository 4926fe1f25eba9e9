"""Shared plumbing for the experiments: budgets, seeds, rational data, ball formatting."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.errors import InvalidInput

BUDGETS = ("quick", "deep")

#: every experiment's report says this about universal claims
NOT_A_PROOF = (
    "Sampled instances only: an experiment never establishes the universal claim; "
    "a rigorous (exact or certified) violation at one instance would refute it."
)


def check_budget(budget: str) -> str:
    if budget not in BUDGETS:
        raise InvalidInput(f"budget={budget!r} is not supported; use 'quick' or 'deep'.")
    return budget


def check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInput(f"seed={seed!r} must be a nonnegative integer, e.g. seed=0.")
    return seed


def check_depths(depths: Any) -> tuple[int, ...]:
    try:
        out = tuple(depths)
    except TypeError:
        raise InvalidInput(f"depths={depths!r} must be a sequence of integers >= 1.") from None
    if not out or any(isinstance(L, bool) or not isinstance(L, int) or L < 1 for L in out):
        raise InvalidInput(f"depths={depths!r} must be a non-empty sequence of integers >= 1.")
    return out


def dyadic(values: np.ndarray, bits: int = 6) -> np.ndarray:
    """Round floats to exact dyadic rationals ``k / 2^bits`` (object array of Fraction)."""
    scale = 1 << bits
    return np.vectorize(lambda v: Fraction(round(float(v) * scale), scale), otypes=[object])(
        np.asarray(values, dtype=float)
    )


def arb_of(value: Any) -> flint.arb:
    """An Arb ball for an exact number (Fraction, fmpq, int, float) or an arb."""
    if isinstance(value, flint.arb):
        return value
    if isinstance(value, Fraction):
        return flint.arb(flint.fmpq(value.numerator, value.denominator))
    if isinstance(value, flint.fmpq):
        return flint.arb(value)
    if isinstance(value, int):
        return flint.arb(value)
    if isinstance(value, float) and math.isfinite(value):
        return flint.arb(value)  # a float's exact binary value
    raise InvalidInput(f"value={value!r} is not a finite exact number or arb ball.")


def interval(b: flint.arb) -> list[float]:
    """``[lo, hi]`` of a ball as floats (for reports; decisions are made on the ball)."""
    return [float(b.lower()), float(b.upper())]


def mid(b: flint.arb) -> float:
    return float(b.mid())
