r"""Empirical risk, gradient and Hessian in float64, exact rationals or Arb balls.

``R(theta) = (1/n) sum_i sum_o l(f_o(x_i; theta); y_{i,o})``. The Hessian is
``(1/n) [J^T diag(l'') J + sum_{i,o} l'_{i,o} Hessian f_o(x_i)]`` assembled by
:class:`~verify.engine.graph.Network`. Results carry their evidence level: float is
NUMERIC, exact is EXACT, ball is CERTIFIED (every entry is a rigorous
enclosure). Every result reports the kink margin (smallest |pre-activation| of
a kinked activation): a margin of 0 means the point is not twice
differentiable, and the returned Hessian is then the one-sided convention
(ReLU'(0) = 0), not a derivative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np

from verify.catalogue.losses import Loss
from verify.data import Dataset
from verify.engine.graph import Network
from verify.errors import InvalidInput
from verify.models import Model
from verify.numbers.arithmetic import Arithmetic
from verify.verdict import Method

T = TypeVar("T")


@dataclass(frozen=True)
class Landscape:
    """Risk and derivatives at one point, with how they were computed."""

    arithmetic: Arithmetic
    risk: Any
    gradient: np.ndarray
    hessian: np.ndarray | None
    kink_margin: Any
    outputs: np.ndarray

    @property
    def method(self) -> Method:
        return self.arithmetic.method

    @property
    def twice_differentiable(self) -> bool | None:
        """False if a sample sits exactly on a kink, True if provably not, None if unsure.

        In float arithmetic a margin of exactly 0 is False and any positive margin is
        True only as NUMERIC evidence; callers decide with a tolerance.
        """
        if self.kink_margin is None:
            return True
        return bool(self.kink_margin > 0)


class Objective:
    """The empirical risk of ``model`` under ``loss`` on ``data``, compiled once."""

    def __init__(self, model: Model, loss: Loss, data: Dataset) -> None:
        if data.d_in != model.d_in:
            raise InvalidInput(
                f"data has d_in={data.d_in} columns but model.d_in={model.d_in}; make them agree."
            )
        if data.d_out != model.d_out:
            raise InvalidInput(f"data.y has {data.d_out} output(s) but model.d_out={model.d_out}.")
        loss.check_labels(data.y)
        self.model = model
        self.loss = loss
        self.data = data
        self.network = Network(model)
        self._cache: dict[Arithmetic, tuple[np.ndarray, np.ndarray]] = {}
        self._derived: dict[str, Any] = {}

    @property
    def n_params(self) -> int:
        return self.model.n_params

    def derived(self, key: str, build: Callable[[], T]) -> T:
        """``build()`` once per objective: engines derived from it (e.g. the search's
        forward-mode engine, which several finders of one instance share)."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]  # type: ignore[no-any-return]

    def arrays(self, arith: Arithmetic) -> tuple[np.ndarray, np.ndarray]:
        """``x`` as ``(d_x, n)`` and ``y`` as ``(d_out, n)`` in ``arith``."""
        if arith not in self._cache:
            x = self.model.augment(arith.array(self.data.x), one=arith.scalar(1))
            y = arith.array(self.data.y).reshape(self.data.n, -1)
            self._cache[arith] = (np.ascontiguousarray(x.T), np.ascontiguousarray(y.T))
        return self._cache[arith]

    @property
    def exact_ok(self) -> bool:
        """True if exact rational evaluation is possible (rational activations and loss)."""
        return all(st.activation.exact_ok for st in self.model.stages) and self.loss.exact_ok

    def _check(self, arith: Arithmetic) -> None:
        if arith is Arithmetic.EXACT:
            acts = [st.activation for st in self.model.stages]
            bad = [a.name for a in acts if not a.exact_ok]
            if bad or not self.loss.exact_ok:
                what = bad[0] if bad else f"loss {self.loss.name}"
                raise InvalidInput(
                    f"arithmetic='exact' needs piecewise-linear or polynomial activations and "
                    f"a rational loss, but the model uses {what}; use arithmetic='ball'."
                )

    def theta(self, values: Any, arith: Arithmetic) -> np.ndarray:
        """Convert a parameter vector into ``arith``."""
        raw = np.asarray(values)
        if arith is Arithmetic.FLOAT and raw.dtype != object:
            theta = np.asarray(raw, dtype=np.float64)
        else:
            theta = arith.array(raw)
        if theta.shape != (self.n_params,):
            raise InvalidInput(f"theta has shape {theta.shape}; expected ({self.n_params},).")
        return theta

    def value_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Float64 risk and gradient (the fast path used by optimizers).

        Overflow to inf/NaN is a possible outcome far from the origin (e.g.
        sigmoid of a huge pre-activation); it is returned, not warned about, and
        every consumer treats non-finite values as undecided.
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._value_and_gradient(theta)

    def _value_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        x, y = self.arrays(Arithmetic.FLOAT)
        fw = self.network.forward(theta, x, Arithmetic.FLOAT)
        f = fw.output
        n = x.shape[1]
        risk = float(self.loss.value(Arithmetic.FLOAT, f, y).sum() / n)
        g = self.loss.d1(Arithmetic.FLOAT, f, y)
        return risk, self.network.gradient(fw, g) / n

    def evaluate(self, theta: Any, arith: Arithmetic | str = "float", order: int = 2) -> Landscape:
        """Risk, gradient and (``order=2``) Hessian at ``theta`` in ``arith``.

        Float overflow gives inf/NaN entries rather than warnings (see
        :meth:`value_and_gradient`).
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._evaluate(theta, arith, order)

    def _evaluate(self, theta: Any, arith: Arithmetic | str, order: int) -> Landscape:
        arith = Arithmetic.parse(arith)
        self._check(arith)
        theta = self.theta(theta, arith)
        x, y = self.arrays(arith)
        n = x.shape[1]
        fw = self.network.forward(theta, x, arith)
        f = fw.output
        risk = self.loss.value(arith, f, y).sum() * _inv(arith, n)
        g = self.loss.d1(arith, f, y)
        if order < 2:
            grad = self.network.gradient(fw, g) * _inv(arith, n)
            return Landscape(arith, risk, grad, None, self.network.kink_margin(fw), f)
        h2 = self.loss.d2(arith, f, y)
        grad, hess, kink = self.network.gradient_and_hessian(fw, g, h2)
        inv = _inv(arith, n)
        if arith is Arithmetic.FLOAT:  # the engine's fresh array: scaled in place
            hess *= inv
        else:
            hess = hess * inv
        return Landscape(arith, risk, grad * inv, hess, kink, f)

    def output_derivatives(
        self, theta: Any, arith: Arithmetic | str = "float", sample: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per-sample ``f``, ``grad_theta f`` and (for one ``sample``) ``Hessian_theta f``.

        Returns ``(f, J, H)`` with ``f`` of shape ``(d_out, n)``, ``J`` of shape
        ``(d_out, P, n)`` and ``H`` the ``(d_out, P, P)`` Hessians of the outputs at
        ``sample`` (``None`` if ``sample`` is not given).
        """
        arith = Arithmetic.parse(arith)
        self._check(arith)
        theta = self.theta(theta, arith)
        x, _ = self.arrays(arith)
        fw = self.network.forward(theta, x, arith)
        jf, _, _ = self.network.jacobian_and_curvature(fw, None)
        if sample is None:
            return fw.output, jf, None
        if not 0 <= sample < x.shape[1]:
            raise InvalidInput(f"sample={sample!r} must be in [0, {x.shape[1]}).")
        hs: list[np.ndarray] = []
        for o in range(fw.output.shape[0]):
            seed = arith.zeros(fw.output.shape)
            seed[o, sample] = arith.scalar(1)
            _, curv, _ = self.network.jacobian_and_curvature(fw, seed)
            assert curv is not None  # a seed was given
            hs.append(curv)
        return fw.output, jf, np.stack(hs)


def _inv(arith: Arithmetic, n: int) -> Any:
    return 1.0 / n if arith is Arithmetic.FLOAT else arith.scalar(Fraction(1, n))
