"""Engine-level tests for :mod:`verify.engine.graph`.

The float path is a factored re-implementation (reduced Jacobians, Kronecker
products, sign-sorted rank updates, a scratch pool) of the same formulas as the
direct path used for exact and ball arithmetic. These tests protect it:

* float fast path == direct path run on float arrays, for every architecture
  feature (residual blocks with/without ``U``, hidden layers, biases, ``out=False``,
  dense models, ``d_out > 1``, output bias, intercept, linear predictor) and with
  mixed-sign curvature weights over many samples;
* Hessian == central finite differences of the gradient (smooth activations);
* float == exact ``fmpq`` (piecewise-linear / polynomial activations) and float
  inside the Arb enclosure (transcendental activations);
* :meth:`Network.gradient_and_hessian` == the assembled Jacobian + curvature;
* the scratch pool never leaks into results (repeated calls, threads, state copy).
"""

from __future__ import annotations

import threading
from fractions import Fraction
from typing import Any

import flint
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.catalogue.losses import loss
from verify.data import Dataset
from verify.engine.graph import Network
from verify.models import Model, fully_connected, linear_predictor, resnet
from verify.numbers.arithmetic import Arithmetic, to_float_array
from verify.objectives.empirical import Objective
from verify.search.strategies import (
    EXACT_ACTIVATIONS,
    SMOOTH_ACTIVATIONS,
    datasets,
    models,
    parameter_points,
)

F = Arithmetic.FLOAT

ARCHITECTURES = {
    "yun_blocks": resnet(3, [{"activation": "tanh"}, {"activation": "tanh", "proj": 2}] * 2),
    "proj_bias": resnet(3, [{"activation": "softplus", "proj": 2, "bias": True}] * 3),
    "hidden": resnet(
        2,
        [
            {"activation": "tanh", "hidden": [3, 2]},
            {"activation": "sigmoid", "proj": 2, "hidden": [4], "bias": True},
        ],
    ),
    "near_identity": resnet(
        3,
        [
            {"activation": "tanh", "hidden": [2, 3], "out": False},
            {"activation": "square", "hidden": [3], "out": False, "bias": True},
            {"activation": "tanh", "out": False, "bias": True},
        ],
    ),
    "multi_output": resnet(
        2, [{"activation": "tanh", "proj": 3}] * 3, d_out=3, output_bias=True, intercept=True
    ),
    "dense": fully_connected(3, [4, 3, 2], "tanh"),
    "dense_square_multi": fully_connected(2, [3, 3], "square", d_out=2, intercept=True),
    "dense_relu_nobias": fully_connected(3, [4], "relu", bias=False, output_bias=False),
    "leaky": resnet(2, [{"activation": {"name": "leaky_relu", "alpha": "1/10"}, "proj": 3}] * 2),
    "linear": linear_predictor(3, d_out=2, intercept=True),
}


def _rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b), initial=0.0) / max(1.0, np.max(np.abs(b), initial=0.0)))


def _point(model: Model, n: int, seed: int, scale: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    theta = scale * rng.standard_normal(model.n_params)
    x = rng.standard_normal((model.d_x, n))
    return theta, x


def _direct(
    net: Network, theta: np.ndarray, x: np.ndarray, seed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, Any]:
    """The direct (dense-Jacobian) engine, run on float arrays: the reference."""
    fw = net.forward(theta, x, F)
    jf, curv, kink = net._generic_jacobian_and_curvature(fw, seed)
    assert curv is not None  # a seed was given
    return jf, curv, kink


# ---- float fast path == direct engine ----------------------------------------


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_fast_path_matches_direct_engine(name: str) -> None:
    model = ARCHITECTURES[name]
    net = Network(model)
    theta, x = _point(model, n=57, seed=len(name))
    fw = net.forward(theta, x, F)
    seed = np.random.default_rng(1).standard_normal(fw.output.shape)  # mixed signs
    jf, curv, kink = net.jacobian_and_curvature(fw, seed)
    jf0, curv0, kink0 = _direct(net, theta, x, seed)
    assert jf.shape == (model.d_out, model.n_params, 57)
    assert _rel_err(jf, jf0) < 1e-12
    assert curv is not None and curv0 is not None
    assert _rel_err(curv, curv0) < 1e-12
    assert np.array_equal(curv, curv.T)
    assert kink == kink0
    jf_only, none, _ = net.jacobian_and_curvature(fw, None)
    assert none is None and _rel_err(jf_only, jf0) < 1e-12


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_gradient_and_hessian_matches_assembly(name: str) -> None:
    model = ARCHITECTURES[name]
    net = Network(model)
    theta, x = _point(model, n=31, seed=7 + len(name))
    fw = net.forward(theta, x, F)
    rng = np.random.default_rng(2)
    seed = rng.standard_normal(fw.output.shape)
    weight = rng.standard_normal(fw.output.shape)  # any sign, not only l'' >= 0
    grad, hess, kink = net.gradient_and_hessian(fw, seed, weight)
    jf0, curv0, _ = _direct(net, theta, x, seed)
    ref = curv0 + sum((jf0[o] * weight[o]) @ jf0[o].T for o in range(model.d_out))
    assert _rel_err(hess, ref) < 1e-12
    assert _rel_err(grad, net.gradient(fw, seed)) < 1e-12
    assert _rel_err(grad, np.einsum("opn,on->p", jf0, seed)) < 1e-12
    assert kink == net.kink_margin(fw)


@given(st.data())
def test_fast_path_matches_direct_engine_random_models(data: st.DataObject) -> None:
    model = data.draw(models(max_d_out=2, max_params=60, max_blocks=4))
    n = data.draw(st.integers(1, 40))
    theta, x = _point(model, n, data.draw(st.integers(0, 2**16)), scale=0.5)
    net = Network(model)
    with np.errstate(all="ignore"):
        fw = net.forward(theta, x, F)
    if not all(np.all(np.abs(v) < 20) for v in fw.values):
        return  # stacked squares blow up; exp in sigmoid' would overflow
    seed = np.random.default_rng(n).standard_normal(fw.output.shape)
    jf, curv, _ = net.jacobian_and_curvature(fw, seed)
    jf0, curv0, _ = _direct(net, theta, x, seed)
    assert _rel_err(jf, jf0) < 1e-12
    assert curv is not None and _rel_err(curv, curv0) < 1e-12
    _, hess, _ = net.gradient_and_hessian(fw, seed, seed * seed)
    ref = curv0 + sum((jf0[o] * seed[o] ** 2) @ jf0[o].T for o in range(model.d_out))
    assert _rel_err(hess, ref) < 1e-12


# ---- Hessian == finite differences of the gradient ---------------------------


@given(st.data())
def test_hessian_matches_finite_differences(data: st.DataObject) -> None:
    model = data.draw(models(acts=SMOOTH_ACTIVATIONS, max_d_out=2, max_params=40))
    theta, x = _point(model, n=6, seed=data.draw(st.integers(0, 2**16)), scale=0.5)
    net = Network(model)
    fw = net.forward(theta, x, F)
    seed = np.random.default_rng(3).standard_normal(fw.output.shape)
    _, curv, _ = net.jacobian_and_curvature(fw, seed)
    assert curv is not None
    step = 1e-5
    fd = np.empty_like(curv)
    for j in range(model.n_params):
        e = np.zeros(model.n_params)
        e[j] = step
        plus = net.gradient(net.forward(theta + e, x, F), seed)
        minus = net.gradient(net.forward(theta - e, x, F), seed)
        fd[:, j] = (plus - minus) / (2 * step)
    scale = max(1.0, float(np.max(np.abs(curv))))
    assert np.max(np.abs(fd - curv)) <= 1e-6 * scale


# ---- float against exact rationals and Arb balls -------------------------------


def _objective(data: st.DataObject, acts: tuple[str, ...]) -> tuple[Objective, np.ndarray]:
    model = data.draw(models(acts=acts, max_d_out=2, max_params=30))
    ds = data.draw(datasets(model.d_in, model.d_out, max_n=5))
    return Objective(model, loss("squared"), ds), data.draw(parameter_points(model))


def _engine(
    obj: Objective, theta: np.ndarray, arith: Arithmetic
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any]:
    x, y = obj.arrays(arith)
    fw = obj.network.forward(obj.theta(theta, arith), x, arith)
    seed = obj.loss.d1(arith, fw.output, y)
    weight = obj.loss.d2(arith, fw.output, y)
    jf, curv, kink = obj.network.jacobian_and_curvature(fw, seed)
    grad, hess, _ = obj.network.gradient_and_hessian(fw, seed, weight)
    assert curv is not None  # a seed was given
    return jf, curv, grad, hess, kink


@given(st.data())
def test_float_matches_exact(data: st.DataObject) -> None:
    obj, theta = _objective(data, EXACT_ACTIVATIONS)
    ex = _engine(obj, theta, Arithmetic.EXACT)
    if ex[4] is not None and ex[4] == 0:
        return  # a sample on a kink: float may round to the other one-sided branch
    fl = _engine(obj, to_float_array(theta), F)
    for a, b in zip(fl[:4], ex[:4], strict=True):
        assert _rel_err(a, to_float_array(b)) < 1e-12


@given(st.data())
def test_float_inside_ball_enclosures(data: st.DataObject) -> None:
    obj, theta = _objective(data, ("tanh", "sigmoid", "softplus"))
    bl = _engine(obj, theta, Arithmetic.BALL)
    fl = _engine(obj, to_float_array(theta), F)
    for a, b in zip(fl[:4], bl[:4], strict=True):
        scale = max(1.0, float(np.max(np.abs(a))))
        for v, ball in zip(a.flat, b.flat, strict=True):
            slack = flint.arb(0, 1e-11 * scale)
            assert (ball + slack).contains(flint.arb(float(v))), (v, ball)


def test_exact_hessian_of_known_model() -> None:
    """f = w^T (x + V relu(U x)) on one sample: curvature is the bilinear term only."""
    model = resnet(1, [{"activation": "relu", "proj": 1}])  # theta = (U, V, w)
    obj = Objective(model, loss("squared"), Dataset(np.array([[2]]), np.array([0])))
    theta = np.array([Fraction(1, 2), Fraction(3), Fraction(1, 3)], dtype=object)
    x, _ = obj.arrays(Arithmetic.EXACT)
    fw = obj.network.forward(obj.theta(theta, Arithmetic.EXACT), x, Arithmetic.EXACT)
    seed = np.array([[flint.fmpq(1)]], dtype=object)
    _, curv, _ = obj.network.jacobian_and_curvature(fw, seed)
    assert curv is not None
    # f = w (x + V U x) for U x > 0: d2f/dU dV = w x, d2f/dU dw = V x, d2f/dV dw = U x
    want = [[0, Fraction(2, 3), 6], [Fraction(2, 3), 0, 1], [6, 1, 0]]
    assert [[Fraction(int(v.p), int(v.q)) for v in row] for row in curv] == want
    fl = obj.network.jacobian_and_curvature(
        obj.network.forward(to_float_array(theta), obj.arrays(F)[0], F), np.ones((1, 1))
    )[1]
    assert fl is not None and _rel_err(fl, np.array(want, dtype=float)) < 1e-15


# ---- scratch pool: results never alias, threads, pickling ---------------------


def test_results_do_not_alias_scratch() -> None:
    model = ARCHITECTURES["multi_output"]
    net = Network(model)
    theta, x = _point(model, n=40, seed=5)
    seed = np.ones((model.d_out, 40))
    fw = net.forward(theta, x, F)
    first = net.jacobian_and_curvature(fw, seed)
    first_gh = net.gradient_and_hessian(fw, seed, seed)
    assert first[1] is not None  # a seed was given
    keep = [a.copy() for a in (first[0], first[1], first_gh[0], first_gh[1])]
    for s in range(3):  # other points, other sample counts: the pool is reused
        t2, x2 = _point(model, n=40 + 7 * s, seed=10 + s)
        ones = np.ones((model.d_out, 40 + 7 * s))
        net.gradient_and_hessian(net.forward(t2, x2, F), ones, 2 * ones)
        net.jacobian_and_curvature(net.forward(t2, x2, F), None)
    for a, b in zip((first[0], first[1], first_gh[0], first_gh[1]), keep, strict=True):
        assert np.array_equal(a, b)
    again = net.jacobian_and_curvature(fw, seed)
    assert again[1] is not None
    assert np.array_equal(again[0], keep[0]) and np.array_equal(again[1], keep[1])


def test_threads_and_state_copy() -> None:
    model = ARCHITECTURES["proj_bias"]
    net = Network(model)
    points = [_point(model, n=64, seed=s) for s in range(6)]
    refs = [_direct(net, t, x, np.ones((1, 64)))[1] for t, x in points]
    errors: list[float] = []

    def work(i: int) -> None:
        for _ in range(5):
            t, x = points[i]
            _, curv, _ = net.jacobian_and_curvature(net.forward(t, x, F), np.ones((1, 64)))
            assert curv is not None
            errors.append(_rel_err(curv, refs[i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(errors) == 30 and max(errors) < 1e-12
    clone = Network.__new__(Network)  # what unpickling does (activations are not picklable)
    clone.__setstate__(net.__getstate__())
    assert "_lock" not in net.__getstate__() and "_pool" not in net.__getstate__()
    t, x = points[0]
    _, curv, _ = clone.jacobian_and_curvature(clone.forward(t, x, F), np.ones((1, 64)))
    assert curv is not None and _rel_err(curv, refs[0]) < 1e-12


def test_kink_margin_zero_on_a_kink() -> None:
    model = fully_connected(1, [1], "relu", output_bias=False)  # f = w relu(A x + b)
    net = Network(model)
    theta = np.array([1.0, -1.0, 2.0])  # pre-activation x - 1: zero at x = 1
    fw = net.forward(theta, np.array([[1.0, 3.0]]), F)
    _, _, kink = net.jacobian_and_curvature(fw, np.ones((1, 2)))
    assert kink == 0.0
    assert net.gradient_and_hessian(fw, np.ones((1, 2)), np.ones((1, 2)))[2] == 0.0
