"""verify.proofkit.library: the library's exact verdicts as evidence for example scripts."""

from __future__ import annotations

from fractions import Fraction as Q
from pathlib import Path

import pytest

from verify import (
    Evidence,
    Method,
    Verdict,
    conjunction,
    evidence,
    exact_hessian,
    exact_risk,
    linear_predictor,
    load_instance,
    model_risk,
    negative_control,
    theorems_hold,
    with_params,
)

FC = Path(__file__).resolve().parents[2] / "examples" / "instances" / "fc_dead_relu.json"


def test_exact_risk_and_with_params() -> None:
    inst = load_instance(FC)
    assert exact_risk(inst) == Q(35, 16)  # Var(y): every unit dead
    live = with_params(inst, {"layers[0].A": [[1], [0]], "layers[0].b": [1, -1],
                              "w": ["13/10", 0], "c": "-3/2"})  # fmt: skip
    assert exact_risk(live) == Q(3, 40)  # the least-squares line
    hess = exact_hessian(inst)
    assert hess.shape == (7, 7) and sum(Q(int(v.p), int(v.q)) for v in hess.flat) == 2


def test_negative_control_and_theorems() -> None:
    inst = load_instance(FC)
    ev = negative_control("FC1", inst)
    assert ev.verdict is Verdict.HOLDS and ev.method is Method.EXACT
    # c = 2 != mean(y): not a critical point, so FC1 is not (rigorously) violated there.
    dead = with_params(inst, {"layers[0].A": [[1], [1]], "layers[0].b": [-10, -10],
                              "w": [1, 1], "c": 2})  # fmt: skip
    assert negative_control("FC1", dead).verdict is not Verdict.HOLDS  # not critical
    ok, text = theorems_hold(("FC1",), inst)
    assert ok is False and "FC1 VIOLATED" in text


def test_model_risk() -> None:
    model = linear_predictor(1, intercept=True)
    assert model_risk(model, {"w": [Q(13, 10), Q(-1, 5)]}, [0, 1, 2, 3], [0, 1, 2, 4]) == Q(3, 40)


def test_evidence_and_conjunction() -> None:
    holds = evidence(True, Method.EXACT, "a")
    assert holds.verdict is Verdict.HOLDS
    assert evidence(False, Method.EXACT, "b").verdict is Verdict.VIOLATED
    assert evidence(None, Method.EXACT, "c").verdict is Verdict.INCONCLUSIVE
    sampled = Evidence(Verdict.HOLDS, Method.SAMPLED, "d")
    both = conjunction(holds, sampled)
    assert both.verdict is Verdict.HOLDS and both.method is Method.SAMPLED  # the weakest
    assert both.reason == "a | d"
    assert conjunction(holds, evidence(None, Method.EXACT, "c")).verdict is Verdict.INCONCLUSIVE
    assert conjunction(holds, evidence(False, Method.EXACT, "b")).verdict is Verdict.VIOLATED
    with pytest.raises(ValueError):
        conjunction()
