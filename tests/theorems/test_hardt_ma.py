"""Hardt & Ma linear ResNets in the generic pipeline: models without a readout, the HM
theorem and its negative control HM- (exact verdicts on the shipped instances), searches."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from verify import Dataset, Objective, check, load_instance, theorem
from verify.catalogue.losses import loss
from verify.errors import InvalidInput, NotApplicable
from verify.io.instances import Instance, instance_to_json, parse_instance
from verify.linear import objective as lin
from verify.models import ResidualBlock, model_from_spec, resnet
from verify.search.engine import search
from verify.theorems.hardt_ma import linear_resnet
from verify.verdict import Method, Verdict

ROOT = Path(__file__).resolve().parents[2]
INSIDE = ROOT / "examples/instances/hardt_ma_inside_ball.json"
SINGULAR = ROOT / "examples/instances/hardt_ma_singular_saddle.json"


def _instance(fn) -> Instance:  # type: ignore[no-untyped-def]
    As, X, Y = fn()
    d = len(X[0])
    y = np.array(Y, dtype=object)
    theta = np.concatenate([np.asarray(a, dtype=object).reshape(-1) for a in As])
    return Instance(loss("squared"), Dataset(np.array(X, dtype=object), y[:, 0] if d == 1 else y),
                    linear_resnet(d, len(As)), theta)


# ---- models without a readout ----------------------------------------------------------


def test_no_readout_model_layout_and_spec_round_trip() -> None:
    m = linear_resnet(2, 3)
    assert [p.name for p in m.layout] == ["blocks[0].V", "blocks[1].V", "blocks[2].V"]
    assert m.n_params == 12
    spec = m.spec()
    assert spec["readout"] is False
    assert model_from_spec(spec) == m
    assert "readout" not in resnet(2, [ResidualBlock(m.stages[0].activation)]).spec()


@pytest.mark.parametrize(
    "spec, word",
    [
        ({"kind": "resnet", "d_in": 2, "d_out": 1, "readout": False,
          "blocks": [{"activation": "identity"}]}, "d_out"),
        ({"kind": "resnet", "d_in": 2, "d_out": 3, "intercept": True, "readout": False,
          "blocks": [{"activation": "identity"}]}, "intercept"),
        ({"kind": "fully_connected", "d_in": 2, "readout": False,
          "layers": [{"width": 2, "activation": "relu"}]}, "readout"),
        ({"kind": "resnet", "d_in": 2, "readout": "no",
          "blocks": [{"activation": "identity"}]}, "readout"),
    ],
)
def test_invalid_no_readout_specs_are_refused(spec: dict, word: str) -> None:
    with pytest.raises(InvalidInput, match=word):
        model_from_spec(spec)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_engine_matches_the_linear_resnet_formulas_exactly(depth: int) -> None:
    """The generic engine (exact) and verify.linear's closed forms agree at rational points."""
    rng = np.random.default_rng(depth)
    _, X, Y = lin.instance_inside_ball()
    As = [np.vectorize(lambda v: Fraction(v).limit_denominator(40), otypes=[object])(
        rng.normal(size=(2, 2)) * 0.4) for _ in range(depth)]
    obj = Objective(linear_resnet(2, depth), loss("squared"),
                    Dataset(np.array(X, dtype=object), np.array(Y, dtype=object)))
    land = obj.evaluate(np.concatenate([a.reshape(-1) for a in As]), "exact", order=2)
    assert land.risk == lin.risk(As, X, Y)
    assert list(land.gradient) == list(lin.gradient(As, X, Y))
    assert (land.hessian == lin.hessian(As, X, Y)).all()
    assert any(v != 0 for v in land.gradient)  # a generic point: the comparison is not 0 == 0


def test_instance_files_round_trip() -> None:
    for path in (INSIDE, SINGULAR):
        inst = load_instance(path)
        assert inst.model is not None and not inst.model.readout
        again = parse_instance(instance_to_json(inst))
        assert again.model == inst.model
        assert list(again.params) == list(inst.params)


# ---- setting --------------------------------------------------------------------------


def test_hm_does_not_apply_outside_its_setting() -> None:
    inst = load_instance(INSIDE)
    with_readout = Instance(inst.loss, inst.data, resnet(2, list(inst.model.stages), d_out=2))
    with pytest.raises(NotApplicable, match="no_readout"):
        check(theorem("HM"), with_readout)
    tanh = Instance(inst.loss, inst.data,
                    resnet(2, [{"activation": "tanh"}] * 2, d_out=2, readout=False))
    with pytest.raises(NotApplicable, match="linear_blocks"):
        check(theorem("HM"), tanh)
    absolute = Instance(loss("huber"), inst.data, inst.model, inst.params)
    with pytest.raises(NotApplicable, match="squared_loss"):
        check(theorem("HM"), absolute)


def test_theorems_with_an_output_layer_refuse_models_without_one() -> None:
    m = resnet(1, [{"activation": "tanh", "hidden": [1]}], readout=False)
    inst = Instance(loss("squared"), Dataset(np.array([[1], [2]], dtype=object),
                                             np.array([1, 0], dtype=object)), m)
    for tid in ("Y2", "S1", "K2"):
        with pytest.raises(NotApplicable, match="readout"):
            check(theorem(tid), inst)


# ---- exact verdicts on the shipped instances ---------------------------------------------


def test_hm_holds_exactly_at_a_critical_point_inside_the_ball() -> None:
    rep = check(theorem("HM"), load_instance(INSIDE)).reports[0]
    assert rep.verdict is Verdict.HOLDS and rep.method is Method.EXACT and not rep.vacuous
    prem = dict(rep.premises)
    assert prem["critical_point"].verdict is Verdict.HOLDS
    assert prem["norm_bound"].verdict is Verdict.HOLDS
    assert prem["norm_bound"].method is Method.EXACT
    assert rep.conclusion.verdict is Verdict.HOLDS and rep.conclusion.method is Method.EXACT
    assert rep.conclusion.witness["gap"] == "0"
    assert rep.point["relation"] == "same"


def test_hm_minus_is_violated_exactly_at_the_singular_saddle() -> None:
    rep = check(theorem("HM-"), load_instance(SINGULAR)).reports[0]
    assert rep.verdict is Verdict.VIOLATED and rep.method is Method.EXACT
    assert rep.conclusion.witness["gap"] == "9/8"
    # the same point under HM: the norm premise fails exactly, so no violation
    rep = check(theorem("HM"), load_instance(SINGULAR)).reports[0]
    assert dict(rep.premises)["norm_bound"].verdict is Verdict.VIOLATED
    assert dict(rep.premises)["norm_bound"].method is Method.EXACT
    assert rep.verdict is Verdict.HOLDS and rep.vacuous


def test_norm_bound_is_strict() -> None:
    """||V||_2 = 1 exactly is outside the open ball; 1 - 2^-30 is inside."""
    assert lin.certify_norm_bound([[[Fraction(-1)]]], 1, strict=True).verdict is Verdict.VIOLATED
    assert lin.certify_norm_bound([[[Fraction(-1)]]], 1).verdict is Verdict.HOLDS
    inside = [[[Fraction(-(2**30) + 1, 2**30)]]]
    assert lin.certify_norm_bound(inside, 1, strict=True).verdict is Verdict.HOLDS


def test_a_non_critical_point_gives_no_verdict() -> None:
    inst = load_instance(INSIDE)
    params = np.array(inst.params, dtype=object)
    params[0] += Fraction(1, 7)
    rep = check(theorem("HM"), Instance(inst.loss, inst.data, inst.model, params)).reports[0]
    assert dict(rep.premises)["critical_point"].verdict is Verdict.VIOLATED
    assert rep.verdict is Verdict.INCONCLUSIVE


def test_float_saddle_is_snapped_to_the_exact_scalar_control() -> None:
    """A float point near A_1 = A_2 = -1 (d = 1) is snapped to the exact saddle and
    certified: HM- VIOLATED [exact] at the snapped point, which the report names."""
    inst = _instance(lin.negative_control_scalar)
    near = Instance(inst.loss, inst.data, inst.model, np.array([-1 + 1e-12, -1 - 1e-12]))
    rep = check(theorem("HM-"), near).reports[0]
    assert rep.verdict is Verdict.VIOLATED and rep.method is Method.EXACT
    assert rep.point["relation"] == "snapped"


def test_found_minima_are_snapped_to_exact_global_minima() -> None:
    """check --find from a start near 0: the float critical points of a depth-3 net (not
    isolated: a manifold of global minima) are snapped (last V re-solved exactly), and HM
    holds EXACTLY and non-vacuously there; from far starts nothing is VIOLATED."""
    inst = load_instance(INSIDE)
    model = linear_resnet(2, 3)
    start = np.array([Fraction((-1) ** k, 20 + k) for k in range(model.n_params)], dtype=object)
    near = check(theorem("HM"), Instance(inst.loss, inst.data, model, start), find=True)
    assert near.reports
    for rep in near.reports:
        assert rep.verdict is Verdict.HOLDS and rep.method is Method.EXACT and not rep.vacuous
        assert rep.point["relation"] == "snapped"
    far = check(theorem("HM"), Instance(inst.loss, inst.data, model), find=True, n_starts=3)
    assert all(r.verdict is not Verdict.VIOLATED for r in far.reports)


def test_cli_check_on_the_shipped_files() -> None:
    out = subprocess.run([sys.executable, "-m", "verify", "check", "HM-", str(SINGULAR)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "VIOLATED [exact]" in out.stdout, out.stdout + out.stderr


# ---- searches ------------------------------------------------------------------------------


def test_hm_search_finds_no_violation_and_certifies_points() -> None:
    rep = search(theorem("HM"), budget=8, seed=0)
    assert rep.verdict is not Verdict.VIOLATED
    assert rep.counts.get("certified holds", 0) > 0  # inside-ball points were decided exactly


def test_hm_minus_search_finds_a_certified_violation() -> None:
    rep = search(theorem("HM-"), budget=10, seed=0)
    assert rep.verdict is Verdict.VIOLATED
    assert rep.counterexample is not None
    assert rep.counterexample["record"]["method"] in ("exact", "certified")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hm_search_longer(seed: int) -> None:
    assert search(theorem("HM"), budget=60, seed=seed).verdict is not Verdict.VIOLATED
    assert search(theorem("HM-"), budget=30, seed=seed).verdict is Verdict.VIOLATED


# ---- the proof module -------------------------------------------------------------------


def test_proof_is_linked_and_rejects_a_wrong_gradient_formula() -> None:
    import proofs
    from verify.verdict import Verdict as V

    assert theorem("HM").proof == "linear_resnet_near_identity_global_minima"
    module = proofs.load("linear_resnet_near_identity_global_minima")
    wrong = module.build_proof(factor_gradient=lambda b, g, c: b * g * c.T, sizes=((2, 3, 4),))
    steps = {s.name: s for s in wrong.steps}
    assert steps["factor_gradient"].check().verdict is V.VIOLATED
    assert steps["factor_gradient_cross_check_1"].check().verdict is V.VIOLATED
    with pytest.raises(InvalidInput):
        module.build_proof(sizes=((2, 0, 3),))


# ---- ball arithmetic (a Krawczyk box instead of an exact point) ----------------------------


def _ball_ctx(v: float, rad: float, risk: object = None):  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    import flint

    from verify.numbers.arithmetic import Arithmetic

    inst = _instance(lin.negative_control_scalar)
    obj = Objective(linear_resnet(1, 1), inst.loss, inst.data)
    return SimpleNamespace(objective=obj, arith=Arithmetic.BALL,
                           values=np.array([flint.arb(v, rad)], dtype=object),
                           land=SimpleNamespace(risk=risk))


def test_norm_bound_and_global_minimum_over_a_box() -> None:
    import flint

    from verify.theorems.hardt_ma import GLOBAL_MIN, NORM_BOUND

    assert NORM_BOUND.check(_ball_ctx(0.5, 1e-9)).verdict is Verdict.HOLDS
    assert NORM_BOUND.check(_ball_ctx(0.5, 1e-9)).method is Method.CERTIFIED
    assert NORM_BOUND.check(_ball_ctx(-2.0, 1e-9)).verdict is Verdict.VIOLATED
    assert NORM_BOUND.check(_ball_ctx(1.0, 1e-3)).verdict is Verdict.INCONCLUSIVE
    # f_LS = 1/6 on this data: a risk enclosure above it is a certified failure,
    # one containing it cannot certify equality
    above = GLOBAL_MIN.check(_ball_ctx(0.1, 1e-9, flint.arb(1, 1e-9)))
    assert above.verdict is Verdict.VIOLATED and above.method is Method.CERTIFIED
    around = GLOBAL_MIN.check(_ball_ctx(0.1, 1e-9, flint.arb(1 / 6, 1e-3)))
    assert around.verdict is Verdict.INCONCLUSIVE


def test_symbolic_engine_has_no_readout_either() -> None:
    import sympy

    from verify.engine.symbolic import closed_form

    cf = closed_form(linear_resnet(1, 2))
    x = sympy.Symbol("x")
    (out,) = cf.output(sympy.Matrix([x]))
    a, b = (cf.params()[f"blocks[{i}].V"][0, 0] for i in range(2))
    assert sympy.expand(out - (1 + b) * (1 + a) * x) == 0
