"""Lazy chains of the float pass (verify.engine.compiled._lazy_nodes, FloatPass._push).

A linear chain into a narrower matmul (``h_L = h_{L-1} + V_L a_L`` under the readout)
is never formed: its terms are pushed to the readout. The graph analysis must pick
exactly such chains, and the pushed terms must give the direct engine's Jacobian,
gradient and Hessian (multi-output readouts, output bias, blocks without ``V``,
no readout).
"""

from __future__ import annotations

import numpy as np
import pytest

from verify.engine.compiled import Push, compile_model
from verify.engine.graph import Network
from verify.models import Model, resnet
from verify.numbers.arithmetic import Arithmetic

F = Arithmetic.FLOAT


def test_benchmark_model_chain() -> None:
    g = compile_model(resnet(8, [{"activation": "tanh", "proj": 4}] * 3))
    lazy = [k for k, op in enumerate(g.ops) if g.lazy[op.out]]
    kinds = [g.ops[k].kind for k in lazy]
    assert kinds == ["matmul", "add"]  # V_3 a_3 and h_3 = h_2 + V_3 a_3
    readout = len(g.ops) - 1
    v3, add3 = lazy
    u3 = v3 - 2  # U_3 h_2, act, V_3 a_3
    assert g.pushes[u3] == (Push(g.ops[add3].inputs[0], (readout,)),)  # h_2 after U_3
    assert g.pushes[v3] == (Push(None, (readout,)), Push(g.ops[v3].inputs[0], (v3, readout)))
    assert sum(len(p) for p in g.pushes) == 3


@pytest.mark.parametrize(
    ("model", "n_lazy"),
    [
        (resnet(3, [{"activation": "tanh", "proj": 2}] * 2, d_out=3, readout=False), 0),
        (resnet(3, [{"activation": "tanh", "proj": 2}] * 2, d_out=3), 0),  # W not narrower
        (resnet(4, [{"activation": "tanh", "proj": 2}] * 2, d_out=2, output_bias=True), 2),
        (resnet(3, [{"activation": "tanh", "hidden": [2, 3], "out": False}] * 2), 1),
    ],
)
def test_chains_only_into_a_narrower_matmul(model: Model, n_lazy: int) -> None:
    g = compile_model(model)
    assert sum(g.lazy[op.out] for op in g.ops) == n_lazy


@pytest.mark.parametrize(
    "model",
    [
        resnet(4, [{"activation": "tanh", "proj": 2}] * 3, d_out=2, output_bias=True),
        resnet(3, [{"activation": "sigmoid", "proj": 2, "bias": True}] * 2, intercept=True),
        resnet(3, [{"activation": "tanh", "hidden": [2, 3], "out": False}] * 2),
        resnet(5, [{"activation": "softplus", "proj": 3}], d_out=2),
    ],
)
def test_pushed_terms_match_the_direct_engine(model: Model) -> None:
    net = Network(model)
    g = net.graph
    assert any(g.lazy[op.out] for op in g.ops)
    rng = np.random.default_rng(model.n_params)
    theta = 0.6 * rng.standard_normal(model.n_params)
    x = rng.standard_normal((model.d_x, 37))
    fw = net.forward(theta, x, F)
    seed = rng.standard_normal(fw.output.shape)
    weight = rng.standard_normal(fw.output.shape)
    jf, curv, _ = net.jacobian_and_curvature(fw, seed)
    jf0, curv0, _ = net._generic_jacobian_and_curvature(fw, seed)
    assert curv is not None and curv0 is not None
    scale = max(1.0, float(np.abs(curv0).max()))
    assert np.abs(jf - jf0).max() <= 1e-12 * max(1.0, float(np.abs(jf0).max()))
    assert np.abs(curv - curv0).max() <= 1e-12 * scale
    grad, hess, _ = net.gradient_and_hessian(fw, seed, weight)
    ref = curv0 + sum((jf0[o] * weight[o]) @ jf0[o].T for o in range(model.d_out))
    assert np.abs(hess - ref).max() <= 1e-12 * max(1.0, float(np.abs(ref).max()))
    assert np.abs(grad - np.einsum("opn,on->p", jf0, seed)).max() <= 1e-12 * scale
