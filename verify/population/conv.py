r"""Closed forms for the non-overlapping conv models: batch GD path and Du et al.'s spurious point.

Patches ``Z_j ∈ R^p`` i.i.d. ``N(0, I)``, ``f = Σ_j a_j σ(uᵀZ_j) [+ (1/k) Σ_j uᵀZ_j]`` with
``u = w/‖w‖`` (normalisation) or ``u = w``; teacher ``(v, a*)`` of the same form.
With ``g(φ) = (π − φ)cos φ + sin φ`` and
``M(φ) = ((g(φ) − 1)/(2π)) I + 11ᵀ/(2π)`` (CLAIMS.md §L1 [D], Du et al. 2018)

``2F = ‖u‖² aᵀM(0)a − 2‖u‖‖v‖ aᵀM(φ)a* + ‖v‖² a*ᵀM(0)a* [+ SC]``,
``SC = ((1ᵀa)‖u‖² + ‖u‖² − (1ᵀa + 1ᵀa* + 2) uᵀv + (1ᵀa*)‖v‖² + ‖v‖²)/k``
(the average-pooling shortcut, Liu et al. 2019 **reconstruction [R]**, CLAIMS §L2).

:func:`conv_batch` evaluates ``F`` and its gradient for many runs at once (float64,
NUMERIC; checked against :class:`~verify.population.objective.PopulationRisk` in the
tests). Convention at ``w = 0`` (where ``w/‖w‖`` is undefined and ``F`` is not
differentiable: its ReLU terms are positively homogeneous of degree 1 in ``u``):
the filter is ``u = w = 0`` and the step uses the gradient of the terms that are
differentiable at 0 (the shortcut's linear terms ``−(1ᵀa + 1ᵀa* + 2) uᵀv/(2k)``);
the homogeneous terms contribute 0. Without the shortcut GD therefore never
leaves ``w = 0``.

:func:`certify_du_spurious` certifies Du et al.'s spurious local minimum
``(v, a) = (−v*, a_s)``, ``a_s = M(0)⁻¹M(π)a*``, by the **profile-loss argument**
of CLAIMS §L1 in Arb balls, not by a Hessian test: there the Hessian is singular
(normalisation makes the radial direction flat and the loss changes only at third
order in the angle) and ``−v*`` lies on the kernel's non-smooth set (antiparallel
to the teacher), so no Hessian certificate applies.
"""

from __future__ import annotations

import math
from typing import Any

import flint
import numpy as np

from verify.errors import InvalidInput
from verify.verdict import Evidence, Method, Verdict


def g_angle(phi: Any) -> Any:
    """``g(φ) = (π − φ)cos φ + sin φ`` (float or numpy array)."""
    return (np.pi - phi) * np.cos(phi) + np.sin(phi)


def conv_batch(
    w: np.ndarray,
    a: np.ndarray,
    v: np.ndarray,
    astar: np.ndarray,
    *,
    normalise: bool,
    shortcut: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Risk ``(R,)``, ``∇_w F`` ``(R, p)``, ``∇_a F`` ``(R, k)`` and the angle ``φ`` ``(R,)``
    for ``R`` runs (``w`` is ``(R, p)``, ``a`` is ``(R, k)``). See the module docstring."""
    k = a.shape[1]
    rw = np.linalg.norm(w, axis=1)
    pos = rw > 0
    u = np.where(pos[:, None], w / np.where(pos, rw, 1.0)[:, None], w) if normalise else w
    rho = np.linalg.norm(u, axis=1)
    sig = float(np.linalg.norm(v))
    dot = u @ v
    has = rho > 0
    safe = np.where(has, rho, 1.0)
    ubar = u / safe[:, None]
    cos = np.where(has, np.clip(dot / (safe * sig), -1.0, 1.0), 0.0)
    phi = np.arccos(cos)
    sin = np.sqrt(np.maximum(1.0 - cos * cos, 0.0))
    kv = rho * sig * (sin + (np.pi - phi) * cos) / (2 * np.pi)
    gk = np.where(
        has[:, None], ((np.pi - phi)[:, None] * v + (sig * sin)[:, None] * ubar) / (2 * np.pi), 0.0
    )
    sa, sas = a.sum(axis=1), float(astar.sum())
    aa = a @ astar
    q = ((np.pi - 1) * np.sum(a * a, axis=1) + sa * sa) / (2 * np.pi)
    q0 = ((np.pi - 1) * float(astar @ astar) + sas * sas) / (2 * np.pi)
    b = (sa * sas - aa) / (2 * np.pi)
    s = rho * rho * q
    t = kv * aa + rho * sig * b
    two_f = s - 2 * t + sig * sig * q0
    gu = q[:, None] * u - (gk * aa[:, None] + (sig * b)[:, None] * ubar)
    ga = (rho * rho)[:, None] * ((np.pi - 1) * a + sa[:, None]) / (2 * np.pi) - (
        kv[:, None] * astar + (rho * sig)[:, None] * (sas - astar) / (2 * np.pi)
    )
    if shortcut:
        two_f = two_f + ((sa + 1) * rho * rho - (sa + sas + 2) * dot + (sas + 1) * sig * sig) / k
        gu = gu + ((sa + 1)[:, None] * u - ((sa + sas + 2) / 2)[:, None] * v) / k
        ga = ga + ((rho * rho - dot) / (2 * k))[:, None]
    if normalise:
        wh = np.where(pos[:, None], w / np.where(pos, rw, 1.0)[:, None], 0.0)
        proj = gu - np.sum(gu * wh, axis=1)[:, None] * wh
        gw = np.where(pos[:, None], proj / np.where(pos, rw, 1.0)[:, None], gu)
    else:
        gw = gu
    return 0.5 * two_f, gw, ga, phi


# ---------------------------------------------------------------------------
# Du et al.'s spurious point, certified by the profile-loss argument (Arb)
# ---------------------------------------------------------------------------


def _m_ball(k: int, g: flint.arb) -> flint.arb_mat:
    two_pi = 2 * flint.arb.pi()
    return flint.arb_mat(
        [[((g - 1) if i == j else 0) / two_pi + 1 / two_pi for j in range(k)] for i in range(k)]
    )


def du_spurious_point(astar: Any) -> np.ndarray:
    """Float ``a_s = M(0)⁻¹ M(π) a*`` (the output weights at ``v = −v*``)."""
    ast = np.asarray(astar, dtype=np.float64)
    k = ast.size
    m0 = ((np.pi - 1) * np.eye(k) + np.ones((k, k))) / (2 * np.pi)
    mpi = (-np.eye(k) + np.ones((k, k))) / (2 * np.pi)
    return np.linalg.solve(m0, mpi @ ast)


def certify_du_spurious(astar: Any) -> Evidence:
    r"""Is ``(−v*, a_s)`` a spurious local minimum of Du et al.'s normalised loss (‖v*‖ = 1)?

    Profile-loss argument (CLAIMS.md §L1 [D]): with ``φ = ∠(w, v*)``,
    ``ℓ*(φ) = min_a ℓ(v, a)`` (a strictly convex quadratic in ``a``, ``M(0) ≻ 0``) has
    ``dℓ*/dg = −a(φ)ᵀa*/(2π)`` with ``a(φ) = M(0)⁻¹M(φ)a*`` continuous in ``g``, and
    ``g`` decreases strictly from ``π`` to ``0`` on ``[0, π]``. If ``s = a_sᵀa* < 0``
    (``a_s = a(π)``, ``g(π) = 0``) then ``dℓ*/dg > 0`` for small ``g``, so ``ℓ*`` is
    strictly increasing in ``g`` near 0, i.e. ``φ = π`` is a strict local minimum of
    ``ℓ*``; since ``ℓ(v, a) ≥ ℓ*(φ) ≥ ℓ*(π) = ℓ(−v*, a_s)`` nearby, ``(−v*, a_s)`` is a
    local minimum (strict in ``(w/‖w‖, a)``; flat along ``‖w‖``). The value
    ``ℓ(−v*, a_s) = ½(a*ᵀM(0)a* − a_sᵀM(0)a_s)`` is bracketed in Arb; the global
    minimum is 0 at ``(v*, a*)``, so a bracket above 0 makes it spurious. Also checks
    Du et al.'s closed form ``(1ᵀa*)² < ((k + π − 1)/π)‖a*‖²``. The Hessian is NOT
    used: it is singular there and ``−v*`` is antiparallel to the teacher (non-smooth
    set of the kernel). HOLDS: CERTIFIED spurious local minimum; VIOLATED: certified
    ``s > 0`` (then ``(−v*, a_s)`` is not a local minimum by the same argument).
    """
    ast = [flint.arb(_q(x, i)) for i, x in enumerate(np.asarray(astar, dtype=object).reshape(-1))]
    k = len(ast)
    if k == 0:
        raise InvalidInput("astar=[] must have at least one entry.")
    col = flint.arb_mat([[x] for x in ast])
    m0 = _m_ball(k, flint.arb.pi())
    mpi = _m_ball(k, flint.arb(0))
    a_s = m0.solve(mpi * col)
    s = sum((a_s[i, 0] * ast[i] for i in range(k)), flint.arb(0))
    val = ((col.transpose() * m0 * col)[0, 0] - (a_s.transpose() * m0 * a_s)[0, 0]) / 2
    one_a = sum(ast, flint.arb(0))
    norm2 = sum((x * x for x in ast), flint.arb(0))
    closed = one_a * one_a - (k + flint.arb.pi() - 1) / flint.arb.pi() * norm2
    witness = {
        "a_s": [float(a_s[i, 0].mid()) for i in range(k)],
        "a_s_intervals": [_iv(a_s[i, 0]) for i in range(k)],
        "s_interval": _iv(s),
        "value_interval": _iv(val),
        "closed_form_margin_interval": _iv(closed),
        "argument": "profile loss (CLAIMS.md §L1); Hessian singular there, not used",
    }
    if s < 0 and val > 0 and closed < 0:
        return Evidence(
            Verdict.HOLDS,
            Method.CERTIFIED,
            f"Spurious local minimum at (−v*, a_s) by the profile-loss argument: "
            f"a_sᵀa* in [{_iv(s)[0]:.6g}, {_iv(s)[1]:.6g}] < 0, so ℓ*(φ) increases as φ "
            f"leaves π; risk in [{_iv(val)[0]:.6g}, {_iv(val)[1]:.6g}] > 0 = global minimum. "
            "No Hessian test (singular there; −v* is antiparallel to v*, a non-smooth point "
            "of the kernel).",
            margin=_iv(s)[1] * -1,
            tolerance=0.0,
            witness=witness,
        )
    if s > 0:
        return Evidence(
            Verdict.VIOLATED,
            Method.CERTIFIED,
            f"a_sᵀa* in [{_iv(s)[0]:.6g}, {_iv(s)[1]:.6g}] > 0: (−v*, a_s) is a critical "
            "point but not a local minimum (ℓ* decreases as φ leaves π).",
            witness=witness,
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.CERTIFIED,
        "The sign of a_sᵀa* (or of the value) could not be decided by the enclosures.",
        witness=witness,
    )


def _q(x: Any, i: int) -> Any:
    from fractions import Fraction

    if isinstance(x, bool) or not isinstance(x, int | float | Fraction):
        raise InvalidInput(f"astar[{i}]={x!r} must be an int, float or Fraction.")
    if isinstance(x, float) and not math.isfinite(x):
        raise InvalidInput(f"astar[{i}]={x!r} must be finite.")
    f = Fraction(x)
    return flint.fmpq(f.numerator, f.denominator)


def _iv(x: flint.arb) -> list[float]:
    from verify.numbers.arithmetic import ball_bounds

    lo, hi = ball_bounds(np.array([x], dtype=object))
    return [float(lo[0]), float(hi[0])]


def du_point_match(objective: Any, theta: Any) -> dict[str, Any] | None:
    r"""Is ``theta`` (numerically) Du et al.'s spurious point of ``objective``?

    Applies only to the setting of :func:`certify_du_spurious`: the student is the
    normalised ``conv_relu`` (no shortcut) and the teacher is the same model
    (realisable, global minimum 0; the teacher's filter enters as ``v̄ = v/‖v‖``).
    Returns ``None`` outside it. Otherwise the ray of spurious points
    ``{(−c v̄, a_s) : c > 0}`` (every point of the ray is the same network) is
    compared with ``theta = (w, a)``: the nearest point of the ray is
    ``(−‖w‖ v̄, a_s)``; its Arb enclosure (midpoints, radius) and a rigorous upper
    bound of its ∞-norm distance from ``theta`` are returned with the rational
    ``a*`` for :func:`certify_du_spurious`.
    """
    from fractions import Fraction

    model: Any = getattr(objective, "model", None)
    if getattr(model, "kind", None) != "conv_relu" or not getattr(model, "normalise", False):
        return None
    if getattr(objective, "teacher", None) != model:
        return None
    p = model.patch_size
    tp = [Fraction(x) for x in objective.teacher_params]
    v, astar = tp[:p], tp[p:]
    th = [Fraction(float(x)) if not isinstance(x, int | Fraction) else Fraction(x) for x in theta]
    w = th[:p]
    vb = [flint.arb(flint.fmpq(x.numerator, x.denominator)) for x in v]
    wb = [flint.arb(flint.fmpq(x.numerator, x.denominator)) for x in w]
    nv = sum((x * x for x in vb), flint.arb(0)).sqrt()
    nw = sum((x * x for x in wb), flint.arb(0)).sqrt()
    if not (nv > 0 and nw > 0):
        return None
    ast_f = [float(x) for x in astar]
    a_s = du_spurious_point(ast_f)
    # a_s in Arb (the same solve as certify_du_spurious)
    k = len(astar)
    col = flint.arb_mat([[flint.arb(flint.fmpq(x.numerator, x.denominator))] for x in astar])
    a_sb = _m_ball(k, flint.arb.pi()).solve(_m_ball(k, flint.arb(0)) * col)
    point = [-(nw * x / nv) for x in vb] + [a_sb[i, 0] for i in range(k)]
    lo_hi = [_iv(x) for x in point]
    given = [float(x) for x in th]
    dist = max(max(abs(g - lo), abs(hi - g)) for g, (lo, hi) in zip(given, lo_hi, strict=True))
    return {
        "astar": astar,
        "a_s_float": [float(x) for x in a_s],
        "centre": [(lo + hi) / 2 for lo, hi in lo_hi],
        "enclosure_radius": max((hi - lo) / 2 for lo, hi in lo_hi),
        "distance_from_input": math.nextafter(dist, math.inf),
    }
