r"""Activation functions: one SymPy expression each, derivatives derived by SymPy.

Catalogue: ``relu``, ``leaky_relu`` (slope ``alpha`` for negative inputs),
``tanh``, ``sigmoid``, ``softplus``, ``identity``, ``square``.

ReLU convention (DESIGN.md rule 5): the piecewise activations are written as
``Piecewise((left, x <= 0), (right, True))``, so SymPy's derivative at the kink
is the left one: ReLU'(0) = 0 and ReLU''(0) = 0. A network whose
pre-activation is exactly 0 at some sample is *not* twice differentiable
there; every evaluation reports the smallest |pre-activation| over samples
and units of kinked activations (the kink margin) so that callers can refuse
to smooth it silently.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from scipy import special

from verify.errors import InvalidInput
from verify.numbers.arithmetic import Arithmetic
from verify.numbers.expressions import ScalarFunction

X = sp.Symbol("x", real=True)

NAMES = ("relu", "leaky_relu", "tanh", "sigmoid", "softplus", "identity", "square")


def _expression(name: str, alpha: Fraction) -> tuple[sp.Expr, bool]:
    """SymPy expression of the activation and whether it has a kink at 0."""
    a = sp.Rational(alpha.numerator, alpha.denominator)
    table: dict[str, tuple[sp.Expr, bool]] = {
        "relu": (sp.Piecewise((0, X <= 0), (X, True)), True),
        "leaky_relu": (sp.Piecewise((a * X, X <= 0), (X, True)), True),
        "tanh": (sp.tanh(X), False),
        "sigmoid": (1 / (1 + sp.exp(-X)), False),
        "softplus": (sp.log(1 + sp.exp(X)), False),
        "identity": (X, False),
        "square": (X**2, False),
    }
    return table[name]


def _sig(z: np.ndarray) -> np.ndarray:
    return np.asarray(special.expit(z))


# Overflow-free float64 forms of the same functions (the SymPy-derived forms,
# e.g. exp(-x)/(exp(-x) + 1)**2, give inf/inf = NaN for |x| > ~710). Exact and
# ball arithmetic keep the SymPy-derived expressions; a test checks both agree.
_STABLE_FLOAT: dict[str, tuple[Callable[[np.ndarray], np.ndarray], ...]] = {
    "sigmoid": (
        _sig,
        lambda z: _sig(z) * _sig(-z),
        lambda z: _sig(z) * _sig(-z) * (1 - 2 * _sig(z)),
    ),
    "softplus": (
        lambda z: np.logaddexp(0.0, z),
        _sig,
        lambda z: _sig(z) * _sig(-z),
    ),
}


@dataclass(frozen=True)
class Activation:
    """An elementwise activation with SymPy-derived first and second derivatives.

    Use :func:`activation` to build one.
    """

    name: str
    alpha: Fraction = Fraction(1, 100)
    expr: sp.Expr = field(init=False, repr=False, compare=False)
    kinked: bool = field(init=False, repr=False, compare=False)
    _fns: tuple[ScalarFunction, ScalarFunction, ScalarFunction] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.name not in NAMES:
            raise InvalidInput(
                f"activation={self.name!r} is not supported; use one of {', '.join(NAMES)}."
            )
        expr, kinked = _expression(self.name, self.alpha)
        f0 = ScalarFunction(expr, [X])
        object.__setattr__(self, "expr", expr)
        object.__setattr__(self, "kinked", kinked)
        object.__setattr__(self, "_fns", (f0, f0.diff(X), f0.diff(X, 2)))

    @property
    def exact_ok(self) -> bool:
        """True if exact rational evaluation is possible (piecewise-linear or polynomial)."""
        return self._fns[0].exact_ok

    def spec(self) -> dict[str, Any]:
        """JSON form: ``"tanh"`` or ``{"name": "leaky_relu", "alpha": "1/10"}``."""
        if self.name == "leaky_relu":
            return {"name": self.name, "alpha": str(self.alpha)}
        return {"name": self.name}

    @property
    def d2_is_zero(self) -> bool:
        """True if the SymPy-derived second derivative is identically 0 (piecewise linear)."""
        return bool(self._fns[2].expr == 0)

    def value(self, arith: Arithmetic, z: np.ndarray) -> np.ndarray:
        return self._eval(0, arith, z)

    def d1(self, arith: Arithmetic, z: np.ndarray) -> np.ndarray:
        return self._eval(1, arith, z)

    def d2(self, arith: Arithmetic, z: np.ndarray) -> np.ndarray:
        return self._eval(2, arith, z)

    def float_kernels(self, shape: tuple[int, ...] | None = None
                      ) -> tuple[Callable[[np.ndarray], np.ndarray], ...]:
        """``(value, d1, d2)`` as float64 functions of a float64 array, without a
        floating-point error context (for inner loops that set their own); ``shape``: see
        :meth:`ScalarFunction.float_kernel`."""
        stable = _STABLE_FLOAT.get(self.name)
        if stable is not None:
            return stable
        return tuple(fn.float_kernel(shape) for fn in self._fns)

    def _eval(self, order: int, arith: Arithmetic, z: np.ndarray) -> np.ndarray:
        stable = _STABLE_FLOAT.get(self.name)
        if arith is Arithmetic.FLOAT and stable is not None:
            return stable[order](np.asarray(z, dtype=np.float64))
        return self._fns[order](arith, z)

    def sympy(self, z: sp.Expr) -> sp.Expr:
        """The activation applied to a SymPy expression (for closed forms)."""
        return self.expr.subs(X, z)


@functools.lru_cache(maxsize=64)
def _build(name: str, alpha: Fraction | None) -> Activation:
    """Memoized construction: SymPy derivation and compilation happen once per
    (name, alpha); activations are immutable, so sharing them is safe."""
    return Activation(name) if alpha is None else Activation(name, alpha)


def activation(name: str, alpha: Fraction | int | str | None = None) -> Activation:
    """Build an activation by name.

    Args:
        name: one of ``NAMES``.
        alpha: negative-side slope of ``leaky_relu`` (rational, default 1/100).

    >>> activation("relu").kinked
    True
    """
    if not isinstance(name, str):
        raise InvalidInput(f"activation={name!r} must be a name such as 'relu'.")
    if alpha is None:
        if name not in NAMES:
            raise InvalidInput(
                f"activation={name!r} is not supported; use one of {', '.join(NAMES)}."
            )
        return _build(name, None)
    if name != "leaky_relu":
        raise InvalidInput(f"alpha={alpha!r} is only meaningful for leaky_relu, not {name!r}.")
    try:
        a = Fraction(alpha) if not isinstance(alpha, Fraction) else alpha
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(f"alpha={alpha!r} must be a rational number such as '1/10'.") from None
    if not 0 <= a < 1:
        raise InvalidInput(f"alpha={alpha!r} must satisfy 0 <= alpha < 1.")
    return _build(name, a)
