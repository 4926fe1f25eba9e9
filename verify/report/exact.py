"""Exact numbers in JSON reports: an exact string next to the float.

:func:`number` turns one number of any arithmetic into
``{"float": f, "exact": "p/q"}`` (an exact rational), ``{"float": mid,
"exact": "[lo, hi]"}`` (an Arb ball: outward-rounded bounds, the true value is
inside) or ``{"float": f, "exact": None}`` (a float, NUMERIC). A reader can
cite the exact string and plot the float. :func:`jsonable` makes any nested
report structure JSON-ready with the same rule for every number it meets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.numbers.arithmetic import ball_bounds


def _fraction(value: Any) -> Fraction | None:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, flint.fmpq):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, int | np.integer | flint.fmpz) and not isinstance(value, bool):
        return Fraction(int(value))
    return None


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def number(value: Any) -> dict[str, Any]:
    """``{"float": ..., "exact": ...}`` for a rational, an Arb ball or a float."""
    q = _fraction(value)
    if q is not None:
        text = str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"
        return {"float": _finite(float(q)), "exact": text}
    if isinstance(value, flint.arb):
        lo, hi = ball_bounds(np.array([value], dtype=object))
        mid = float(value.mid()) if value.is_finite() else math.nan
        return {"float": _finite(mid), "exact": f"[{float(lo[0])!r}, {float(hi[0])!r}]"}
    if isinstance(value, float | np.floating):
        return {"float": _finite(float(value)), "exact": None}
    raise TypeError(f"value={value!r} is not a number this report can encode.")


def is_number(value: Any) -> bool:
    kinds = (int, float, np.integer, np.floating, Fraction, flint.fmpq, flint.fmpz, flint.arb)
    return not isinstance(value, bool) and isinstance(value, kinds)


def jsonable(value: Any) -> Any:
    """A JSON-ready copy: mappings, sequences and arrays recursively; exact numbers as
    :func:`number`; plain Python ints and floats kept (non-finite floats become ``None``)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int) and not isinstance(value, np.integer):
        return value
    if isinstance(value, float):
        return _finite(value)
    if is_number(value):
        if isinstance(value, np.floating):
            return _finite(float(value))
        if isinstance(value, np.integer):
            return int(value)
        return number(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return (
            [jsonable(v) for v in value.tolist()]
            if value.dtype != object
            else [jsonable(v) for v in value]
        )
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if hasattr(value, "value") and isinstance(value.value, str):  # enums (Verdict, Method)
        return value.value
    return str(value)


def evidence_numbers(evidence: Any) -> dict[str, Any]:
    """``margin`` and ``tolerance`` of an Evidence as :func:`number` (omitted when absent)."""
    out: dict[str, Any] = {}
    for name in ("margin", "tolerance"):
        v = getattr(evidence, name, None)
        if v is not None and is_number(v):
            out[f"{name}_number"] = number(v)
    return out
