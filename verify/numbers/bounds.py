"""The float64 boundary: values entering or leaving float64 are range-checked.

Exact rationals and Arb balls have no range limit, float64 does (about
1.8e308). Converting a huge rational, or an Arb ball with an infinite or NaN
midpoint, must not raise ``OverflowError`` deep inside a computation or
silently produce ``inf``: :func:`to_float` and :func:`finite_float_array`
convert with a check and raise one :class:`InvalidInput` line naming what
overflowed, and :func:`float_or_none` returns ``None`` (for callers that turn
an overflow into an INCONCLUSIVE verdict with the reason "float64 overflow").

Source: issue 11 (finite inputs that pass validation then overflow float64).
"""

from __future__ import annotations

import decimal
import math
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.errors import InvalidInput

FLOAT_OVERFLOW = "float64 overflow"


def float_or_none(value: Any) -> float | None:
    """``float(value)`` if it is finite in float64, else ``None`` (never raises)."""
    try:
        if isinstance(value, flint.arb):
            if not value.is_finite():
                return None
            f = float(value.mid())
        elif isinstance(value, flint.fmpq):
            f = float(Fraction(int(value.p), int(value.q)))
        else:
            f = float(value)
    except (OverflowError, ValueError, TypeError, ZeroDivisionError):
        return None
    return f if math.isfinite(f) else None


def to_float(where: str, value: Any) -> float:
    """``float(value)``, or one InvalidInput line if it is not finite in float64."""
    f = float_or_none(value)
    if f is None:
        raise InvalidInput(
            f"{where} is not representable in float64 ({FLOAT_OVERFLOW}); rescale the "
            "instance or use --arithmetic exact."
        )
    return f


def finite_float_array(where: str, arr: Any) -> np.ndarray:
    """Float64 copy of an array in any arithmetic; InvalidInput if an entry is not finite."""
    a = np.asarray(arr)
    if a.dtype != object:
        out = np.asarray(a, dtype=np.float64)
        if not np.all(np.isfinite(out)):
            raise InvalidInput(
                f"{where} has non-finite float64 entries ({FLOAT_OVERFLOW}); rescale the "
                "instance or use --arithmetic exact."
            )
        return out
    out = np.empty(a.shape)
    for idx, v in np.ndenumerate(a):
        out[idx] = to_float(f"{where}{list(idx)}", v)
    return out


def all_finite(arr: Any) -> bool:
    """True if every entry converts to a finite float64."""
    a = np.asarray(arr)
    if a.dtype != object:
        with np.errstate(all="ignore"):
            return bool(np.all(np.isfinite(np.asarray(a, dtype=np.float64))))
    return all(float_or_none(v) is not None for v in a.ravel())


def saturating_float(value: Any) -> float:
    """``float(value)``, or ``+-inf`` when it is beyond float64 (never raises).

    For margins and summaries only: a decision must be taken on the exact or
    ball value, never on this float.
    """
    f = float_or_none(value)
    if f is not None:
        return f
    try:
        q = _as_fraction(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan
    return math.inf if q > 0 else -math.inf


def fmt6(value: Any) -> str:
    """Six significant digits of any number, also beyond float64 (``1e+480``)."""
    f = float_or_none(value)
    if f is not None:
        return f"{f:.6g}"
    try:
        q = _as_fraction(value)
    except (TypeError, ValueError, OverflowError):
        return str(value)
    with decimal.localcontext() as ctx:
        ctx.prec = 8
        ctx.Emax = decimal.MAX_EMAX
        ctx.Emin = decimal.MIN_EMIN
        d = decimal.Decimal(q.numerator) / decimal.Decimal(q.denominator)
    return f"{d:.6g} (beyond float64)"


def _as_fraction(value: Any) -> Fraction:
    if isinstance(value, flint.fmpq):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, flint.arb):
        if not value.is_finite():
            raise ValueError("not a finite ball")
        return Fraction(str(value.mid().str(30, radius=False)).replace(" ", ""))
    if isinstance(value, Fraction | int):
        return Fraction(value)
    raise TypeError(type(value).__name__)
