r"""Exact linear algebra for example scripts: least squares, exact solves, Gram matrices.

One home for what the examples used to hand-write five times (``R_lin`` with or
without an intercept, projections on a span, Gauss-Jordan solves). Entries may be
``int``, ``Fraction``, python-flint ``fmpq``, SymPy rationals or SymPy expressions
(e.g. labels depending on a symbolic ``rho``); the arithmetic is SymPy's exact
``Matrix`` algebra. Results are ``Fraction`` when every input is rational, SymPy
expressions otherwise.

The least-squares problem ``min_c |y - B c|^2`` over the span of ``basis`` (the
columns ``B``) always has a unique residual; when the columns are dependent the
coefficients returned are the minimum-norm ones (``B^+ y``). The rank is exact for numeric
columns; columns containing symbols get SymPy's generic rank, so keep the basis numeric and
put symbols in ``y`` (as the examples do).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from verify.errors import InvalidInput


def to_fraction(v: Any) -> Fraction:
    """An ``int``, ``Fraction``, ``float`` (its exact binary value), ``fmpq`` or SymPy
    rational as a ``Fraction``."""
    if isinstance(v, bool):
        raise InvalidInput(f"v={v!r} is a bool, not a number; pass an int or a Fraction.")
    if isinstance(v, numbers.Rational) and not hasattr(v, "p"):  # int, numpy ints, Fraction
        return Fraction(int(v.numerator), int(v.denominator))
    if isinstance(v, float | np.floating):
        return Fraction(float(v))
    if isinstance(v, sp.Rational) or (hasattr(v, "p") and hasattr(v, "q")):
        return Fraction(int(v.p), int(v.q))
    if isinstance(v, sp.Expr) and v.is_Rational:
        return Fraction(int(v.p), int(v.q))
    raise InvalidInput(
        f"v={v!r} is not an exact rational; pass an int, Fraction, fmpq or sympy.Rational."
    )


def exact_array(values: Any) -> np.ndarray:
    """An array (nested lists or an ndarray) of exact numbers as an object array of ``Fraction``."""
    return np.vectorize(to_fraction, otypes=[object])(np.asarray(values, dtype=object))


def exact_text(v: Any) -> Any:
    """Exact numbers as text: a scalar as ``str``, a (nested) vector as nested lists of ``str``."""
    return [exact_text(e) for e in v] if np.ndim(v) else str(v)


def fmt_vector(v: Sequence[Any]) -> str:
    """A vector of exact numbers as ``"(a, b, ...)"``."""
    return "(" + ", ".join(map(str, exact_text(v))) + ")"


def _sym(v: Any) -> sp.Expr:
    if isinstance(v, sp.Basic):
        return v
    return sp.Rational(*to_fraction(v).as_integer_ratio())


def _out(v: sp.Expr, rational: bool) -> Any:
    v = sp.cancel(v) if not rational else v
    return to_fraction(v) if rational and v.is_Rational else v


def _is_rational(values: Sequence[Any]) -> bool:
    return all(not isinstance(v, sp.Basic) or v.is_Rational for v in values)


def dot(p: Sequence[Any], q: Sequence[Any]) -> Any:
    """``sum_i p_i q_i`` (exact; lengths must agree)."""
    if len(p) != len(q):
        raise InvalidInput(f"len(p)={len(p)!r} != len(q)={len(q)!r}; pass vectors of one length.")
    total: Any = Fraction(0)
    for a, b in zip(p, q, strict=True):
        total = total + a * b
    return sp.expand(total) if isinstance(total, sp.Basic) else total


def gram(vectors: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """The Gram matrix ``[[<v_i, v_j>]]``."""
    return [[dot(p, q) for q in vectors] for p in vectors]


def det(m: Sequence[Sequence[Any]]) -> Any:
    """The exact determinant of a square matrix."""
    entries = [v for row in m for v in row]
    return _out(sp.Matrix([[_sym(v) for v in row] for row in m]).det(), _is_rational(entries))


def solve(a: Sequence[Sequence[Any]], b: Sequence[Any]) -> list[Any]:
    """The unique solution of ``a x = b``; :class:`InvalidInput` if ``a`` is singular."""
    ma = sp.Matrix([[_sym(v) for v in row] for row in a])
    if ma.rows != ma.cols or ma.rows != len(b):
        raise InvalidInput(
            f"a has shape {ma.shape!r} and len(b)={len(b)!r}; pass a square a with len(b) rows."
        )
    if ma.det() == 0:
        raise InvalidInput("a is singular; pass a nonsingular matrix (or use least_squares).")
    rational = _is_rational([v for row in a for v in row] + list(b))
    return [_out(v, rational) for v in ma.LUsolve(sp.Matrix([_sym(v) for v in b]))]


@dataclass(frozen=True)
class LeastSquares:
    """The exact best fit of ``y`` in the span of ``basis`` (plus a constant if ``intercept``).

    Attributes:
        coef: minimum-norm coefficients, one per basis vector (the intercept last).
        residual: ``y - B coef`` (unique even when the basis is dependent).
        risk: mean squared residual ``|residual|^2 / n``.
        rank: rank of the design matrix.
    """

    coef: list[Any]
    residual: list[Any]
    risk: Any
    rank: int


def least_squares(
    basis: Sequence[Sequence[Any]], y: Sequence[Any], *, intercept: bool = False
) -> LeastSquares:
    """Exact least squares of ``y`` on the columns ``basis`` (each of length ``n = len(y)``)."""
    n = len(y)
    cols = [list(b) for b in basis] + ([[1] * n] if intercept else [])
    if any(len(c) != n for c in cols):
        raise InvalidInput(
            f"basis vector lengths {[len(c) for c in cols]!r} must all equal len(y)={n!r}."
        )
    rational = _is_rational(list(y) + [v for c in cols for v in c])
    ys = sp.Matrix([_sym(v) for v in y])
    if not cols:
        res = list(ys)
        return LeastSquares([], [_out(v, rational) for v in res], _risk(res, n, rational), 0)
    design = sp.Matrix([[_sym(c[i]) for c in cols] for i in range(n)])
    g = design.T * design
    rank = design.rank()
    coef = g.LUsolve(design.T * ys) if rank == len(cols) else design.pinv() * ys
    coef = coef.applyfunc(sp.cancel)
    res = [sp.expand(v) for v in ys - design * coef]
    return LeastSquares(
        [_out(c, rational) for c in coef],
        [_out(v, rational) for v in res],
        _risk(res, n, rational),
        int(rank),
    )


def _risk(res: Sequence[sp.Expr], n: int, rational: bool) -> Any:
    return _out(sp.cancel(sum((v * v for v in res), sp.Integer(0)) / n), rational)


def linear_risk(
    features: Sequence[Sequence[Any]], y: Sequence[Any], *, intercept: bool = False
) -> Any:
    """``R_lin = min_{t(, c)} mean_i (t . x_i (+ c) - y_i)^2``, exactly.

    ``features`` are the samples' rows ``x_i`` (``n`` rows of ``d`` entries); ``y`` is
    one target per sample, or one row of ``d_y`` targets per sample (the risk is then
    summed over outputs).
    """
    n = len(features)
    cols = [[row[k] for row in features] for k in range(len(features[0]))] if n else []
    rows = [list(t) if isinstance(t, Sequence) else [t] for t in y]
    total: Any = Fraction(0)
    for o in range(len(rows[0]) if rows else 0):
        total = total + least_squares(cols, [r[o] for r in rows], intercept=intercept).risk
    return total
