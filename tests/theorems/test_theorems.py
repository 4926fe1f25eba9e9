"""Theorems at hand-built points with known answers (issue 4 acceptance), and
soundness properties: a true theorem is never VIOLATED, and every VIOLATED
verdict rests on EXACT or CERTIFIED evidence for every part."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import Method, Verdict, check, parse_instance, theorem
from verify.errors import NotApplicable
from verify.objectives.empirical import Objective
from verify.search.strategies import search_cases
from verify.theorems.context import Context
from verify.theorems.core import evaluate

ROOT = Path(__file__).resolve().parents[2]
SHAMIR = json.loads((ROOT / "examples/instances/shamir_saddle.json").read_text())
DEAD = json.loads((ROOT / "examples/instances/fc_dead_relu.json").read_text())


def _doc(base: dict, **changes) -> dict:
    doc = copy.deepcopy(base)
    for path, value in changes.items():
        node = doc
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return doc


def _report(tid: str, doc: dict, without: tuple[str, ...] = ()):
    return check(theorem(tid, without), parse_instance(doc)).reports[0]


def test_shamir_w0_saddle_has_certified_negative_curvature() -> None:
    rep = _report("S1", SHAMIR)
    assert rep.verdict is Verdict.HOLDS and rep.method is Method.EXACT
    branches = rep.conclusion.witness
    assert branches["negative_curvature"]["verdict"] == "holds"
    assert branches["negative_curvature"]["method"] == "exact"
    assert dict(rep.premises)["critical_point"].verdict is Verdict.HOLDS


def test_shamir_w0_with_m_zero_is_no_worse_than_linear() -> None:
    # a very negative bias kills F on every sample, so m = E[l'(0; y) F] = 0
    doc = _doc(SHAMIR)
    doc["params"]["blocks[0].phi[0].b"] = [-10, -10]
    rep = _report("S1", doc)
    assert rep.verdict is Verdict.HOLDS
    assert rep.conclusion.witness["risk_le_linear"]["verdict"] == "holds"
    assert rep.conclusion.witness["risk_le_linear"]["method"] == "exact"
    assert rep.conclusion.witness["negative_curvature"]["verdict"] != "holds"


def test_non_critical_point_violates_the_premise_and_yields_no_holds() -> None:
    # issue 9: a point that is not (certified) critical gets no HOLDS of a theorem about
    # critical points, not even a vacuous one: the theorem says nothing there
    doc = _doc(SHAMIR)
    doc["params"]["w"] = [1, "1/2"]
    rep = _report("S1", doc)
    crit = dict(rep.premises)["critical_point"]
    assert crit.verdict is Verdict.VIOLATED and crit.method is Method.EXACT
    assert rep.verdict is Verdict.INCONCLUSIVE and not rep.vacuous
    assert "is not a critical point" in rep.reason


def test_sample_on_a_kink_is_never_violated() -> None:
    # pre-activation x + b = 0 at x = 0 for the first unit; otherwise the dead-ReLU control
    doc = _doc(DEAD)
    doc["params"]["layers[0].b"] = [0, -10]
    doc["params"]["layers[0].A"] = [[-1], [1]]
    rep = _report("FC1", doc)
    assert rep.verdict is not Verdict.VIOLATED
    assert dict(rep.premises)["twice_differentiable"].verdict is not Verdict.HOLDS


def test_spanning_projections_violate_premise_two() -> None:
    doc = {
        "format": "resnet-verify/instance@1",
        "model": {"kind": "resnet", "d_in": 2, "blocks": [
            {"activation": "relu", "hidden": [1], "bias": True},
            {"activation": "relu", "proj": 2}]},
        "loss": "squared",
        "data": {"x": [[1, 0], [0, 1], [1, 1]], "y": [1, 2, 0]},
        "params": {"blocks[0].phi[0].A": [[1, 0]], "blocks[0].phi[0].b": ["1/2"],
                   "blocks[0].V": [[0], [0]], "blocks[1].U": [[1, 0], [0, 1]],
                   "blocks[1].V": [[0, 0], [0, 0]], "w": [1, 1]},
    }
    rep = _report("Y1", doc)
    prem = dict(rep.premises)["column_space"]
    assert prem.verdict is Verdict.VIOLATED and prem.method is Method.EXACT
    # the point is not a certified critical point (a flat direction): no verdict either way
    assert dict(rep.premises)["critical_point"].verdict is not Verdict.HOLDS
    assert rep.verdict is Verdict.INCONCLUSIVE


def test_dead_relu_network_violates_the_negative_control_exactly() -> None:
    rep = _report("FC1", DEAD)
    assert rep.verdict is Verdict.VIOLATED and rep.method is Method.EXACT
    assert all(e.verdict is Verdict.HOLDS and e.rigorous for _, e in rep.premises)
    assert rep.conclusion.verdict is Verdict.VIOLATED and rep.conclusion.rigorous


def test_theorem_setting_mismatch_is_misuse() -> None:
    with pytest.raises(NotApplicable, match=r"does not apply to this model.*residual_network"):
        _report("Y1", DEAD)


def _sound(tid: str, data: st.DataObject) -> None:
    inst, start = data.draw(search_cases(theorem(tid)))
    obj = Objective(inst.model, inst.loss, inst.data)
    from verify.critical.finders import minimize

    cand = minimize(obj, start, max_iter=60)
    rep = evaluate(theorem(tid), Context(obj, cand.theta))
    if theorem(tid).kind == "theorem":
        assert rep.verdict is not Verdict.VIOLATED, rep.format()
    if rep.verdict is Verdict.VIOLATED:
        assert all(e.rigorous for _, e in rep.premises) and rep.conclusion.rigorous


@pytest.mark.parametrize("tid", ["Y1", "Y2", "S1", "K2", "FC1", "K3"])
@settings(max_examples=8)
@given(data=st.data())
def test_verdicts_are_sound_on_random_instances(tid: str, data: st.DataObject) -> None:
    _sound(tid, data)


def test_k2_rank_condition_fails_at_a_certified_saddle_with_w_zero() -> None:
    # y_hat = w (x + V x^2) on x = (1, 2), y = (1, 1): at w = 0 the gradient in w is
    # -E[y (x + V x^2)] = 0 for V = -3/5, and the Hessian [[E h^2, b], [b, 0]] (b != 0) has a
    # negative eigenvalue: rank W = 0 < d_x but not a local minimum, so the rank condition
    # is false (exactly) and K2 holds vacuously; it used to be left undecided.
    doc = {
        "format": "resnet-verify/instance@1",
        "model": {"kind": "resnet", "d_in": 1, "blocks": [{"activation": "square"}]},
        "loss": "squared",
        "data": {"x": [[1], [2]], "y": [1, 1]},
        "params": {"blocks[0].V": [["-3/5"]], "w": [0]},
    }
    rep = _report("K2", doc)
    rank = dict(rep.premises)["rank_condition"]
    assert dict(rep.premises)["critical_point"].verdict is Verdict.HOLDS
    assert rank.verdict is Verdict.VIOLATED and rank.method is Method.EXACT, rank.reason
    assert "not a local minimum" in rank.reason
    assert rep.verdict is Verdict.HOLDS and rep.vacuous
