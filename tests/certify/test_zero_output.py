"""The w = 0 family (verify.certify.zero_output): at w = 0 every derivative of R other than
grad_w vanishes exactly, and critical points there are certified on a slice, soundly."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from verify import Verdict, theorem
from verify.catalogue.activations import activation
from verify.certify import box_from_evidence, critical_point_near
from verify.certify.box import evaluate_box
from verify.certify.zero_output import zero_output_critical_point, zero_output_layout
from verify.models import Model, ResidualBlock
from verify.numbers.arithmetic import Arithmetic, ball_bounds
from verify.objectives.empirical import Objective
from verify.pipeline import certify_point
from verify.theorems.cases import instance


def _objective(act: str, deep: bool, seed: int = 0, n: int = 6) -> tuple[Objective, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = activation(act)
    blocks = [ResidualBlock(a, None, (2,), True)]
    if deep:
        blocks.append(ResidualBlock(a, 1, (), True))
    model = Model(2, tuple(blocks))
    frac = lambda: Fraction(int(rng.integers(-8, 9)), int(rng.integers(1, 4)))  # noqa: E731
    inst = instance(model, [[frac(), frac()] for _ in range(n)], [frac() for _ in range(n)])
    th = np.array([frac() for _ in range(model.n_params)], dtype=object)
    return Objective(inst.model, inst.loss, inst.data), th


@pytest.mark.parametrize(("act", "deep"), [("square", False), ("relu", True), ("square", True)])
def test_at_w_zero_only_grad_w_can_be_nonzero_exactly(act: str, deep: bool) -> None:
    obj, th = _objective(act, deep)
    lay = zero_output_layout(obj)
    assert lay is not None
    w_idx = set(int(i) for i in lay[0])
    g = obj.evaluate(th, Arithmetic.EXACT, order=1).gradient
    assert any(g[i] != 0 for i in range(obj.n_params) if i not in w_idx)  # w != 0: not so
    th[list(w_idx)] = 0
    land = obj.evaluate(th, Arithmetic.EXACT, order=1)
    assert all(land.gradient[i] == 0 for i in range(obj.n_params) if i not in w_idx)
    assert any(land.gradient[i] != 0 for i in w_idx)


def _w_zero_point(obj: Objective, th: np.ndarray) -> np.ndarray:
    """A float point at w = 0 near the family: V's first column solves grad_w R = 0 in float."""
    w_idx, v_idx = zero_output_layout(obj)  # type: ignore[misc]
    x = th.astype(np.float64)
    x[w_idx] = 0.0
    land = obj.evaluate(x, Arithmetic.FLOAT)
    jac = np.asarray(land.hessian)[np.ix_(w_idx, v_idx[:, 0])]
    x[v_idx[:, 0]] -= np.linalg.solve(jac, np.asarray(land.gradient)[w_idx])
    return x


@pytest.mark.parametrize("act", ["tanh", "square"])
def test_w_zero_critical_point_is_certified_and_the_box_is_consistent(act: str) -> None:
    obj, th = _objective(act, deep=False, seed=1)
    x = _w_zero_point(obj, th)
    h = np.asarray(obj.evaluate(x, Arithmetic.FLOAT).hessian)
    eig = np.abs(np.linalg.eigvalsh((h + h.T) / 2))
    assert eig.min() < 1e-12 * eig.max()  # a manifold of critical points: plain Krawczyk fails
    ev = critical_point_near(obj, x)
    assert ev.verdict is Verdict.HOLDS and "w = 0 slice" in ev.reason, ev.reason
    box = box_from_evidence(ev)
    assert box is not None
    w_idx, v_idx = zero_output_layout(obj)  # type: ignore[misc]
    assert all(box.centre[i] == 0 and box.radius[i] == 0 for i in w_idx)
    free = set(int(i) for i in v_idx[:, ev.witness["slice"]["free_column"]])
    assert all(box.radius[i] == 0 for i in range(obj.n_params) if i not in free)
    lo, hi = ball_bounds(np.asarray(evaluate_box(obj, box, order=1).gradient, dtype=object))
    assert np.all(lo <= 0) and np.all(hi >= 0)
    # Y2's premise w != 0 fails exactly there (vacuous), S1 is decided at the w = 0 saddle
    y2 = certify_point(theorem("Y2"), obj, x)
    assert y2.verdict is Verdict.HOLDS and y2.vacuous
    assert dict(y2.premises)["w_nonzero"].verdict is Verdict.VIOLATED
    assert certify_point(theorem("S1"), obj, x).verdict is Verdict.HOLDS  # a strict saddle


def test_declines_away_from_w_zero() -> None:
    obj, th = _objective("tanh", deep=False, seed=1)
    assert zero_output_critical_point(obj, th.astype(np.float64)) is None


def test_isolated_w_zero_saddle_gets_w_zero_exactly_and_k2_is_decided() -> None:
    # K2's y_hat = w (x + V tanh(x)), d_x = d_y = 1: at w = 0 the family is the single point
    # V* = -E[y x] / E[y tanh x], an isolated saddle the plain Krawczyk box would contain
    # with w in a ball around 0 (rank W undecidable); the w = 0 certificate fixes w = 0
    model = Model(1, (ResidualBlock(activation("tanh")),))
    inst = instance(model, [[Fraction(1)], [Fraction(2)], [Fraction(-1)]],
                    [Fraction(1), Fraction(1), Fraction(0)])
    obj = Objective(inst.model, inst.loss, inst.data)
    xs = np.array([1.0, 2.0, -1.0])
    ys = np.array([1.0, 1.0, 0.0])
    v_star = -float(np.sum(ys * xs) / np.sum(ys * np.tanh(xs)))
    h = np.asarray(obj.evaluate(np.array([v_star, 0.0]), Arithmetic.FLOAT).hessian)
    assert abs(np.linalg.det(h)) > 1e-3  # nondegenerate: the plain test could isolate it
    ev = critical_point_near(obj, np.array([v_star, 1e-12]))
    assert ev.verdict is Verdict.HOLDS and "w = 0 slice" in ev.reason, ev.reason
    box = box_from_evidence(ev)
    assert box is not None and box.centre[1] == 0 and box.radius[1] == 0
    rep = certify_point(theorem("K2"), obj, np.array([v_star, 1e-12]))
    rank = dict(rep.premises)["rank_condition"]
    assert rank.verdict is Verdict.VIOLATED, rank.reason  # rank W = 0 < d_x at a saddle
    assert rep.verdict is Verdict.HOLDS and rep.vacuous
