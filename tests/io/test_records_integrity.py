"""Records cannot be tampered with silently (issue 11, Build 5).

A record written by :func:`verify.io.records.record` replays as REPRODUCED; every
tamper class below is NOT REPRODUCED, and the report says whether the digest
caught an edit (integrity), the record is malformed (problems) or the
recomputation disagrees (differences). Malformed shapes never raise.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from verify.cli import main
from verify.io.instances import load_instance
from verify.io.records import digest, record, replay, write_record
from verify.pipeline import check
from verify.theorems import theorem

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    inst = load_instance(ROOT / "examples/instances/fc_dead_relu.json")
    rep = check(theorem("FC1"), inst).reports[0]
    return record(inst, rep, seed=3)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(d: dict[str, Any]) -> None:
        *keys, last = path.split("/")
        node: Any = d
        for k in keys:
            node = node[int(k)] if isinstance(node, list) else node[k]
        if value is _DEL:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return edit


_DEL = object()
R = "record/report"

# (name, edit, what must catch it: "digest", "problem" or "difference")
TAMPERS: list[tuple[str, Callable[[dict[str, Any]], None], set[str]]] = [
    ("seed_banana", _set("record/seed", "banana"), {"digest", "problem"}),
    ("seed_other", _set("record/seed", 4), {"digest"}),
    ("versions_removed", _set("record/versions", _DEL), {"digest", "problem"}),
    ("version_edited", _set("record/versions/numpy", "0.0.1"), {"digest"}),
    ("report_reason_edited", _set(f"{R}/reason", "trust me"), {"digest", "difference"}),
    ("premises_removed", _set(f"{R}/premises", _DEL), {"digest", "problem"}),
    (
        "one_premise_removed",
        _set(f"{R}/premises/twice_differentiable", _DEL),
        {"digest", "difference"},
    ),
    ("point_removed", _set(f"{R}/point", _DEL), {"digest", "problem"}),
    ("parameter_digit", _set("params/w/0", 2), {"digest", "difference"}),
    (
        "inner_verdict",
        _set(f"{R}/conclusion/witness/risk_le_linear/verdict", "holds"),
        {"digest", "difference"},
    ),
    (
        "premise_verdict",
        _set(f"{R}/premises/twice_differentiable/verdict", "inconclusive"),
        {"digest", "difference"},
    ),
    ("name_edited", _set("name", "something else"), {"digest"}),
    ("description_added", _set("description", "added later"), {"digest"}),
    ("title_edited", _set(f"{R}/title", "a different claim"), {"digest", "difference"}),
    ("margin_edited", _set(f"{R}/conclusion/margin", -1.0), {"digest", "difference"}),
    ("data_edited", _set("data/y/3", 5), {"digest", "difference"}),
    ("kind_edited", _set("record/kind", "proof"), {"digest", "problem"}),
    ("without_added", _set("record/without", ["twice_differentiable"]), {"digest", "problem"}),
    ("vacuous_flipped", _set(f"{R}/vacuous", True), {"digest", "difference"}),
    (
        "verdicts_edited_consistently",
        lambda d: (_set("record/verdict", "holds")(d), _set(f"{R}/verdict", "holds")(d)),
        {"digest", "difference"},
    ),
    ("method_edited", _set("record/method", "certified"), {"digest", "problem"}),
    ("digest_garbage", _set("record/digest", "sha256:00"), {"digest"}),
    ("digest_not_string", _set("record/digest", 7), {"digest"}),
    ("premises_list", _set(f"{R}/premises", [1, 2]), {"digest", "problem"}),
    ("point_string", _set(f"{R}/point", "here"), {"digest", "problem"}),
    ("premise_string", _set(f"{R}/premises/critical_point", "holds"), {"digest", "problem"}),
    ("report_list", _set(f"{R}", []), {"digest", "problem"}),
    ("conclusion_number", _set(f"{R}/conclusion", 3), {"digest", "problem"}),
    ("risk_strings", _set(f"{R}/point/risk", ["a", "b"]), {"digest", "difference"}),
    ("unknown_theorem", _set("record/theorem", "ZZ"), {"digest", "problem"}),
    ("bad_instance", _set("data/x", "nope"), {"digest", "problem"}),
    ("without_removed", _set("record/without", _DEL), {"digest"}),  # found by the fuzzer
]


def test_untampered_record_is_reproduced(doc: dict[str, Any]) -> None:
    res = replay(copy.deepcopy(doc))
    assert res.reproduced, res.format()
    assert res.integrity == "ok" and not res.differences and not res.problems


def test_record_without_digest_still_replays(doc: dict[str, Any]) -> None:
    old = copy.deepcopy(doc)
    del old["record"]["digest"]
    res = replay(old)
    assert res.reproduced and res.integrity.startswith("no digest")


def test_record_without_digest_still_checks_the_mathematics(doc: dict[str, Any]) -> None:
    old = copy.deepcopy(doc)
    del old["record"]["digest"]
    old["params"]["w"][0] = 2
    res = replay(old)
    assert not res.reproduced and res.differences


@pytest.mark.parametrize(("name", "edit", "caught"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_tamper_is_detected(doc: dict[str, Any], name: str, edit, caught: set[str]) -> None:
    bad = copy.deepcopy(doc)
    edit(bad)
    assert bad != doc
    res = replay(bad)
    assert not res.reproduced, res.format()
    seen = set()
    if res.integrity.startswith("digest mismatch"):
        seen.add("digest")
    if res.problems:
        seen.add("problem")
    if res.differences:
        seen.add("difference")
    assert caught <= seen, (name, seen, res.format())
    json.dumps(res.to_dict(), allow_nan=False)  # strict JSON, whatever the record held


@pytest.mark.parametrize(
    ("name", "edit", "caught"),
    TAMPERS[:3] + TAMPERS[-8:],
    ids=[t[0] for t in TAMPERS[:3] + TAMPERS[-8:]],
)
def test_tamper_through_the_cli(doc, tmp_path: Path, capsys, name, edit, caught) -> None:
    bad = copy.deepcopy(doc)
    edit(bad)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    assert main(["replay", str(path), "--json", "--strict"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["reproduced"] is False


def test_digest_covers_everything_but_itself(doc: dict[str, Any]) -> None:
    assert doc["record"]["digest"] == digest(doc)
    again = copy.deepcopy(doc)
    again["record"]["digest"] = "sha256:" + "0" * 64
    assert digest(again) == digest(doc)


def test_write_record_never_overwrites(doc: dict[str, Any], tmp_path: Path) -> None:
    a = write_record(doc, tmp_path, theorem("FC1"))
    b = write_record(doc, tmp_path, theorem("FC1"))
    assert a != b and a.exists() and b.exists()
    assert json.loads(a.read_text()) == json.loads(b.read_text()) == doc
    c = write_record(doc, tmp_path, theorem("FC1"), force=True)
    assert c == a
    assert not list(tmp_path.glob(".*.tmp"))
