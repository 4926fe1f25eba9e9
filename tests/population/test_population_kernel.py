"""Gaussian ReLU kernel: SymPy derivation, finite differences, Monte Carlo, ball enclosures."""

from __future__ import annotations

import flint
import numpy as np
import pytest
import sympy as sp

from verify.errors import InvalidInput
from verify.numbers.arithmetic import ball_bounds
from verify.population.kernel import (
    kernel,
    kernel_gram,
    linear_moment,
    pair_terms,
    relu_linear_moment,
    relu_mean,
)

RNG_SEED = 20261127


def _pair(d: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(d), rng.standard_normal(d)


def test_sympy_derivation_matches_closed_forms() -> None:
    """Differentiate k symbolically (d = 3) and compare at random points with the formulas."""
    d = 3
    us = sp.symbols("u0:3", real=True)
    vs = sp.symbols("v0:3", real=True)
    nu = sp.sqrt(sum(x * x for x in us))
    nv = sp.sqrt(sum(x * x for x in vs))
    th = sp.acos(sum(a * b for a, b in zip(us, vs, strict=True)) / (nu * nv))
    k = nu * nv * (sp.sin(th) + (sp.pi - th) * sp.cos(th)) / (2 * sp.pi)
    grad = [sp.diff(k, x) for x in us]
    huu = [[sp.diff(g, y) for y in us] for g in grad]
    huv = [[sp.diff(g, y) for y in vs] for g in grad]
    fk = sp.lambdify([*us, *vs], k, "math")
    fg = sp.lambdify([*us, *vs], grad, "math")
    fuu = sp.lambdify([*us, *vs], huu, "math")
    fuv = sp.lambdify([*us, *vs], huv, "math")
    rng = np.random.default_rng(RNG_SEED)
    for _ in range(5):
        u, v = rng.standard_normal(d), rng.standard_normal(d)
        args = [*u, *v]
        p = pair_terms(u, v)
        assert p.value == pytest.approx(fk(*args), rel=1e-12)
        np.testing.assert_allclose(p.grad_u, fg(*args), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(p.hess_uu, fuu(*args), rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(p.hess_uv, fuv(*args), rtol=1e-9, atol=1e-11)
        # symmetry k(u, v) = k(v, u): grad_v and hess_vv are the swapped blocks
        q = pair_terms(v, u)
        np.testing.assert_allclose(p.grad_v, q.grad_u, rtol=1e-12)
        np.testing.assert_allclose(p.hess_vv, q.hess_uu, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(p.hess_uv, q.hess_uv.T, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_finite_differences(seed: int) -> None:
    u, v = _pair(5, seed)
    p = pair_terms(u, v)
    h = 1e-6
    for i in range(5):
        e = np.zeros(5)
        e[i] = h
        fd = (kernel(u + e, v) - kernel(u - e, v)) / (2 * h)
        assert fd == pytest.approx(p.grad_u[i], abs=1e-8)
        fd_uu = (pair_terms(u + e, v).grad_u - pair_terms(u - e, v).grad_u) / (2 * h)
        np.testing.assert_allclose(fd_uu, p.hess_uu[:, i], atol=1e-7)
        fd_uv = (pair_terms(u, v + e).grad_u - pair_terms(u, v - e).grad_u) / (2 * h)
        np.testing.assert_allclose(fd_uv, p.hess_uv[:, i], atol=1e-7)


def test_monte_carlo() -> None:
    """N = 400000 Gaussian samples; every comparison within 5 standard errors."""
    n = 400_000
    rng = np.random.default_rng(RNG_SEED)
    x = rng.standard_normal((n, 4))
    u, v = _pair(4, 7)
    su, sv = np.maximum(x @ u, 0), np.maximum(x @ v, 0)

    def close(samples: np.ndarray, value: float) -> None:
        se = samples.std() / np.sqrt(n)
        assert abs(samples.mean() - value) <= 5 * se + 1e-12

    close(su * sv, kernel(u, v))
    grad = pair_terms(u, v).grad_u  # ∇_u k = E[1{uᵀx>0} σ(vᵀx) x]
    for i in range(4):
        close((x @ u > 0) * sv * x[:, i], grad[i])
        close(su * x[:, i], relu_linear_moment(u)[i])
    close(su, relu_mean(u))
    close((x @ u) * (x @ v), linear_moment(u, v))


def test_ball_enclosures_contain_float_values() -> None:
    u, v = _pair(4, 11)
    f = pair_terms(u, v)
    b = pair_terms(u, v, "ball")
    for fv, bv in [(f.value, b.value), *zip(f.grad_u, b.grad_u, strict=True)]:
        assert bv.contains(flint.arb(fv)) or abs(bv - fv) < 1e-13
    lo, hi = ball_bounds(b.hess_uv)
    assert np.all(lo - 1e-13 <= f.hess_uv) and np.all(f.hess_uv <= hi + 1e-13)
    assert b.margin > 0 and b.margin <= f.margin + 1e-12
    # a box around (u, v): enclosure contains the float value at an inner point
    eps = 1e-6
    ub = np.array([flint.arb(x, eps) for x in u], dtype=object)
    vb = np.array([flint.arb(x, eps) for x in v], dtype=object)
    bb = pair_terms(ub, vb, "ball")
    inner = pair_terms(u + eps / 2, v - eps / 3)
    lo, hi = ball_bounds(bb.hess_uu)
    assert np.all(lo <= inner.hess_uu) and np.all(inner.hess_uu <= hi)


def test_special_values_and_margins() -> None:
    u = np.array([1.0, 2.0, -1.0])
    assert kernel(u, u) == pytest.approx(u @ u / 2)
    assert kernel(u, -u) == pytest.approx(0.0, abs=1e-15)
    assert kernel(u, np.array([2.0, -1.0, 0.0])) == pytest.approx(
        np.linalg.norm(u) * np.sqrt(5) / (2 * np.pi)
    )  # orthogonal: independent halves, E σ E σ
    assert pair_terms(u, 2 * u).margin == 0.0
    assert pair_terms(u, np.zeros(3)).margin == 0.0
    # a ball straddling the parallel set has no positive margin
    ub = np.array([flint.arb(x, 1e-3) for x in u], dtype=object)
    assert pair_terms(ub, u, "ball").margin == 0.0
    g = kernel_gram(np.stack([u, 2 * u], axis=1), np.eye(3))
    assert g[1, 0] == pytest.approx(kernel(2 * u, np.eye(3)[:, 0]))


def test_exact_refused_and_shapes() -> None:
    with pytest.raises(InvalidInput, match="exact"):
        pair_terms([1, 0], [0, 1], "exact")
    with pytest.raises(InvalidInput, match="shape"):
        pair_terms([1, 0], [0, 1, 2])
