"""Search power on planted false theorems (verify.theorems.planted) and soundness on the true ones.

Default suite: the easy planted theorems are found by a certified counterexample in
every seed tried (budget 50), and searches of the true theorems (the catalogue's
TRUE_THEOREMS and the TRUE_CONTROLS kept next to the planted ones) never report
VIOLATED. Slow group (-m slow): the medium and hard ones, each within its stated
budget in every seed tried (figures: benchmarks/search_power.py).
"""

from __future__ import annotations

import pytest

from verify import Verdict, theorem
from verify.io.records import replay
from verify.search.engine import search
from verify.theorems.core import Theorem
from verify.theorems.planted import DIFFICULTY, PLANTED, TRUE_CONTROLS, TRUE_THEOREMS

EASY = [t for t, d in DIFFICULTY.items() if d == "easy"]
HARDER = [t for t, d in DIFFICULTY.items() if d != "easy"]
BUDGET = {"medium": 200, "hard": 400}
TRUE = [*TRUE_THEOREMS, *TRUE_CONTROLS]


def _true(tid: str) -> Theorem:
    return TRUE_CONTROLS[tid] if tid in TRUE_CONTROLS else theorem(tid)


def _certified_hit(tid: str, seed: int, budget: int) -> None:
    rep = search(PLANTED[tid], budget=budget, seed=seed, shrink_calls=0)
    assert rep.verdict is Verdict.VIOLATED, rep.format()
    rec = rep.counterexample["record"]
    parts = rec["report"]
    assert rec["method"] in ("exact", "certified")
    assert all(p["method"] in ("exact", "certified") for p in parts["premises"].values())
    assert parts["conclusion"]["method"] in ("exact", "certified")
    again = replay(rep.counterexample, PLANTED[tid])
    assert again.reproduced, again.format()


def test_catalogue_of_planted_theorems() -> None:
    assert set(PLANTED) == set(DIFFICULTY)
    assert all(t.kind == "negative_control" for t in PLANTED.values())
    assert all(t.cases is not None for t in PLANTED.values())
    assert len(HARDER) >= 4


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("tid", EASY)
def test_easy_planted_theorems_are_found_in_every_seed(tid: str, seed: int) -> None:
    _certified_hit(tid, seed, 50)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("tid", HARDER)
def test_harder_planted_theorems_are_found_within_their_budget(tid: str, seed: int) -> None:
    _certified_hit(tid, seed, BUDGET[DIFFICULTY[tid]])


@pytest.mark.parametrize("tid", TRUE)
def test_true_theorems_are_never_reported_violated(tid: str) -> None:
    rep = search(_true(tid), budget=20, seed=3)
    assert rep.counterexample is None, rep.format()
    assert not any(k.startswith("certified violated") for k in rep.counts), rep.counts
    assert rep.tried == 20  # replays of seen cases do not eat the budget


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("tid", TRUE)
def test_true_theorems_are_never_reported_violated_deep(tid: str, seed: int) -> None:
    rep = search(_true(tid), budget=300, seed=seed, certify_all=True)
    assert rep.counterexample is None, rep.format()
