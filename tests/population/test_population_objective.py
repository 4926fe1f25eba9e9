"""Population risk: Monte Carlo value, finite differences, ball enclosures, batch path."""

from __future__ import annotations

import numpy as np
import pytest

from verify import Arithmetic
from verify.errors import InvalidInput
from verify.numbers.arithmetic import ball_bounds
from verify.population.models import conv_relu, conv_relu_shortcut, two_layer_relu
from verify.population.objective import PopulationRisk, teacher_identity, two_layer_batch
from verify.population.spec import parse_population_instance, population_instance_to_json

MODELS = {
    "two_layer": lambda: two_layer_relu(3, 2),
    "two_layer_a_skip": lambda: two_layer_relu(3, 2, train_output=True, skip=True),
    "conv": lambda: conv_relu(3, 2),
    "conv_norm": lambda: conv_relu(3, 2, normalise=True),
    "liu_avg_pool": lambda: conv_relu_shortcut(3, 2),
    "liu_none": lambda: conv_relu_shortcut(3, 2, shortcut="none"),
}


def _objective(name: str, seed: int) -> tuple[PopulationRisk, np.ndarray]:
    rng = np.random.default_rng(seed)
    model = MODELS[name]()
    obj = PopulationRisk(model, model, rng.standard_normal(model.n_params))
    return obj, rng.standard_normal(model.n_params)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_value_matches_monte_carlo(name: str) -> None:
    """N = 200000 Gaussian inputs; closed form within 5 standard errors."""
    obj, th = _objective(name, 3)
    n = 200_000
    x = np.random.default_rng(99).standard_normal((n, obj.model.d_in))
    tp = np.array([float(v) for v in obj.teacher_params])
    r = obj.model.forward(th, x) - obj.teacher.forward(tp, x)
    s = 0.5 * r * r
    assert abs(obj.risk(th) - s.mean()) <= 5 * s.std() / np.sqrt(n)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_derivatives_match_finite_differences(name: str) -> None:
    obj, th = _objective(name, 5)
    land = obj.evaluate(th)
    assert land.hessian is not None and land.kink_margin > 0
    h = 1e-6
    p = th.size
    g = np.zeros(p)
    hess = np.zeros((p, p))
    for i in range(p):
        e = np.zeros(p)
        e[i] = h
        fp, gp = obj.value_and_gradient(th + e)
        fm, gm = obj.value_and_gradient(th - e)
        g[i] = (fp - fm) / (2 * h)
        hess[:, i] = (gp - gm) / (2 * h)
    scale = max(1.0, float(np.max(np.abs(land.hessian))))
    np.testing.assert_allclose(land.gradient, g, atol=1e-7 * scale)
    np.testing.assert_allclose(land.hessian, hess, atol=1e-7 * scale)
    np.testing.assert_allclose(land.hessian, land.hessian.T, atol=1e-13 * scale)


@pytest.mark.parametrize("name", ["two_layer_a_skip", "conv_norm", "liu_avg_pool"])
def test_ball_encloses_float(name: str) -> None:
    obj, th = _objective(name, 8)
    f = obj.evaluate(th)
    b = obj.evaluate(th, Arithmetic.BALL)
    assert b.method.name == "CERTIFIED" and 0 < b.kink_margin <= f.kink_margin + 1e-12
    for fv, bv in [(np.array([f.risk]), np.array([b.risk], dtype=object)),
                   (f.gradient, b.gradient), (f.hessian, b.hessian)]:
        lo, hi = ball_bounds(bv)
        tol = 1e-12 * max(1.0, float(np.max(np.abs(fv))))
        assert np.all(lo - tol <= fv) and np.all(fv <= hi + tol)
        assert float(np.max(hi - lo)) < 1e-10


def test_global_minimum_is_zero_and_batch_agrees() -> None:
    k = 4
    tm, tp = teacher_identity(k)
    obj = PopulationRisk(two_layer_relu(k, k), tm, tp)
    assert obj.risk(np.eye(k).reshape(-1)) == pytest.approx(0.0, abs=1e-14)
    w = np.random.default_rng(2).standard_normal((3, k, k))
    risk, grad = two_layer_batch(w, np.ones(k), np.eye(k), np.ones(k))
    for r in range(3):
        f, g = obj.value_and_gradient(w[r].reshape(-1))
        assert risk[r] == pytest.approx(f, abs=1e-12)
        np.testing.assert_allclose(grad[r].reshape(-1), g, atol=1e-12)


def test_refusals() -> None:
    obj, th = _objective("two_layer", 0)
    with pytest.raises(InvalidInput, match="exact"):
        obj.evaluate(th, "exact")
    with pytest.raises(InvalidInput, match="shape"):
        obj.evaluate(th[:-1])
    with pytest.raises(InvalidInput, match="d_in"):
        PopulationRisk(two_layer_relu(3, 2), two_layer_relu(4, 2), np.ones(8))
    with pytest.raises(InvalidInput, match="teacher params"):
        PopulationRisk(two_layer_relu(3, 2), two_layer_relu(3, 2), np.ones(5))
    with pytest.raises(InvalidInput, match="conv_relu_shortcut"):
        from verify.population.models import ConvReLU

        ConvReLU(2, 2, False, "avg_pool", False)


# ---------------------------------------------------------------------------
# population instance documents (verify.population.spec)
# ---------------------------------------------------------------------------


def _doc(k: int = 3) -> dict:
    eye = [[1 if i == j else 0 for j in range(k)] for i in range(k)]
    return {
        "format": "resnet-verify/instance@1",
        "loss": "squared_half",
        "model": {"kind": "two_layer_relu", "d_in": k, "width": k},
        "data": {
            "distribution": "standard_gaussian",
            "teacher": {"model": {"kind": "two_layer_relu", "d_in": k, "width": k},
                        "params": {"W": eye}},
        },
        "params": {"W": [["1/2", 0.25, 1], [0, 1, "-1/3"], [1, 0, 2]]},
    }


def test_spec_contract_shape_loads_and_round_trips() -> None:
    inst = parse_population_instance(_doc())
    assert inst.params is not None and inst.objective.global_minimum == 0.0
    from fractions import Fraction

    assert inst.params[0] == Fraction(1, 2) and inst.params[5] == Fraction(-1, 3)
    again = parse_population_instance(population_instance_to_json(inst))
    assert list(again.params) == list(inst.params)
    assert again.objective.risk(np.eye(3).reshape(-1)) == pytest.approx(0.0, abs=1e-14)
    conv = {
        **_doc(),
        "model": {"kind": "conv_relu_shortcut", "patches": 3, "patch_size": 1},
        "data": {"distribution": "standard_gaussian",
                 "teacher": {"model": {"kind": "conv_relu_shortcut", "patches": 3,
                                       "patch_size": 1},
                             "params": {"w": [1], "a": [1, -1, "1/2"]}}},
        "params": [0.5, 1, 2, 3],
    }
    ci = parse_population_instance(conv)
    assert ci.reconstruction and ci.objective.model.normalise


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d["data"]["teacher"]["params"].update(W=[[1, 0], [0, 1]]), "data.teacher"),
        (lambda d: d["data"]["teacher"]["params"]["W"][0].__setitem__(0, 0), "column 0"),
        (lambda d: d["params"]["W"][1].__setitem__(1, float("nan")), "not finite"),
        (lambda d: d.update(extra=1), "unknown keys"),
        (lambda d: d["model"].update(depth=2), "unknown keys"),
        (lambda d: d["data"].update(distribution="uniform"), "distribution"),
        (lambda d: d["data"]["teacher"]["model"].update(d_in=4), "d_in"),
        (lambda d: d.update(loss="squared"), "loss"),
        (lambda d: d["params"].update(W=[[1, 0, 0], [0, 1, 0], [0, 0, 0]]), "column 2"),
    ],
)
def test_spec_rejects_malformed(mutate, match) -> None:
    doc = _doc()
    mutate(doc)
    with pytest.raises(InvalidInput, match=match) as err:
        parse_population_instance(doc)
    assert "\n" not in str(err.value)
