"""Encoding results for humans (text) and machines (JSON).

Numbers keep their provenance: floats stay floats, exact rationals become
``"p/q"`` strings, and Arb balls become ``{"lo": ..., "hi": ...}`` with
outward-rounded float bounds (so the true value is inside).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.numbers.arithmetic import ball_bounds


def encode(value: Any) -> Any:
    """JSON-ready form of a number or array in any arithmetic."""
    if isinstance(value, np.ndarray):
        return [encode(v) for v in value]
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, flint.arb):
        lo, hi = ball_bounds(np.array([value], dtype=object))
        return {"lo": float(lo[0]), "hi": float(hi[0])}
    if isinstance(value, flint.fmpq | Fraction):
        q = Fraction(int(value.p), int(value.q)) if isinstance(value, flint.fmpq) else value
        return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"
    if isinstance(value, int | np.integer | flint.fmpz):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    return str(value)


def fmt(value: Any, digits: int = 6) -> str:
    """Short human-readable form of one number in any arithmetic."""
    if isinstance(value, flint.arb):
        lo, hi = ball_bounds(np.array([value], dtype=object))
        if lo[0] == hi[0]:
            return f"{lo[0]:.{digits}g}"
        return f"[{lo[0]:.{digits}g}, {hi[0]:.{digits}g}]"
    if isinstance(value, flint.fmpq | Fraction):
        q = Fraction(int(value.p), int(value.q)) if isinstance(value, flint.fmpq) else value
        text = str(q)
        return text if len(text) <= 24 else f"{float(q):.{digits}g} (exact, {len(text)} chars)"
    if isinstance(value, float | np.floating):
        return f"{float(value):.{digits}g}"
    return str(value)


def table(rows: list[list[str]], header: list[str]) -> str:
    """A plain aligned text table."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(s.rstrip() for s in out)


def derivative_lines(
    names: Sequence[str],
    gradient: Any,
    hessian: Any,
    eigenvalues: str,
    number: Callable[..., str] = fmt,
) -> list[str]:
    """The gradient, Hessian and eigenvalue lines ``derive`` prints (one format for every
    objective); ``eigenvalues`` is the already formatted list or a reason why there is none."""
    n = len(names)
    lines = ["gradient"]
    lines += [f"  {name:<28} {number(g)}" for name, g in zip(names, gradient, strict=True)]
    lines.append(f"hessian    {n}x{n} (use --json for all entries)")
    if n <= 12:
        lines += ["  " + "  ".join(f"{number(v, 4):>10}" for v in row) for row in hessian]
    lines.append("eigenvalues (NUMERIC, float64 eigvalsh of the Hessian): " + eigenvalues)
    return lines
