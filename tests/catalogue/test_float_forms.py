"""The float64 fast paths of :class:`verify.numbers.expressions.ScalarFunction` give the
same numbers as SymPy's own ``lambdify`` (``numpy.select`` for ``Piecewise``, broadcast
and copy for everything), bit for bit, for every activation and loss and derivative,
at random points and on the kinks; and a result never aliases an argument."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from verify.catalogue.activations import NAMES, activation
from verify.catalogue.losses import LOSS_NAMES, loss
from verify.numbers.arithmetic import Arithmetic
from verify.numbers.expressions import ScalarFunction

F = Arithmetic.FLOAT
KINKS = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1e-300, 800.0, -800.0])


def _reference(fn: ScalarFunction, *args: np.ndarray) -> np.ndarray:
    plain = sp.lambdify(fn.symbols, fn.expr, modules="numpy", cse=True)
    with np.errstate(all="ignore"):
        res = plain(*args)
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    return np.broadcast_to(np.asarray(res, dtype=np.float64), shape).copy()


def _points(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([KINKS, rng.normal(scale=3.0, size=29)]).reshape(5, 8)


@pytest.mark.parametrize("name", NAMES)
def test_activation_forms_match_lambdify(name: str) -> None:
    act = activation(name)
    z = _points(1)
    for order, fn in enumerate(act._fns):
        with np.errstate(all="ignore"):
            got = fn(F, z)
        want = _reference(fn, z)
        assert got.dtype == np.float64 and got.shape == z.shape
        assert np.array_equal(got, want, equal_nan=True), (name, order)
        before = z.copy()
        got += 1.0  # the result owns its memory
        assert np.array_equal(z, before)


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_loss_forms_match_lambdify(name: str) -> None:
    lo = loss(name)
    p = _points(2)
    y = np.sign(_points(3)) if lo.labels == "pm1" else _points(3)
    y[y == 0] = 1.0
    for order, fn in enumerate(lo._float_fns):
        with np.errstate(all="ignore"):
            got = fn(F, p, y)
        assert np.array_equal(got, _reference(fn, p, y), equal_nan=True), (name, order)
        with np.errstate(all="ignore"):  # broadcasting arguments take the general path
            row = fn(F, p[:1], y)
        assert np.array_equal(row, _reference(fn, p[:1], y), equal_nan=True), (name, order)


def test_first_true_condition_wins_as_in_numpy_select() -> None:
    x = sp.Symbol("x")
    overlapping = sp.Piecewise((1, x < 1), (2, x < 2), (3, True))
    fn = ScalarFunction(overlapping, [x])
    z = np.array([0.0, 1.0, 1.5, 2.0, 5.0])
    assert fn(F, z).tolist() == [1.0, 2.0, 2.0, 3.0, 3.0]
