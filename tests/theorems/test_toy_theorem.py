"""Adding a theorem takes one module and no edits to library files: this module is it.

A toy claim about single-block ResNets with the squared loss, declared here with the
public building blocks (a setting, the shipped critical-point premise, a conclusion
with its certified check and float screen, search cases), then run through ``check``,
the search and ``replay`` exactly like the catalogue's theorems.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flint
import numpy as np
from hypothesis import strategies as st

import verify
from verify import Condition, Evidence, Method, Requirement, Setting, Theorem, Verdict
from verify.search.strategies import datasets, models, parameter_points

ROOT = Path(__file__).resolve().parents[2]
SHAMIR = ROOT / "examples" / "instances" / "shamir_saddle.json"

SQUARED = Requirement(
    "squared_loss",
    "l(p; y) = (p - y)^2",
    lambda model, loss: None if loss.name == "squared" else f"the loss is {loss.label!r}",
    about="loss",
)
SETTING = Setting("toy: single block, squared loss", (*verify.theorem("S1").setting.requirements,
                                                      SQUARED))


def _risk_vs(ctx: Any, bound: int, upper: bool) -> Evidence:
    """``R <= bound`` (``upper``) or ``R >= bound``, exactly or by a ball comparison."""
    r = ctx.land.risk
    b = flint.fmpq(bound) if isinstance(r, flint.fmpq) else flint.arb(bound)
    yes, no = (r <= b, r > b) if upper else (r >= b, r < b)
    if yes:
        return Evidence(Verdict.HOLDS, ctx.method, f"R = {r}")
    if no:
        return Evidence(Verdict.VIOLATED, ctx.method, f"R = {r}")
    return Evidence(Verdict.INCONCLUSIVE, ctx.method, f"R = {r} straddles {bound}")


def _screen(upper: bool) -> Any:
    def screen(c: Any) -> Evidence:
        r = float(c.land.risk)
        margin = -r if upper else r
        v = Verdict.HOLDS if margin > 1e-9 else Verdict.VIOLATED if margin < -1e-9 else (
            Verdict.INCONCLUSIVE
        )
        return Evidence(v, Method.NUMERIC, f"float R = {r:.3g}", margin=margin)

    return screen


@st.composite
def _cases(draw: st.DrawFn, theorem: Theorem) -> tuple[verify.Instance, np.ndarray]:
    model = draw(models(acts=("identity", "tanh"), max_d_in=2, max_params=15,
                        setting=theorem.setting))
    data = draw(datasets(model.d_in, min_n=3, max_n=5))
    start = np.array([float(v) for v in draw(parameter_points(model))])
    return verify.Instance(verify.loss("squared"), data, model), start


CRITICAL = verify.theorem("S1").premises[0]
NONNEGATIVE = Theorem(
    "TOY_NONNEG", "toy: the risk at a critical point is nonnegative", "a test", "D",
    (CRITICAL,),
    Condition("risk_nonnegative", "R(theta*) >= 0", lambda c: _risk_vs(c, 0, False),
              _screen(False)),
    setting=SETTING, cases=_cases, saddles=True,
)
ZERO_RISK = Theorem(
    "TOY_ZERO", "toy, false: every critical point has zero risk", "a test", "D",
    (CRITICAL,),
    Condition("risk_zero", "R(theta*) <= 0", lambda c: _risk_vs(c, 0, True), _screen(True)),
    kind="negative_control", setting=SETTING, cases=_cases, saddles=True,
)


def test_check_decides_the_toy_theorems_exactly() -> None:
    inst = verify.load_instance(SHAMIR)
    (rep,) = verify.check(NONNEGATIVE, inst).reports
    assert rep.verdict is Verdict.HOLDS and rep.method is Method.EXACT
    (rep,) = verify.check(ZERO_RISK, inst).reports
    assert rep.verdict is Verdict.VIOLATED and rep.method is Method.EXACT


def test_outside_the_toy_setting_it_does_not_apply() -> None:
    doc = verify.instance_to_json(verify.load_instance(SHAMIR))
    doc["loss"] = "squared_half"
    import pytest

    with pytest.raises(verify.NotApplicable, match="squared_loss"):
        verify.check(NONNEGATIVE, verify.parse_instance(doc))


def test_search_and_replay_the_toy_theorems() -> None:
    rep = verify.search_counterexamples(ZERO_RISK, budget=25, seed=0)
    assert rep.verdict is Verdict.VIOLATED and rep.counterexample is not None
    assert verify.replay(rep.counterexample, theorem=ZERO_RISK).reproduced
    rep = verify.search_counterexamples(NONNEGATIVE, budget=15, seed=0)
    assert rep.verdict is Verdict.INCONCLUSIVE
