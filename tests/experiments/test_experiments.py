"""Experiments Y3, Y4, S2, S3 and the shared figures: quick budgets, strict JSON, honesty."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest

from verify import Dataset, Objective, loss, resnet
from verify.errors import InvalidInput
from verify.experiments import figures, near_identity, rademacher, sgd, stationarity

EXPERIMENTS = {"Y3": near_identity, "Y4": rademacher, "S2": stationarity, "S3": sgd}


def _strict(text: str) -> object:
    def no_constant(name: str) -> object:
        raise ValueError(f"non-strict JSON constant {name}")
    return json.loads(text, parse_constant=no_constant)


@pytest.fixture(scope="module")
def results():
    return {key: mod.run("quick", seed=0) for key, mod in EXPERIMENTS.items()}


@pytest.mark.parametrize("key", sorted(EXPERIMENTS))
def test_result_is_strict_json_with_the_stated_fields(results, key):
    d = results[key].to_dict()
    back = _strict(json.dumps(d, allow_nan=False))
    for field in ("experiment", "measures", "method", "seed", "budget", "n_samples", "seconds",
                  "note", "source"):
        assert field in back, field
    assert back["method"] in ("sampled", "numeric")  # never a proof of the universal claim
    assert back["seed"] == 0 and back["budget"] == "quick"
    assert "holds" not in json.dumps({k: v for k, v in back.items()
                                      if k not in ("rows", "paths", "runs")}).lower()


@pytest.mark.parametrize("key", sorted(EXPERIMENTS))
def test_plot_writes_png_and_strict_json(results, key, tmp_path):
    png, js = EXPERIMENTS[key].plot(results[key], tmp_path / f"{key}.png")
    assert png.exists() and png.stat().st_size > 1000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    doc = _strict(js.read_text())
    assert doc["xlabel"] and doc["ylabel"] and doc["data"]


def test_quick_runs_are_deterministic():
    a = stationarity.run("quick", seed=3).to_dict()
    b = stationarity.run("quick", seed=3).to_dict()
    a.pop("seconds")
    b.pop("seconds")
    assert a == b


@pytest.mark.parametrize("mod", list(EXPERIMENTS.values()))
def test_bad_budget_and_seed(mod):
    with pytest.raises(InvalidInput, match="budget"):
        mod.run("fast")
    with pytest.raises(InvalidInput, match="seed"):
        mod.run("quick", seed=-1)


# ---- Y3 --------------------------------------------------------------------


def test_y3_rows_are_certified_and_within_the_bound(results):
    r = results["Y3"]
    assert {row.depth for row in r.rows} == set(range(1, 17))
    assert len({row.loss for row in r.rows}) == 2 and not r.skipped
    assert r.violations == []
    for row in r.rows:
        assert row.lipschitz_exact
        assert row.method.value == "certified"
        assert row.gap[1] <= row.bound[0] + row.eps_term[1]
        assert row.ratio < 1
        if row.loss.startswith("huber"):
            assert row.stationarity == "exact" and row.eps_term == [0.0, 0.0]
        else:
            assert row.eps_term[1] < 1e-8


def test_y3_detects_a_violation_when_the_lipschitz_premise_is_faked(monkeypatch):
    # blocks h <- h - relu(h) on the first two coordinates are far from alpha/L-Lipschitz;
    # claiming they are (lip_ok = True) with a tiny alpha must produce a certified violation
    def fake_blocks(rng, depth, alpha, rank_one):
        U = np.array([[Fraction(1), 0, 0], [0, Fraction(1), 0]], dtype=object)
        V = np.array([[Fraction(-1), 0], [0, Fraction(-1)], [0, 0]], dtype=object)
        return [(U, V)] * depth, True

    monkeypatch.setattr(near_identity, "_blocks", fake_blocks)
    r = near_identity.run("quick", seed=0, alpha=Fraction(1, 1000), depths=[1])
    assert any(row.verdict.value == "violated" for row in r.rows)


def test_y3_lipschitz_certificate_is_exact():
    rng = np.random.default_rng(0)
    for rank_one in (True, False):
        blocks, ok = near_identity._blocks(rng, 5, Fraction(1), rank_one)
        assert ok
        for U, V in blocks:
            assert sum(v * v for v in U.flat) * sum(v * v for v in V.flat) <= Fraction(1, 25)


# ---- Y4 --------------------------------------------------------------------


def test_y4_forward_matches_the_engine():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 3))
    L = 3
    model = resnet(3, [{"activation": "relu", "proj": rademacher.PROJ}] * L)
    theta = rng.normal(size=model.n_params)
    p = model.unpack(theta)
    params = {"w": p["w"], "blocks": [(p[f"blocks[{i}].U"], p[f"blocks[{i}].V"])
                                      for i in range(L)]}
    f_engine = Objective(model, loss("squared"), Dataset(x, np.zeros(5))).evaluate(
        theta, "float", order=1).outputs[0]
    assert np.allclose(rademacher.forward(params, x), f_engine, atol=1e-12)


def test_y4_inner_sup_is_between_linear_and_trivial_bounds():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(8, 3))
    sigma = rng.choice((-1.0, 1.0), size=8)
    lin = float(np.linalg.norm(x.T @ sigma)) / 8
    for L in (1, 4):
        v = rademacher.inner_sup(x, sigma, L, rng, 2, 40)
        # |f(x)| <= (1 + 1/L)^L ||x|| <= e ||x|| on F_L
        assert lin <= v <= math.e * float(np.mean(np.linalg.norm(x, axis=1))) + 1e-12


def test_y4_linear_lower_bound_exact_enumeration():
    m, se, how = rademacher.linear_lower_bound(np.eye(2), np.random.default_rng(0), 10)
    assert m == pytest.approx(math.sqrt(2) / 2) and se == 0.0 and "exact" in how


def test_y4_rows_have_standard_errors_and_stay_below_bound(results):
    for row in results["Y4"].rows:
        assert row.n_sigma >= 2 and row.se >= 0
        assert row.linear <= row.estimate + 1e-12  # the linear start is always included
        assert row.estimate < row.bound


# ---- S2 --------------------------------------------------------------------


def test_s2_ball_recheck_encloses_the_float_slack(results):
    r = results["S2"]
    assert sum(len(t.slack) for t in r.traces) > 100
    assert all(s >= 0 for t in r.traces for s in t.slack)
    ds, the_loss = stationarity._datasets(np.random.default_rng(0), 40)["huber"]
    model = resnet(stationarity.D_X, [{"activation": "tanh", "proj": stationarity.WIDTH}])
    obj = Objective(model, the_loss, ds)
    lin = Objective(resnet(stationarity.D_X, []), the_loss, ds)
    theta = np.random.default_rng(5).normal(size=model.n_params)
    t = np.array([0.3, -0.2, 0.1])
    rv, g = obj.value_and_gradient(theta)
    eps, w_n, _, v_fro = stationarity._bound_terms(model, theta, g)
    float_slack = (lin.value_and_gradient(t)[0]
                   + eps * (np.linalg.norm(t) * (1 + v_fro / w_n) + w_n) - rv)
    chk = stationarity._ball_recheck(obj, lin, theta, t)
    lo, hi = chk["slack_ball"]
    assert lo - 1e-9 <= float_slack <= hi + 1e-9
    assert chk["verdict"] == ("holds" if float_slack > 0 else "violated")


# ---- S3 --------------------------------------------------------------------


def test_s3_minibatch_gradient_matches_the_engine():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(6, sgd.D_X)), rng.normal(size=6)
    the_loss = loss("huber", delta=1)
    model = resnet(sgd.D_X, [{"activation": "tanh", "proj": 2}])
    theta = rng.normal(size=model.n_params)
    p = model.unpack(theta)
    mine = sgd.minibatch_gradient({"U": p["blocks[0].U"], "V": p["blocks[0].V"], "w": p["w"]},
                                  x, y, the_loss)
    _, g = Objective(model, the_loss, Dataset(x, y)).value_and_gradient(theta)
    gp = model.unpack(g)
    for a, b in (("U", "blocks[0].U"), ("V", "blocks[0].V"), ("w", "w")):
        assert np.allclose(mine[a], gp[b], atol=1e-12)


def test_s3_rates_have_wilson_intervals(results):
    rates = results["S3"].to_dict()["success_rates"]
    for per_width in rates.values():
        for rate in per_width.values():
            lo, hi = rate["wilson95"]
            assert 0 <= lo <= rate["rate"] <= hi <= 1 and rate["trials"] >= 1


# ---- figures -----------------------------------------------------------------


def test_dichotomy_scatter_counts_forbidden_points(tmp_path):
    _, js = figures.dichotomy_scatter([(0.1, -0.5), (-0.2, 0.3), (0.05, 0.01), (0.0, 0.2)],
                                      tmp_path / "d")
    data = _strict(js.read_text())["data"]
    assert data["forbidden_quadrant"] == [2] and data["n_forbidden"] == 1


def test_spectrum_plot_and_bad_input(tmp_path):
    png, js = figures.spectrum_plot([3.0, -1.0, 0.0, 2.0], tmp_path / "s")
    assert png.exists() and _strict(js.read_text())["data"]["n_negative"] == 1
    with pytest.raises(InvalidInput, match="finite"):
        figures.spectrum_plot([float("nan")], tmp_path / "t")
    with pytest.raises(InvalidInput, match="certified"):
        figures.dichotomy_scatter([(0.0, 0.0)], tmp_path / "u", certified=[True, False])


# ---- deep sweeps ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(EXPERIMENTS))
def test_deep_budget(key, tmp_path):
    r = EXPERIMENTS[key].run("deep", seed=1)
    _strict(json.dumps(r.to_dict(), allow_nan=False))
    EXPERIMENTS[key].plot(r, tmp_path / key)


def test_y3_at_trained_critical_points_measures_alpha(tmp_path):
    from verify.experiments import near_identity_critical

    r = near_identity_critical.run("quick", seed=0, depths=[1, 2])
    d = _strict(json.dumps(r.to_dict(), allow_nan=False))
    assert d["alpha"] == "measured per row" and d["violations"] == 0
    assert len(r.rows) == 4
    for row in r.rows:
        assert row.kind == "full critical point (trained)"
        assert row.alpha is not None and row.alpha[0] > 0
        assert row.full_grad_norm is not None
        assert row.verdict.value == "holds"  # at this instance, certified
    png, _ = near_identity.plot(r, tmp_path / "y3c")
    assert png.exists()
