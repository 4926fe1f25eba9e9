"""Numbers of instance files: the README's number grammar, parsed without evaluating anything.

JSON integers and floats, or strings ``"p/q"``, ``"-3"``, ``"0.25"`` made of ASCII
digits; booleans, ``NaN``/``Infinity`` and magnitudes above :data:`MAX_MAGNITUDE` are
refused with one :class:`~verify.errors.InvalidInput` line naming the field.
Used by every instance format (empirical and population).
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import numpy as np

from verify.errors import InvalidInput

MAX_NUMBER_CHARS = 400
MAX_MAGNITUDE = 10**15

_NUMBER = re.compile(r"[+-]?[0-9]+(?:/[0-9]+|\.[0-9]+)?", re.ASCII)


def short(v: Any) -> str:
    """``repr(v)`` cut to 60 characters, for error messages."""
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


def number(where: str, value: Any) -> int | float | Fraction:
    """Parse one number of an instance file (never evaluates anything).

    The README grammar is enforced literally: JSON integers and floats, or strings
    ``"p/q"``, ``"-3"``, ``"0.25"`` made of ASCII digits; the magnitude is at most
    :data:`MAX_MAGNITUDE` so that every value can enter float64 arithmetic.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidInput(f'{where}={value!r} is not a number; use e.g. 3, 0.5 or "1/3".')
    if isinstance(value, int):
        _check_magnitude(where, value, value)
        return value
    if isinstance(value, float):
        if not np.isfinite(value):
            raise InvalidInput(
                f"{where}={value!r} is not finite; NaN and infinities are not allowed."
            )
        _check_magnitude(where, value, value)
        return value
    if isinstance(value, str):
        if len(value) > MAX_NUMBER_CHARS or not _NUMBER.fullmatch(value):
            raise InvalidInput(
                f"{where}={short(value)} is not a number; strings must look like "
                '"p/q", "-3" or "0.25" (ASCII digits, no exponent, no spaces).'
            )
        num, _, den = value.partition("/")
        if den and int(den) == 0:
            raise InvalidInput(f"{where}={value!r} has a zero denominator.")
        q = Fraction(num) / (int(den) if den else 1)
        _check_magnitude(where, value, q)
        return q.numerator if q.denominator == 1 else q
    raise InvalidInput(f'{where}={short(value)} is not a number; use e.g. 3, 0.5 or "1/3".')


def _check_magnitude(where: str, shown: Any, value: Any) -> None:
    if abs(value) > MAX_MAGNITUDE:
        raise InvalidInput(
            f"{where}={short(shown)} exceeds the magnitude limit 1e15 of instance numbers "
            "(float64 arithmetic must not overflow); rescale the data or parameters."
        )


def json_number(v: Any) -> Any:
    """JSON form of one number: ints and floats as-is, other rationals as ``"p/q"``."""
    if isinstance(v, bool):
        raise InvalidInput(f"{v!r} is not a number.")
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v)
    q = Fraction(int(v.p), int(v.q)) if hasattr(v, "p") and hasattr(v, "q") else Fraction(v)
    return q.numerator if q.denominator == 1 else f"{q.numerator}/{q.denominator}"
