r"""Exact arithmetic in a real quadratic field ``Q(sqrt d)`` and 2x2 pencil roots.

:class:`Surd` is the number ``a + b sqrt(d)`` with rational ``a, b`` and square-free
integer ``d``; ``+ - * /`` are exact, :meth:`Surd.sign` is decided exactly by comparing
``a^2`` with ``b^2 d``. :func:`min_pencil_root` gives the smaller root of
``det(P - mu G) = 0`` for symmetric 2x2 ``P``, ``G`` with ``det G > 0`` (the smallest
generalised eigenvalue, i.e. ``min_c c^T P c / c^T G c``), an element of ``Q(sqrt D)``;
:func:`pencil_root_error` re-checks a claimed root exactly. Used by the K3
counterexample (CLAIMS.md K3 [D]), whose irrational global minimum lives in ``Q(sqrt 85)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import isqrt

import sympy as sp

from verify.errors import InvalidInput


def _rational_sqrt(d: Fraction) -> Fraction | None:
    if d < 0:
        return None
    num, den = _isqrt(d.numerator), _isqrt(d.denominator)
    return None if num is None or den is None else Fraction(num, den)


def _isqrt(k: int) -> int | None:
    r = isqrt(k)
    return r if r * r == k else None


@dataclass(frozen=True)
class Surd:
    """The real number ``a + b sqrt(d)`` (``d >= 0`` rational, not a square unless ``b = 0``)."""

    a: Fraction
    b: Fraction
    d: Fraction

    @staticmethod
    def make(a: Fraction, b: Fraction, d: Fraction) -> Surd:
        """``a + b sqrt(d)`` with ``d`` reduced to a square-free integer (``d >= 0``)."""
        if d < 0:
            raise InvalidInput(f"d={d!r} must be >= 0; pass a nonnegative rational.")
        root = _rational_sqrt(d)
        if root is not None:
            return Surd(a + b * root, Fraction(0), Fraction(0))
        # sqrt(p/q) = sqrt(p q) / q, and p q = k^2 r with r square-free.
        k, r = 1, 1
        for prime, mult in sp.factorint(d.numerator * d.denominator).items():
            k *= int(prime) ** (mult // 2)
            r *= int(prime) ** (mult % 2)
        return Surd(a, b * Fraction(k, d.denominator), Fraction(r))

    def _lift(self, other: Surd | Fraction | int) -> Surd:
        if isinstance(other, Surd):
            if other.b and self.b and other.d != self.d:
                raise InvalidInput(
                    f"other={other!r} has sqrt({other.d}) but self has sqrt({self.d}); "
                    "Surd arithmetic needs one common d."
                )
            return other
        return Surd(Fraction(other), Fraction(0), self.d)

    def _d(self, o: Surd) -> Fraction:
        return self.d if self.b else o.d

    def __add__(self, other: Surd | Fraction | int) -> Surd:
        o = self._lift(other)
        return Surd(self.a + o.a, self.b + o.b, self._d(o))

    def __sub__(self, other: Surd | Fraction | int) -> Surd:
        o = self._lift(other)
        return Surd(self.a - o.a, self.b - o.b, self._d(o))

    def __mul__(self, other: Surd | Fraction | int) -> Surd:
        o = self._lift(other)
        d = self._d(o)
        return Surd(self.a * o.a + self.b * o.b * d, self.a * o.b + self.b * o.a, d)

    def inverse(self) -> Surd:
        norm = self.a * self.a - self.b * self.b * self.d
        if norm == 0:
            raise ZeroDivisionError("Surd is zero")
        return Surd(self.a / norm, -self.b / norm, self.d)

    def __truediv__(self, other: Surd | Fraction | int) -> Surd:
        return self * self._lift(other).inverse()

    def sign(self) -> int:
        """Exact sign, by comparing ``a^2`` with ``b^2 d``."""
        sa = (self.a > 0) - (self.a < 0)
        sb = (self.b > 0) - (self.b < 0)
        if sb == 0 or self.d == 0:
            return sa
        if sa == 0 or sa == sb:
            return sb
        lhs, rhs = self.a * self.a, self.b * self.b * self.d
        return sa if lhs > rhs else (sb if lhs < rhs else 0)

    def __float__(self) -> float:
        return float(self.a) + float(self.b) * float(self.d) ** 0.5

    def __str__(self) -> str:
        if self.b == 0:
            return str(self.a)
        root = f"{abs(self.b)}*sqrt({self.d})" if abs(self.b) != 1 else f"sqrt({self.d})"
        if self.a == 0:
            return root if self.b > 0 else f"-{root}"
        return f"{self.a} {'+' if self.b > 0 else '-'} {root}"


Mat2 = Sequence[Sequence[Fraction]]


def _det2(m: Mat2) -> Fraction:
    return m[0][0] * m[1][1] - m[0][1] * m[1][0]


def _pencil_coefficients(p: Mat2, g: Mat2) -> tuple[Fraction, Fraction, Fraction]:
    """``det(P - mu G) = alpha mu^2 + beta mu + gamma`` (symmetric 2x2 ``P``, ``G``)."""
    beta = -(p[0][0] * g[1][1] + p[1][1] * g[0][0] - 2 * p[0][1] * g[0][1])
    return _det2(g), beta, _det2(p)


def min_pencil_root(p: Mat2, g: Mat2) -> Surd:
    """The smaller root of ``det(P - mu G) = 0`` (``det G > 0``), exactly."""
    alpha, beta, gamma = _pencil_coefficients(p, g)
    if alpha <= 0:
        raise InvalidInput(f"det G = {alpha!r} must be > 0; pass a positive definite G.")
    disc = beta * beta - 4 * alpha * gamma
    return Surd.make(-beta / (2 * alpha), -1 / (2 * alpha), disc)


def pencil_root_error(p: Mat2, g: Mat2, mu: Surd) -> str | None:
    """None if ``mu`` is exactly the smaller root of ``det(P - mu G) = 0``, else why not.

    Checked in ``Q(sqrt D)``: ``det(P - mu G) = 0`` and the other root
    ``-beta/alpha - mu`` (Vieta) is ``>= mu``.
    """
    rows = [[mu * (-g[i][j]) + p[i][j] for j in range(2)] for i in range(2)]
    d = rows[0][0] * rows[1][1] - rows[0][1] * rows[1][0]
    if d.sign() != 0:
        return f"det(P - mu G) = {d} != 0 at mu = {mu}: mu is not an eigenvalue of G^-1 P"
    alpha, beta, _ = _pencil_coefficients(p, g)
    other = Surd(-beta / alpha, Fraction(0), mu.d) - mu
    if (other - mu).sign() < 0:
        return f"mu = {mu} is the larger root (the other root is {other})"
    return None


def pencil_kernel(p: Mat2, g: Mat2, mu: Surd) -> tuple[Surd, Surd] | None:
    """A nonzero ``c`` with ``(P - mu G) c = 0``; None if ``P - mu G = 0`` (every ``c``)."""
    rows = [[mu * (-g[i][j]) + p[i][j] for j in range(2)] for i in range(2)]
    nonzero = [r for r in rows if r[0].sign() or r[1].sign()]
    if not nonzero:
        return None
    r = nonzero[0]
    return r[1], Surd(Fraction(0), Fraction(0), mu.d) - r[0]


def feature_pencil(
    features: Sequence[Sequence[Fraction]], targets: Sequence[Sequence[Fraction]]
) -> tuple[list[list[Fraction]], list[list[Fraction]]]:
    """``(P, G)`` for fitting target rows ``Y`` (one row per output) by ``W s``, ``W`` a column,
    ``s = B c`` in the span of two feature columns ``B = [f_1 f_2]``: ``G = B^T B`` and
    ``P = |Y|_F^2 G - B^T Y^T Y B``, so ``n min_W L(c) = c^T P c / c^T G c`` (squared loss,
    mean over the ``n`` samples) and ``n inf L`` is :func:`min_pencil_root` ``(P, G)``."""
    if len(features) != 2:
        raise InvalidInput(
            f"len(features)={len(features)!r} must be 2; pass exactly two feature columns."
        )
    zero = Fraction(0)
    g = [[_dot(f, h) for h in features] for f in features]
    yy = sum((_dot(row, row) for row in targets), zero)
    yb = [[_dot(row, f) for f in features] for row in targets]
    p = [[yy * g[i][j] - sum((r[i] * r[j] for r in yb), zero) for j in range(2)] for i in range(2)]
    return p, g


def feature_minimiser(
    features: Sequence[Sequence[Fraction]], targets: Sequence[Sequence[Fraction]]
) -> tuple[Surd, list[Surd], Surd] | None:
    """The exact global minimiser of the fit in :func:`feature_pencil`: ``(V*, W*, mu)`` with
    ``c = (1, V*)`` in the kernel of ``P - mu G``, ``s = f_1 + V* f_2``, ``W* = Y s / |s|^2``
    (``V* = 0`` if ``P = mu G``); None if the minimum is not attained at a finite ``V``."""
    p, g = feature_pencil(features, targets)
    mu, zero = min_pencil_root(p, g), Fraction(0)
    kernel = pencil_kernel(p, g, mu)
    if kernel is not None and kernel[0].sign() == 0:
        return None
    v = Surd(zero, zero, zero) if kernel is None else kernel[1] / kernel[0]
    s = [v * b + a for a, b in zip(features[0], features[1], strict=True)]
    ss = sum((si * si for si in s[1:]), s[0] * s[0])
    w = [
        sum((si * yi for si, yi in zip(s[1:], r[1:], strict=True)), s[0] * r[0]) / ss
        for r in targets
    ]
    return v, w, mu


def _dot(p: Sequence[Fraction], q: Sequence[Fraction]) -> Fraction:
    return sum((a * b for a, b in zip(p, q, strict=True)), Fraction(0))
