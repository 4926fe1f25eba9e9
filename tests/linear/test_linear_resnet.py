"""Hardt–Ma linear ResNets: exact risk/gradient/Hessian, norm certificate, global minima."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from verify.errors import InvalidInput
from verify.linear.objective import (
    certify_norm_bound,
    check_critical_point,
    global_minimum_value,
    gradient,
    hessian,
    instance_inside_ball,
    is_global_minimum,
    negative_control_matrix,
    negative_control_scalar,
    risk,
)
from verify.linear.search import search, search_critical_points, snap_to_global
from verify.verdict import Method, Verdict

Q = Fraction
TAU = Q(9, 10)


def _rational_point(seed: int, d: int, ell: int, n: int):
    rng = np.random.default_rng(seed)
    r = lambda *s: np.vectorize(lambda v: Q(int(v), 7), otypes=[object])(  # noqa: E731
        rng.integers(-3, 4, size=s))
    return [r(d, d) for _ in range(ell)], r(n, d).tolist(), r(n, d).tolist()


def test_exact_derivatives_match_sympy():
    As, X, Y = _rational_point(1, 2, 2, 3)
    d, ell = 2, 2
    syms = sp.symbols(f"a0:{ell * d * d}")
    mats = [sp.Matrix(d, d, syms[k * d * d:(k + 1) * d * d]) for k in range(ell)]
    P = sp.eye(d)
    for m in mats:
        P = (sp.eye(d) + m) * P
    Xs, Ys = sp.Matrix(X).T, sp.Matrix(Y).T
    R = Ys - P * Xs
    f = sum(v**2 for v in R) / len(X)
    point = {s: sp.Rational(v.numerator, v.denominator)
             for s, v in zip(syms, np.concatenate([a.ravel() for a in As]), strict=True)}
    f_s = f.subs(point)
    g_s = [sp.diff(f, s).subs(point) for s in syms]
    H_s = sp.hessian(f, syms).subs(point)
    assert str(risk(As, X, Y, "exact")) == str(f_s)
    assert [str(v) for v in gradient(As, X, Y, "exact")] == [str(v) for v in g_s]
    H = hessian(As, X, Y, "exact")
    assert all(str(H[i, j]) == str(H_s[i, j]) for i in range(8) for j in range(8))


def test_float_derivatives_match_finite_differences_depth3():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    As = [rng.normal(size=(3, 3)) * 0.3 for _ in range(3)]
    v = np.concatenate([a.ravel() for a in As])
    un = lambda u: [u[k * 9:(k + 1) * 9].reshape(3, 3) for k in range(3)]  # noqa: E731
    eps = 1e-6
    g = gradient(As, X, Y, "float")
    H = hessian(As, X, Y, "float")
    gfd = [(risk(un(v + eps * e), X, Y, "float") - risk(un(v - eps * e), X, Y, "float"))
           / (2 * eps) for e in np.eye(27)]
    hfd = [(gradient(un(v + eps * e), X, Y, "float") - gradient(un(v - eps * e), X, Y, "float"))
           / (2 * eps) for e in np.eye(27)]
    assert np.max(np.abs(g - np.array(gfd))) < 1e-6
    assert np.max(np.abs(H - np.array(hfd))) < 1e-6


def test_norm_bound_is_exact_at_the_boundary():
    A = np.array([[Q(3, 5), Q(0)], [Q(0), Q(-4, 5)]], dtype=object)  # ||A||_2 = 4/5 exactly
    assert certify_norm_bound([A], Q(4, 5)).verdict is Verdict.HOLDS
    below = certify_norm_bound([A], Q(4, 5) - Q(1, 10**12))
    assert below.verdict is Verdict.VIOLATED and below.method is Method.EXACT
    # a non-normal matrix: ||[[0, 1], [0, 0]] * c||_2 = c
    N = np.array([[Q(0), Q(7, 10)], [Q(0), Q(0)]], dtype=object)
    assert certify_norm_bound([N], Q(7, 10)).verdict is Verdict.HOLDS
    assert certify_norm_bound([N], Q(69, 100)).verdict is Verdict.VIOLATED


def test_norm_bound_bad_input():
    with pytest.raises(InvalidInput, match="tau"):
        certify_norm_bound([np.eye(2)], -1)
    with pytest.raises(InvalidInput, match="square"):
        certify_norm_bound([np.zeros((2, 3))], Q(1, 2))


def test_inside_ball_critical_point_is_global_exactly():
    As, X, Y = instance_inside_ball()
    c = check_critical_point(As, X, Y, TAU)
    assert c.critical.verdict is Verdict.HOLDS and c.critical.method is Method.EXACT
    assert c.norm_bound.verdict is Verdict.HOLDS
    assert c.global_min.verdict is Verdict.HOLDS
    assert c.conclusion is Verdict.HOLDS and c.without_norm_bound is Verdict.HOLDS
    assert c.singular_factors == []


@pytest.mark.parametrize("ctor", [negative_control_scalar, negative_control_matrix])
def test_negative_control_is_certified_non_global_critical_point(ctor):
    As, X, Y = ctor()
    c = check_critical_point(As, X, Y, TAU)
    assert c.critical.verdict is Verdict.HOLDS
    assert c.global_min.verdict is Verdict.VIOLATED and c.global_min.method is Method.EXACT
    assert c.norm_bound.verdict is Verdict.VIOLATED  # outside the ball: the claim survives
    assert c.conclusion is Verdict.HOLDS
    assert c.without_norm_bound is Verdict.VIOLATED
    assert c.singular_factors  # some I + A_i is singular
    assert c.hessian_inertia["n_neg"] > 0  # a strict saddle, not a local minimum


def test_non_critical_point_is_not_global():
    As, X, Y = instance_inside_ball()
    moved = [As[0], As[1] + np.array([[Q(1, 100), Q(0)], [Q(0), Q(0)]], dtype=object)]
    assert is_global_minimum(moved, X, Y).verdict is Verdict.VIOLATED
    c = check_critical_point(moved, X, Y, TAU)
    assert c.critical.verdict is Verdict.VIOLATED


def test_global_minimum_value_with_singular_covariance():
    X = [[Q(1), Q(2)], [Q(2), Q(4)], [Q(-1), Q(-2)]]  # rank 1
    Y = [[Q(1), Q(0)], [Q(3), Q(1)], [Q(0), Q(1)]]
    f_ls, M = global_minimum_value(X, Y)
    A = [M - np.eye(2, dtype=int).astype(object)]  # Fraction entries
    assert risk(A, X, Y) == f_ls
    assert is_global_minimum(A, X, Y).verdict is Verdict.HOLDS


def test_search_finds_only_global_points_and_snap_is_exact():
    rng = np.random.default_rng(3)
    X = rng.integers(-3, 4, size=(8, 2)).tolist()
    Y = rng.integers(-3, 4, size=(8, 2)).tolist()
    pts = search_critical_points(X, Y, 2, starts=4, scale=0.3, seed=1)
    assert pts
    for p in pts:
        if p.max_spectral_norm < 1:
            assert abs(p.gap) < 1e-8
    inside = [p for p in pts if p.max_spectral_norm < 1]
    if inside:
        snapped = snap_to_global(inside[0].As, X, Y)
        assert is_global_minimum(snapped, X, Y).verdict is Verdict.HOLDS


def test_bad_shapes():
    with pytest.raises(InvalidInput, match="Y has shape"):
        risk([np.zeros((2, 2))], [[1, 2]], [[1]])
    with pytest.raises(InvalidInput, match="As\\[0\\]"):
        risk([np.zeros((3, 3))], [[1, 2]], [[1, 2]])
    with pytest.raises(InvalidInput, match="tau"):
        check_critical_point(*instance_inside_ball(), tau=1)


@pytest.mark.parametrize("ctor", [negative_control_scalar, negative_control_matrix])
def test_search_finds_exact_negative_control_and_no_violation(ctor):
    _, X, Y = ctor()
    summary = search(X, Y, 2, seed=0)
    d = summary.to_dict()
    assert d["inside_float_nonglobal (numeric)"] == 0
    assert d["inside_snapped_and_exactly_global"] == d["inside_ball"] > 0
    assert d["negative_controls_exact"]
    for c in d["negative_controls_exact"]:
        assert c["without_norm_bound"] == "violated" and c["conclusion"] == "holds"
        assert c["norm_bound"]["verdict"] == "violated"
        assert c["critical"]["method"] == "exact"
    assert d["claim_verdict_from_search"] == "inconclusive"


def test_search_rejects_bad_kind():
    _, X, Y = negative_control_scalar()
    with pytest.raises(InvalidInput, match="kind"):
        search_critical_points(X, Y, 2, kind="uniform")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_proof_step1_identity_exactly(seed):
    """f(A) - f_LS = tr((P - M*) Sxx (P - M*)^T) at random rational points (proof step 1)."""
    As, X, Y = _rational_point(seed, 2, 3, 4)
    f_ls, M = global_minimum_value(X, Y)
    P = np.eye(2, dtype=int).astype(object)
    for a in As:
        P = (np.eye(2, dtype=int).astype(object) + a) @ P
    x = np.array(X, dtype=object).T
    sxx = (x @ x.T) * Q(1, len(X))
    D = P - M
    gap = risk(As, X, Y) - f_ls  # fmpq
    tr = np.trace(D @ sxx @ D.T)  # Fraction
    assert (int(gap.p), int(gap.q)) == (tr.numerator, tr.denominator)
