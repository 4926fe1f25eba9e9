"""The float Hessian over many samples is summed over chunks (memory); it equals the one-pass
result up to the order of summation."""

from __future__ import annotations

import numpy as np
import pytest

from verify.catalogue.losses import loss
from verify.data import Dataset
from verify.engine.graph import MIN_CHUNK, chunk_samples
from verify.models import resnet
from verify.objectives.empirical import Objective


@pytest.mark.parametrize("loss_name", ["squared", "logistic"])
def test_chunked_hessian_equals_one_pass(loss_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    model = resnet(3, [{"activation": "tanh", "proj": 2}] * 2)
    n = 2 * MIN_CHUNK + 17
    x = rng.standard_normal((n, 3))
    y = np.sign(rng.standard_normal(n)) if loss_name == "logistic" else rng.standard_normal(n)
    theta = rng.standard_normal(model.n_params) / 2
    obj = Objective(model, loss(loss_name), Dataset(x, y))
    monkeypatch.setattr(obj.network, "chunk", MIN_CHUNK)  # three passes
    chunked = obj.evaluate(theta, "float")
    monkeypatch.setattr(obj.network, "chunk", 10**9)  # one pass
    whole = obj.evaluate(theta, "float")
    assert chunked.hessian is not None and whole.hessian is not None
    scale = np.abs(whole.hessian).max()
    assert np.abs(chunked.hessian - whole.hessian).max() <= 1e-13 * scale
    assert np.abs(chunked.gradient - whole.gradient).max() <= 1e-13 * max(1.0, scale)
    assert not np.array_equal(chunked.hessian, np.zeros_like(chunked.hessian))


def test_chunk_is_chosen_by_bytes() -> None:
    """The chunk shrinks as the per-sample temporaries grow and never drops below MIN_CHUNK."""
    small = Objective(
        resnet(3, [{"activation": "tanh", "proj": 2}] * 2), loss("squared"),
        Dataset(np.zeros((1, 3)), np.zeros(1)),
    ).network
    big = Objective(
        resnet(8, [{"activation": "tanh", "proj": 4}] * 3), loss("squared"),
        Dataset(np.zeros((1, 8)), np.zeros(1)),
    ).network
    assert small.chunk == chunk_samples(small.graph) > big.chunk >= MIN_CHUNK
    assert 1000 <= big.chunk < 10_000  # the benchmark model: n = 1000 in one pass, 10,000 chunked
    wide = Objective(
        resnet(64, [{"activation": "tanh", "proj": 64}] * 8), loss("squared"),
        Dataset(np.zeros((1, 64)), np.zeros(1)),
    ).network
    assert wide.chunk == MIN_CHUNK
