"""classify(): planted non-critical point, planted saddle, certified spurious minimum."""

from __future__ import annotations

import json

import numpy as np
import pytest

from verify import Verdict
from verify.classification import classify
from verify.errors import InvalidInput
from verify.population.models import two_layer_relu
from verify.population.objective import PopulationRisk, teacher_identity

# A strict saddle of the d = 3, n = 3 Safran-Shamir objective (teacher I_3), found by
# Newton on the gradient from a random start; given to 8 digits (not critical as given).
A, B = 0.65945309, -0.31818007
SADDLE = np.array([[A, B, A], [B, A, A], [A, A, B]]).reshape(-1)

# A spurious local minimum for k = 6 found by the toolkit's batch GD (two_layer_batch, step
# 0.1, Xavier init from numpy default_rng(0), 200 runs of which 3 were bad), to 9 digits.
P, Q, S, T, U = -0.0504134032, 0.986703819, 0.224515808, 0.308010991, -0.601511924
SPURIOUS6 = np.array(
    [
        [P, Q, P, S, P, P],
        [Q, P, P, S, P, P],
        [P, P, P, S, P, Q],
        [P, P, P, S, Q, P],
        [P, P, Q, S, P, P],
        [T, T, T, U, T, T],
    ]
).reshape(-1)


def _ss(k: int, n: int | None = None) -> PopulationRisk:
    tm, tp = teacher_identity(k)
    return PopulationRisk(two_layer_relu(k, n or k), tm, tp)


def test_planted_non_critical_point() -> None:
    obj = _ss(3)
    c = classify(obj, np.arange(1, 10) / 10)
    assert c.kind == "not_critical" and c.critical is Verdict.VIOLATED
    assert c.method.value == "certified" and c.value is not None and c.value[0] > 0
    assert "smoothness margin" in c.smoothness


def test_planted_saddle() -> None:
    c = classify(_ss(3), SADDLE)
    assert c.kind == "strict_saddle", c.reason
    assert c.critical is Verdict.HOLDS and c.method.value == "certified"
    assert c.direction is not None and len(c.direction) == 9
    assert c.evidence["negative_curvature"]["witness"]["rayleigh_upper"] < 0
    assert c.certified_point is not None and c.certified_point["distance_from_input"] < 1e-7
    assert c.point == pytest.approx(list(SADDLE))
    assert "(anti)parallel" in c.smoothness


def test_certified_spurious_minimum_k6() -> None:
    c = classify(_ss(6), SPURIOUS6)
    assert c.kind == "strict_local_minimum", c.reason
    assert c.spurious is True and c.value is not None and c.value[0] > 1e-3
    assert c.value[1] - c.value[0] < 1e-9
    doc = json.loads(json.dumps(c.to_dict()))
    assert doc["kind"] == "strict_local_minimum" and doc["critical"] == "holds"
    assert set(doc) >= {"critical", "kind", "method", "value", "point"}


@pytest.mark.parametrize("w", [np.eye(3).reshape(-1), np.full(9, 0.3)])
def test_non_smooth_points_are_undecided(w: np.ndarray) -> None:
    """W = I (student units parallel to teacher units) and equal columns lie on the
    kernel's non-smooth set: no certificate is issued there."""
    c = classify(_ss(3), w)
    assert c.kind == "undecided" and c.spurious is None


def test_bad_input() -> None:
    with pytest.raises(InvalidInput, match="parameters"):
        classify(_ss(3), np.ones(4))


def test_works_for_empirical_objectives() -> None:
    """The same API on an empirical verify.Objective (least squares: a strict minimum)."""
    import verify as V

    obj = V.Objective(
        V.linear_predictor(2), V.loss("squared"), V.Dataset([[1, 0], [0, 1], [1, 1]], [1, 2, 4])
    )
    t_star = np.linalg.lstsq(np.array([[1, 0], [0, 1], [1, 1]]), np.array([1, 2, 4]), rcond=None)[0]
    c = classify(obj, t_star + 1e-9)
    assert c.kind == "strict_local_minimum", c.reason
    assert c.spurious is None and c.value is not None
    # a least-squares minimum IS the linear baseline: its bracket cannot be separated
    assert c.baseline is not None and c.baseline["risk_vs_r_lin"] == "undecided"
    lo, hi = c.baseline["bracket"]
    assert lo <= c.value[1] and c.value[0] <= hi
    far = classify(obj, [5.0, -5.0])
    assert far.baseline is not None and far.baseline["risk_vs_r_lin"] == "above"
    assert far.kind == "not_critical"


def test_du_spurious_point_goes_to_the_profile_argument() -> None:
    """At Du et al.'s spurious point (−v*, a_s) the filter is antiparallel to the teacher
    (non-smooth set) and the Hessian is singular: no Hessian certificate; classify uses the
    profile-loss argument and says the minimum is not strict (flat radially)."""
    from verify.population.conv import du_spurious_point
    from verify.population.models import conv_relu

    astar = np.array([1.0, -1.0, 1.0, 0.5])
    model = conv_relu(4, 2, normalise=True)
    obj = PopulationRisk(model, model, np.concatenate([[1.0, 0.0], astar]))
    a_s = du_spurious_point(astar)
    c = classify(obj, np.concatenate([[-3.0, 0.0], a_s]))
    assert c.kind == "local_minimum" and c.spurious is True, c.reason
    assert c.critical is Verdict.HOLDS and c.method.value == "certified"
    assert "profile-loss" in c.reason and "not strict" in c.reason
    assert c.certified_point is not None and c.certified_point["centre"][0] == pytest.approx(-3)
    assert "Hessian" in c.smoothness and c.value is not None and c.value[0] > 0
    # off the ray (angle 1e-3 away): not this point; the generic tests cannot decide there
    off = classify(obj, np.concatenate([[-1.0, 1e-3], a_s]))
    assert off.kind == "undecided" and off.spurious is None
    # a teacher without the spurious minimum ((1ᵀa*)² large): certified not a local minimum
    ones = np.ones(4)
    obj1 = PopulationRisk(model, model, np.concatenate([[1.0, 0.0], ones]))
    c1 = classify(obj1, np.concatenate([[-1.0, 0.0], du_spurious_point(ones)]))
    assert c1.kind == "undecided" and c1.spurious is False and "not a local minimum" in c1.reason
