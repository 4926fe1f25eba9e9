"""Experiments on population landscapes: Safran-Shamir GD batch, families, certification;
Du et al. and Liu et al. (reconstruction) GD and the closed-form spurious-minimum certificate."""

from __future__ import annotations

import json

import numpy as np
import pytest

from verify import Verdict
from verify.experiments import du_liu
from verify.experiments import safran_shamir as ss
from verify.population.conv import certify_du_spurious, conv_batch, du_spurious_point
from verify.population.models import conv_relu, conv_relu_shortcut
from verify.population.objective import PopulationRisk, two_layer_batch


def test_gd_batch_reaches_the_stopping_rule() -> None:
    gd = ss.run_gd(4, 12, seed=3)
    assert gd.converged.all() and gd.runs == 12
    _, g = two_layer_batch(gd.weights, np.ones(4), np.eye(4), np.ones(4))
    assert np.linalg.norm(g, axis=1).max() <= ss.GRAD_TOL
    good = ~gd.bad
    assert np.all(gd.risk[good] < ss.BAD)


def test_iteration_cap_is_reported() -> None:
    gd = ss.run_gd(4, 5, seed=0, max_iter=10)
    assert not gd.converged.any() and np.all(gd.iterations == 10)


def test_families_merge_permuted_copies_only() -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 3))
    pw = w[[2, 0, 1]][:, [1, 2, 0]]  # coordinate and neuron permutation
    other = w + 0.1
    weights = np.stack([w, pw, other])
    gd = ss.GDRuns(3, 3, 0, weights, np.array([0.5, 0.5, 0.5]), np.zeros(3, int),
                   np.ones(3, bool), 0.0, 1)
    fams = ss.families(gd)
    assert sorted(len(f.members) for f in fams) == [1, 2]


def test_toolkit_finds_and_certifies_a_spurious_minimum() -> None:
    """k = 8, 40 Xavier runs (seed 0): the bad runs' representative is certified spurious."""
    gd = ss.run_gd(8, 40, seed=0)
    fams = ss.families(gd)
    assert fams, "no bad run among 40 at k = 8 (expected about 15%)"
    cert = ss.certify_family(gd, fams[0])
    c = cert["classification"]
    assert cert["certified_spurious"] and c["kind"] == "strict_local_minimum"
    assert c["value"][0] >= ss.BAD and c["method"] == "certified"


def test_sweep_writes_json_and_png(tmp_path) -> None:
    res = ss.sweep((4,), runs=6, seed=1, certify=False, out=tmp_path / "ss")
    doc = json.loads((tmp_path / "ss.json").read_text())
    assert (tmp_path / "ss.png").stat().st_size > 0
    row = doc["data"]["rows"][0]
    assert row["runs"] == 6 and len(row["bad"]["wilson95"]) == 2
    assert res["rows"][0]["k"] == 4


@pytest.mark.slow
def test_safran_shamir_sweep_500_runs() -> None:
    res = ss.sweep((6, 7, 8, 9, 10), runs=500, seed=0, certify=True)
    for row in res["rows"]:
        assert row["runs"] == 500
        for fam in row["families"]:
            assert fam["classification"]["kind"] in ("strict_local_minimum", "undecided")


# ---------------------------------------------------------------------------
# Du et al. and Liu et al. (reconstruction)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shortcut", [False, True])
def test_conv_batch_matches_population_risk(shortcut: bool) -> None:
    rng = np.random.default_rng(4)
    k, p = 4, 3
    model = conv_relu_shortcut(k, p) if shortcut else conv_relu(k, p, normalise=True)
    v = rng.standard_normal(p)
    v /= np.linalg.norm(v)
    ast = rng.standard_normal(k)
    obj = PopulationRisk(model, model, np.concatenate([v, ast]))
    w, a = rng.standard_normal((3, p)), rng.standard_normal((3, k))
    f, gw, ga, _ = conv_batch(w, a, v, ast, normalise=True, shortcut=shortcut)
    for r in range(3):
        f1, g1 = obj.value_and_gradient(np.concatenate([w[r], a[r]]))
        assert f[r] == pytest.approx(f1, abs=1e-12)
        np.testing.assert_allclose(np.concatenate([gw[r], ga[r]]), g1, atol=1e-12)


def test_du_spurious_certificate_and_closed_form_condition() -> None:
    ev = certify_du_spurious(list(du_liu.ASTAR))
    assert ev.verdict is Verdict.HOLDS and ev.method.value == "certified"
    assert "profile-loss" in ev.reason and ev.witness["value_interval"][0] > 0
    assert certify_du_spurious([1, 1, 1, 1]).verdict is Verdict.VIOLATED
    rng = np.random.default_rng(5)
    for _ in range(20):
        ast = rng.standard_normal(5)
        s = du_spurious_point(ast) @ ast
        closed = ast.sum() ** 2 < (5 + np.pi - 1) / np.pi * (ast @ ast)
        assert (s < 0) == closed
    # (−v*, a_s) is critical: zero gradient in float
    ast = np.array(du_liu.ASTAR)
    v = np.array([1.0, 0, 0, 0])
    _, gw, ga, phi = conv_batch(-v[None], du_spurious_point(ast)[None], v, ast,
                                normalise=True, shortcut=False)
    assert phi[0] == pytest.approx(np.pi) and np.abs(gw).max() < 1e-12
    assert np.abs(ga).max() < 1e-12


def test_du_and_liu_experiments_small(tmp_path) -> None:
    du = du_liu.du_experiment(30, iters=3000)
    assert du["global"]["successes"] + du["spurious"]["successes"] + du["other"] == 30
    assert du["spurious_certificate"]["verdict"] == "holds"
    liu = du_liu.liu_comparison(200, iters=1500)
    on, off = liu["with_shortcut"], liu["without_shortcut"]
    assert on["label"] == off["label"] == liu["label"] == "reconstruction"
    assert on["setting"]["w0_norm"] == off["setting"]["w0_norm"] == 1e-3
    assert on["runs"] == off["runs"] == 200
    # measured (seed 0): every shortcut run succeeds; without it about half end near
    # Du et al.'s spurious point. The gap is far outside both Wilson intervals.
    assert on["success"]["successes"] == 200 and on["near_spurious"]["successes"] == 0
    assert off["near_spurious"]["successes"] >= 60
    assert off["success"]["wilson95"][1] < on["success"]["wilson95"][0]
    assert (off["success"]["successes"] + off["near_spurious"]["successes"] + off["other"]
            == 200)
    res = du_liu.run_all(tmp_path, runs=10)
    assert (tmp_path / "liu_two_stages.png").stat().st_size > 0
    assert len(res["liu_shortcut"]["trajectories"]) == 3
    assert len(res["liu_no_shortcut"]["trajectories"]) == 3
