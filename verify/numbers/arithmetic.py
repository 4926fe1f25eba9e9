"""Three arithmetics behind one interface: float64, exact rationals, Arb balls.

The derivative engine is written once against NumPy arrays. In float mode the
arrays hold ``float64``; in exact mode they are object arrays of python-flint
``fmpq`` (exact rationals); in ball mode object arrays of ``arb`` (rigorous
enclosures). :class:`Arithmetic` names the mode and knows how to convert input
numbers (``fractions.Fraction``, as parsed from instance files) into it, and
which evidence level its results carry.
"""

from __future__ import annotations

import enum
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.errors import InvalidInput
from verify.verdict import Method

Number = int | float | Fraction


class Arithmetic(enum.Enum):
    """Number system used by an evaluation."""

    FLOAT = "float"
    EXACT = "exact"
    BALL = "ball"

    @classmethod
    def parse(cls, name: str | Arithmetic) -> Arithmetic:
        """Arithmetic from its name (``float``, ``exact`` or ``ball``)."""
        if isinstance(name, Arithmetic):
            return name
        try:
            return cls(name)
        except ValueError:
            raise InvalidInput(
                f"arithmetic={name!r} is not supported; use one of 'float', 'exact', 'ball'."
            ) from None

    @property
    def method(self) -> Method:
        """Evidence level of results computed in this arithmetic."""
        return {
            Arithmetic.FLOAT: Method.NUMERIC,
            Arithmetic.EXACT: Method.EXACT,
            Arithmetic.BALL: Method.CERTIFIED,
        }[self]

    @property
    def dtype(self) -> Any:
        return np.float64 if self is Arithmetic.FLOAT else object

    def scalar(self, value: Number | Any) -> Any:
        """Convert one number into this arithmetic (exactly where possible)."""
        if self is Arithmetic.FLOAT:
            return float(value.mid()) if isinstance(value, flint.arb) else float(value)
        if self is Arithmetic.BALL and isinstance(value, flint.arb):
            return value
        q = to_fmpq(value)
        return q if self is Arithmetic.EXACT else flint.arb(q)

    def array(self, values: Any) -> np.ndarray:
        """Convert a nested list / array of numbers into this arithmetic."""
        arr = np.asarray(values, dtype=object)
        if self is Arithmetic.FLOAT:
            return (
                np.asarray(np.vectorize(float, otypes=[np.float64])(arr), dtype=np.float64)
                if arr.size
                else np.zeros(arr.shape)
            )
        out = np.empty(arr.shape, dtype=object)
        for idx, v in np.ndenumerate(arr):
            out[idx] = self.scalar(v)
        return out

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        if self is Arithmetic.FLOAT:
            return np.zeros(shape)
        out = np.empty(shape, dtype=object)
        zero = self.scalar(0)
        out.fill(zero)
        return out

    def ones(self, shape: tuple[int, ...]) -> np.ndarray:
        if self is Arithmetic.FLOAT:
            return np.ones(shape)
        out = np.empty(shape, dtype=object)
        out.fill(self.scalar(1))
        return out


def to_fmpq(value: Any) -> flint.fmpq:
    """Exact rational value of an int, Fraction, fmpq or finite float.

    Floats are converted by their exact binary value; use Fraction or ``"p/q"``
    strings in instance files for decimal values such as 1/10.
    """
    if isinstance(value, flint.fmpq):
        return value
    if isinstance(value, flint.fmpz | int | np.integer):
        return flint.fmpq(int(value))
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            raise InvalidInput(
                f"value={value!r} is not finite; exact arithmetic needs finite numbers."
            )
        value = Fraction(float(value))
    if isinstance(value, Fraction):
        return flint.fmpq(value.numerator, value.denominator)
    raise InvalidInput(f"value={value!r} is not a rational number.")


def fmpq_to_fraction(q: Any) -> Fraction:
    """Convert an fmpq (or int) to ``fractions.Fraction``."""
    if isinstance(q, flint.fmpq):
        return Fraction(int(q.p), int(q.q))
    return Fraction(q)


def to_float_array(arr: np.ndarray) -> np.ndarray:
    """Float64 view of an array in any arithmetic (ball midpoints for arb)."""
    if arr.dtype != object:
        return np.asarray(arr, dtype=np.float64)
    out = np.empty(arr.shape)
    for idx, v in np.ndenumerate(arr):
        out[idx] = float(v.mid()) if isinstance(v, flint.arb) else _to_float(fmpq_to_fraction(v))
    return out


def _to_float(q: Fraction) -> float:
    """``float(q)``; a rational beyond float64 is one InvalidInput line, not OverflowError."""
    try:
        return float(q)
    except OverflowError:
        digits = len(str(abs(q.numerator))) - len(str(q.denominator))
        raise InvalidInput(
            f"a value of about 1e{digits} is beyond float64 (float64 overflow); rescale the "
            "instance, or use exact or ball arithmetic where the command offers it."
        ) from None


def ball_bounds(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rigorous float lower/upper bounds of each entry of an arb/fmpq array.

    Bounds are rounded outward, so ``lo <= true value <= hi`` holds exactly.
    """
    lo = np.empty(arr.shape)
    hi = np.empty(arr.shape)
    for idx, v in np.ndenumerate(arr):
        b = v if isinstance(v, flint.arb) else flint.arb(to_fmpq(v))
        if not b.is_finite():  # NaN or infinite radius: no information
            lo[idx], hi[idx] = -np.inf, np.inf
            continue
        lo[idx] = _float_down(b.lower())
        hi[idx] = _float_up(b.upper())
    return lo, hi


def _float_down(b: flint.arb) -> float:
    if not b.is_finite():
        return -np.inf
    f = float(b.mid())
    while not flint.arb(f) <= b:
        f = float(np.nextafter(f, -np.inf))
    return f


def _float_up(b: flint.arb) -> float:
    if not b.is_finite():
        return np.inf
    f = float(b.mid())
    while not flint.arb(f) >= b:
        f = float(np.nextafter(f, np.inf))
    return f
