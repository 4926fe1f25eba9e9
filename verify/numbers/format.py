"""Numbers as text and as bounded floats, computed from the exact value, never overflowing.

Exact values (``Fraction``, ``fmpq``, ``int``) may be far outside float64's range
(an instance scaled by 10^200 is valid input). :func:`fmt_number` writes them in
scientific form computed from the rational itself, and :func:`safe_float` turns
them into a float that is finite (clamped to ±float max, with the clamping said
by the caller where it matters). Arb balls are written by Arb's own decimal
printer, which handles any exponent.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from typing import Any

import flint

_FMAX = sys.float_info.max


def as_fraction(value: Any) -> Fraction | None:
    """The exact rational value of ``value`` (``None`` for balls and non-finite floats)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        return Fraction(int(value))
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, flint.fmpq):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, flint.fmpz):
        return Fraction(int(value))
    if isinstance(value, float) and math.isfinite(value):
        return Fraction(value)
    return None


def _exp10(q: Fraction) -> int:
    """``floor(log10 |q|)`` for ``q != 0``, computed exactly."""
    a = abs(q)
    e = len(str(a.numerator)) - len(str(a.denominator))
    # now 10^(e-1) < a < 10^(e+1); fix up exactly
    while Fraction(10) ** e > a:
        e -= 1
    while Fraction(10) ** (e + 1) <= a:
        e += 1
    return e


def fmt_number(value: Any, digits: int = 6) -> str:
    """Readable text for an exact or float number, exact in its exponent.

    Rationals in float range print like ``f"{x:.6g}"``; outside it as
    ``m.mmmmme+NNN`` from the rational; ``fmpq`` and ``Fraction`` never pass
    through ``float`` when that would overflow or flush to zero.
    """
    if isinstance(value, flint.arb):
        return value.str(digits, radius=False) if value.is_finite() else str(value)
    q = as_fraction(value)
    if q is None:
        return str(value)
    if q == 0:
        return "0"
    e = _exp10(q)
    if -300 < e < 300:
        return f"{float(q):.{digits}g}"
    mant = q / Fraction(10) ** e
    m = float(mant)
    text = f"{m:.{digits - 1}f}".rstrip("0").rstrip(".")
    if text in ("10", "-10"):  # rounding carried into the next decade
        text, e = ("1" if m > 0 else "-1"), e + 1
    return f"{text}e{e:+d}"


def safe_float(value: Any) -> float:
    """A finite float for ``value``: exact values outside float64 clamp to ±max, NaN -> 0.

    For margins and scores only (their sign and order matter, not their size);
    never for a decision that needs the exact value.
    """
    if isinstance(value, flint.arb):
        value = value.mid()
        try:
            f = float(value)
        except (OverflowError, ValueError):
            return 0.0
        return max(-_FMAX, min(_FMAX, f)) if math.isfinite(f) else math.copysign(_FMAX, f)
    q = as_fraction(value)
    if q is None:
        try:
            f = float(value)
        except (TypeError, ValueError, OverflowError):
            return 0.0
        if math.isnan(f):
            return 0.0
        return f if math.isfinite(f) else math.copysign(_FMAX, f)
    try:
        return float(q)
    except OverflowError:
        return _FMAX if q > 0 else -_FMAX
