"""Risk, gradient and Hessian: agreement across arithmetics, with finite
differences and with the whole-network SymPy closed form, plus metamorphic
invariances (zero residual block, hidden-unit permutation)."""

from __future__ import annotations

from fractions import Fraction

import flint
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from verify import Dataset, Objective, loss, resnet
from verify.engine.symbolic import closed_form_risk, derivatives
from verify.models import Model, ResidualBlock
from verify.numbers.arithmetic import to_float_array
from verify.search.strategies import (
    EXACT_ACTIVATIONS,
    SMOOTH_ACTIVATIONS,
    datasets,
    models,
    parameter_points,
)


def _instance(data: st.DataObject, acts: tuple[str, ...], max_params: int = 30, **kw):
    model = data.draw(models(acts=acts, max_params=max_params, max_d_out=2, **kw))
    ds = data.draw(datasets(model.d_in, model.d_out, max_n=5))
    theta = data.draw(parameter_points(model))
    lss = loss(data.draw(st.sampled_from(["squared", "squared_half"])))
    return Objective(model, lss, ds), theta


def _rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b), initial=0.0) / max(1.0, np.max(np.abs(b), initial=0.0)))


def _contains(ball: np.ndarray, exact: np.ndarray) -> bool:
    """Every ball contains the exact value (0 is in the enclosure of ball - exact)."""
    return all((flint.arb(b) - e).contains(0) for b, e in zip(ball.flat, exact.flat, strict=True))


@given(st.data())
def test_float_exact_ball_agree(data: st.DataObject) -> None:
    obj, theta = _instance(data, EXACT_ACTIVATIONS)
    ex = obj.evaluate(theta, "exact")
    bl = obj.evaluate(theta, "ball")
    assert _contains(np.array([bl.risk]), np.array([ex.risk]))
    assert _contains(bl.gradient, ex.gradient)
    assert _contains(bl.hessian, ex.hessian)
    if ex.kink_margin is not None and ex.kink_margin == 0:
        return  # not differentiable there: float may take the other one-sided branch
    fl = obj.evaluate(to_float_array(theta), "float")
    assert _rel_err(fl.hessian, to_float_array(ex.hessian)) < 1e-12
    assert _rel_err(fl.gradient, to_float_array(ex.gradient)) < 1e-12
    assert abs(fl.risk - float(ex.risk)) <= 1e-12 * max(1.0, abs(float(ex.risk)))


@given(st.data())
def test_ball_encloses_float_for_transcendental_activations(data: st.DataObject) -> None:
    obj, theta = _instance(data, ("tanh", "sigmoid", "softplus"))
    bl = obj.evaluate(theta, "ball")
    fl = obj.evaluate(to_float_array(theta), "float")
    lo, hi = (np.vectorize(lambda b: float(b.lower().mid()))(bl.hessian),
              np.vectorize(lambda b: float(b.upper().mid()))(bl.hessian))
    scale = max(1.0, float(np.max(np.abs(fl.hessian))))
    assert np.all(fl.hessian >= lo - 1e-12 * scale)
    assert np.all(fl.hessian <= hi + 1e-12 * scale)


@given(st.data())
def test_float_matches_central_differences(data: st.DataObject) -> None:
    obj, theta = _instance(data, SMOOTH_ACTIVATIONS)
    th = to_float_array(theta) / 2
    land = obj.evaluate(th, "float")
    eps = 1e-6
    eye = np.eye(obj.n_params)
    fd_grad = np.array([
        (obj.value_and_gradient(th + eps * e)[0] - obj.value_and_gradient(th - eps * e)[0])
        / (2 * eps) for e in eye
    ])
    fd_hess = np.array([
        (obj.value_and_gradient(th + eps * e)[1] - obj.value_and_gradient(th - eps * e)[1])
        / (2 * eps) for e in eye
    ])
    scale = max(1.0, float(np.max(np.abs(land.hessian))))
    assert np.max(np.abs(land.gradient - fd_grad), initial=0) <= 1e-5 * scale
    assert np.max(np.abs(land.hessian - fd_hess), initial=0) <= 1e-5 * scale
    assert np.allclose(land.gradient, obj.value_and_gradient(th)[1], rtol=1e-12, atol=1e-12)
    assert np.allclose(land.hessian, land.hessian.T, rtol=0, atol=1e-12 * scale)


@given(st.data())
def test_chain_rule_equals_closed_form_exactly(data: st.DataObject) -> None:
    model = data.draw(models(acts=EXACT_ACTIVATIONS, max_params=9, max_blocks=2, max_width=2))
    ds = data.draw(datasets(model.d_in, model.d_out, max_n=3))
    theta = data.draw(parameter_points(model))
    lss = loss("squared")
    risk, cf = closed_form_risk(model, lss, ds.x.tolist(), ds.y.tolist())
    subs = {s: sp.Rational(v.numerator, v.denominator) for s, v in
            zip(cf.symbols, (Fraction(t) for t in theta), strict=True)}
    grad, hess = derivatives(risk, cf.symbols)
    ex = Objective(model, lss, ds).evaluate(theta, "exact")
    assert sp.Rational(str(ex.risk)) == risk.subs(subs)
    for i, g in enumerate(grad):
        assert sp.Rational(str(ex.gradient[i])) == g.subs(subs), f"gradient entry {i}"
    for i in range(model.n_params):
        for j in range(model.n_params):
            assert sp.Rational(str(ex.hessian[i, j])) == hess[i, j].subs(subs), (i, j)


def _insert_zero_block(model: Model, theta: np.ndarray, where: int, block: ResidualBlock,
                       block_params: list) -> tuple[Model, np.ndarray, np.ndarray]:
    stages = list(model.stages)
    stages.insert(where, block)
    new = Model(model.d_in, tuple(stages), model.d_out, model.intercept, model.output_bias)
    old_named = model.unpack(theta)
    named = {}
    it = iter(block_params)
    for p in new.layout:
        src = _rename(p.name, where)
        if src is None:
            size = int(np.prod(p.shape)) if p.shape else 1
            vals = [next(it) for _ in range(size)] if not p.name.endswith("].V") else [0] * size
            named[p.name] = np.array(vals, dtype=object).reshape(p.shape)
        else:
            named[p.name] = old_named[src]
    keep = np.array([_rename(p.name, where) is not None for p in new.layout
                     for _ in range(p.size)])
    return new, new.pack(named, dtype=object), keep


def _rename(name: str, where: int) -> str | None:
    if not name.startswith("blocks["):
        return name
    i = int(name[7:name.index("]")])
    if i == where:
        return None
    j = i - 1 if i > where else i
    return f"blocks[{j}]" + name[name.index("]") + 1:]


@given(st.data())
def test_inserting_a_zero_residual_block_changes_nothing(data: st.DataObject) -> None:
    model = data.draw(models(kinds=("resnet",), acts=EXACT_ACTIVATIONS, max_params=20))
    ds = data.draw(datasets(model.d_in, model.d_out, max_n=4))
    theta = data.draw(parameter_points(model))
    where = data.draw(st.integers(1, len(model.stages)))
    from verify.search.strategies import residual_blocks

    block = data.draw(residual_blocks(model.d_x, first=False, acts=EXACT_ACTIVATIONS))
    block = ResidualBlock(block.activation, block.proj, block.hidden, block.bias, True)
    extra = data.draw(parameter_points(Model(model.d_in, (block,), 1, model.intercept)))
    new, new_theta, keep = _insert_zero_block(model, theta, where, block, list(extra))
    lss = loss("squared")
    a = Objective(model, lss, ds).evaluate(theta, "exact")
    b = Objective(new, lss, ds).evaluate(new_theta, "exact")
    assert a.risk == b.risk
    assert list(a.gradient) == list(b.gradient[keep])
    assert (a.hessian == b.hessian[np.ix_(keep, keep)]).all()


@given(st.data())
def test_permuting_hidden_units_permutes_derivatives(data: st.DataObject) -> None:
    width = data.draw(st.integers(2, 3))
    act = data.draw(st.sampled_from(EXACT_ACTIVATIONS))
    model = resnet(2, [{"activation": act, "hidden": [width], "bias": True},
                       {"activation": act, "proj": 2}], output_bias=True)
    ds = data.draw(datasets(2, 1, max_n=4))
    theta = data.draw(parameter_points(model))
    perm = data.draw(st.permutations(range(width)))
    index = np.arange(model.n_params)
    named = model.unpack(index)
    named["blocks[0].phi[0].A"] = named["blocks[0].phi[0].A"][perm, :]
    named["blocks[0].phi[0].b"] = named["blocks[0].phi[0].b"][perm]
    named["blocks[0].V"] = named["blocks[0].V"][:, perm]
    sigma = model.pack(named, dtype=np.int64)
    obj = Objective(model, loss("squared"), ds)
    a = obj.evaluate(theta, "exact")
    b = obj.evaluate(theta[sigma], "exact")
    assert a.risk == b.risk
    assert list(a.gradient[sigma]) == list(b.gradient)
    assert (a.hessian[np.ix_(sigma, sigma)] == b.hessian).all()


def test_sample_on_relu_kink_is_flagged() -> None:
    model = resnet(1, [{"activation": "relu", "hidden": [1], "bias": True}])
    ds = Dataset(np.array([[1], [2]], dtype=object), np.array([0, 1], dtype=object))
    obj = Objective(model, loss("squared"), ds)
    # pre-activation u*x + b = x - 1 vanishes at the first sample
    land = obj.evaluate([1, -1, 1, 1], "exact")
    assert land.kink_margin == 0
    assert land.twice_differentiable is False
    away = obj.evaluate([1, Fraction(-1, 2), 1, 1], "exact")
    assert away.kink_margin == flint.fmpq(1, 2)
    assert away.twice_differentiable is True


def test_per_sample_hessians_sum_to_risk_hessian() -> None:
    rng = np.random.default_rng(0)
    model = resnet(2, [{"activation": "tanh", "hidden": [3]}, {"activation": "tanh", "proj": 1}],
                   d_out=2, output_bias=True)
    ds = Dataset(rng.normal(size=(4, 2)), rng.normal(size=(4, 2)))
    obj = Objective(model, loss("squared"), ds)
    th = rng.normal(size=model.n_params)
    f, jac, _ = obj.output_derivatives(th)
    total = np.zeros((model.n_params, model.n_params))
    y = ds.y.astype(float).T
    for i in range(ds.n):
        _, _, hs = obj.output_derivatives(th, sample=i)
        for o in range(2):
            g = 2 * (f[o, i] - y[o, i])
            total += g * hs[o] + 2 * np.outer(jac[o, :, i], jac[o, :, i])
    assert np.allclose(total / ds.n, obj.evaluate(th).hessian, atol=1e-12)


@pytest.mark.parametrize("arith", ["exact", "ball"])
def test_exact_refused_for_transcendental_activation(arith: str) -> None:
    from verify.errors import InvalidInput

    model = resnet(1, [{"activation": "tanh", "hidden": [1]}])
    obj = Objective(model, loss("squared"), Dataset(np.array([[1]]), np.array([1])))
    if arith == "exact":
        with pytest.raises(InvalidInput, match="arithmetic='exact'"):
            obj.evaluate([1, 1, 1], "exact")
    else:
        assert obj.evaluate([1, 1, 1], "ball").method.value == "certified"


@pytest.mark.parametrize("name", ["sigmoid", "softplus"])
def test_stable_float_forms_match_the_sympy_derivatives(name: str) -> None:
    from verify import activation
    from verify.numbers.arithmetic import Arithmetic

    act = activation(name)
    z = np.linspace(-30, 30, 601)
    for order, fn in enumerate(act._fns):
        sym = fn(Arithmetic.FLOAT, z)
        stable = (act.value, act.d1, act.d2)[order](Arithmetic.FLOAT, z)
        assert np.allclose(stable, sym, rtol=1e-12, atol=1e-15)
    far = np.array([-1e4, -800.0, 800.0, 1e4])
    for f in (act.value, act.d1, act.d2):
        assert np.all(np.isfinite(f(Arithmetic.FLOAT, far)))
