"""``resnet-verify all`` population rows: Du et al.'s certified spurious minimum, a
Safran-Shamir spurious minimum found and certified by the toolkit, and Liu et al.'s
(reconstruction) experiment, which is never HOLDS."""

from __future__ import annotations

import json

import pytest

from verify.cli import runall
from verify.cli.main import main
from verify.report.provenance import header
from verify.report.schema import validate


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return runall.run_tasks(runall.population_tasks())


def test_rows_and_verdicts(rows) -> None:
    by = {r["id"]: r for r in rows}
    assert set(by) == {"du-spurious", "safran-shamir-k8", "liu-shortcut"}
    du = by["du-spurious"]
    assert du["verdict"] == "holds" and du["method"] == "certified" and du["ok"]
    ss = by["safran-shamir-k8"]
    # budget and seed chosen so that a bad run is found (6 of 40 at seed 0)
    assert ss["verdict"] == "holds" and ss["method"] == "certified" and ss["ok"]
    c = ss["detail"]["classification"]
    assert c["kind"] == "strict_local_minimum" and c["spurious"] is True
    assert ss["detail"]["runs"] == runall.SS_RUNS and ss["detail"]["bad"]["successes"] >= 1
    liu = by["liu-shortcut"]
    assert liu["verdict"] != "holds" and liu["method"] == "sampled" and liu["ok"]
    assert liu["detail"]["label"] == "reconstruction" and liu["tag"] == "R"
    assert "reconstruction" in liu["checked"] and "Wilson" in liu["checked"]
    on = liu["detail"]["with_shortcut"]["success"]
    off = liu["detail"]["without_shortcut"]["success"]
    assert on["trials"] == off["trials"] == runall.LIU_RUNS
    assert all(r["seconds"] is not None for r in rows)
    assert sum(r["seconds"] for r in rows) < 60


def test_report_validates(rows) -> None:
    doc = runall.document("all", rows, 1.0, header("all", seeds=[0], budget=1))
    assert validate(json.loads(json.dumps(doc))) == []
    broken = json.loads(json.dumps(doc))
    broken["rows"][0]["section"] = "populations"
    assert validate(broken) != []


def test_all_command_includes_population_rows(capsys, monkeypatch) -> None:
    for name in ("proof_tasks", "example_tasks"):
        monkeypatch.setattr(runall, name, lambda *a, **k: [])
    monkeypatch.setattr(runall, "search_tasks", lambda *a, **k: [])
    monkeypatch.setattr(runall, "experiment_tasks", lambda *a, **k: [])
    monkeypatch.setattr(
        runall, "population_tasks", lambda *a, **k: [("population du", runall._du_row)]
    )
    assert main(["all", "--json", "--quiet"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in doc["rows"]] == ["du-spurious"]
    assert doc["rows"][0]["section"] == "population"
