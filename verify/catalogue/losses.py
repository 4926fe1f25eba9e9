r"""Losses ``l(p; y)``: one SymPy expression each, derivatives derived by SymPy.

Catalogue (:data:`LOSS_NAMES`):

=================  ===============================================  ======  =====  =========
name               ``l(p; y)``                                      labels  C^2    Lipschitz
=================  ===============================================  ======  =====  =========
``squared``        ``(p - y)^2`` (the papers' mean squared error)   real    yes    none
``squared_half``   ``(p - y)^2 / 2``                                real    yes    none
``logistic``       ``log(1 + exp(-y p))``                           ±1      yes    1
``exponential``    ``exp(-y p)``                                    ±1      yes    none
``softplus_hinge`` ``log(1 + exp(1 - y p))`` (smooth hinge)         ±1      yes    1
``huber``          ``r^2/2`` if ``|r| <= delta`` else                real    no     delta
                   ``delta (|r| - delta/2)``, ``r = p - y``
=================  ===============================================  ======  =====  =========

Every loss is convex in the prediction ``p`` and carries

* its value and first and second derivatives in ``p`` for float, exact and ball
  arithmetic (derived by ``sympy.diff`` from the one expression; ``logistic``
  and ``softplus_hinge`` are compiled for float64 from an overflow-free
  piecewise rewrite of the same function, and a test checks both agree);
* a CVXPY atom (:meth:`Loss.cvxpy`, and :meth:`Loss.cvxpy_margin` for margin
  losses) used by :mod:`verify.baseline`;
* its convex conjugate ``l*(a; y) = sup_p (a p - l(p; y))`` evaluated exactly
  or in Arb balls (:meth:`Loss.conjugate`), used for dual lower bounds.  The
  conjugates are derived by hand (formulas in :func:`_conjugate`) and checked
  against the Fenchel–Young equality in the tests;
* flags: ``convex``, ``twice_differentiable``, ``lipschitz`` (``None`` if not
  Lipschitz), ``labels`` (``"real"`` or ``"pm1"``) and ``margin`` (``l(p; y) =
  phi(y p)`` with ``phi`` positive, strictly decreasing, ``phi -> 0`` at
  ``+inf`` and ``phi -> inf`` at ``-inf``; for these the infimum over linear
  predictors is 0 exactly when the data are linearly separable).

Parameters (only ``huber`` has one, ``delta``, default 1) are exact rationals:
``loss("huber", delta="1/2")`` or ``loss_from_spec({"name": "huber", "delta":
"1/2"})``.  Vector outputs use the sum over output coordinates of the scalar
loss (so ``l''`` is diagonal).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import flint
import numpy as np
import sympy as sp

from verify.errors import BackendError, InvalidInput
from verify.numbers.arithmetic import Arithmetic, to_fmpq
from verify.numbers.expressions import ScalarFunction

if TYPE_CHECKING:  # pragma: no cover - typing only; cvxpy is imported lazily (slow import)
    import cvxpy as cp

P = sp.Symbol("p", real=True)
Y = sp.Symbol("y", real=True)

Params = tuple[tuple[str, Fraction], ...]


@dataclass(frozen=True)
class Loss:
    """A loss with SymPy-derived derivatives. Build one with :func:`loss`.

    Attributes:
        name: catalogue name (``"huber"``, not ``"huber(delta=1/2)"``; see :attr:`label`).
        expr: SymPy expression in ``P`` (prediction) and ``Y`` (label).
        convex: convex in ``p`` for every label.
        twice_differentiable: C^2 in ``p`` everywhere.
        lipschitz: Lipschitz constant in ``p`` (``None`` if not Lipschitz).
        labels: ``"real"`` or ``"pm1"`` (labels must be -1 or +1).
        params: exact parameters as ``(name, value)`` pairs, e.g. ``(("delta", 1),)``.
        margin: ``l(p; y) = phi(y p)`` with ``phi > 0`` strictly decreasing to 0
            (infimum 0 exactly on linearly separable data).
        minimum: a lower bound of ``l(p; y)`` over all ``p`` and ``y`` (``None`` if unknown).
        float_expr: an equal expression used only for float64 compilation
            (overflow-free rewrite); ``None`` to compile ``expr``.
    """

    name: str
    expr: sp.Expr = field(repr=False)
    convex: bool = True
    twice_differentiable: bool = True
    lipschitz: Fraction | None = None
    labels: str = "real"
    params: Params = ()
    margin: bool = False
    minimum: Fraction | None = Fraction(0)
    float_expr: sp.Expr | None = field(default=None, repr=False, compare=False)
    _fns: tuple[ScalarFunction, ScalarFunction, ScalarFunction] = field(
        init=False, repr=False, compare=False
    )
    _float_fns: tuple[ScalarFunction, ScalarFunction, ScalarFunction] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.labels not in ("real", "pm1"):
            raise InvalidInput(
                f"Loss.labels={self.labels!r} is not supported; use 'real' or 'pm1'."
            )
        f0 = ScalarFunction(self.expr, [P, Y])
        fns = (f0, f0.diff(P), f0.diff(P, 2))
        object.__setattr__(self, "_fns", fns)
        if self.float_expr is None:
            object.__setattr__(self, "_float_fns", fns)
        else:
            g0 = ScalarFunction(self.float_expr, [P, Y])
            object.__setattr__(self, "_float_fns", (g0, g0.diff(P), g0.diff(P, 2)))

    # ------------------------------------------------------------------ naming
    @property
    def label(self) -> str:
        """Display name with parameters, e.g. ``huber(delta=1/2)``."""
        if not self.params:
            return self.name
        inner = ", ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.name}({inner})"

    def param(self, key: str) -> Fraction:
        """The exact value of parameter ``key``."""
        for k, v in self.params:
            if k == key:
                return v
        raise InvalidInput(f"loss {self.label!r} has no parameter {key!r}.")

    def spec(self) -> dict[str, Any]:
        """JSON form: ``{"name": "logistic"}`` or ``{"name": "huber", "delta": "1/2"}``."""
        out: dict[str, Any] = {"name": self.name}
        for k, v in self.params:
            out[k] = str(v)
        return out

    # ------------------------------------------------------------- evaluation
    @property
    def exact_ok(self) -> bool:
        """True if exact rational evaluation is possible (no transcendental parts)."""
        return self._fns[0].exact_ok

    def float_kernels(self, shape: tuple[int, ...] | None = None
                      ) -> tuple[Callable[[np.ndarray, np.ndarray], np.ndarray], ...]:
        """``(value, d1, d2)`` in ``p`` as float64 functions of ``(p, y)``, without a
        floating-point error context (for inner loops that set their own); ``shape``: see
        :meth:`ScalarFunction.float_kernel`."""
        return tuple(fn.float_kernel(shape) for fn in self._float_fns)

    def _fn(self, order: int, arith: Arithmetic) -> ScalarFunction:
        return (self._float_fns if arith is Arithmetic.FLOAT else self._fns)[order]

    def _eval(self, order: int, arith: Arithmetic, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        if arith is Arithmetic.FLOAT:
            # Piecewise float code evaluates every branch; the unused one may overflow.
            with np.errstate(over="ignore", invalid="ignore"):
                return self._fn(order, arith)(arith, p, y)
        return self._fn(order, arith)(arith, p, y)

    def value(self, arith: Arithmetic, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``l(p; y)`` elementwise."""
        return self._eval(0, arith, p, y)

    def d1(self, arith: Arithmetic, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``dl/dp`` elementwise."""
        return self._eval(1, arith, p, y)

    def d2(self, arith: Arithmetic, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``d^2 l/dp^2`` elementwise (the left-branch convention at kinks of ``huber``)."""
        return self._eval(2, arith, p, y)

    def sympy(self, p: sp.Expr, y: sp.Expr) -> sp.Expr:
        """The loss applied to SymPy expressions (for closed forms)."""
        return self.expr.subs({P: p, Y: y}, simultaneous=True)

    def check_labels(self, y: np.ndarray) -> None:
        """Raise :class:`InvalidInput` if the labels do not fit this loss."""
        if self.labels == "pm1":
            bad = [v for v in np.asarray(y, dtype=object).flat if v not in (-1, 1)]
            if bad:
                raise InvalidInput(
                    f"loss {self.label!r} needs labels -1 or +1, got {bad[0]!r}; "
                    "map labels to ±1 or use a regression loss."
                )

    # ------------------------------------------------------------------ CVXPY
    def cvxpy(self, p: cp.Expression, y: Any) -> cp.Expression:
        """CVXPY expression of ``l(p_i; y_i)`` elementwise (``y`` an array or Parameter).

        The expression is DCP; it is DPP when ``y`` is a constant or, for the
        regression losses, a Parameter.
        """
        import cvxpy as cp

        fam = _family(self.name)
        if fam.margin is not None:
            return fam.margin(cp.multiply(y, p), self.params)
        assert fam.regression is not None
        return fam.regression(p - y, self.params)

    def cvxpy_margin(self, m: cp.Expression) -> cp.Expression:
        """CVXPY expression of ``phi(m_i)`` for a margin loss (``m_i = y_i p_i``)."""
        fam = _family(self.name)
        if fam.margin is None:
            raise InvalidInput(
                f"loss {self.label!r} is not a margin loss; use Loss.cvxpy(p, y) instead."
            )
        return fam.margin(m, self.params)

    # -------------------------------------------------------------- conjugate
    def conjugate_domain(self, y: Any) -> tuple[Fraction | None, Fraction | None]:
        """Interval ``[lo, hi]`` where ``l*(., y)`` is finite (``None`` = unbounded side).

        It always contains 0, so shrinking a dual point towards 0 keeps it feasible.
        """
        _family(self.name)
        lo, hi = _conjugate_domain(self.name, to_fmpq(y), self.params)
        return (
            None if lo is None else Fraction(int(lo.p), int(lo.q)),
            None if hi is None else Fraction(int(hi.p), int(hi.q)),
        )

    def conjugate(self, alpha: Any, y: Any) -> Any:
        """Rigorous value of the convex conjugate ``l*(alpha; y)``.

        Returns an exact ``fmpq`` for the rational losses, an ``arb`` ball for
        the others, and ``None`` when ``alpha`` is outside the domain (the
        conjugate is ``+inf`` there).  ``alpha`` and ``y`` are converted exactly
        with :func:`verify.numbers.arithmetic.to_fmpq`.
        """
        _family(self.name)
        return _conjugate(self.name, to_fmpq(alpha), to_fmpq(y), self.params)


# ---------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Family:
    build: Callable[[Params], Loss]
    defaults: Params
    margin: Callable[[Any, Params], Any] | None = None
    regression: Callable[[Any, Params], Any] | None = None


def _rat(q: Fraction) -> sp.Rational:
    return sp.Rational(q.numerator, q.denominator)


def _stable_softplus_of_minus(m: sp.Expr) -> sp.Expr:
    """``log(1 + exp(-m))`` written so that no branch overflows in float64."""
    return sp.Piecewise((-m + sp.log(1 + sp.exp(m)), m < 0), (sp.log(1 + sp.exp(-m)), True))


def _build_squared(params: Params) -> Loss:
    return Loss("squared", (P - Y) ** 2)


def _build_squared_half(params: Params) -> Loss:
    return Loss("squared_half", (P - Y) ** 2 / 2)


def _build_logistic(params: Params) -> Loss:
    m = Y * P
    return Loss(
        "logistic",
        sp.log(1 + sp.exp(-m)),
        lipschitz=Fraction(1),
        labels="pm1",
        margin=True,
        float_expr=_stable_softplus_of_minus(m),
    )


def _build_exponential(params: Params) -> Loss:
    return Loss("exponential", sp.exp(-Y * P), labels="pm1", margin=True)


def _build_softplus_hinge(params: Params) -> Loss:
    m = Y * P - 1
    return Loss(
        "softplus_hinge",
        sp.log(1 + sp.exp(-m)),
        lipschitz=Fraction(1),
        labels="pm1",
        margin=True,
        float_expr=_stable_softplus_of_minus(m),
    )


def _build_huber(params: Params) -> Loss:
    delta = dict(params)["delta"]
    d = _rat(delta)
    r = P - Y
    expr = sp.Piecewise(
        (-d * r - d**2 / 2, r < -d),
        (r**2 / 2, r <= d),
        (d * r - d**2 / 2, True),
    )
    return Loss(
        "huber",
        expr,
        twice_differentiable=False,
        lipschitz=delta,
        params=params,
    )


def _cvx_logistic(m: Any, params: Params) -> Any:
    import cvxpy as cp

    return cp.logistic(-m)


def _cvx_exponential(m: Any, params: Params) -> Any:
    import cvxpy as cp

    return cp.exp(-m)


def _cvx_softplus_hinge(m: Any, params: Params) -> Any:
    import cvxpy as cp

    return cp.logistic(1 - m)


def _cvx_squared(r: Any, params: Params) -> Any:
    import cvxpy as cp

    return cp.square(r)


def _cvx_squared_half(r: Any, params: Params) -> Any:
    import cvxpy as cp

    return cp.square(r) / 2


def _cvx_huber(r: Any, params: Params) -> Any:
    import cvxpy as cp

    # cp.huber(r, M) = r^2 for |r| <= M, 2M|r| - M^2 otherwise: twice our Huber.
    delta = float(dict(params)["delta"])
    return cp.huber(r, delta) / 2  # type: ignore[arg-type]  # cvxpy's stub says int; floats work


_FAMILIES: Mapping[str, _Family] = MappingProxyType(
    {
        "squared": _Family(_build_squared, (), regression=_cvx_squared),
        "squared_half": _Family(_build_squared_half, (), regression=_cvx_squared_half),
        "logistic": _Family(_build_logistic, (), margin=_cvx_logistic),
        "exponential": _Family(_build_exponential, (), margin=_cvx_exponential),
        "softplus_hinge": _Family(_build_softplus_hinge, (), margin=_cvx_softplus_hinge),
        "huber": _Family(_build_huber, (("delta", Fraction(1)),), regression=_cvx_huber),
    }
)

LOSS_NAMES: tuple[str, ...] = tuple(_FAMILIES)


def _family(name: str) -> _Family:
    fam = _FAMILIES.get(name)
    if fam is None:
        raise InvalidInput(f"loss={name!r} is not supported; use one of {', '.join(LOSS_NAMES)}.")
    return fam


def _xlogx(u: flint.fmpq) -> Any:
    """``u log u`` as an arb ball (0 at 0), for ``u >= 0``."""
    if u == 0 or u == 1:
        return flint.arb(0)
    b = flint.arb(u)
    return b * b.log()


def _conjugate_domain(
    name: str, y: flint.fmpq, params: Params
) -> tuple[flint.fmpq | None, flint.fmpq | None]:
    if name in ("squared", "squared_half"):
        return None, None
    if name == "huber":
        delta = to_fmpq(dict(params)["delta"])
        return -delta, delta
    zero = flint.fmpq(0)
    # s = y a must lie in [-1, 0] (logistic, softplus_hinge) or (-inf, 0] (exponential).
    bound = None if name == "exponential" else flint.fmpq(1)
    if y > 0:
        return (None if bound is None else -bound), zero
    return zero, bound


def _conjugate(name: str, a: flint.fmpq, y: flint.fmpq, params: Params) -> Any:
    r"""Convex conjugates ``l*(a; y) = sup_p (a p - l(p; y))`` (derived by hand).

    * squared ``(p-y)^2``: ``a y + a^2/4``; squared_half: ``a y + a^2/2``.
    * huber: ``a y + a^2/2`` for ``|a| <= delta``, else ``+inf``.
    * margin losses ``l(p; y) = phi(y p)``, ``y = ±1``: ``l*(a; y) = phi*(s)``, ``s = y a``:
      logistic ``phi*(s) = (-s) log(-s) + (1+s) log(1+s)`` on ``[-1, 0]``;
      exponential ``phi*(s) = (-s) log(-s) + s`` on ``(-inf, 0]``;
      softplus_hinge (``phi(m) = logistic(m - 1)``): ``logistic*(s) + s`` on ``[-1, 0]``.
    """
    if name == "squared":
        return a * y + a * a / 4
    if name == "squared_half":
        return a * y + a * a / 2
    if name == "huber":
        delta = to_fmpq(dict(params)["delta"])
        if a > delta or a < -delta:
            return None
        return a * y + a * a / 2
    s = y * a
    if name == "exponential":
        if s > 0:
            return None
        return _xlogx(-s) + flint.arb(s)
    if name in ("logistic", "softplus_hinge"):
        if s > 0 or s < -1:
            return None
        value = _xlogx(-s) + _xlogx(1 + s)
        return value + flint.arb(s) if name == "softplus_hinge" else value
    raise BackendError(f"loss {name!r} has no conjugate formula.")  # pragma: no cover


# ---------------------------------------------------------------------------
# Constructors
# ---------------------------------------------------------------------------


def _param_value(name: str, key: str, value: Any) -> Fraction:
    if isinstance(value, bool):
        raise InvalidInput(f"{key}={value!r} must be a rational number such as '1/2'.")
    try:
        q = value if isinstance(value, Fraction) else Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        raise InvalidInput(
            f"{key}={value!r} must be a rational number such as '1/2' (loss {name!r})."
        ) from None
    if key == "delta" and q <= 0:
        raise InvalidInput(f"delta={value!r} must be > 0; pass e.g. delta='1/2'.")
    return q


def loss(name: str, **params: Fraction | int | float | str) -> Loss:
    """Build a loss by name, with optional exact parameters.

    ``squared`` is ``(p - y)^2`` (mean squared error, as in the papers' examples);
    ``squared_half`` is ``(p - y)^2 / 2``; ``huber`` takes ``delta`` (default 1).
    Parameter values are ints, ``Fraction``, strings ``"p/q"`` or floats (taken
    at their exact binary value).

    >>> loss("huber", delta="1/2").label
    'huber(delta=1/2)'
    """
    if not isinstance(name, str):
        raise InvalidInput(f"loss={name!r} must be a string such as 'logistic'.")
    fam = _family(name)
    allowed = dict(fam.defaults)
    for key in params:
        if key not in allowed:
            hint = f"it takes {', '.join(allowed)}" if allowed else "it takes no parameters"
            raise InvalidInput(
                f"{key}={params[key]!r} is not a parameter of loss {name!r}; {hint}."
            )
    values: Params = tuple(
        (key, _param_value(name, key, params[key]) if key in params else default)
        for key, default in fam.defaults
    )
    return _build(name, values)


@functools.lru_cache(maxsize=64)
def _build(name: str, params: Params) -> Loss:
    """Build (SymPy derivation + lambdify, ~30 ms) once per name and parameters.

    Memoization of a pure function returning immutable objects: the cache cannot
    change any result, it only avoids recompiling the same loss in hot loops.
    """
    return _FAMILIES[name].build(params)


def loss_from_spec(spec: str | Mapping[str, Any] | Loss) -> Loss:
    """Build a loss from its JSON form: ``"logistic"`` or ``{"name": "huber", "delta": "1/2"}``."""
    if isinstance(spec, Loss):
        return spec
    if isinstance(spec, str):
        return loss(spec)
    if isinstance(spec, Mapping):
        if "name" not in spec:
            raise InvalidInput(
                f"loss={dict(spec)!r} has no 'name'; "
                "write e.g. {'name': 'huber', 'delta': '1/2'}."
            )
        rest = {k: v for k, v in spec.items() if k != "name"}
        return loss(spec["name"], **rest)
    raise InvalidInput(f"loss={spec!r} must be a name or a mapping with a 'name' key.")
