"""The float Hessian over many samples is summed over chunks (memory); it equals the one-pass
result up to the order of summation."""

from __future__ import annotations

import numpy as np
import pytest

import verify.engine.graph as graph
from verify.catalogue.losses import loss
from verify.data import Dataset
from verify.models import resnet
from verify.objectives.empirical import Objective


@pytest.mark.parametrize("loss_name", ["squared", "logistic"])
def test_chunked_hessian_equals_one_pass(loss_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    model = resnet(3, [{"activation": "tanh", "proj": 2}] * 2)
    n = 2 * graph.CHUNK_SAMPLES + 17
    x = rng.standard_normal((n, 3))
    y = np.sign(rng.standard_normal(n)) if loss_name == "logistic" else rng.standard_normal(n)
    theta = rng.standard_normal(model.n_params) / 2
    chunked = Objective(model, loss(loss_name), Dataset(x, y)).evaluate(theta, "float")
    monkeypatch.setattr(graph, "CHUNK_SAMPLES", 10**9)
    whole = Objective(model, loss(loss_name), Dataset(x, y)).evaluate(theta, "float")
    assert chunked.hessian is not None and whole.hessian is not None
    scale = np.abs(whole.hessian).max()
    assert np.abs(chunked.hessian - whole.hessian).max() <= 1e-13 * scale
    assert np.abs(chunked.gradient - whole.gradient).max() <= 1e-13 * max(1.0, scale)
    assert not np.array_equal(chunked.hessian, np.zeros_like(chunked.hessian))
