"""The success path of every command: exit 0, one strict JSON document, the expected verdict.

``all`` runs in full (the README's first command) in the slow group; the default
run exercises the same command path with a trimmed task list (one proof, one
example, one search, the population rows).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from verify.cli import main, runall

ROOT = Path(__file__).resolve().parents[2]
INSTANCES = ROOT / "examples" / "instances"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out, parse_constant=_no_constant) if out.strip() else None, err


def _no_constant(name: str) -> Any:
    raise AssertionError(f"non-strict JSON token {name!r}")


def test_derive_exact(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = _run(capsys, "derive", str(INSTANCES / "shamir_saddle.json"),
                        "--arithmetic", "exact", "--json")
    assert code == 0 and doc["command"] == "derive"
    assert all(g in (0, "0", 0.0) for g in doc["gradient"])


def test_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = _run(capsys, "baseline", str(INSTANCES / "fc_dead_relu.json"), "--json")
    assert code == 0 and doc["evidence"]["verdict"] == "holds"


def test_check_negative_control_is_violated_exactly(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = _run(capsys, "check", "FC1", str(INSTANCES / "fc_dead_relu.json"), "--json")
    (rep,) = doc["reports"]
    assert code == 0 and rep["verdict"] == "violated" and rep["method"] == "exact"
    assert rep["setting"]["met"] is True


def test_check_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = _run(capsys, "check", "--list", "--json")
    assert code == 0
    ids = {t["id"] for t in doc["theorems"]}
    assert {"Y1", "Y1'", "Y2", "S1", "K2", "FC1", "K3"} <= ids


def test_classify(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = _run(capsys, "classify", str(INSTANCES / "shamir_saddle.json"), "--json")
    assert code == 0 and doc["kind"] == "strict_saddle" and doc["critical"] == "holds"


def test_search_and_replay(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, doc, _ = _run(capsys, "search", "FC1", "--budget", "30", "--seed", "1",
                        "--out", str(tmp_path), "--json")
    assert code == 0 and doc["verdict"] == "violated"
    (record,) = tmp_path.glob("*.json")
    code, rep, _ = _run(capsys, "replay", str(record), "--json")
    assert code == 0 and rep["reproduced"] is True


def test_proofs_and_examples_subsets(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = _run(capsys, "proofs", "deep_resnet_dichotomy_without_premise_1",
                        "--quiet", "--strict", "--json")
    assert code == 0 and [r["verdict"] for r in doc["rows"]] == ["holds"]
    code, doc, _ = _run(capsys, "examples", "y6_nonmonotone_representations",
                        "--quiet", "--strict", "--json")
    assert code == 0 and all(r["ok"] for r in doc["rows"])


def test_all_command_path(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                          tmp_path: Path) -> None:
    proofs, examples, searches = runall.proof_tasks, runall.example_tasks, runall.search_tasks
    one_proof = ["single_block_resnet_critical_points_no_worse_than_linear"]
    monkeypatch.setattr(runall, "proof_tasks", lambda: proofs(one_proof))
    one_example = ["y6_nonmonotone_representations"]
    monkeypatch.setattr(runall, "example_tasks", lambda: examples(one_example))
    monkeypatch.setattr(
        runall,
        "search_tasks",
        lambda b, s, out=None, workers=0: [t for t in searches(b, s, out) if t[0] == "search K3"],
    )
    # the experiment rows have their own test (tests/test_figures_all.py)
    monkeypatch.setattr(runall, "experiment_tasks", lambda *a, **k: [])
    code, doc, _ = _run(capsys, "all", "--budget", "15", "--seed", "0", "--strict",
                          "--out", str(tmp_path), "--json")
    assert code == 0, [r for r in doc["rows"] if not r["ok"]]
    sections = {r["section"] for r in doc["rows"]}
    assert {"proof", "example", "search"} <= sections
    assert doc["summary"]["not_as_expected"] == 0
    assert (tmp_path / "all.json").is_file() and (tmp_path / "all.md").is_file()


@pytest.mark.slow
def test_all_in_full_is_as_expected(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's first command: every row as the papers predict."""
    code, doc, _ = _run(capsys, "all", "--quiet", "--strict", "--json")
    assert code == 0, [r["id"] for r in doc["rows"] if not r["ok"]]
