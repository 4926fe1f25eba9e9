"""Krawczyk on the slice (verify.certify.slice): critical points that are not isolated because
R is constant along V_L + u c^T (u ⊥ w) are certified on a coordinate slice, soundly."""

from __future__ import annotations

import json
from pathlib import Path

import flint
import numpy as np
import pytest

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


# ---- positive scaling of homogeneous units -------------------------------------------------


def _homogeneous(act: str, deep: bool, bias: bool, n: int = 8, seed: int = 0
                 ) -> tuple[Objective, np.random.Generator]:
    from fractions import Fraction

    from verify.catalogue.activations import activation
    from verify.models import Model, ResidualBlock
    from verify.theorems.cases import instance

    rng = np.random.default_rng(seed)
    a = activation(act)
    blocks = [ResidualBlock(a, None, (1,), bias)]
    if deep:
        blocks.append(ResidualBlock(a, 1, (), bias))
    model = Model(2, tuple(blocks))
    frac = lambda: Fraction(int(rng.integers(-12, 13)), int(rng.integers(1, 5)))  # noqa: E731
    x = [[frac(), frac()] for _ in range(n)]
    inst = instance(model, x, [frac() for _ in range(n)])
    return Objective(inst.model, inst.loss, inst.data), rng


def _rational_point(obj: Objective, rng: np.random.Generator) -> np.ndarray:
    from fractions import Fraction

    return np.array([Fraction(int(rng.integers(-9, 10)), int(rng.integers(1, 4)))
                     for _ in range(obj.n_params)], dtype=object)


CASES = [("relu", False, True), ("square", False, False), ("square", True, True),
         ("relu", True, False), ("leaky_relu", True, True)]


@pytest.mark.parametrize(("act", "deep", "bias"), CASES)
def test_scaling_orbits_leave_the_risk_unchanged_exactly(act: str, deep: bool, bias: bool
                                                         ) -> None:
    from fractions import Fraction

    from verify.certify.slice import scaling_orbits

    obj, rng = _homogeneous(act, deep, bias)
    orbits = scaling_orbits(obj)
    assert len(orbits) == (2 if deep else 1)
    th = _rational_point(obj, rng)
    r0 = obj.evaluate(th, Arithmetic.EXACT, order=0).risk
    for orb in orbits:
        for c in (Fraction(3, 2), Fraction(1, 7)):
            moved = th.copy()
            for k in orb.incoming:
                moved[k] = moved[k] * c
            for k in orb.outgoing:
                moved[k] = moved[k] / c**orb.degree
            assert obj.evaluate(moved, Arithmetic.EXACT, order=0).risk == r0
            if orb.degree == 2:  # the degree matters: V / c is not a symmetry of square units
                wrong = th.copy()
                for k in orb.incoming:
                    wrong[k] = wrong[k] * c
                for k in orb.outgoing:
                    wrong[k] = wrong[k] / c
                assert obj.evaluate(wrong, Arithmetic.EXACT, order=0).risk != r0


@pytest.mark.parametrize(("act", "deep", "bias"), CASES)
def test_euler_identity_of_each_orbit_holds_exactly(act: str, deep: bool, bias: bool) -> None:
    """sum_k a_k dR/da_k = p sum_j V_j dR/dV_j: what makes the fixed coordinate's derivative
    vanish once every other derivative of the orbit does."""
    from verify.certify.slice import scaling_orbits

    obj, rng = _homogeneous(act, deep, bias)
    nonzero = 0
    for _ in range(3):
        th = _rational_point(obj, rng)
        land = obj.evaluate(th, Arithmetic.EXACT, order=1)
        assert land.kink_margin is None or land.kink_margin > 0  # differentiable there
        g = land.gradient
        for orb in scaling_orbits(obj):
            lhs = sum(flint.fmpq(th[k].numerator, th[k].denominator) * g[k] for k in orb.incoming)
            out = sum(flint.fmpq(th[k].numerator, th[k].denominator) * g[k] for k in orb.outgoing)
            assert lhs == orb.degree * out
            nonzero += int(lhs != 0)
    assert nonzero  # not only 0 = 0 (for square, p = 2 is then the only right degree)


def test_smooth_saturating_units_have_no_scaling_orbit() -> None:
    from verify.certify.slice import scaling_orbits

    obj, _ = _homogeneous("tanh", True, True)
    assert scaling_orbits(obj) == []


def test_slice_certifies_a_square_unit_critical_point_the_full_test_cannot() -> None:
    obj, rng = _homogeneous("square", False, False, n=8, seed=0)
    start = np.array([float(v) for v in _rational_point(obj, rng)])
    found = minimize(obj, start)
    assert found.converged
    th = found.theta
    h = np.asarray(obj.evaluate(th, Arithmetic.FLOAT).hessian)
    eig = np.abs(np.linalg.eigvalsh((h + h.T) / 2))
    assert np.sum(eig < 1e-9 * eig.max()) == 2  # output coupling + positive scaling
    ev = critical_point_near(obj, th)
    assert ev.verdict is Verdict.HOLDS and "homogeneous unit" in ev.reason, ev.reason
    box = box_from_evidence(ev)
    assert box is not None and not box.is_point
    fixed = [s["fixed_coordinate"] for s in ev.witness["slice"]["scaling"]]
    assert fixed and all(box.radius[k] == 0 and box.centre[k] != 0 for k in fixed)
    g = evaluate_box(obj, box, order=1).gradient
    lo, hi = ball_bounds(np.asarray(g, dtype=object))
    assert np.all(lo <= 0) and np.all(hi >= 0)
    # without the scaling coordinate fixed the slice has a null direction and fails
    import verify.certify.slice as sl

    saved = dict(sl.HOMOGENEITY)
    try:
        sl.HOMOGENEITY.clear()
        assert sliced_critical_point(obj, th) is None
    finally:
        sl.HOMOGENEITY.update(saved)
