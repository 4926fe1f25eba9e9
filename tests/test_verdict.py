"""Three-valued verdicts, Kleene laws, tolerance bands, and the theorem decision table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify import Evidence, Method, Verdict, all_of, any_of, implies
from verify.errors import InvalidInput, MalformedTheorem
from verify.theorems.catalogue import THEOREMS, Y1, theorem
from verify.theorems.core import decide
from verify.tolerances import Tolerance, verdict_from_interval, verdict_from_margin

V = st.sampled_from(list(Verdict))
H, X, I = Verdict.HOLDS, Verdict.VIOLATED, Verdict.INCONCLUSIVE


def test_verdict_has_no_truth_value() -> None:
    with pytest.raises(TypeError, match="three-valued"):
        bool(Verdict.HOLDS)


@given(V, V)
def test_de_morgan(a: Verdict, b: Verdict) -> None:
    assert all_of([a, b]).negate() is any_of([a.negate(), b.negate()])


@given(st.lists(V))
def test_conjunction_laws(vs: list[Verdict]) -> None:
    assert all_of(vs + vs) is all_of(vs)
    assert all_of([*vs, H]) is all_of(vs)
    assert all_of([*vs, X]) is X


@given(V, V)
def test_information_monotonicity(a: Verdict, b: Verdict) -> None:
    # refining an INCONCLUSIVE input never flips a definite output
    for op in (lambda p, q: all_of([p, q]), lambda p, q: any_of([p, q]), implies):
        out = op(I, b)
        if out is not I:
            assert op(a, b) is out


def test_implication_table() -> None:
    assert implies(X, I) is H
    assert implies(H, X) is X
    assert implies(I, H) is H
    assert implies(H, I) is I


@pytest.mark.parametrize(("margin", "tol", "expected"), [
    (1.0, 0.5, H), (0.5, 0.5, I), (-0.5, 0.5, I), (-0.500001, 0.5, X),
    (float("nan"), 0.1, I), (0.0, 0.0, I), (1e-300, 0.0, H),
])
def test_tolerance_band(margin: float, tol: float, expected: Verdict) -> None:
    assert verdict_from_margin(margin, tol) is expected


@given(st.floats(-1e6, 1e6), st.floats(0, 1e3))
def test_margin_inside_band_is_inconclusive(margin: float, tol: float) -> None:
    v = verdict_from_margin(margin, tol)
    if abs(margin) <= tol:
        assert v is I
    else:
        assert v is (H if margin > 0 else X)


def test_interval_verdicts() -> None:
    assert verdict_from_interval(0.1, 0.2) is H
    assert verdict_from_interval(-0.2, -0.1) is X
    assert verdict_from_interval(-0.1, 0.1) is I


def test_tolerance_validation() -> None:
    with pytest.raises(InvalidInput, match="atol=-1"):
        Tolerance(atol=-1)


def _ev(v: Verdict, m: Method = Method.EXACT) -> Evidence:
    return Evidence(v, m, "r")


@pytest.mark.parametrize(("prem", "concl", "verdict", "vacuous"), [
    ([X], H, H, True), ([X, I], X, H, True), ([H], H, H, False), ([I], H, H, False),
    ([H, H], X, X, False), ([H, I], X, I, False), ([I], I, I, False), ([H], I, I, False),
])
def test_decision_table(prem, concl, verdict, vacuous) -> None:
    v, _, vac, _ = decide([(f"p{i}", _ev(p)) for i, p in enumerate(prem)], _ev(concl))
    assert v is verdict and vac is vacuous


def test_violation_needs_rigorous_evidence_everywhere() -> None:
    premises = [("a", _ev(H)), ("b", _ev(H, Method.NUMERIC))]
    v, m, _, reason = decide(premises, _ev(X))
    assert v is I and m is Method.NUMERIC and "b" in reason
    v, _, _, reason = decide([("a", _ev(H))], _ev(X, Method.NUMERIC))
    assert v is I and "conclusion" in reason
    v, m, _, _ = decide([("a", _ev(H, Method.CERTIFIED))], _ev(X))
    assert v is X and m is Method.CERTIFIED


def test_without_weakens_and_validates() -> None:
    weak = Y1.without("full_rank_hL")
    assert "full_rank_hL" not in weak.premise_names
    assert weak.kind == "open_probe" and weak.dropped == ("full_rank_hL",)
    with pytest.raises(MalformedTheorem, match="did you mean 'full_rank_hL'"):
        Y1.without("full_rank_hl")
    assert THEOREMS["FC1"].without("critical_point").kind == "negative_control"


def test_theorem_lookup() -> None:
    assert theorem("y1") is Y1
    with pytest.raises(InvalidInput, match="theorem='Z9' is unknown"):
        theorem("Z9")


def test_a_holds_is_no_stronger_than_the_evidence_that_the_point_qualifies() -> None:
    from verify.theorems.core import decide

    crit = Evidence(Verdict.HOLDS, Method.NUMERIC, "a float critical point")
    concl = Evidence(Verdict.HOLDS, Method.EXACT, "exactly")
    verdict, method, vacuous, _ = decide([("critical_point", crit)], concl, ("critical_point",))
    assert (verdict, method, vacuous) == (Verdict.HOLDS, Method.NUMERIC, False)
    verdict, method, _, _ = decide([("critical_point", crit)], concl, ())
    assert (verdict, method) == (Verdict.HOLDS, Method.EXACT)
