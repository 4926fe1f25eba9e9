"""Tests for verify.certify: exact/certified inertia, Krawczyk, curvature, local minima."""

from __future__ import annotations

import json
from fractions import Fraction as F

import flint
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize

import verify as V
from verify.certify import (
    Box,
    Inertia,
    box_from_evidence,
    certified_inertia,
    certified_lambda_min_interval,
    certify_critical_point,
    certify_hessian_pd,
    certify_hessian_psd,
    certify_local_minimum,
    certify_negative_curvature,
    critical_point_near,
    exact_inertia,
    is_critical_at,
    matrix_inertia,
    negative_curvature_direction,
)
from verify.data import Dataset
from verify.errors import InvalidInput
from verify.objectives.empirical import Objective
from verify.verdict import Method, Verdict

H = Verdict.HOLDS
X_ = Verdict.VIOLATED
I_ = Verdict.INCONCLUSIVE


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _unimodular(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random integer matrix with determinant ±1 (permutation × unit triangulars)."""
    lower = np.tril(rng.integers(-2, 3, (n, n)), -1) + np.eye(n, dtype=np.int64)
    upper = np.triu(rng.integers(-2, 3, (n, n)), 1) + np.eye(n, dtype=np.int64)
    perm = np.eye(n, dtype=np.int64)[rng.permutation(n)]
    return perm @ lower @ upper


def _congruent(diag: list[int], seed: int) -> tuple[np.ndarray, Inertia]:
    """S^T D S with S unimodular: inertia is the sign count of D (Sylvester)."""
    rng = np.random.default_rng(seed)
    s = _unimodular(rng, len(diag))
    m = s.T @ np.diag(diag).astype(object) @ s
    want = Inertia(sum(d > 0 for d in diag), sum(d == 0 for d in diag), sum(d < 0 for d in diag))
    return m, want


def _counts(i: Inertia) -> tuple[int, int, int]:
    return i.n_pos, i.n_zero, i.n_neg


def _sympy_inertia(m: np.ndarray) -> tuple[int, int, int]:
    x = sp.Symbol("x")
    poly = sp.Matrix(m.tolist()).charpoly(x)
    roots = sp.real_roots(poly.as_expr(), x)
    return (
        sum(1 for r in roots if r > 0),
        sum(1 for r in roots if r == 0),
        sum(1 for r in roots if r < 0),
    )


def _objective(model: V.Model, x: list[list[F]] | np.ndarray, y: list[F] | np.ndarray) -> Objective:
    xs = x.tolist() if isinstance(x, np.ndarray) else x
    ys = y.tolist() if isinstance(y, np.ndarray) else y
    return Objective(model, V.loss("squared"), Dataset(xs, ys))


# data of a 1-D regression problem (dyadic, so ball enclosures of the data are exact)
X1 = [0.75, 0.25, 0.0, -0.5, -0.375, -1.0, -0.875, -1.0, -0.75, 0.625, 0.375, 0.875,
      0.0, 0.25, 1.0, 0.5, 0.25, 0.125, 0.125, 0.875, -0.5, 0.625, 0.375, -1.0]  # fmt: skip
Y1 = [-1.25, -0.5, -0.0625, 0.875, 0.75, 1.5, 1.5, 1.4375, 1.25, -0.9375, -0.625, -1.4375,
      -0.0625, -0.5, -1.5, -0.9375, -0.5, -0.25, -0.1875, -1.3125, 0.875, -1.0625, -0.6875,
      1.5625]  # fmt: skip


@pytest.fixture(scope="module")
def tanh_min() -> tuple[Objective, np.ndarray]:
    """A nondegenerate local minimum of a 1-D tanh ResNet (P = 3), found by optimization."""
    obj = _objective(V.resnet(1, [{"activation": "tanh", "proj": 1}]), [[v] for v in X1], Y1)
    start = np.array([-2.3250307746388343, -0.21879166393254573, -1.2459109472530652])
    res = minimize(
        obj.value_and_gradient, start, jac=True, method="trust-exact",
        hess=lambda t: obj.evaluate(t).hessian, options={"gtol": 1e-12},
    )  # fmt: skip
    return obj, res.x


@pytest.fixture(scope="module")
def tanh_saddle() -> tuple[Objective, np.ndarray]:
    """An isolated saddle (λ_min ≈ -2e-4) of the same model on slightly different labels."""
    y = [yv + 0.5 * xv * xv for yv, xv in zip(Y1, X1, strict=True)]
    obj = _objective(V.resnet(1, [{"activation": "tanh", "proj": 1}]), [[v] for v in X1], y)
    th = np.array([1.419878810786986, -1.785473979340013e-12, -1.6492263843673571])
    for _ in range(3):
        land = obj.evaluate(th)
        th = th - np.linalg.solve(land.hessian, land.gradient)
    return obj, th


@pytest.fixture(scope="module")
def linear() -> tuple[Objective, list[F]]:
    """Least squares with rational data and its exact minimiser (normal equations)."""
    x = [[F(1), F(2)], [F(3), F(-1)], [F(0), F(1)], [F(2), F(2)], [F(1, 3), F(-2)]]
    y = [F(1), F(0), F(2), F(-1), F(1, 2)]
    xs, ys = sp.Matrix(x), sp.Matrix(y)
    t = (xs.T * xs).inv() * xs.T * ys
    return _objective(V.linear_predictor(2), x, y), [F(int(v.p), int(v.q)) for v in t]


# ---------------------------------------------------------------------------
# exact inertia
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "diag",
    [[3], [-1], [0], [1, -2, 3], [0, 0, 5, -1], [2] * 6 + [-3] * 5 + [0] * 4,
     [1, -1] * 20, [0] * 10 + [1] * 30 + [-1] * 20],
)  # fmt: skip
@pytest.mark.parametrize("algorithm", ["charpoly", "ldl"])
def test_exact_inertia_of_congruent_diagonal(diag: list[int], algorithm: str) -> None:
    m, want = _congruent(diag, seed=len(diag))
    got = exact_inertia(m, algorithm=algorithm)  # type: ignore[arg-type]
    assert _counts(got) == _counts(want)
    assert got.method is Method.EXACT and got.determined


def test_exact_inertia_without_deflation_matches() -> None:
    m, want = _congruent([0, 0, 0, 2, -1, 7, -3], seed=3)
    assert _counts(exact_inertia(m, deflate=False)) == _counts(want)


def test_exact_inertia_matches_sympy_on_rank_deficient_rational() -> None:
    rng = np.random.default_rng(7)
    b = np.array([[F(int(rng.integers(-3, 4)), int(rng.integers(1, 4))) for _ in range(3)]
                  for _ in range(6)], dtype=object)  # fmt: skip
    d = np.diag([F(1, 2), F(-3), F(2, 7)]).astype(object)
    m = b @ d @ b.T  # rank 3, signs (2 pos, 1 neg), 3 zeros
    assert _counts(exact_inertia(m)) == _sympy_inertia(m) == (2, 3, 1)
    assert _counts(exact_inertia(m, algorithm="ldl")) == (2, 3, 1)


def test_exact_inertia_zero_diagonal_needs_block_pivot() -> None:
    m = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], dtype=object)
    for algorithm in ("charpoly", "ldl"):
        assert _counts(exact_inertia(m, algorithm=algorithm)) == (1, 1, 1)  # type: ignore[arg-type]


def test_exact_inertia_agrees_with_numpy_on_float_entries() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((39, 39))
    a = (a + a.T) / 2  # float entries are exact dyadic rationals
    ev = np.linalg.eigvalsh(a)
    assert np.min(np.abs(ev)) > 1e-6
    got = exact_inertia(a)
    assert _counts(got) == (int((ev > 0).sum()), 0, int((ev < 0).sum()))


def test_exact_inertia_rejects_bad_input() -> None:
    with pytest.raises(InvalidInput, match="not symmetric"):
        exact_inertia(np.array([[1, 2], [3, 4]], dtype=object))
    with pytest.raises(InvalidInput, match="square"):
        exact_inertia(np.zeros((2, 3)))
    with pytest.raises(InvalidInput, match="not an exact number"):
        exact_inertia(np.array([[flint.arb(1)]], dtype=object))
    with pytest.raises(InvalidInput, match="algorithm"):
        exact_inertia(np.eye(2), algorithm="qr")  # type: ignore[arg-type]
    assert _counts(exact_inertia(np.zeros((0, 0)))) == (0, 0, 0)


@given(
    st.lists(st.integers(-3, 3), min_size=1, max_size=12),
    st.integers(0, 2**32 - 1),
)
def test_property_sylvester_congruence(diag: list[int], seed: int) -> None:
    m, want = _congruent(diag, seed)
    assert _counts(exact_inertia(m)) == _counts(want)
    assert _counts(exact_inertia(m, algorithm="ldl")) == _counts(want)
    mi = matrix_inertia(m, exact_limit=0)  # forces the certified route on the nonsingular part
    assert _counts(mi) == _counts(want)
    ci = certified_inertia(m)  # may leave signs undecided, but never contradicts
    assert ci.n_pos <= want.n_pos <= ci.n_pos + ci.n_unknown
    assert ci.n_neg <= want.n_neg <= ci.n_neg + ci.n_unknown
    assert ci.n_zero == 0


# ---------------------------------------------------------------------------
# certified inertia and lambda_min
# ---------------------------------------------------------------------------


def test_certified_inertia_of_balls() -> None:
    base = [[2, 0.5, 0], [0.5, -1, 0.25], [0, 0.25, 3]]
    tight = np.array([[flint.arb(v, 1e-3) for v in row] for row in base], dtype=object)
    loose = np.array([[flint.arb(v, 1.0) for v in row] for row in base], dtype=object)
    got = certified_inertia(tight)
    assert (got.n_pos, got.n_neg, got.n_unknown, got.method) == (2, 1, 0, Method.CERTIFIED)
    assert not certified_inertia(loose).determined


def test_certified_lambda_min_interval_contains_exact_value() -> None:
    d = np.diag([F(5), F(-1, 3), F(2)]).astype(object)
    lo, hi = certified_lambda_min_interval(d)
    assert lo <= -1 / 3 <= hi and hi - lo < 1e-12
    rng = np.random.default_rng(4)
    q, _ = np.linalg.qr(rng.standard_normal((20, 20)))
    a = q @ np.diag(np.linspace(-2, 3, 20)) @ q.T
    a = (a + a.T) / 2
    lo, hi = certified_lambda_min_interval(a)
    assert lo <= float(np.linalg.eigvalsh(a)[0]) <= hi and hi - lo < 1e-10
    m, _ = _congruent([5, -3, 2], seed=1)
    lo, hi = certified_lambda_min_interval(m)
    assert lo <= float(np.linalg.eigvalsh(np.array(m, dtype=float))[0]) <= hi


def test_certified_inertia_of_singular_matrix_leaves_zero_undecided() -> None:
    got = certified_inertia(np.diag([1.0, 0.0, -2.0]))
    assert (got.n_pos, got.n_neg, got.n_unknown, got.n_zero) == (1, 1, 1, 0)
    lo, hi = certified_lambda_min_interval(np.diag([1.0, 0.0, 0.0]))
    assert lo <= 0 <= hi


def test_certified_rejects_disjoint_asymmetric_balls() -> None:
    m = np.array([[flint.arb(1), flint.arb(0)], [flint.arb(5), flint.arb(1)]], dtype=object)
    with pytest.raises(InvalidInput, match="symmetric"):
        certified_inertia(m)


@given(
    st.lists(st.floats(-4, 4).filter(lambda v: abs(v) > 0.05), min_size=1, max_size=10),
    st.integers(0, 2**32 - 1),
    st.floats(1e-12, 1e-2),
)
def test_property_certified_inertia_is_sound_for_points_in_the_ball(
    eigs: list[float], seed: int, rad: float
) -> None:
    rng = np.random.default_rng(seed)
    n = len(eigs)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = q @ np.diag(eigs) @ q.T
    a = (a + a.T) / 2
    balls = np.array([[flint.arb(float(v), rad) for v in row] for row in a], dtype=object)
    got = certified_inertia(balls)
    lo, hi = certified_lambda_min_interval(balls)
    for _ in range(3):  # symmetric point matrices inside the enclosure
        e = rng.uniform(-rad, rad, (n, n)) * 0.99
        p = a + (e + e.T) / 2
        ev = np.linalg.eigvalsh(p)
        pos, neg = int((ev > 0).sum()), int((ev < 0).sum())
        assert got.n_pos <= pos <= got.n_pos + got.n_unknown
        assert got.n_neg <= neg <= got.n_neg + got.n_unknown
        assert lo - 1e-9 <= ev[0] <= hi + 1e-9


# ---------------------------------------------------------------------------
# critical points: exact, Krawczyk, degenerate, kinks
# ---------------------------------------------------------------------------


def test_linear_predictor_exact_minimiser(linear: tuple[Objective, list[F]]) -> None:
    obj, t = linear
    at = is_critical_at(obj, t)
    assert (at.verdict, at.method) == (H, Method.EXACT)
    near = critical_point_near(obj, t)
    assert (near.verdict, near.method) == (H, Method.EXACT)
    assert near.witness["radius"] == 0.0
    lm = certify_local_minimum(obj, t)
    assert (lm.verdict, lm.method) == (H, Method.EXACT)
    json.dumps(lm.to_dict())


def test_linear_predictor_float_point_is_certified_by_krawczyk(
    linear: tuple[Objective, list[F]],
) -> None:
    obj, t = linear
    tf = [float(v) for v in t]
    at = is_critical_at(obj, tf)
    assert (at.verdict, at.method) == (X_, Method.EXACT)  # the float point itself is not critical
    near = certify_critical_point(obj, tf)
    assert (near.verdict, near.method) == (H, Method.CERTIFIED)
    assert near.margin is not None and near.margin > 0
    tight, wide = box_from_evidence(near), box_from_evidence(near, tight=False)
    assert tight is not None and wide is not None
    assert tight.contains(t) and wide.contains(t)  # the exact minimiser is in the box
    assert certify_critical_point(obj, tf, where="at").verdict is X_
    lm = certify_local_minimum(obj, tf)
    assert (lm.verdict, lm.method) == (H, Method.CERTIFIED)
    json.dumps(near.to_dict())


def test_krawczyk_certifies_tanh_resnet_minimum(tanh_min: tuple[Objective, np.ndarray]) -> None:
    obj, th = tanh_min
    near = critical_point_near(obj, th)
    assert (near.verdict, near.method) == (H, Method.CERTIFIED), near.reason
    assert near.witness["enclosure_radius"] < near.witness["radius"] < 1e-6
    assert is_critical_at(obj, th).verdict is not H  # enclosures cannot prove tanh-gradient = 0
    pd = certify_hessian_pd(obj, box_from_evidence(near))
    assert (pd.verdict, pd.method) == (H, Method.CERTIFIED)
    assert pd.margin is not None and pd.margin > 0
    lm = certify_local_minimum(obj, th)
    assert (lm.verdict, lm.method) == (H, Method.CERTIFIED), lm.reason
    json.dumps(lm.to_dict())


def test_krawczyk_certifies_saddle_and_negative_curvature(
    tanh_saddle: tuple[Objective, np.ndarray],
) -> None:
    obj, th = tanh_saddle
    near = critical_point_near(obj, th)
    assert (near.verdict, near.method) == (H, Method.CERTIFIED), near.reason
    box = box_from_evidence(near)
    neg = certify_negative_curvature(obj, box)
    assert (neg.verdict, neg.method) == (H, Method.CERTIFIED)
    assert neg.witness["rayleigh_upper"] < 0
    assert certify_hessian_psd(obj, box).verdict is X_
    lm = certify_local_minimum(obj, th)
    assert (lm.verdict, lm.method) == (X_, Method.CERTIFIED)


def test_symmetric_point_with_flat_direction_is_never_certified(
    tanh_min: tuple[Objective, np.ndarray],
) -> None:
    # two identical hidden units sharing the output weight: (V1, V2) -> (V1 + s, V2 - s)
    # leaves the function unchanged, so the critical points form a line.
    _, th = tanh_min
    u, v, w = th
    obj = _objective(V.resnet(1, [{"activation": "tanh", "proj": 2}]), [[x] for x in X1], Y1)
    sym = np.array([u, u, v / 2, v / 2, w])
    near = critical_point_near(obj, sym)
    assert (near.verdict, near.method) == (I_, Method.NUMERIC)
    assert "singular" in near.reason
    forced = critical_point_near(obj, sym, max_condition=1e300)
    assert forced.verdict is I_
    assert certify_local_minimum(obj, sym).verdict is I_


def test_collinear_linear_predictor_degenerate(linear: tuple[Objective, list[F]]) -> None:
    x = [[F(1), F(2)], [F(3), F(6)], [F(-1), F(-2)], [F(2), F(4)]]
    y = [F(1), F(0), F(2), F(-1)]
    obj = _objective(V.linear_predictor(2), x, y)
    # minimisers: t1 + 2 t2 = s* with s* = sum(x1 y) / sum(x1^2)
    s = sum(a[0] * b for a, b in zip(x, y, strict=True)) / sum(a[0] ** 2 for a in x)
    t_exact = [s, F(0)]
    assert critical_point_near(obj, t_exact).verdict is H
    psd = certify_hessian_psd(obj, t_exact)
    assert (psd.verdict, psd.method) == (H, Method.EXACT)
    assert psd.witness["inertia"]["n_zero"] == 1 and psd.witness["inertia"]["n_neg"] == 0
    pd = certify_hessian_pd(obj, t_exact)
    assert (pd.verdict, pd.method) == (X_, Method.EXACT)
    lm = certify_local_minimum(obj, t_exact)
    assert lm.verdict is I_ and "zero" in lm.reason
    t_float = [float(s) / 3 + 1e-9, float(s) / 3]
    assert critical_point_near(obj, t_float).verdict is I_
    assert critical_point_near(obj, t_float, max_condition=1e300).verdict is I_


def test_non_critical_points_are_violated(tanh_min: tuple[Objective, np.ndarray]) -> None:
    obj, th = tanh_min
    ev = is_critical_at(obj, th + 0.1)
    assert (ev.verdict, ev.method) == (X_, Method.CERTIFIED)
    assert ev.margin is not None and ev.margin < 0
    near = critical_point_near(obj, th + 0.1, refine_steps=0)
    assert near.verdict is not X_  # "near" is never VIOLATED
    xy = [(x, y) for x, y in zip(X1, Y1, strict=True) if x != 0]  # x = 0 is on the kink
    relu = _objective(
        V.resnet(1, [{"activation": "relu", "proj": 1}]), [[x] for x, _ in xy], [y for _, y in xy]
    )
    ex = is_critical_at(relu, [F(1, 3), F(1, 2), F(-1)])
    assert (ex.verdict, ex.method) == (X_, Method.EXACT)


# ---------------------------------------------------------------------------
# Shamir single block at w = 0, V = 0 (CLAIMS.md S1/D2): strict saddle
# ---------------------------------------------------------------------------


def _shamir(act: str, on_kink: bool = False) -> tuple[Objective, np.ndarray]:
    if act == "relu":
        # E[y x] = 0 but m = E[-2 y relu(U x)] != 0 (ReLU is not odd)
        x = [[F(1), F(0)], [F(0), F(1)], [F(-1), F(0)], [F(0), F(-1)], [F(1), F(1)]]
        y = [F(1), F(1), F(1), F(1), F(0)]
    else:
        # E[y x] = 0 but E[y tanh(u x)] = 2 tanh(u) - tanh(2u) != 0
        x = [[F(1), F(0)], [F(2), F(0)], [F(0), F(1)], [F(0), F(2)]]
        y = [F(2), F(-1), F(2), F(-1)]
    model = V.resnet(2, [{"activation": act, "proj": 2}])
    params = {p.name: np.zeros(p.shape, dtype=object) for p in model.layout}
    u00 = F(0) if on_kink else F(1, 2)  # U[0] . (1, 0) = 0 puts sample 0 on a kink
    params["blocks[0].U"] = np.array([[u00, F(1, 4)], [F(-1, 4), F(3, 4)]], dtype=object)
    return _objective(model, x, y), model.pack(params, dtype=object)


def test_shamir_relu_saddle_is_exact() -> None:
    obj, th = _shamir("relu")
    near = critical_point_near(obj, th)
    assert (near.verdict, near.method) == (H, Method.EXACT)
    v = negative_curvature_direction(obj, th)
    neg = certify_negative_curvature(obj, th, v)
    assert (neg.verdict, neg.method) == (H, Method.EXACT)
    assert neg.margin is not None and neg.margin > 0
    assert certify_negative_curvature(obj, th).verdict is H  # direction chosen automatically
    assert certify_hessian_psd(obj, th).verdict is X_
    lm = certify_local_minimum(obj, th)
    assert (lm.verdict, lm.method) == (X_, Method.EXACT)


def test_shamir_tanh_saddle_is_certified() -> None:
    obj, th = _shamir("tanh")
    at = is_critical_at(obj, th)  # every gradient entry is an exact zero ball
    assert (at.verdict, at.method) == (H, Method.CERTIFIED)
    neg = certify_negative_curvature(obj, th)
    assert (neg.verdict, neg.method) == (H, Method.CERTIFIED)
    box = Box(th, 1e-6)  # the enclosure over a small box proves it for all points in it
    assert certify_negative_curvature(obj, box).verdict is H
    assert certify_local_minimum(obj, th).verdict is X_


def test_positive_curvature_direction_is_inconclusive_not_violated() -> None:
    obj, th = _shamir("relu")
    v = np.zeros(obj.n_params, dtype=object)
    v[-2] = F(1)  # a w-direction: v^T H v = 2 E[x_1^2] > 0
    ev = certify_negative_curvature(obj, th, v)
    assert (ev.verdict, ev.method) == (I_, Method.EXACT)


# ---------------------------------------------------------------------------
# kinks: never HOLDS
# ---------------------------------------------------------------------------


def test_sample_on_relu_kink_never_holds() -> None:
    obj, th = _shamir("relu", on_kink=True)
    for fn in (is_critical_at, critical_point_near, certify_negative_curvature,
               certify_hessian_psd, certify_hessian_pd, certify_local_minimum):  # fmt: skip
        ev = fn(obj, th)
        assert ev.verdict is I_, (fn.__name__, ev)
    assert "kink" in is_critical_at(obj, th).reason
    assert "kink" in certify_negative_curvature(obj, th).reason


def test_box_straddling_a_kink_is_inconclusive() -> None:
    obj, th = _shamir("relu", on_kink=True)
    box = Box(th, 1e-3)
    for fn in (certify_negative_curvature, certify_hessian_psd):
        ev = fn(obj, box)
        assert ev.verdict is I_ and "kink" in ev.reason


def test_dead_relu_units_give_exact_psd_with_zero_eigenvalues() -> None:
    # biases -1 kill both units on all samples; at w = 0, V = 0 the point is critical,
    # the Hessian is PSD with zero eigenvalues: "no negative eigenvalue" is EXACT.
    x = [[F(1), F(0)], [F(0), F(1)], [F(-1), F(0)], [F(0), F(-1)], [F(1, 2), F(1, 2)]]
    y = [F(1), F(1), F(1), F(1), F(0)]
    model = V.resnet(2, [{"activation": "relu", "proj": 2, "bias": True}])
    p = {q.name: np.zeros(q.shape, dtype=object) for q in model.layout}
    p["blocks[0].U"] = np.array([[F(1, 2), F(1, 4)], [F(-1, 4), F(1, 2)]], dtype=object)
    p["blocks[0].b"] = np.array([F(-1), F(-1)], dtype=object)
    obj = _objective(model, x, y)
    th = model.pack(p, dtype=object)
    assert is_critical_at(obj, th).verdict is H
    psd = certify_hessian_psd(obj, th)
    assert (psd.verdict, psd.method) == (H, Method.EXACT)
    inertia = psd.witness["inertia"]
    assert (inertia["n_pos"], inertia["n_neg"], inertia["n_zero"]) == (2, 0, model.n_params - 2)
    assert certify_local_minimum(obj, th).verdict is I_


# ---------------------------------------------------------------------------
# Box and argument validation
# ---------------------------------------------------------------------------


def test_box_round_trip_and_contains() -> None:
    b = Box([F(1, 3), 0.5, 2], [1e-3, 0.0, 0.25])
    d = json.loads(json.dumps(b.to_dict()))
    assert d["centre"] == ["1/3", 0.5, 2.0]
    b2 = Box.from_dict(d)
    assert all(x == y for x, y in zip(b.centre, b2.centre, strict=True))
    assert b2.contains([F(1, 3) + F(1, 1000), F(1, 2), F(9, 4)])
    assert not b2.contains([F(1, 3), F(1, 2) + F(1, 10**9), 2])
    balls = b.balls()
    assert balls[0].contains(flint.arb(flint.fmpq(1, 3)) + flint.arb("0.000999"))
    assert balls[2].contains(flint.arb(2.25)) and balls[1] == flint.arb(0.5)
    assert not b.is_point and Box([1, 2]).is_point
    with pytest.raises(AttributeError):
        b.radius = np.zeros(3)  # type: ignore[misc]


def test_argument_errors_name_the_argument(tanh_min: tuple[Objective, np.ndarray]) -> None:
    obj, th = tanh_min
    with pytest.raises(InvalidInput, match="radius"):
        Box([0.0], -1.0)
    with pytest.raises(InvalidInput, match="theta"):
        is_critical_at(obj, [0.0, "x", 1.0])
    with pytest.raises(InvalidInput, match="parameters"):
        is_critical_at(obj, [0.0, 1.0])
    with pytest.raises(InvalidInput, match="v=0"):
        certify_negative_curvature(obj, th, [0, 0, 0])
    with pytest.raises(InvalidInput, match="point=None"):
        certify_negative_curvature(obj, None)
    with pytest.raises(InvalidInput, match="where"):
        certify_critical_point(obj, th, where="somewhere")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="radii"):
        critical_point_near(obj, th, radii=[-1.0])
    with pytest.raises(InvalidInput, match="box"):
        is_critical_at(obj, Box(th, 1e-3))


@given(
    st.lists(st.tuples(st.integers(-4, 4), st.integers(-4, 4), st.integers(-4, 4)),
             min_size=3, max_size=6),
)  # fmt: skip
def test_property_linear_least_squares_minimiser_in_krawczyk_box(
    rows: list[tuple[int, int, int]],
) -> None:
    x = [[F(a, 2), F(b, 3)] for a, b, _ in rows]
    y = [F(c, 5) for _, _, c in rows]
    xs = sp.Matrix(x)
    gram = xs.T * xs
    obj = _objective(V.linear_predictor(2), x, y)
    if gram.det() == 0:
        t = [0.25, -0.5]
        assert critical_point_near(obj, t).verdict is not X_
        return
    t = [F(int(v.p), int(v.q)) for v in gram.inv() * xs.T * sp.Matrix(y)]
    near = critical_point_near(obj, [float(v) for v in t])
    if near.verdict is H:
        box = box_from_evidence(near)
        assert box is not None and box.contains(t)
    else:  # only ill-conditioned normal equations may fail, never with VIOLATED
        assert near.verdict is I_
        assert np.linalg.cond(np.array(gram, dtype=float)) > 1e6


def test_local_minimum_accepts_the_certified_box(tanh_min: tuple[Objective, np.ndarray]) -> None:
    obj, th = tanh_min
    box = box_from_evidence(critical_point_near(obj, th))
    assert box is not None and not box.is_point
    lm = certify_local_minimum(obj, box)
    assert (lm.verdict, lm.method) == (H, Method.CERTIFIED)
    assert critical_point_near(obj, box).verdict is H
