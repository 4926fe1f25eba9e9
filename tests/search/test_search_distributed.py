"""Search shards on Dask: identical records serially and on 2 local workers, campaigns with
checkpoints that resume, atomic writes, and the command line with --workers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verify import Verdict
from verify.errors import InvalidInput
from verify.search.campaign import campaign, write_atomic
from verify.search.distributed import (
    TheoremSpec,
    comparable,
    local_cluster,
    run_shards,
    shard,
    shard_seeds,
)

ROOT = Path(__file__).resolve().parents[2]
SPEC = {"shrink_calls": 3}


def test_shard_is_a_pure_function_of_its_arguments() -> None:
    th = TheoremSpec("S1").to_dict()
    a = shard(th, SPEC, 5, 4)
    b = shard(th, SPEC, 5, 4)
    assert comparable(a) == comparable(b)
    assert json.loads(json.dumps(a)) == a  # JSON-ready
    assert a["instances_tried"] == 4


def test_serial_and_two_local_dask_workers_give_identical_records() -> None:
    from distributed import Client

    seeds = shard_seeds(2, 6)
    th = TheoremSpec("K3")
    # in this process, after whatever the suite ran before: generation no longer depends
    # on the modules imported (verify.search.generation; tests/search/test_generation.py)
    serial = run_shards(th, SPEC, seeds, 2)
    cut = run_shards(th, SPEC, seeds, 2, stop_on_hit=True)
    assert any(r["counterexample"] is None for r in serial)  # misses and hits both occur
    assert any(r["counterexample"] is not None for r in serial)
    assert cut[-1]["counterexample"] is not None
    assert all(r["counterexample"] is None for r in cut[:-1])
    with (
        local_cluster(2) as cluster,
        Client(cluster) as client,
    ):
        dask = run_shards(th, SPEC, seeds, 2, client=client)
        dask_cut = run_shards(th, SPEC, seeds, 2, stop_on_hit=True, client=client)
    assert [r["seed"] for r in dask] == seeds
    assert comparable(serial) == comparable(dask)
    assert comparable(cut) == comparable(dask_cut)


def test_campaign_checkpoints_and_resumes(tmp_path: Path) -> None:
    ck = tmp_path / "ck.json"
    th = TheoremSpec("Y2")
    first = campaign(th, target=6, shard_budget=3, spec=SPEC, checkpoint=ck)
    assert first.verdict is Verdict.INCONCLUSIVE
    assert first.effort()["instances"] == 6
    saved = json.loads(ck.read_text())
    assert [s["shard_index"] for s in saved["shards"]] == [0, 1]
    more = campaign(th, target=9, shard_budget=3, spec=SPEC, checkpoint=ck)
    assert [s["shard_index"] for s in more.shards] == [0, 1, 2]
    assert comparable(more.shards[:2]) == comparable(first.shards)
    fresh = campaign(th, target=9, shard_budget=3, spec=SPEC)
    assert comparable(fresh.shards) == comparable(more.shards)
    with pytest.raises(InvalidInput, match="another campaign"):
        campaign(TheoremSpec("S1"), target=9, shard_budget=3, spec=SPEC, checkpoint=ck)


def test_campaign_writes_counterexamples(tmp_path: Path) -> None:
    rep = campaign(TheoremSpec("K3"), target=40, shard_budget=10, spec=SPEC, out=tmp_path)
    assert rep.verdict is Verdict.VIOLATED
    assert len(rep.records) == 1
    doc = json.loads(Path(rep.records[0]).read_text())
    assert doc["record"]["verdict"] == "violated"
    assert not list(tmp_path.glob(".*.tmp"))


def test_write_atomic_replaces_whole_files(tmp_path: Path) -> None:
    p = tmp_path / "a" / "x.json"
    write_atomic(p, {"a": 1})
    write_atomic(p, {"a": 2})
    assert json.loads(p.read_text()) == {"a": 2}
    assert sorted(x.name for x in p.parent.iterdir()) == ["x.json"]


@pytest.mark.parametrize(
    "kwargs", [{"target": 0}, {"target": 5, "shard_budget": 0}]
)
def test_campaign_rejects_bad_effort(kwargs: dict) -> None:
    with pytest.raises(InvalidInput):
        campaign(TheoremSpec("S1"), **kwargs)


def test_unknown_theorem_fails_before_any_worker_starts() -> None:
    with pytest.raises(InvalidInput, match="unknown"):
        run_shards(TheoremSpec("NOPE"), SPEC, [0], 3, workers=2)


def test_cli_search_with_two_workers_writes_a_record_that_replays(tmp_path: Path) -> None:
    base = [sys.executable, "-m", "verify", "search", "FC1", "--budget", "10", "--seed", "1"]
    a = subprocess.run([*base, "--workers", "2", "--shard-budget", "10", "--json",
                        "--out", str(tmp_path / "a")],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert a.returncode == 0, a.stderr
    b = subprocess.run([*base, "--workers", "1", "--shard-budget", "10", "--json",
                        "--out", str(tmp_path / "b")],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert b.returncode == 0, b.stderr
    ra, rb = sorted((tmp_path / "a").glob("*.json")), sorted((tmp_path / "b").glob("*.json"))
    assert [p.name for p in ra] == [p.name for p in rb] and ra
    assert comparable(json.loads(ra[0].read_text())) == comparable(json.loads(rb[0].read_text()))
    r = subprocess.run([sys.executable, "-m", "verify", "replay", str(ra[0])],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "reproduced" in r.stdout.lower()


@pytest.mark.slow
def test_search_on_a_separate_scheduler_and_worker_as_the_readme_says(tmp_path: Path) -> None:
    """`dask scheduler` + `dask worker --nthreads 1` (with the README's worker settings) in
    their own processes, `search --scheduler`: the same record as the serial run."""
    import os
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MALLOC_TRIM_THRESHOLD_": "134217728",
           "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(3)
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", address, "--nworkers", "2",
             "--nthreads", "1", "--no-dashboard"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        base = [sys.executable, "-m", "verify", "search", "FC1", "--budget", "10", "--seed",
                "1", "--shard-budget", "10", "--json"]
        a = subprocess.run([*base, "--scheduler", address, "--out", str(tmp_path / "a")],
                           capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
        assert a.returncode == 0, a.stderr
        b = subprocess.run([*base, "--workers", "1", "--out", str(tmp_path / "b")],
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert b.returncode == 0, b.stderr
        ra, rb = sorted((tmp_path / "a").glob("*.json")), sorted((tmp_path / "b").glob("*.json"))
        assert ra and [p.name for p in ra] == [p.name for p in rb]
        assert comparable(json.loads(ra[0].read_text())) == comparable(
            json.loads(rb[0].read_text()))
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=30)
