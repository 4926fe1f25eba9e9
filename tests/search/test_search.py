"""Counterexample search: quality (finds the negative controls, never violates
the true theorems), determinism, records that replay to the identical verdict,
tampered records, and the command line."""

from __future__ import annotations

import copy
import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from verify import Verdict, theorem
from verify.errors import InvalidInput
from verify.io.records import replay
from verify.search.engine import search

ROOT = Path(__file__).resolve().parents[2]
SEEDS = (0, 1, 2)


@pytest.mark.parametrize("tid", ["FC1", "K3"])
@pytest.mark.parametrize("seed", SEEDS)
def test_negative_controls_are_found_and_certified(tid: str, seed: int, tmp_path: Path) -> None:
    rep = search(theorem(tid), budget=60, seed=seed, out=tmp_path)
    assert rep.verdict is Verdict.VIOLATED, rep.format()
    rec = rep.counterexample["record"]
    assert rec["method"] in ("exact", "certified")
    parts = rec["report"]
    assert all(p["method"] in ("exact", "certified") for p in parts["premises"].values())
    assert parts["conclusion"]["method"] in ("exact", "certified")
    doc = json.loads(Path(rep.record_path).read_text())
    again = replay(doc)
    assert again.reproduced, again.format()
    assert again.report.verdict is Verdict.VIOLATED


@pytest.mark.parametrize("tid", ["Y1", "Y2", "S1", "K2"])
def test_true_theorems_are_never_violated(tid: str) -> None:
    rep = search(theorem(tid), budget=30, seed=0)
    assert rep.verdict is Verdict.INCONCLUSIVE, rep.format()
    assert rep.tried > 0
    assert not any(k.startswith("certified violated") for k in rep.counts)


def test_search_is_deterministic_for_a_seed() -> None:
    a = search(theorem("S1"), budget=15, seed=7)
    b = search(theorem("S1"), budget=15, seed=7)
    assert (a.tried, a.counts) == (b.tried, b.counts)


def _tamper(doc: dict) -> dict:
    bad = copy.deepcopy(doc)
    params = bad["params"]
    name = "c" if "c" in params else next(iter(params))
    value = params[name]
    while isinstance(value, list):
        params, name, value = value, 0, value[0]
    params[name] = "123/7"
    return bad


@pytest.mark.parametrize("tid", ["FC1", "K3"])
def test_tampered_record_is_not_reproduced(tid: str) -> None:
    rep = search(theorem(tid), budget=60, seed=0)
    assert rep.counterexample is not None
    result = replay(_tamper(rep.counterexample))
    assert not result.reproduced
    assert result.differences


def test_replay_needs_a_record() -> None:
    doc = json.loads((ROOT / "examples/instances/fc_dead_relu.json").read_text())
    with pytest.raises(InvalidInput, match="no 'record'"):
        replay(doc)


@pytest.mark.parametrize("budget", [0, -3, 10**9])
def test_search_rejects_bad_budget(budget: int) -> None:
    with pytest.raises(InvalidInput, match="budget"):
        search(theorem("Y1"), budget=budget)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "verify", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_cli_search_replay_round_trip(tmp_path: Path) -> None:
    out = _cli("search", "FC1", "--budget", "40", "--seed", "1", "--out", str(tmp_path), "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["verdict"] == "violated" and doc["record"]
    again = _cli("replay", doc["record"], "--json", "--strict")
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads(again.stdout)["reproduced"] is True
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(_tamper(json.loads(Path(doc["record"]).read_text()))))
    tampered = _cli("replay", str(bad), "--strict")
    assert tampered.returncode == 1
    assert "NOT REPRODUCED" in tampered.stdout


@pytest.mark.parametrize("argv", [
    ("search", "Z9"), ("search", "Y1", "--budget", "0"), ("search", "Y1", "--without", "nope"),
    ("replay", "missing.json"), ("check", "Y1"), ("baseline", "missing.json"),
])
def test_cli_bad_input_exits_2(argv: tuple[str, ...]) -> None:
    out = _cli(*argv)
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


@pytest.mark.slow
@pytest.mark.parametrize("tid", ["FC1", "K3"])
def test_targeting_quality(tid: str) -> None:
    """Median instances to the first certified hit, with and without target().

    Both must find the control in every seed, and steering generation with
    ``hypothesis.target`` on the violation score must not make the search
    slower: the targeted median may exceed the untargeted one by at most 25 %.
    """
    firsts: dict[bool, float] = {}
    for targeted in (True, False):
        hits = []
        for seed in range(8):
            rep = search(theorem(tid), budget=200, seed=seed, use_target=targeted)
            assert rep.verdict is Verdict.VIOLATED and rep.first_hit is not None
            hits.append(rep.first_hit)
        firsts[targeted] = statistics.median(hits)
    assert firsts[True] <= 1.25 * firsts[False], firsts


@pytest.mark.slow
@pytest.mark.parametrize("tid", ["Y1", "Y2", "S1", "K2"])
def test_deep_search_finds_no_violation_of_true_theorems(tid: str) -> None:
    rep = search(theorem(tid), budget=400, seed=11, profile="deep")
    assert rep.verdict is Verdict.INCONCLUSIVE
