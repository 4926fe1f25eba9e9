"""Property test of the contract (issue 9, DESIGN.md rules 1-2, 9).

Random in-setting instances of the true theorems (Y1, Y1' of docs/claims.md Y1-D, Y2, S1,
K2) are drawn from their own search cases; critical points are found numerically from the
drawn start (minima, and saddles for theorems whose search examines them) and every
candidate is certified through :func:`verify.theorems.core.evaluate` (what
:func:`verify.pipeline.certify_point` runs), in full and with the search's
``qualifiers_first`` short cut, which must give the same verdict. The contract:

- a true theorem is never VIOLATED;
- every VIOLATED of a negative control (FC1, K3) has EXACT/CERTIFIED evidence for every
  part, and its record (the instance at the checked point) replays to the same verdict;
- no HOLDS (other than vacuous) or VIOLATED at a point whose qualifier premise (critical
  point, local minimum) is not certified.

A fast slice runs by default; the slow one (``-m slow``) covers thousands of instances
and logs its tally to the file named by the environment variable CONTRACT_TALLY.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.certify import Box
from verify.io.records import record, replay
from verify.objectives.empirical import Objective
from verify.pipeline import find_points
from verify.search.strategies import search_cases
from verify.theorems.catalogue import theorem
from verify.theorems.context import Context
from verify.theorems.core import Report, evaluate
from verify.verdict import Verdict

TRUE = ("Y1", "Y1'", "Y2", "S1", "K2")
CONTROLS = ("FC1", "K3")
FAST_EXAMPLES = {"Y1": 20, "Y1'": 20, "Y2": 20, "S1": 20, "K2": 20, "FC1": 20, "K3": 20}
SLOW_EXAMPLES = 400


def _at_checked_point(inst: Any, rep: Report) -> Any:
    """The instance with its params set to the exact point the report is about."""
    from dataclasses import replace

    centre = np.asarray(Box.from_dict(rep.point["box"]).centre, dtype=object)
    return replace(inst, params=centre)


def _contract(tid: str, case: tuple[Any, np.ndarray], tally: Counter[str]) -> None:
    thm = theorem(tid)
    inst, start = case
    obj = Objective(inst.model, inst.loss, inst.data)
    cands, escapes = find_points(obj, start, n_starts=0, seed=0, saddles=thm.saddles)
    tally["instances"] += 1
    tally["escapes"] += len(escapes)
    for cand in cands:
        ctx = Context(obj, cand.theta, where="near")
        rep = evaluate(thm, ctx)
        quick = evaluate(thm, ctx, qualifiers_first=True)  # the search's short cut
        assert (quick.verdict, quick.method, quick.vacuous) == (
            rep.verdict, rep.method, rep.vacuous), (rep.format(), quick.format())
        tally["points"] += 1
        tally[rep.verdict.value] += 1
        prem = dict(rep.premises)
        if all(prem[q].verdict is Verdict.HOLDS for q in thm.qualifiers):
            tally["certified_qualifier"] += 1
        if rep.verdict is Verdict.VIOLATED or (rep.verdict is Verdict.HOLDS and not rep.vacuous):
            assert all(prem[q].verdict is Verdict.HOLDS for q in thm.qualifiers), rep.format()
        if thm.kind == "theorem":
            assert rep.verdict is not Verdict.VIOLATED, (
                "a true theorem was reported VIOLATED:\n" + rep.format()
            )
        if rep.verdict is Verdict.VIOLATED:
            assert all(e.rigorous for e in prem.values()) and rep.conclusion.rigorous
            doc = json.loads(json.dumps(record(_at_checked_point(inst, rep), rep, seed=0)))
            again = replay(doc)
            assert again.reproduced, again.format()
            tally["replayed"] += 1


def _log(tid: str, tally: Counter[str]) -> None:
    """Append the tally to the JSON-lines file named by CONTRACT_TALLY (if set)."""
    path = os.environ.get("CONTRACT_TALLY")
    if path:
        with open(path, "a") as fh:
            fh.write(json.dumps({"theorem": tid, **dict(sorted(tally.items()))}) + "\n")


def _run(tid: str, examples: int) -> Counter[str]:
    tally: Counter[str] = Counter()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=search_cases(theorem(tid)), tag=st.integers(0, 2**32))
    def inner(case: tuple[Any, np.ndarray], tag: int) -> None:
        _contract(tid, case, tally)

    inner()
    return tally


@pytest.mark.parametrize("tid", TRUE + CONTROLS)
def test_contract_fast_slice(tid: str) -> None:
    tally = _run(tid, FAST_EXAMPLES[tid])
    _log(tid, tally)
    assert tally["instances"] >= FAST_EXAMPLES[tid]
    if tid in TRUE:
        assert tally["violated"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("tid", TRUE + CONTROLS)
def test_contract_thousands(tid: str) -> None:
    tally = _run(tid, SLOW_EXAMPLES)
    _log(tid, tally)
    assert tally["instances"] >= SLOW_EXAMPLES
    if tid in TRUE:
        assert tally["violated"] == 0
