"""The float pass's rest-slot rank updates (verify.engine.rank_updates) and low-rank feeds.

Both ways to the rest-slot sums (per-unit sorted symmetric products, whole or in column
blocks, and the unsorted way: curvature by slot pairs, whole or in sample chunks, and
GEMMs over groups of units for the left rows) must give the direct dense-Jacobian
engine's Hessian, for weights of mixed sign, all positive, with exact zeros (the
"negligible" segment) and all zero; the sign ordering itself is checked on a hand-made
weight array.
"""

from __future__ import annotations

import numpy as np
import pytest

import verify.engine.rank_updates as rank_updates
from verify.engine.compiled import compile_model
from verify.engine.factored import FloatPass, Pool
from verify.engine.graph import Network
from verify.engine.rank_updates import sign_order
from verify.models import resnet
from verify.numbers.arithmetic import Arithmetic

F = Arithmetic.FLOAT

MODELS = {
    "deep": resnet(3, [{"activation": "tanh", "proj": 2}] * 4),
    "multi_out": resnet(4, [{"activation": "sigmoid", "proj": 3}] * 3, d_out=2),
    "bias_no_readout": resnet(
        3, [{"activation": "softplus", "proj": 2, "bias": True}] * 3, d_out=3, readout=False
    ),
}


def _weights(kind: str, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    w = rng.standard_normal(shape)
    if kind == "positive":
        return np.abs(w) + 0.1
    if kind == "zeros":
        w[:, ::3] = 0.0  # exact zeros: the negligible segment
        return w
    if kind == "all_zero":
        return np.zeros(shape)
    return w


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("kind", ["mixed", "positive", "zeros", "all_zero"])
@pytest.mark.parametrize("path", ["sorted", "batched"])
@pytest.mark.parametrize("block", [None, 64])  # 64: column blocks of 1-5, sample chunks of 1-3
def test_both_paths_match_direct_engine(
    name: str, kind: str, path: str, block: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _force(path, monkeypatch)
    if block is not None:
        monkeypatch.setattr(rank_updates, "BLOCK_ELEMS", block)
        monkeypatch.setattr(rank_updates, "PAIR_ELEMS", block)
    model = MODELS[name]
    net = Network(model)
    rng = np.random.default_rng(len(name) + len(kind))
    theta = 0.7 * rng.standard_normal(model.n_params)
    x = rng.standard_normal((model.d_x, 41))
    fw = net.forward(theta, x, F)
    seed = _weights(kind, fw.output.shape, rng)  # zeros in the seed: zero activation weights
    weight = _weights(kind, fw.output.shape, rng)
    _, hess, _ = net.gradient_and_hessian(fw, seed, weight)
    jf, curv, _ = net._generic_jacobian_and_curvature(fw, seed)
    assert curv is not None
    ref = curv + sum((jf[o] * weight[o]) @ jf[o].T for o in range(model.d_out))
    assert _rel(hess, ref) < 1e-12
    assert np.array_equal(hess, hess.T)
    # the forced path formed the curvature of every activation (the output's weight is
    # the last call, with a single unit)
    assert calls[path] >= len(model.stages) - 1 and calls["other"] == 0


def _force(path: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Make every rest-slot curvature take ``path``; count the calls of each path with
    curvature (``other``: the path not forced)."""
    sorted_wins = path == "sorted"
    monkeypatch.setattr(rank_updates, "SORT_COST", 0 if sorted_wins else 10**9)
    monkeypatch.setattr(rank_updates, "BUILD_COST", 10**9 if sorted_wins else 0)
    calls = {path: 0, "other": 0}
    cls = rank_updates.RankUpdates
    for name, meth in (("sorted", cls._rest_sorted), ("batched", cls._pair_curvature)):

        def spy(self, *args, _meth=meth, _name=name):  # type: ignore[no-untyped-def]
            calls[_name if _name == path else "other"] += 1
            return _meth(self, *args)

        monkeypatch.setattr(cls, "_rest_sorted" if name == "sorted" else "_pair_curvature", spy)
    return calls


def test_sign_order_segments_and_scales() -> None:
    c = np.array([[2.0, -3.0, 0.0, 5.0, -1e-300, 1e-70], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    o = sign_order(c)
    # row 0: tiny = 5 * 2^-200 ~ 3e-60, so -1e-300 and 1e-70 are negligible with the 0
    assert o.npos.tolist() == [2, 0] and o.nneg.tolist() == [1, 0]
    assert o.perm[0].tolist() == [0, 3, 1, 2, 4, 5]  # stable: positive, negative, negligible
    np.testing.assert_allclose(o.w[0], [np.sqrt(2), np.sqrt(5), np.sqrt(3), 1, 1, 1])
    np.testing.assert_allclose(o.inv[0], [1 / np.sqrt(2), 1 / np.sqrt(5), -1 / np.sqrt(3), 1, 1, 1])
    assert np.all(o.w[1] == 1.0) and np.all(o.inv[1] == 1.0)  # all negligible
    nan = sign_order(np.array([[1.0, np.nan, -1.0]]))
    assert np.isnan(nan.w).any()  # an overflow upstream reaches the result


def test_last_block_feed_uses_the_seed_rows() -> None:
    """Under a readout the last block's V reaches the output linearly (d f / d y = w^T):
    its terms are formed on the d_out seed rows; without a readout d f / d y = I is no
    smaller, so the adjoint rows are kept."""
    for model, expect_low in [
        (resnet(4, [{"activation": "tanh", "proj": 3}] * 2), True),
        (resnet(3, [{"activation": "tanh", "proj": 2}] * 2, d_out=3, readout=False), False),
    ]:
        graph = compile_model(model)
        rng = np.random.default_rng(0)
        net = Network(model)
        theta = rng.standard_normal(model.n_params)
        fw = net.forward(theta, rng.standard_normal((model.d_x, 5)), F)
        fp = FloatPass(graph, fw, np.ones(fw.output.shape), Pool())
        last_v = graph.op_slot[max(k for k in graph.op_slot if graph.fused[k])]
        low = fp.out_const.get(last_v)
        assert low is not None
        assert (low.shape[0] < graph.slots[last_v].dout) is expect_low


@pytest.mark.parametrize("path", ["sorted", "batched"])
def test_unit_with_zero_weight_everywhere(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit whose curvature weight is 0 on every sample (its column of V is 0, so its
    adjoint is 0) still has bilinear terms with the V it feeds: the sorted path forms them
    from the negligible segment alone."""
    _force(path, monkeypatch)
    model = MODELS["deep"]
    net = Network(model)
    rng = np.random.default_rng(5)
    theta = 0.7 * rng.standard_normal(model.n_params)
    v = model.param("blocks[2].V")
    theta[v.offset : v.stop].reshape(v.shape)[:, 0] = 0.0
    fw = net.forward(theta, rng.standard_normal((model.d_x, 23)), F)
    seed = rng.standard_normal(fw.output.shape)
    weight = rng.standard_normal(fw.output.shape)
    _, hess, _ = net.gradient_and_hessian(fw, seed, weight)
    jf, curv, _ = net._generic_jacobian_and_curvature(fw, seed)
    assert curv is not None
    ref = curv + sum((jf[o] * weight[o]) @ jf[o].T for o in range(model.d_out))
    assert _rel(hess, ref) < 1e-12
    block = ref[v.offset : v.stop, : v.offset]
    assert np.abs(block).max() > 1e-3  # the terms this test is about are not all zero
