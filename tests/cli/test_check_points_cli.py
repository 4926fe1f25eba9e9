"""``check``: the point a report is about, the one-line summary over all points, ``--points``
(issue 9, defects 3 and 8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verify.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
DEAD = ROOT / "examples/instances/fc_dead_relu.json"
CASES = Path(__file__).resolve().parents[1] / "adversarial/cases"


def test_find_prints_a_summary_and_points_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "FC1", str(DEAD), "--find", "--starts", "1"]) == 0
    out = capsys.readouterr().out
    summary = [line for line in out.splitlines() if line.startswith("summary: ")]
    assert len(summary) == 1 and "certified critical" in summary[0] and "escape" in summary[0]
    assert "points:" not in out
    assert main(["check", "FC1", str(DEAD), "--find", "--starts", "1", "--points"]) == 0
    out = capsys.readouterr().out
    rows = out.split("points:\n", 1)[1].splitlines()
    assert rows and rows[0].startswith("  [0] checked ") and "layers[0].A[0, 0]=" in rows[0]


def test_find_json_carries_summary_and_points(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "FC1", str(DEAD), "--find", "--points", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    c = doc["summary"]
    assert c["points"] == len(doc["reports"]) == c["holds"] + c["violated"] + c["inconclusive"]
    assert doc["summary_text"].startswith(f"{c['points']} point(s) checked")
    checked = [p for p in doc["points"] if p["status"] == "checked"]
    assert [p["theta_star"] for p in checked] == [r["point"]["theta_star"] for r in doc["reports"]]


def test_snapped_point_is_named_with_the_input(capsys: pytest.CaptureFixture[str]) -> None:
    path = CASES / "d3_input_not_critical_snapped.json"
    assert main(["check", "FC1", str(path)]) == 0
    out = capsys.readouterr().out
    assert "input theta (not critical" in out and "-> snapped to theta*" in out
    assert "  theta*     " in out and "c=7/4" in out
    assert "  input      " in out and "c=17500001/10000000" in out
    assert main(["check", "FC1", str(path), "--json"]) == 0
    point = json.loads(capsys.readouterr().out)["reports"][0]["point"]
    assert point["relation"] == "snapped"
    assert point["input"][-1] == "17500001/10000000" and point["theta_star"][-1] == 1.75


def test_outside_the_setting_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    path = CASES / "d1_block_without_V.json"
    assert main(["check", "Y2", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    # --json: one strict JSON error document on stdout (issue 11), one line on stderr
    error = json.loads(captured.out)["error"]
    assert error["type"] == "NotApplicable" and "trainable_V" in error["message"]
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert "theorem Y2 does not apply" in lines[0] and "trainable_V" in lines[0]
