"""``resnet-verify experiment``: JSON + PNG, Wilson intervals, labels, bad input."""

from __future__ import annotations

import json

import pytest

from verify.cli.main import main
from verify.errors import InvalidInput
from verify.experiments.commands import run_experiment


def test_liu_experiment_command_writes_json_and_png(capsys, tmp_path) -> None:
    code = main(["experiment", "liu", "--out", str(tmp_path), "--json", "--seed", "3"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["command"] == "experiment" and doc["experiment"] == "liu"
    assert doc["label"] == "reconstruction" and doc["seed"] == 3 and doc["budget"] == "quick"
    assert doc["provenance"]["seeds"] == [3]
    on, off = doc["with_shortcut"], doc["without_shortcut"]
    for r in (on, off):
        assert r["success"]["trials"] == 200 and len(r["success"]["wilson95"]) == 2
        assert r["setting"]["seed"] == 3 and r["setting"]["w0_norm"] == 1e-3
    assert (tmp_path / "liu_two_stages.png").stat().st_size > 0
    plot = json.loads((tmp_path / "liu_two_stages.json").read_text())
    assert len(plot["data"]["with_shortcut"]["trajectories"]) == 3


def test_readable_text_says_reconstruction(capsys) -> None:
    assert main(["experiment", "liu"]) == 0
    text = capsys.readouterr().out
    assert "RECONSTRUCTION" in text and "Wilson" in text and "same inits" in text


def test_bad_input() -> None:
    with pytest.raises(InvalidInput, match="budget"):
        run_experiment("liu", "huge")
    with pytest.raises(InvalidInput, match="experiment"):
        run_experiment("hardt-ma")
    with pytest.raises(InvalidInput, match="seed"):
        run_experiment("liu", seed=-1)
    with pytest.raises(SystemExit) as exc:
        main(["experiment", "nope"])
    assert exc.value.code == 2
