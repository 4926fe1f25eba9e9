"""The adversarial regression suite (issue 9): every instance in ``cases/`` with its sidecar
``NAME.expect.json`` stating the mathematically right answer and why.

Each case runs through the API (:func:`verify.pipeline.check`) and the command line
(``resnet-verify check ... --json``, in process), which must agree. Sidecar keys:

- ``not_applicable``: the requirement the instance violates; the API raises
  :class:`~verify.errors.NotApplicable` and the CLI exits 2 with one line naming it
  (also for every id in ``also_not_applicable``);
- ``report``: expectations on the first report: ``verdict``, ``method``, ``vacuous``,
  ``relation``, ``input_shown``, ``reason_contains``, ``never`` (verdicts it must not have),
  ``premises`` / ``branches`` as ``name: [verdict, method or null, text or absent]``;
- ``some_report``: some report has this verdict and method;
- ``counts``: ``escapes_min`` and exact counts from :meth:`CheckResult.counts`;
- ``refused``: the instance is bad input under the documented limits (README, Limits):
  loading it raises :class:`~verify.errors.InvalidInput` with this text, and the CLI
  exits 2 with one line;
- ``runs``: only the invariants below.

Invariants checked on every report of every case (DESIGN.md rules 1-2): a VIOLATED has
EXACT/CERTIFIED evidence for every part; a non-vacuous HOLDS or a VIOLATED has every
qualifier premise (critical point, local minimum) HOLDS; the point checked is named.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from verify.cli.main import main
from verify.errors import InvalidInput, NotApplicable
from verify.io.instances import load_instance
from verify.pipeline import CheckResult, check
from verify.theorems.catalogue import theorem
from verify.theorems.core import Report
from verify.verdict import Verdict

CASES = Path(__file__).parent / "cases"
NAMES = sorted(p.name[: -len(".expect.json")] for p in CASES.glob("*.expect.json"))


def _side(name: str) -> dict[str, Any]:
    return json.loads((CASES / f"{name}.expect.json").read_text())


def _argv(side: dict[str, Any], tid: str, path: Path) -> list[str]:
    argv = ["check", tid, str(path), "--json"]
    for p in side["without"]:
        argv += ["--without", p]
    if side["find"]:
        argv += ["--find", "--starts", str(side["starts"])]
    return argv


def _invariants(rep: Report) -> None:
    prem = dict(rep.premises)
    if rep.verdict is Verdict.VIOLATED:
        assert all(e.rigorous for e in prem.values()) and rep.conclusion.rigorous, rep.format()
    if rep.verdict is Verdict.VIOLATED or (rep.verdict is Verdict.HOLDS and not rep.vacuous):
        for q in rep.theorem.qualifiers:
            assert prem[q].verdict is Verdict.HOLDS, rep.format()
    assert rep.point.get("description") and rep.point.get("theta_star_text")
    if rep.point["relation"] != "same":
        assert "input" in rep.point and rep.point.get("input_text")


def _part(ev: dict[str, Any] | Any, want: list[Any], what: str) -> None:
    d = ev if isinstance(ev, dict) else ev.to_dict()
    assert d["verdict"] == want[0], f"{what}: {d}"
    if len(want) > 1 and want[1] is not None:
        assert d["method"] == want[1], f"{what}: {d}"
    if len(want) > 2:
        assert want[2] in d["reason"], f"{what}: {d['reason']!r} lacks {want[2]!r}"


def _report(rep: Report, want: dict[str, Any]) -> None:
    text = rep.format()
    if "verdict" in want:
        assert rep.verdict.value == want["verdict"], text
    if "method" in want:
        assert rep.method.value == want["method"], text
    if "vacuous" in want:
        assert rep.vacuous is want["vacuous"], text
    if "relation" in want:
        assert rep.point["relation"] == want["relation"], text
    if want.get("input_shown"):
        assert "input" in rep.point and "  input " in text, text
        assert rep.point["input"] != rep.point["theta_star"]
    if "reason_contains" in want:
        assert want["reason_contains"] in rep.reason, rep.reason
    for v in want.get("never", ()):
        assert rep.verdict.value != v, text
    prem = dict(rep.premises)
    for name, exp in want.get("premises", {}).items():
        _part(prem[name], exp, name)
    for name, exp in want.get("branches", {}).items():
        _part(rep.conclusion.witness[name], exp, name)


def _not_applicable(name: str, tid: str, why: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = CASES / f"{name}.json"
    with pytest.raises(NotApplicable, match=why):
        check(theorem(tid), load_instance(path))
    assert main(["check", tid, str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and why in err[0] and "does not apply" in err[0], err


@pytest.mark.parametrize("name", NAMES)
def test_adversarial_case(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    side = _side(name)
    assert side["why"].strip(), "every case states why its answer is right"
    want = side["expect"]
    path = CASES / f"{name}.json"
    if "not_applicable" in want:
        for tid in [side["theorem"], *side.get("also_not_applicable", [])]:
            _not_applicable(name, tid, want["not_applicable"], capsys)
        return
    if "refused" in want:
        with pytest.raises(InvalidInput, match=want["refused"]):
            load_instance(path)
        assert main(_argv(side, side["theorem"], path)) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and want["refused"] in err[0], err
        return
    thm = theorem(side["theorem"], side["without"])
    result: CheckResult = check(
        thm, load_instance(path), find=side["find"], n_starts=side["starts"], seed=0
    )
    for rep in result.reports:
        _invariants(rep)
    if "report" in want:
        assert result.reports, "no point was checked"
        _report(result.reports[0], want["report"])
    if "some_report" in want:
        w = want["some_report"]
        assert any(
            r.verdict.value == w["verdict"] and r.method.value == w["method"]
            for r in result.reports
        ), result.summary()
    counts = result.counts()
    for key, value in want.get("counts", {}).items():
        if key == "escapes_min":
            assert counts["escapes"] >= value, result.summary()
        else:
            assert counts[key] == value, result.summary()
    # the command line says the same
    assert main(_argv(side, side["theorem"], path)) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["verdict"] for r in doc["reports"]] == [r.verdict.value for r in result.reports]
    assert doc["summary"] == counts
    for r, rep in zip(doc["reports"], result.reports, strict=True):
        assert r["point"]["theta_star"] == rep.point["theta_star"]
