"""The S1/D2, K3 and FC1 example scripts: they run, they pass, and broken inputs make them fail."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import examples
from verify import Instance, Method, Verdict, load_instance, parse_instance
from verify.proofkit.claims import report as report_claims

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
S1_PATH = EXAMPLES / "s1_d2_strict_saddle.py"
K3_PATH = EXAMPLES / "k3_vector_output_counterexample.py"
FC_PATH = EXAMPLES / "fc_dead_relu_bad_minimum.py"
Q = Fraction


def _load(path: Path) -> ModuleType:
    return examples.load(path.stem)


@pytest.fixture(scope="module")
def s1() -> ModuleType:
    return _load(S1_PATH)


@pytest.fixture(scope="module")
def k3() -> ModuleType:
    return _load(K3_PATH)


@pytest.fixture(scope="module")
def fc() -> ModuleType:
    return _load(FC_PATH)


# ---- the scripts as a user runs them ------------------------------------------


@pytest.mark.parametrize("path", [S1_PATH, K3_PATH, FC_PATH], ids=["s1", "k3", "fc"])
def test_script_exits_zero(path: Path) -> None:
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    proc = subprocess.run(
        [sys.executable, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.rstrip().endswith("reproduced")
    assert "NOT reproduced" not in proc.stdout


def test_readme_lists_every_script() -> None:
    text = (EXAMPLES / "README.md").read_text()
    for script in sorted(EXAMPLES.glob("[!_]*.py")):
        assert f"`{script.name}`" in text, script.name


# ---- S1 / D2 -------------------------------------------------------------------


def _s1_doc(s1: ModuleType, which: str) -> dict[str, Any]:
    return copy.deepcopy(s1.BAD_DOC if which == "bad" else s1.FLAT_DOC)


def test_s1_quantities_of_the_shamir_instance(s1: ModuleType) -> None:
    d2 = s1.d2_quantities(load_instance(s1.SHAMIR_PATH))
    assert d2.m == [Q(0), Q(-3, 8)]
    assert d2.g0_x == [Q(0), Q(0)]
    assert d2.margin == Q(1, 4)


@pytest.mark.parametrize("which", ["shamir", "bad"])
def test_s1_direction_certified_exactly(s1: ModuleType, which: str) -> None:
    inst = load_instance(s1.SHAMIR_PATH) if which == "shamir" else parse_instance(s1.BAD_DOC)
    ev = s1.check_descent_direction(inst)
    assert ev.verdict is Verdict.HOLDS and ev.method is Method.EXACT
    assert Q(ev.witness["vHv"]) == Q(ev.witness["formula"]) < 0
    assert s1.check_hessian_structure(inst).verdict is Verdict.HOLDS
    assert s1.check_critical_at_w0(inst).verdict is Verdict.HOLDS


def test_s1_wrong_sign_direction_fails(s1: ModuleType) -> None:
    inst = load_instance(s1.SHAMIR_PATH)
    ev = s1.check_descent_direction(inst, sign=+1)
    assert ev.verdict is Verdict.VIOLATED
    assert Q(ev.witness["vHv"]) > 0


def test_s1_too_large_alpha_fails(s1: ModuleType) -> None:
    # alpha beyond 2 |u|^2 |m|^2 / u^T A u makes the quadratic form positive.
    inst = load_instance(s1.SHAMIR_PATH)
    assert s1.check_descent_direction(inst, alpha=Q(1)).verdict is Verdict.VIOLATED


def test_s1_other_u_also_works(s1: ModuleType) -> None:
    inst = parse_instance(s1.BAD_DOC)
    assert s1.check_descent_direction(inst, u=(Q(2), Q(-3))).verdict is Verdict.HOLDS


def test_s1_not_critical_without_the_right_v(s1: ModuleType) -> None:
    doc = _s1_doc(s1, "bad")
    doc["params"]["blocks[0].V"] = [[0, 0], [0, 0]]  # then grad_w R = E[g0 x] != 0
    ev = s1.check_critical_at_w0(parse_instance(doc))
    assert ev.verdict is Verdict.VIOLATED and "grad_w" in ev.reason


def test_s1_nonzero_w_is_not_a_d2_point(s1: ModuleType) -> None:
    doc = _s1_doc(s1, "bad")
    doc["params"]["w"] = [1, 0]
    assert s1.check_critical_at_w0(parse_instance(doc)).verdict is Verdict.VIOLATED


def test_s1_bad_point_needs_the_saddle_branch(s1: ModuleType) -> None:
    bad = parse_instance(s1.BAD_DOC)
    assert s1.check_risk_vs_linear(bad, ">").verdict is Verdict.HOLDS
    assert s1.check_risk_vs_linear(bad, "=").verdict is Verdict.VIOLATED
    assert s1.check_s1_branch(bad, "negative_curvature", "violated").verdict is Verdict.HOLDS
    assert s1.check_s1_branch(bad, "risk_le_linear", None).verdict is Verdict.INCONCLUSIVE


def test_s1_m_zero_case(s1: ModuleType) -> None:
    flat = parse_instance(s1.FLAT_DOC)
    assert s1.d2_quantities(flat).m == [0, 0]
    assert s1.check_flat_case(flat).verdict is Verdict.HOLDS
    assert s1.check_descent_direction(flat).verdict is Verdict.VIOLATED
    assert s1.check_risk_vs_linear(flat, "=").verdict is Verdict.HOLDS
    # Labels with m != 0 break the m = 0 case.
    doc = _s1_doc(s1, "flat")
    doc["data"]["y"][0] = 4
    assert s1.check_flat_case(parse_instance(doc)).verdict is Verdict.VIOLATED


def test_s1_results_rows(s1: ModuleType) -> None:
    rows = [c.to_dict() for c in s1.claims()]
    keys = {"claim", "source_tag", "checked", "method", "verdict", "reason", "asserted"}
    assert all(set(r) == keys for r in rows)
    assert all(r["verdict"] == "holds" and r["method"] == "exact" and r["asserted"] for r in rows)


def test_s1_main_fails_on_broken_instance(
    s1: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _s1_doc(s1, "bad")
    doc["params"]["blocks[0].V"] = [[0, 0], [0, 0]]
    monkeypatch.setattr(s1, "BAD_DOC", doc)
    assert s1.main() == 1
    assert "NOT reproduced" in capsys.readouterr().out


# ---- K3 ------------------------------------------------------------------------


def _k3_data(k3: ModuleType, xs: list[int], rows: list[list[int]]) -> Any:
    return k3.K3Data(tuple(Q(x) for x in xs), tuple(tuple(Q(v) for v in r) for r in rows))


def test_k3_surd_signs(k3: ModuleType) -> None:
    s = k3.Surd.make(Q(-14142, 10000), Q(1), Q(2))  # sqrt 2 - 1.4142 > 0
    assert s.sign() == 1
    assert k3.Surd.make(Q(3), Q(-1), Q(9)).sign() == 0  # 3 - sqrt 9
    assert (k3.Surd.make(Q(1), Q(1), Q(8)) * k3.Surd.make(Q(1), Q(-1), Q(8))).a == Q(-7)
    assert str(k3.Surd.make(Q(0), Q(1), Q(12))) == "2*sqrt(3)"


def test_k3_rational_instance_exact_values(k3: ModuleType) -> None:
    data = k3.k3_data(load_instance(k3.RATIONAL_PATH))
    assert str(k3.mu_min(data)) == "2"
    v, w = k3.minimiser(data)
    assert (str(v), [str(x) for x in w]) == ("2", ["1/5", "2/5"])
    assert k3.linear_risk(data) == Q(22, 9)
    ev = k3.check_positive_everywhere(data)
    assert ev.verdict is Verdict.HOLDS and ev.witness["mu"] == "2"


def test_k3_generic_instance_exact_infimum(k3: ModuleType) -> None:
    data = k3.k3_data(load_instance(k3.GENERIC_PATH))
    assert str(k3.mu_min(data)) == "56 - 6*sqrt(85)"
    v, _ = k3.minimiser(data)
    assert str(v) == "7/6 + 1/6*sqrt(85)"


def test_k3_dependent_features_break_the_example(k3: ModuleType) -> None:
    # x in {0, 1}: z = x^2 = x, so (x_i) and (z_i) are dependent and W (x + V z) fits y = (x, z).
    data = _k3_data(k3, [0, 1, 1], [[0, 1, 1], [0, 1, 1]])
    assert k3.check_independent(data).verdict is Verdict.VIOLATED
    ev = k3.check_positive_everywhere(data)
    assert ev.verdict is Verdict.VIOLATED and ev.witness["risk"] == "0"


def test_k3_collinear_targets_break_the_example(k3: ModuleType) -> None:
    data = _k3_data(k3, [-1, 1, 2], [[-1, 1, 2], [-3, 3, 6]])  # y = (x, 3x): rank one
    ev = k3.check_positive_everywhere(data)
    assert ev.verdict is Verdict.VIOLATED and ev.witness["risk"] == "0"


def test_k3_targets_outside_the_basis_span(k3: ModuleType) -> None:
    data = _k3_data(k3, [-1, 1, 2], [[-1, 1, 2], [-1, 1, 8]])  # second target x^3
    assert k3.check_basis_zero(data).verdict is Verdict.VIOLATED


def _k3_instance(params: dict[str, Any], y: list[list[int]] | None = None) -> Instance:
    return parse_instance({
        "format": "resnet-verify/instance@1",
        "model": {"kind": "resnet", "d_in": 1, "d_out": 2, "blocks": [{"activation": "square"}]},
        "loss": "squared",
        "data": {"x": [[-1], [1], [2]], "y": y or [[-1, 1], [1, 1], [2, 4]]},
        "params": params,
    })


def test_k3_wrong_point_is_not_the_minimum(k3: ModuleType) -> None:
    inst = _k3_instance({"blocks[0].V": [[1]], "W": [["1/5"], ["2/5"]]})
    assert k3.check_global_minimum(inst).verdict is Verdict.VIOLATED
    # Not a local minimum, so K3's premise fails and the negative control is not violated there.
    assert k3.check_k3_violated(inst).verdict is not Verdict.HOLDS


def test_k3_rational_claims(k3: ModuleType) -> None:
    inst = load_instance(k3.RATIONAL_PATH)
    gm = k3.check_global_minimum(inst)
    assert gm.verdict is Verdict.HOLDS and gm.method is Method.EXACT
    kv = k3.check_k3_violated(inst)
    assert kv.verdict is Verdict.HOLDS and kv.method is Method.EXACT
    assert k3.check_le_linear(inst).verdict is Verdict.HOLDS


def test_k3_generic_certified(k3: ModuleType) -> None:
    inst = load_instance(k3.GENERIC_PATH)
    cm = k3.certified_minimum(inst)
    assert cm.evidence.verdict is Verdict.HOLDS and cm.evidence.method is Method.CERTIFIED
    for ev in (
        k3.check_k3_violated_on_box(inst, cm),
        k3.check_le_linear_on_box(inst, cm),
        k3.check_is_global_minimiser(inst, cm),
    ):
        assert ev.verdict is Verdict.HOLDS and ev.method is Method.CERTIFIED, ev.reason


def test_k3_library_pipeline_on_generic_data(k3: ModuleType) -> None:
    ev = k3.check_library_search(load_instance(k3.GENERIC_PATH))
    assert ev.verdict is Verdict.HOLDS and ev.method is Method.CERTIFIED, ev.reason


def test_k3_main_fails_with_rank_one_targets(
    k3: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    doc = json.loads(k3.RATIONAL_PATH.read_text())
    doc["data"]["y"] = [[-1, -3], [1, 3], [2, 6]]  # y = (x, 3x): the ResNet fits it exactly
    bad = tmp_path / "k3_rank_one.json"
    bad.write_text(json.dumps(doc))
    monkeypatch.setattr(k3, "RATIONAL_PATH", bad)
    rows = k3.claims(search=False)
    assert report_claims(k3.TITLE, rows) == 1
    assert "NOT reproduced" in capsys.readouterr().out


# ---- FC1 -----------------------------------------------------------------------


def _fc_variant(fc: ModuleType, **changes: Any) -> Instance:
    params = {
        "layers[0].A": [[1], [1]],
        "layers[0].b": [-10, -10],
        "w": [1, 1],
        "c": "7/4",
        **changes,
    }
    return fc.with_params(load_instance(fc.FC_PATH), params)


def test_fc_dead_point_claims(fc: ModuleType) -> None:
    inst = load_instance(fc.FC_PATH)
    assert fc.dead_radius(fc.fc_point(inst)) == Q(7, 4)
    for ev in (
        fc.check_dead_units(inst),
        fc.check_critical(inst),
        fc.check_hessian(inst),
        fc.check_bad_value(inst, fc.GOOD_FC_PARAMS),
        fc.check_fc1_violated(inst),
        fc.check_local_minimum(inst),
    ):
        assert ev.verdict is Verdict.HOLDS and ev.method is Method.EXACT, ev.reason


def test_fc_live_unit_breaks_the_argument(fc: ModuleType) -> None:
    inst = _fc_variant(fc, **{"layers[0].b": [-10, "-3/2"]})  # unit 1 live at x = 2, 3
    assert fc.check_dead_units(inst).verdict is Verdict.VIOLATED
    assert fc.check_critical(inst).verdict is Verdict.VIOLATED
    assert fc.check_local_minimum(inst).verdict is not Verdict.HOLDS
    # The point is not critical: the library's FC1 report is no longer a certified violation.
    assert fc.check_fc1_violated(inst).verdict is not Verdict.HOLDS


def test_fc_sample_on_kink(fc: ModuleType) -> None:
    inst = _fc_variant(fc, **{"layers[0].b": [-10, -3]})  # x = 3 sits on unit 1's kink
    ev = fc.check_dead_units(inst)
    assert ev.verdict is Verdict.VIOLATED and "kink" in ev.reason
    assert fc.check_critical(inst).verdict is Verdict.INCONCLUSIVE


def test_fc_wrong_offset_is_not_a_minimum(fc: ModuleType) -> None:
    inst = _fc_variant(fc, c=2)
    assert fc.check_critical(inst).verdict is Verdict.VIOLATED
    assert fc.check_local_minimum(inst).verdict is Verdict.VIOLATED


def test_fc_good_point_is_not_bad(fc: ModuleType) -> None:
    inst = fc.with_params(load_instance(fc.FC_PATH), fc.GOOD_FC_PARAMS)
    assert fc.check_bad_value(inst).verdict is Verdict.VIOLATED  # R = R_lin


def test_fc_resnet_contrast(fc: ModuleType) -> None:
    inst = load_instance(fc.FC_PATH)
    assert fc.check_resnet_contrast(inst).verdict is Verdict.HOLDS
    off = {**fc.RESNET_PARAMS, "w": [1, 0]}  # not the least-squares line: not critical
    assert fc.check_resnet_contrast(inst, off).verdict is not Verdict.HOLDS


def test_fc_main_fails_with_live_unit(
    fc: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    doc = json.loads(fc.FC_PATH.read_text())
    doc["params"]["layers[0].b"] = [-10, "-3/2"]
    bad = tmp_path / "fc_live.json"
    bad.write_text(json.dumps(doc))
    monkeypatch.setattr(fc, "FC_PATH", bad)
    assert report_claims(fc.TITLE, fc.claims(search=False)) == 1
    assert "NOT reproduced" in capsys.readouterr().out
