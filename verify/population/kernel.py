r"""The Gaussian ReLU (arc-cosine) kernel, its derivatives and the linear moments.

For ``x ~ N(0, I_d)`` and ``σ = ReLU`` (Cho & Saul 2009; used by Du et al. 2018,
Safran & Shamir 2018, Liu et al. 2019; CLAIMS.md §L1 [D]):

* ``k(u, v) = E[σ(uᵀx) σ(vᵀx)] = ‖u‖‖v‖ (sin θ + (π − θ) cos θ) / (2π)``,
  ``θ = ∠(u, v) ∈ [0, π]``;
* ``∇_u k = ((π − θ) v + ‖v‖ sin θ ū) / (2π)`` (``ū = u/‖u‖``);
* ``∇²_uu k = ‖v‖ sin θ / (2π‖u‖) · (I − ūūᵀ + n_u n_uᵀ)``,
  ``n_u = (v̄ − cos θ ū) / sin θ``;
* ``∇²_uv k = ((π − θ) I + v̄ n_vᵀ + ū n_uᵀ) / (2π)``, ``n_v = (ū − cos θ v̄) / sin θ``
  (rows: ``u``, columns: ``v``);
* linear moments ``E[σ(uᵀx) x] = u/2``, ``E[(wᵀx)(w'ᵀx)] = wᵀw'``,
  ``E[σ(uᵀx)] = ‖u‖/√(2π)``.

The formulas are checked against a SymPy derivation, finite differences and
Monte Carlo in ``tests/test_population_kernel.py``.

Non-smooth set: ``k`` is not C² where ``u = 0``, ``v = 0`` or ``u ∥ ±v``
(``sin θ = 0``; ``∇²_uv`` has no limit there). Every evaluation reports a
*smoothness margin* ``min(‖u‖, ‖v‖, sin θ)``; in ball arithmetic it is a
rigorous float lower bound over every point of the input balls (0.0 if not
provably positive), so a certificate can prove that it avoids the set.

``sin θ`` is computed as ``sqrt(Σ_{i<j} (u_i v_j − u_j v_i)²) / (‖u‖‖v‖)``
(Lagrange's identity: no cancellation, never negative) and ``θ = atan2(sin, cos)``,
both rigorous in python-flint ``arb`` (``atan2``, ``sqrt``, ``π`` are correctly
enclosed). Float64 results are NUMERIC; ball results are CERTIFIED enclosures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import flint
import numpy as np

from verify.errors import InvalidInput
from verify.numbers.arithmetic import Arithmetic, ball_bounds

__all__ = [
    "PairTerms",
    "kernel",
    "kernel_gram",
    "linear_moment",
    "pair_terms",
    "relu_linear_moment",
    "relu_mean",
]


@dataclass(frozen=True)
class PairTerms:
    """Kernel value and derivatives at one pair ``(u, v)``, in one arithmetic.

    ``grad_u``/``grad_v`` have shape ``(d,)``; ``hess_uu``, ``hess_uv`` (rows ``u``,
    columns ``v``) and ``hess_vv`` shape ``(d, d)`` (``None`` when ``order < 2``).
    ``margin`` is ``min(‖u‖, ‖v‖, sin θ)`` as a float: the value in float64, a
    rigorous lower bound over the input balls in ball arithmetic (0.0 when not
    provably positive).
    """

    value: Any
    grad_u: np.ndarray
    grad_v: np.ndarray
    hess_uu: np.ndarray | None
    hess_uv: np.ndarray | None
    hess_vv: np.ndarray | None
    theta: Any
    margin: float


# ---------------------------------------------------------------------------
# arithmetic-generic scalar helpers (float64 numpy or object arrays of arb)
# ---------------------------------------------------------------------------


def _vec(x: Any, arith: Arithmetic, name: str) -> np.ndarray:
    if arith is Arithmetic.EXACT:
        raise InvalidInput(
            "arithmetic='exact' is not available for the Gaussian ReLU kernel (arccos and π are "
            "irrational); use arithmetic='ball' for certified enclosures."
        )
    arr = np.asarray(x, dtype=object if arith is Arithmetic.BALL else np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise InvalidInput(f"{name} has shape {arr.shape}; expected a non-empty 1-D vector.")
    if arith is Arithmetic.BALL:
        return np.array([arith.scalar(v) for v in arr], dtype=object)
    if not np.all(np.isfinite(arr)):
        raise InvalidInput(f"{name}={arr!r} must be finite.")
    return arr


def _zero(arith: Arithmetic) -> Any:
    return flint.arb(0) if arith is Arithmetic.BALL else 0.0


def _dot(u: np.ndarray, v: np.ndarray, arith: Arithmetic) -> Any:
    if arith is Arithmetic.FLOAT:
        return float(u @ v)
    acc = flint.arb(0)
    for a, b in zip(u, v, strict=True):
        acc += a * b
    return acc


def _sqrt(x: Any, arith: Arithmetic) -> Any:
    return x.sqrt() if arith is Arithmetic.BALL else math.sqrt(max(x, 0.0))


def _pi(arith: Arithmetic) -> Any:
    return flint.arb.pi() if arith is Arithmetic.BALL else math.pi


def _atan2(y: Any, x: Any, arith: Arithmetic) -> Any:
    return flint.arb.atan2(y, x) if arith is Arithmetic.BALL else math.atan2(y, x)


def _cross_norm(u: np.ndarray, v: np.ndarray, arith: Arithmetic) -> Any:
    """``sqrt(‖u‖²‖v‖² − (uᵀv)²)`` via Lagrange's identity (a sum of squares)."""
    if arith is Arithmetic.FLOAT:
        m = np.outer(u, v) - np.outer(v, u)
        return math.sqrt(0.5 * float(np.sum(m * m)))
    acc = flint.arb(0)
    d = u.shape[0]
    for i in range(d):
        for j in range(i + 1, d):
            t = u[i] * v[j] - u[j] * v[i]
            acc += t * t
    return acc.sqrt()


def _lower(x: Any, arith: Arithmetic) -> float:
    if arith is Arithmetic.FLOAT:
        return float(x) if math.isfinite(x) else 0.0
    lo, _ = ball_bounds(np.array([x], dtype=object))
    return max(float(lo[0]), 0.0) if math.isfinite(lo[0]) else 0.0


def _outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.outer(a, b)


def _eye(d: int, arith: Arithmetic) -> np.ndarray:
    if arith is Arithmetic.FLOAT:
        return np.eye(d)
    out = np.empty((d, d), dtype=object)
    out.fill(flint.arb(0))
    for i in range(d):
        out[i, i] = flint.arb(1)
    return out


# ---------------------------------------------------------------------------
# the kernel
# ---------------------------------------------------------------------------


def pair_terms(u: Any, v: Any, arith: Arithmetic | str = "float", order: int = 2) -> PairTerms:
    r"""``k(u, v)``, ``∇_u k``, ``∇_v k`` and (``order=2``) the three Hessian blocks.

    Raises :class:`~verify.errors.InvalidInput` for exact arithmetic (the kernel is
    irrational) and for shape mismatches. On the non-smooth set (a zero vector or
    ``sin θ = 0``) the float derivatives are not defined: the first-order terms use
    their one-sided limits where those exist and the Hessian blocks are NaN; the
    margin is then 0 and callers must not use them.
    """
    arith = Arithmetic.parse(arith)
    uu = _vec(u, arith, "u")
    vv = _vec(v, arith, "v")
    if uu.shape != vv.shape:
        raise InvalidInput(f"u has shape {uu.shape} but v has {vv.shape}; pass equal lengths.")
    d = uu.shape[0]
    nu = _sqrt(_dot(uu, uu, arith), arith)
    nv = _sqrt(_dot(vv, vv, arith), arith)
    cr = _cross_norm(uu, vv, arith)
    dot = _dot(uu, vv, arith)
    pi = _pi(arith)
    two_pi = 2 * pi
    margin_lo = min(_lower(nu, arith), _lower(nv, arith))
    if arith is Arithmetic.FLOAT and (nu == 0.0 or nv == 0.0):
        # k = 0 there, but k is only positively homogeneous in u: no gradient exists.
        nan_v = np.full(d, np.nan)
        nan = np.full((d, d), np.nan) if order >= 2 else None
        return PairTerms(0.0, nan_v, nan_v.copy(), nan, nan, nan, math.nan, 0.0)
    cos = dot / (nu * nv)
    sin = cr / (nu * nv)
    theta = _atan2(cr, dot, arith)
    margin_lo = min(margin_lo, _lower(sin, arith))
    ub = uu / nu
    vb = vv / nv
    value = nu * nv * (sin + (pi - theta) * cos) / two_pi
    g_u = ((pi - theta) * vv + (nv * sin) * ub) / two_pi
    g_v = ((pi - theta) * uu + (nu * sin) * vb) / two_pi
    if order < 2:
        return PairTerms(value, g_u, g_v, None, None, None, theta, margin_lo)
    eye = _eye(d, arith)
    if arith is Arithmetic.FLOAT and sin == 0.0:
        nan = np.full((d, d), np.nan)
        return PairTerms(value, g_u, g_v, nan, nan, nan, theta, 0.0)
    n_u = (vb - cos * ub) / sin
    n_v = (ub - cos * vb) / sin
    h_uu = (nv * sin / (two_pi * nu)) * (eye - _outer(ub, ub) + _outer(n_u, n_u))
    h_vv = (nu * sin / (two_pi * nv)) * (eye - _outer(vb, vb) + _outer(n_v, n_v))
    h_uv = ((pi - theta) * eye + _outer(vb, n_v) + _outer(ub, n_u)) / two_pi
    return PairTerms(value, g_u, g_v, h_uu, h_uv, h_vv, theta, margin_lo)


def kernel(u: Any, v: Any, arith: Arithmetic | str = "float") -> Any:
    """``k(u, v) = E[σ(uᵀx)σ(vᵀx)]`` (0 if a vector is 0; ``‖u‖²/2`` if ``u = v``)."""
    return pair_terms(u, v, arith, order=1).value


def kernel_gram(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Float64 matrix ``K[i, j] = k(u[:, i], v[:, j])`` for column sets (vectorised).

    ``u`` is ``(..., d, n)``, ``v`` is ``(..., d, m)``; leading axes broadcast.
    Zero columns give 0.
    """
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    nu = np.linalg.norm(u, axis=-2)
    nv = np.linalg.norm(v, axis=-2)
    dot = np.swapaxes(u, -1, -2) @ v
    prod = nu[..., :, None] * nv[..., None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.clip(np.where(prod > 0, dot / prod, 1.0), -1.0, 1.0)
    theta = np.arccos(cos)
    sin = np.sqrt(np.maximum(1.0 - cos * cos, 0.0))
    return prod * (sin + (np.pi - theta) * cos) / (2 * np.pi)


# ---------------------------------------------------------------------------
# linear moments
# ---------------------------------------------------------------------------


def relu_linear_moment(u: Any, arith: Arithmetic | str = "float") -> np.ndarray:
    """``E[σ(uᵀx) x] = u/2``."""
    arith = Arithmetic.parse(arith)
    return _vec(u, arith, "u") / 2


def linear_moment(w: Any, w2: Any, arith: Arithmetic | str = "float") -> Any:
    """``E[(wᵀx)(w'ᵀx)] = wᵀw'``."""
    arith = Arithmetic.parse(arith)
    a = _vec(w, arith, "w")
    b = _vec(w2, arith, "w2")
    if a.shape != b.shape:
        raise InvalidInput(f"w has shape {a.shape} but w2 has {b.shape}; pass equal lengths.")
    return _dot(a, b, arith)


def relu_mean(u: Any, arith: Arithmetic | str = "float") -> Any:
    """``E[σ(uᵀx)] = ‖u‖/√(2π)``."""
    arith = Arithmetic.parse(arith)
    a = _vec(u, arith, "u")
    return _sqrt(_dot(a, a, arith), arith) / _sqrt(2 * _pi(arith), arith)


def zero(arith: Arithmetic) -> Any:
    """The additive zero of ``arith`` (float or ball)."""
    return _zero(arith)
