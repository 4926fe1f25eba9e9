"""Proof-kit pieces moved out of the example scripts (issue 10): exact text helpers,
single-block quantities, the two-feature pencil fit, negative-control search, conclusion
branches, probe disagreement and cell lines. Each is checked against an independent
computation (the library's exact engine, floats, or a hand value)."""

from __future__ import annotations

import json
from fractions import Fraction as Q
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from verify import (
    Cell,
    CellResult,
    InvalidInput,
    Method,
    Verdict,
    cell_lines,
    conclusion_branch,
    exact_array,
    exact_text,
    feature_minimiser,
    feature_pencil,
    first_disagreement,
    fmt_vector,
    load_instance,
    negative_control_search,
    objective_of,
    parse_instance,
    single_block_point,
    to_fraction,
)

INSTANCES = Path(__file__).resolve().parents[2] / "examples" / "instances"


def test_exact_text_helpers() -> None:
    arr = exact_array([[1, Q(1, 2)], [Q(3, 4), 0.5]])
    assert arr.dtype == object and arr[0][1] == Q(1, 2) and arr[1][1] == Q(1, 2)
    assert all(type(v) is Q for v in arr.flat)
    assert exact_text(arr) == [["1", "1/2"], ["3/4", "1/2"]]
    assert exact_text(Q(-2, 3)) == "-2/3"
    assert fmt_vector([Q(0), Q(-3, 8)]) == "(0, -3/8)"
    with pytest.raises(InvalidInput):
        exact_array([True])


def _k3(xs: list[int], ys: list[list[int]]) -> tuple[list[list[Q]], list[list[Q]]]:
    x = [Q(v) for v in xs]
    return [x, [v * v for v in x]], [[Q(v) for v in row] for row in ys]


def _risk(feats: list[list[Q]], ys: list[list[Q]], v: float, w: list[float]) -> float:
    s = np.array(feats[0], float) + v * np.array(feats[1], float)
    return float(np.mean([sum((wi * si - y[i]) ** 2 for wi, y in zip(w, ys, strict=True))
                          for i, si in enumerate(s)]))  # fmt: skip


def test_feature_minimiser_rational_k3() -> None:
    feats, ys = _k3([-1, 1, 2], [[-1, 1, 2], [1, 1, 4]])
    v, w, mu = feature_minimiser(feats, ys)  # type: ignore[misc]
    assert (str(v), [str(x) for x in w], str(mu)) == ("2", ["1/5", "2/5"], "2")
    assert _risk(feats, ys, float(v), [float(x) for x in w]) == pytest.approx(float(mu) / 3)


def test_feature_minimiser_is_below_random_points() -> None:
    feats, ys = _k3([1, 2, 3], [[1, 2, 3], [1, 4, 9]])
    v, w, mu = feature_minimiser(feats, ys)  # type: ignore[misc]
    assert str(mu) == "56 - 6*sqrt(85)" and str(v) == "7/6 + 1/6*sqrt(85)"
    best = _risk(feats, ys, float(v), [float(x) for x in w])
    assert best == pytest.approx(float(mu) / 3, rel=1e-9)
    rng = np.random.default_rng(0)
    for _ in range(200):
        assert _risk(feats, ys, *rng.normal(size=1), list(rng.normal(size=2))) >= best - 1e-12
    p, g = feature_pencil(feats, ys)
    assert g == [[14, 36], [36, 98]] and p[0][1] == p[1][0]


def test_feature_minimiser_not_attained_and_bad_input() -> None:
    feats, _ = _k3([1, 2, 3], [[0, 0, 0]])
    assert feature_minimiser(feats, [feats[1], feats[1]]) is None  # only V -> infinity fits z
    with pytest.raises(InvalidInput, match="len\\(features\\)"):
        feature_pencil([feats[0]], [feats[0]])


def test_single_block_point_matches_the_library() -> None:
    inst = load_instance(INSTANCES / "shamir_saddle.json")
    pt = single_block_point(inst)
    assert pt.m == [Q(0), Q(-3, 8)] and pt.g_x == [Q(0), Q(0)] and pt.margin == Q(1, 4)
    # At w != 0 the hand gradient E[g x] + V m (w part) and w m^T (V part) equal the engine's.
    doc = json.loads((INSTANCES / "shamir_w0_bad.json").read_text())
    doc["params"]["w"] = ["1/2", "-2"]
    moved = parse_instance(doc)
    pt = single_block_point(moved)
    model = moved.require_model()
    land = objective_of(moved).evaluate(moved.require_params(), "exact", order=2)
    grad = [to_fraction(v) for v in land.gradient]
    ow, ov = model.param("w").offset, model.param("blocks[0].V").offset
    d, k = pt.v_mat.shape
    assert grad[ow : ow + d] == list(np.asarray(pt.g_x, dtype=object) + pt.v_mat @ pt.m)
    assert grad[ov : ov + d * k] == list(np.outer(pt.w, pt.m).flat)
    hww = exact_array(land.hessian)[ow : ow + d, ow : ow + d]
    assert (hww == pt.a_w).all()


def test_single_block_point_refuses_other_models() -> None:
    with pytest.raises(InvalidInput, match="single-block"):
        single_block_point(load_instance(INSTANCES / "fc_dead_relu.json"))


def test_negative_control_search_and_conclusion_branch() -> None:
    ev = negative_control_search("K3", load_instance(INSTANCES / "k3_vector_output.json"))
    assert ev.verdict is Verdict.HOLDS and ev.method.rigorous, ev.reason
    bad = load_instance(INSTANCES / "shamir_w0_bad.json")
    ok = conclusion_branch("S1", bad, "negative_curvature", {"risk_le_linear": "violated"})
    assert ok.verdict is Verdict.HOLDS and ok.method is Method.EXACT
    assert "negative_curvature holds" in ok.reason and "risk_le_linear violated" in ok.reason
    wrong = conclusion_branch("S1", bad, "negative_curvature", {"risk_le_linear": "holds"})
    assert wrong.verdict is Verdict.INCONCLUSIVE


def test_negative_control_search_reports_a_fit() -> None:
    # y = (x, 3x) is rank one: W (x + 0 z) fits it, so K3 holds at a local minimum.
    doc = json.loads((INSTANCES / "k3_vector_output.json").read_text())
    doc["data"]["y"] = [[-1, -3], [1, 3], [2, 6]]
    doc["params"] = {"blocks[0].V": [[0]], "W": [[1], [3]]}  # L = 0 there
    ev = negative_control_search("K3", parse_instance(doc), n_starts=2)
    assert ev.verdict is Verdict.VIOLATED and "K3 holds at a local minimum" in ev.reason


def test_first_disagreement_and_cell_lines() -> None:
    rho = sp.Symbol("rho", positive=True)
    probes = (sp.Rational(1, 2), sp.Integer(3))
    assert first_disagreement(rho**2, lambda r: to_fraction(r * r), rho, probes) == ""
    text = first_disagreement(rho**2, lambda r: to_fraction(r), rho, probes)
    assert "rho = 1/2" in text and "disagree" in text
    cell = Cell("gap 0", sp.Integer(0), sp.Integer(1), (sp.Integer(0),), 1)
    lines = cell_lines([CellResult(cell, rho + 1, True, None), CellResult(cell, -rho, False, None)])
    assert lines == (
        "gap 0: excess numerator N = rho + 1  [certified >= 0]",
        "gap 0: excess numerator N = -rho  [NOT certified]",
    )
