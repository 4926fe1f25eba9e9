"""The example scripts: structure and size, they run and pass, and broken inputs make them fail.

One file for every script in ``examples.ALL`` (formerly ``test_examples_more.py`` and
``test_examples_y5_y6.py``; every assertion kept).
"""

from __future__ import annotations

import ast
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
import sympy as sp

import examples
from verify import (
    Instance,
    Method,
    Verdict,
    conclusion_branch,
    load_instance,
    negative_control_search,
    parse_instance,
    single_block_point,
)
from verify.proofkit.claims import report as report_claims

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
Q = Fraction
MAX_LINES = 250
SECTIONS = ("Statement", "Reference", "Checked")


@pytest.fixture(scope="module")
def s1() -> ModuleType:
    return examples.load("s1_d2_strict_saddle")


@pytest.fixture(scope="module")
def k3() -> ModuleType:
    return examples.load("k3_vector_output_counterexample")


@pytest.fixture(scope="module")
def k3s() -> ModuleType:
    return examples.load("k3_library_search")


@pytest.fixture(scope="module")
def k3g() -> ModuleType:
    return examples.load("k3_generic_certified_minimum")


@pytest.fixture(scope="module")
def fc() -> ModuleType:
    return examples.load("fc_dead_relu_bad_minimum")


@pytest.fixture(scope="module")
def y5() -> ModuleType:
    return examples.load("y5_fully_connected_no_better")


@pytest.fixture(scope="module")
def y5r() -> ModuleType:
    return examples.load("y5_resnet_strictly_better")


@pytest.fixture(scope="module")
def y6() -> ModuleType:
    return examples.load("y6_nonmonotone_representations")


# ---- every script: structure, size, and a run as a user runs it -------------------


def _source(name: str) -> str:
    return (EXAMPLES / f"{name}.py").read_text()


def _lines(name: str) -> int:
    return len(_source(name).splitlines())


@pytest.mark.parametrize("name", [*examples.ALL, "_template"])
def test_size_and_docstring_sections(name: str) -> None:
    assert _lines(name) <= MAX_LINES, f"{name}: {_lines(name)} lines"
    doc = ast.get_docstring(ast.parse(_source(name))) or ""
    for section in SECTIONS:
        assert f"\n{section}\n" in doc, f"{name}: missing docstring section {section}"
    if name != "_template":
        assert any(tag in doc for tag in ("[S]", "[Q]", "[D]", "[R]")), f"{name}: no CLAIMS.md tag"


@pytest.mark.parametrize("name", [*examples.ALL, "_template"])
def test_script_shape(name: str) -> None:
    """TITLE, claims() and main = run_script(TITLE, claims); no copied script ending."""
    tree = ast.parse(_source(name))
    defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert {"claims", "main"} <= set(defs), name
    assert ast.unparse(defs["main"].body[-1]) == "return run_script(TITLE, claims)", name
    assert not {"report", "results"} & set(defs), f"{name}: defines its own report/results"
    assert any(
        isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "TITLE" for t in n.targets)
        for n in tree.body
    ), name


def test_all_lists_every_script() -> None:
    on_disk = {p.stem for p in EXAMPLES.glob("[!_]*.py")}
    assert on_disk == set(examples.ALL)


@pytest.mark.parametrize("name", [*examples.ALL, "_template"])
def test_script_exits_zero(name: str) -> None:
    # The package may not be installed; make the checkout importable like `pip install -e .`.
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
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
    d2 = single_block_point(load_instance(s1.SHAMIR_PATH))
    assert d2.m == [Q(0), Q(-3, 8)]
    assert d2.g_x == [Q(0), Q(0)]
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
    others = {"risk_le_linear": "violated"}
    assert conclusion_branch("S1", bad, "negative_curvature", others).verdict is Verdict.HOLDS
    assert conclusion_branch("S1", bad, "risk_le_linear").verdict is Verdict.INCONCLUSIVE


def test_s1_m_zero_case(s1: ModuleType) -> None:
    flat = parse_instance(s1.FLAT_DOC)
    assert single_block_point(flat).m == [0, 0]
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
    return parse_instance(
        {
            "format": "resnet-verify/instance@1",
            "model": {
                "kind": "resnet",
                "d_in": 1,
                "d_out": 2,
                "blocks": [{"activation": "square"}],
            },
            "loss": "squared",
            "data": {"x": [[-1], [1], [2]], "y": y or [[-1, 1], [1, 1], [2, 4]]},
            "params": params,
        }
    )


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


def test_k3_generic_certified(k3: ModuleType, k3g: ModuleType) -> None:
    inst = load_instance(k3.GENERIC_PATH)
    cm = k3g.certified_minimum(inst)
    assert cm.evidence.verdict is Verdict.HOLDS and cm.evidence.method is Method.CERTIFIED
    for ev in (
        k3g.check_k3_violated_on_box(inst, cm),
        k3g.check_le_linear_on_box(inst, cm),
        k3g.check_is_global_minimiser(inst, cm),
    ):
        assert ev.verdict is Verdict.HOLDS and ev.method is Method.CERTIFIED, ev.reason


def test_k3_library_pipeline_on_generic_data(k3s: ModuleType) -> None:
    ev = negative_control_search("K3", load_instance(k3s.GENERIC_PATH))
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
    rows = k3.claims()
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


# ---- Y5 -------------------------------------------------------------------------


def test_y5_cells_cover_every_kink(y5: ModuleType) -> None:
    fc = y5.kink_cells(y5.X_DATA, (1, -1))
    rn = y5.kink_cells(y5.X_DATA, (1,))
    assert len(fc) == 12 and len(rn) == 6
    # Closed gaps share their endpoints, so kinks on samples are inside some cell.
    gaps = sorted((c.lo, c.hi) for c in rn if c.lo != -sp.oo)
    assert gaps == [(k, k + 1) for k in range(5)]


def test_y5_r_lin_exact(y5: ModuleType) -> None:
    ev = y5.check_linear_risk(y5.X_DATA, y5.Y_DATA, y5.CLAIMED_R_LIN)
    assert ev.verdict is Verdict.HOLDS and ev.rigorous


def test_y5_wrong_r_lin_is_violated(y5: ModuleType) -> None:
    ev = y5.check_linear_risk(y5.X_DATA, y5.Y_DATA, sp.Rational(7, 15) * y5.RHO**2)
    assert ev.verdict is Verdict.VIOLATED


def _fc_bound(y5: ModuleType, claimed: sp.Expr) -> Verdict:
    ones = [sp.Integer(1)] * len(y5.X_DATA)
    cells = y5.kink_cells(y5.X_DATA, (1, -1))
    ev, _ = y5.check_no_point_below(y5.X_DATA, y5.Y_DATA, [ones], cells, claimed, "fc", "const")
    return ev.verdict


def test_y5_fc_bound_certified(y5: ModuleType) -> None:
    assert _fc_bound(y5, y5.CLAIMED_R_LIN) is Verdict.HOLDS


def test_y5_fc_bound_above_r_lin_is_violated(y5: ModuleType) -> None:
    # The net contains every affine function, so nothing above R_lin is a lower bound.
    assert _fc_bound(y5, sp.Rational(9, 15) * y5.RHO**2) is Verdict.VIOLATED


def test_y5_fc_engine_cross_check(y5: ModuleType) -> None:
    ev = y5.check_fc_engine(y5.X_DATA, y5.Y_DATA, y5.kink_cells(y5.X_DATA, (1, -1)))
    assert ev.verdict is Verdict.HOLDS


def _resnet_bound(y5r: ModuleType, claimed: sp.Expr) -> Verdict:
    ones = [sp.Integer(1)] * len(y5r.X_DATA)
    cells = y5r.kink_cells(y5r.X_DATA, (1,))
    basis = [ones, list(y5r.X_DATA)]
    ev, _ = y5r.check_no_point_below(y5r.X_DATA, y5r.Y_DATA, basis, cells, claimed, "rn", "affine")
    return ev.verdict


def test_y5_resnet_minimum(y5r: ModuleType) -> None:
    claimed = y5r.CLAIMED_RESNET_MIN
    assert _resnet_bound(y5r, claimed) is Verdict.HOLDS
    for point in y5r.RESNET_POINTS:
        ev = y5r.check_resnet_attains(y5r.X_DATA, y5r.Y_DATA, point, claimed)
        assert ev.verdict is Verdict.HOLDS


def test_y5_smaller_resnet_minimum_is_not_attained(y5r: ModuleType) -> None:
    smaller = sp.Rational(28, 57) * y5r.RHO**2
    ev = y5r.check_resnet_attains(y5r.X_DATA, y5r.Y_DATA, y5r.RESNET_POINTS[0], smaller)
    assert ev.verdict is Verdict.VIOLATED


def test_y5_larger_resnet_minimum_is_beaten(y5r: ModuleType) -> None:
    assert _resnet_bound(y5r, sp.Rational(30, 57) * y5r.RHO**2) is Verdict.VIOLATED


def test_y5_wrong_resnet_point_is_violated(y5r: ModuleType) -> None:
    point = {**y5r.RESNET_POINTS[0], "c": -y5r.RHO}
    ev = y5r.check_resnet_attains(y5r.X_DATA, y5r.Y_DATA, point, y5r.CLAIMED_RESNET_MIN)
    assert ev.verdict is Verdict.VIOLATED


def test_y5_strictly_better(y5r: ModuleType) -> None:
    rho = y5r.RHO
    assert y5r.check_strictly_better(y5r.CLAIMED_RESNET_MIN, y5r.CLAIMED_R_LIN).verdict is (
        Verdict.HOLDS
    )
    assert y5r.check_strictly_better(sp.Rational(8, 15) * rho**2, y5r.CLAIMED_R_LIN).verdict is (
        Verdict.VIOLATED
    )


def test_y5_quoted_r2_range(y5r: ModuleType) -> None:
    ok = y5r.check_quoted_r2_range(y5r.QUOTED_R2, y5r.CLAIMED_R_LIN, y5r.CLAIMED_R2_UPPER)
    assert ok.verdict is Verdict.HOLDS
    bad = y5r.check_quoted_r2_range(y5r.QUOTED_R2, y5r.CLAIMED_R_LIN, sp.Integer(4))
    assert bad.verdict is Verdict.VIOLATED


def test_y5_results_rows(y5: ModuleType, y5r: ModuleType) -> None:
    rows = [c.to_dict() for c in (*y5.claims(), *y5r.claims())]
    keys = {"claim", "source_tag", "checked", "method", "verdict", "asserted"}
    assert all(keys <= set(r) for r in rows)
    asserted = [r for r in rows if r["asserted"]]
    assert asserted and all(r["verdict"] == "holds" and r["method"] == "exact" for r in asserted)
    quoted = [r for r in rows if not r["asserted"]]
    assert len(quoted) == 1 and quoted[0]["verdict"] == "not reproduced"


def test_y5_main_fails_on_wrong_claim(
    y5: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(y5, "CLAIMED_R_LIN", sp.Rational(7, 15) * y5.RHO**2)
    assert y5.main() == 1
    assert "NOT reproduced" in capsys.readouterr().out


def test_y5_resnet_main_fails_on_wrong_minimum(
    y5r: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(y5r, "CLAIMED_RESNET_MIN", sp.Rational(28, 57) * y5r.RHO**2)
    assert y5r.main() == 1
    assert "NOT reproduced" in capsys.readouterr().out


def test_k3_search_main_fails_with_rank_one_targets(
    k3s: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    doc = json.loads(k3s.RATIONAL_PATH.read_text())
    doc["data"]["y"] = [[-1, -3], [1, 3], [2, 6]]  # y = (x, 3x): the ResNet fits it exactly
    doc.pop("params", None)
    bad = tmp_path / "k3_rank_one.json"
    bad.write_text(json.dumps(doc))
    monkeypatch.setattr(k3s, "RATIONAL_PATH", bad)
    monkeypatch.setattr(k3s, "GENERIC_PATH", bad)
    assert k3s.main() == 1
    assert "NOT reproduced" in capsys.readouterr().out


# ---- Y6 -------------------------------------------------------------------------


def test_y6_baseline(y6: ModuleType) -> None:
    xs, ys = y6.X_DATA, y6.Y_DATA
    assert y6.check_linear_baseline(xs, ys, Fraction(9, 13), Fraction(25, 78)).verdict is (
        Verdict.HOLDS
    )
    assert y6.check_linear_baseline(xs, ys, Fraction(9, 13), Fraction(1, 3)).verdict is (
        Verdict.VIOLATED
    )


def test_y6_witness_holds(y6: ModuleType) -> None:
    xs, ys, p = y6.X_DATA, y6.Y_DATA, y6.PARAMS
    assert y6.check_global_minimum(xs, ys, p).verdict is Verdict.HOLDS
    assert y6.check_smooth_critical_point(xs, ys, p).verdict is Verdict.HOLDS
    assert y6.check_representation_worse(xs, ys, p).verdict is Verdict.HOLDS


def test_y6_wrong_output_parameter_is_not_a_minimum(y6: ModuleType) -> None:
    p = {**y6.PARAMS, "v2": Fraction(-2)}
    assert y6.check_global_minimum(y6.X_DATA, y6.Y_DATA, p).verdict is Verdict.VIOLATED
    assert y6.check_smooth_critical_point(y6.X_DATA, y6.Y_DATA, p).verdict is Verdict.VIOLATED


def test_y6_identity_first_block_does_not_worsen(y6: ModuleType) -> None:
    p = {**y6.PARAMS, "v1": Fraction(0)}  # h_1 = x: not strictly worse
    assert y6.check_representation_worse(y6.X_DATA, y6.Y_DATA, p).verdict is Verdict.VIOLATED


def test_y6_sample_on_kink_is_detected(y6: ModuleType) -> None:
    # b1 = -5 puts the kink of block 1 at x = 5/2, a sample; keep h_1 = [1, 5/2, 4].
    p = {**y6.PARAMS, "b1": Fraction(-5), "v1": Fraction(1)}
    ev = y6.check_smooth_critical_point(y6.X_DATA, y6.Y_DATA, p)
    assert ev.verdict is Verdict.VIOLATED
    assert "kink" in ev.reason


def test_y6_results_rows(y6: ModuleType) -> None:
    rows = [c.to_dict() for c in y6.claims()]
    assert len(rows) == 4
    assert all(r["verdict"] == "holds" and r["method"] == "exact" for r in rows)


def test_y6_main_fails_on_wrong_parameter(
    y6: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(y6, "PARAMS", {**y6.PARAMS, "w": Fraction(1)})
    assert y6.main() == 1
    assert "NOT reproduced" in capsys.readouterr().out
