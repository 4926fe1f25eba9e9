r"""Losses ``l(p; y)``: one SymPy expression each, derivatives derived by SymPy.

Each loss is convex in the prediction ``p`` and carries its first and second
derivatives in ``p`` for float, exact and ball arithmetic, plus flags used by
the theorems' premises. Vector outputs use the sum over output coordinates of
the scalar loss (so ``l''`` is diagonal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp

from verify.arith import Arithmetic
from verify.errors import InvalidInput
from verify.scalar import ScalarFunction

P = sp.Symbol("p", real=True)
Y = sp.Symbol("y", real=True)


@dataclass(frozen=True)
class Loss:
    """A loss with SymPy-derived derivatives. Build one with :func:`loss`.

    Attributes:
        name: catalogue name.
        expr: SymPy expression in ``P`` (prediction) and ``Y`` (label).
        convex: convex in ``p`` for every label.
        twice_differentiable: C^2 in ``p`` everywhere.
        lipschitz: Lipschitz constant in ``p`` (``None`` if not Lipschitz).
        labels: ``"real"`` or ``"pm1"`` (labels must be -1 or +1).
    """

    name: str
    expr: sp.Expr = field(repr=False)
    convex: bool = True
    twice_differentiable: bool = True
    lipschitz: Fraction | None = None
    labels: str = "real"
    _fns: tuple[ScalarFunction, ScalarFunction, ScalarFunction] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        f0 = ScalarFunction(self.expr, [P, Y])
        object.__setattr__(self, "_fns", (f0, f0.diff(P), f0.diff(P, 2)))

    @property
    def exact_ok(self) -> bool:
        return self._fns[0].exact_ok

    def value(self, arith: Arithmetic, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        return self._fns[0](arith, p, y)

    def d1(self, arith: Arithmetic, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        return self._fns[1](arith, p, y)

    def d2(self, arith: Arithmetic, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        return self._fns[2](arith, p, y)

    def sympy(self, p: sp.Expr, y: sp.Expr) -> sp.Expr:
        return self.expr.subs({P: p, Y: y}, simultaneous=True)

    def check_labels(self, y: np.ndarray) -> None:
        """Raise :class:`InvalidInput` if the labels do not fit this loss."""
        if self.labels == "pm1":
            bad = [v for v in np.asarray(y, dtype=object).flat if v not in (-1, 1)]
            if bad:
                raise InvalidInput(
                    f"loss {self.name!r} needs labels -1 or +1, got {bad[0]!r}; "
                    "map labels to ±1 or use a regression loss."
                )


def _catalogue() -> dict[str, Loss]:
    return {
        "squared": Loss("squared", (P - Y) ** 2),
        "squared_half": Loss("squared_half", (P - Y) ** 2 / 2),
    }


LOSS_NAMES = ("squared", "squared_half")


def loss(name: str) -> Loss:
    """Build a loss by name.

    ``squared`` is ``(p - y)^2`` (mean squared error, as in the papers' examples);
    ``squared_half`` is ``(p - y)^2 / 2``.
    """
    table = _catalogue()
    if name not in table:
        raise InvalidInput(f"loss={name!r} is not supported; use one of {', '.join(table)}.")
    return table[name]
