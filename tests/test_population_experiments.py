"""Experiments on population landscapes: Safran-Shamir GD batch, families, certification;
Du et al. and Liu et al. (reconstruction) GD and the closed-form spurious-minimum certificate."""

from __future__ import annotations

import json

import numpy as np
import pytest

from verify.experiments import safran_shamir as ss
from verify.population.objective import two_layer_batch


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
