"""Krawczyk on the slice (verify.certify.slice): critical points that are not isolated because
R is constant along V_L + u c^T (u ⊥ w) are certified on a coordinate slice, soundly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from verify.certify import Box, box_from_evidence, critical_point_near
from verify.certify.box import evaluate_box
from verify.certify.slice import sliced_critical_point
from verify.critical.finders import minimize
from verify.io.instances import load_instance, parse_instance
from verify.numbers.arithmetic import Arithmetic, ball_bounds
from verify.objectives.empirical import Objective
from verify.verdict import Verdict

CASE = Path(__file__).resolve().parents[1] / "adversarial/cases/a21_flat_direction_of_V.json"
ROOT = Path(__file__).resolve().parents[2]


def _objective() -> tuple[Objective, np.ndarray]:
    inst = load_instance(CASE)
    obj = Objective(inst.model, inst.loss, inst.data)
    start = np.asarray(inst.params, dtype=object).astype(np.float64)
    return obj, minimize(obj, start).theta


def test_flat_direction_makes_the_full_hessian_singular() -> None:
    obj, th = _objective()
    h = np.asarray(obj.evaluate(th, Arithmetic.FLOAT).hessian)
    eig = np.abs(np.linalg.eigvalsh((h + h.T) / 2))
    assert eig.min() < 1e-12 * eig.max()  # (d_x - 1) n_L = 1 flat direction


def test_slice_certifies_a_critical_point_and_the_box_is_consistent() -> None:
    obj, th = _objective()
    ev = critical_point_near(obj, th)
    assert ev.verdict is Verdict.HOLDS and "slice" in ev.reason
    box = box_from_evidence(ev)
    assert box is not None and not box.is_point
    v = np.asarray(obj.model.unpack(np.arange(obj.n_params))["blocks[0].V"])
    free = ev.witness["slice"]["free_row"]
    fixed = [int(v[j, k]) for j in range(v.shape[0]) if j != free for k in range(v.shape[1])]
    assert fixed and all(box.radius[i] == 0 for i in fixed)
    # a necessary condition: the gradient enclosure over the box contains 0 in every entry
    g = evaluate_box(obj, box, order=1).gradient
    lo, hi = ball_bounds(np.asarray(g, dtype=object))
    assert np.all(lo <= 0) and np.all(hi >= 0)


def test_slice_declines_without_output_coupling() -> None:
    doc = json.loads((ROOT / "examples/instances/fc_dead_relu.json").read_text())
    inst = parse_instance(doc)
    obj = Objective(inst.model, inst.loss, inst.data)
    assert sliced_critical_point(obj, np.asarray(inst.params, dtype=object).astype(float)) is None


def test_slice_declines_far_from_a_critical_point() -> None:
    obj, th = _objective()
    moved = th.copy()
    moved[0] += 0.5  # A moved: no critical point within a tiny box on the slice
    assert sliced_critical_point(obj, moved, steps=0) is None
    assert Box(th).is_point
