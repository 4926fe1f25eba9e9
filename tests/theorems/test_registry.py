"""One lookup for every named theorem (verify.theorems.registry): catalogue, planted false
theorems, true controls and probes resolve alike in check, search, shards and replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verify.cli.main import main
from verify.errors import InvalidInput
from verify.io.records import replay
from verify.search.distributed import TheoremSpec
from verify.theorems.catalogue import THEOREMS
from verify.theorems.planted import PLANTED, TRUE_CONTROLS
from verify.theorems.probes import PROBES
from verify.theorems.registry import GROUPS, NAMED, named


def test_every_group_resolves_by_id_in_any_case() -> None:
    for table in (THEOREMS, PLANTED, TRUE_CONTROLS, PROBES):
        for key, thm in table.items():
            assert named(key.lower()) is thm
            assert TheoremSpec(key).resolve() is thm
    assert sum(len(g) for g in GROUPS.values()) == len(NAMED)  # no id listed twice


def test_unknown_id_names_every_group() -> None:
    with pytest.raises(InvalidInput, match=r"P-S1.*Y3D.*Y1-OPEN"):
        named("nope")


def test_search_a_planted_theorem_on_the_command_line_and_replay_its_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["search", "P-K2", "--budget", "20", "--seed", "0", "--out", str(tmp_path),
                 "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["verdict"] == "violated"
    [path] = list(tmp_path.glob("*.json"))
    again = replay(json.loads(path.read_text()))  # no theorem object: looked up by id
    assert again.reproduced, again.format()
