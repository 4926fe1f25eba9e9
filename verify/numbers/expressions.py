"""Scalar functions defined by one SymPy expression, compiled for three arithmetics.

Activations and losses are declared as SymPy expressions. Their derivatives are
derived with ``sympy.diff`` (never typed by hand), compiled with
``lambdify(..., cse=True)`` for float64 arrays, and evaluated for exact
(``fmpq``) and ball (``arb``) object arrays by a small tree walker over the
expression, so rational constants stay exact and nothing is printed to Python
source and re-read.

Piecewise expressions are supported (ReLU, Huber). In exact arithmetic the
branch is chosen exactly; in ball arithmetic, if the condition cannot be
decided for the ball, the result is the union of the candidate branches, which
is still a rigorous enclosure of every branch value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import flint
import numpy as np
import sympy as sp

from verify.errors import BackendError
from verify.numbers.arithmetic import Arithmetic

_ARB_FUNCS: dict[type, Callable[[Any], Any]] = {
    sp.exp: lambda v: v.exp(),
    sp.log: lambda v: v.log(),
    sp.tanh: lambda v: v.tanh(),
    sp.cosh: lambda v: v.cosh(),
    sp.sinh: lambda v: v.sinh(),
    sp.Abs: lambda v: abs(v),
}


class ScalarFunction:
    """A scalar SymPy expression in ``symbols``, evaluable in every arithmetic.

    Args:
        expr: the expression.
        symbols: the argument symbols, in call order.
    """

    def __init__(self, expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> None:
        self.expr = expr
        self.symbols = tuple(symbols)
        self._numpy = sp.lambdify(
            self.symbols, expr, modules=[{"select": _select}, "numpy"], cse=True
        )
        self._polynomial = _is_rational_function(expr)

    @property
    def exact_ok(self) -> bool:
        """True if exact rational evaluation is possible (no transcendental parts)."""
        return self._polynomial

    def diff(self, symbol: sp.Symbol, order: int = 1) -> ScalarFunction:
        """The derivative, derived by SymPy."""
        return ScalarFunction(sp.diff(self.expr, symbol, order), self.symbols)

    def float_kernel(self, shape: tuple[int, ...] | None = None) -> Callable[..., np.ndarray]:
        """The float64 evaluator ``(*arrays) -> array`` of :meth:`__call__` without its
        floating-point error context: for inner loops that set one themselves. With
        ``shape`` (every argument's shape in those loops), the bare compiled function when a
        probe call shows it returns a fresh float64 array of that shape (whether it does
        depends on the expression's structure, never on the values)."""
        if shape is not None:
            probe = [np.full(shape, 0.5) for _ in self.symbols]
            with np.errstate(all="ignore"):
                if _fresh(self._numpy(*probe), probe):
                    return self._numpy  # type: ignore[no-any-return]
        return functools.partial(_float_call, self._numpy)

    def __call__(self, arith: Arithmetic, *args: np.ndarray) -> np.ndarray:
        """Evaluate elementwise on arrays of the given arithmetic."""
        if arith is Arithmetic.FLOAT:
            with np.errstate(over="ignore"):
                return _float_call(self._numpy, *args)
        if arith is Arithmetic.EXACT and not self._polynomial:
            raise BackendError(
                f"{self.expr} is not a rational function, so it has no exact value; "
                "use arithmetic='ball' for certified enclosures."
            )
        ball = arith is Arithmetic.BALL

        def scalar(*vals: Any) -> Any:
            env = dict(zip(self.symbols, vals, strict=True))
            return _walk(self.expr, env, ball)

        ufunc = np.frompyfunc(scalar, len(self.symbols), 1)
        out = ufunc(*args)
        return np.asarray(out, dtype=object)


def _float_call(fn: Callable[..., Any], *args: np.ndarray) -> np.ndarray:
    """``fn(*args)`` as a new float64 array of the broadcast shape (never an argument)."""
    res = fn(*args)
    if _fresh(res, args):  # the common case: a new float64 array of the arguments' shape
        return res  # type: ignore[no-any-return]
    if isinstance(res, (int, float)) and _same_shape(args):  # a constant derivative
        return np.full(args[0].shape, res, dtype=np.float64)
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    return np.broadcast_to(np.asarray(res, dtype=np.float64), shape).copy()


def _select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = np.nan) -> Any:
    """``numpy.select`` as a chain of ``numpy.where`` (the first true condition wins, as in
    ``numpy.select``; on the tiny arrays of a search it is 3-5x faster). ``lambdify`` prints
    a ``Piecewise`` as a call of ``select``; this one is put in its namespace."""
    out = default
    for cond, choice in zip(reversed(condlist), reversed(choicelist), strict=True):
        out = np.where(cond, choice, out)
    return out


def _fresh(res: Any, args: Sequence[Any]) -> bool:
    """True if ``res`` is a float64 array of its own memory with the shape every argument
    has: then it needs no broadcast and no defensive copy (measured: 4-5 us per call)."""
    if type(res) is not np.ndarray or res.dtype != np.float64 or res.base is not None:
        return False
    return all(a is not res and type(a) is np.ndarray and a.shape == res.shape for a in args)


def _same_shape(args: Sequence[Any]) -> bool:
    shape = getattr(args[0], "shape", None) if args else None
    return shape is not None and all(
        type(a) is np.ndarray and a.shape == shape for a in args
    )


def _is_rational_function(expr: sp.Expr) -> bool:
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Function) and not isinstance(node, sp.Piecewise):
            return False
        if isinstance(node, sp.Pow) and not node.exp.is_Integer:
            return False
        if isinstance(node, sp.Float) or node in (sp.pi, sp.E):
            return False
    return True


def _walk(expr: Any, env: dict[sp.Symbol, Any], ball: bool) -> Any:
    if expr in env:
        return env[expr]
    if isinstance(expr, sp.Integer):
        return int(expr)
    if isinstance(expr, sp.Rational):
        q = flint.fmpq(int(expr.p), int(expr.q))
        return flint.arb(q) if ball else q
    if isinstance(expr, sp.Float):
        if not ball:
            raise BackendError(f"float constant {expr} has no exact value.")
        return flint.arb(str(expr))
    if expr is sp.pi:
        return flint.arb.pi()
    if expr is sp.E:
        return flint.arb(1).exp()
    if isinstance(expr, sp.Add):
        total = _walk(expr.args[0], env, ball)
        for a in expr.args[1:]:
            total = total + _walk(a, env, ball)
        return total
    if isinstance(expr, sp.Mul):
        prod = _walk(expr.args[0], env, ball)
        for a in expr.args[1:]:
            prod = prod * _walk(a, env, ball)
        return prod
    if isinstance(expr, sp.Pow):
        base = _walk(expr.base, env, ball)
        if expr.exp.is_Integer:
            e = int(expr.exp)
            return _ipow(base, e) if e >= 0 else 1 / _ipow(base, -e)
        if not ball:
            raise BackendError(f"{expr} has no exact rational value.")
        return base ** _walk(expr.exp, env, ball)
    if isinstance(expr, sp.Piecewise):
        return _walk_piecewise(expr, env, ball)
    func = _ARB_FUNCS.get(getattr(expr, "func", None))  # type: ignore[arg-type]
    if func is not None:
        if not ball:
            raise BackendError(f"{expr} has no exact rational value.")
        return func(_walk(expr.args[0], env, ball))
    raise BackendError(f"cannot evaluate {expr!r} in {'ball' if ball else 'exact'} arithmetic.")


def _ipow(base: Any, e: int) -> Any:
    """``base**e`` for an integer ``e >= 0`` by repeated multiplication.

    python-flint's ``arb ** int`` goes through the general power and returns NaN
    for a ball that contains 0; multiplication is always a valid enclosure, and
    even powers of ``|base|`` keep it tight and nonnegative.
    """
    if isinstance(base, flint.arb) and e % 2 == 0:
        base = abs(base)
    result: Any = 1
    for _ in range(e):
        result = result * base
    return result


def _walk_piecewise(expr: sp.Piecewise, env: dict[sp.Symbol, Any], ball: bool) -> Any:
    candidates: list[Any] = []
    for value, cond in expr.args:
        decided = _decide(cond, env, ball)
        if decided is False:
            continue
        candidates.append(_walk(value, env, ball))
        if decided is True:
            break
    if not candidates:
        raise BackendError(f"no branch of {expr} applies.")
    result = candidates[0]
    for c in candidates[1:]:
        result = flint.arb(result).union(flint.arb(c))
    return result


def _decide(cond: Any, env: dict[sp.Symbol, Any], ball: bool) -> bool | None:
    """True/False if the condition is decided, None if a ball straddles it."""
    if cond is sp.true:
        return True
    if cond is sp.false:
        return False
    if isinstance(cond, sp.And | sp.Or):
        parts = [_decide(c, env, ball) for c in cond.args]
        if isinstance(cond, sp.And):
            if any(p is False for p in parts):
                return False
            return True if all(p is True for p in parts) else None
        if any(p is True for p in parts):
            return True
        return False if all(p is False for p in parts) else None
    if isinstance(cond, sp.core.relational.Relational):
        diff = _walk(cond.lhs, env, ball) - _walk(cond.rhs, env, ball)
        ops = {
            sp.LessThan: (lambda d: d <= 0, lambda d: d > 0),
            sp.StrictLessThan: (lambda d: d < 0, lambda d: d >= 0),
            sp.GreaterThan: (lambda d: d >= 0, lambda d: d < 0),
            sp.StrictGreaterThan: (lambda d: d > 0, lambda d: d <= 0),
        }
        for kind, (yes, no) in ops.items():
            if isinstance(cond, kind):
                if not ball:
                    return bool(yes(diff))
                if yes(diff):
                    return True
                if no(diff):
                    return False
                return None
    raise BackendError(f"cannot decide condition {cond!r}.")
