"""Ctrl-C during proofs/examples/all: the rows finished so far are flushed (to --out,
marked interrupted and valid against the schema), the command exits 130 with one line,
and an earlier report is never overwritten."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from verify.cli import main, runall
from verify.report.schema import validate


def _interrupting_tasks(real: Any) -> Any:
    def tasks(names: Any = None) -> list[Any]:
        def interrupt() -> list[dict[str, Any]]:
            raise KeyboardInterrupt

        return [*real(["deep_resnet_critical_points_no_worse_than_linear_or_saddle"]),
                ("task two", interrupt)]

    return tasks


def test_interrupt_flushes_finished_rows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(runall, "proof_tasks", _interrupting_tasks(runall.proof_tasks))
    (tmp_path / "proofs.json").write_text("{}\n")  # an earlier report: must survive
    code = main(["proofs", "--quiet", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 130 and "interrupted" in err.splitlines()[-1]
    assert (tmp_path / "proofs.json").read_text() == "{}\n"
    doc = json.loads((tmp_path / "proofs-2.json").read_text())
    assert doc["interrupted"] == {"tasks_done": 1, "tasks": 2}
    assert [r["id"] for r in doc["rows"]] == [
        "deep_resnet_critical_points_no_worse_than_linear_or_saddle"
    ]
    assert validate(doc) == []
