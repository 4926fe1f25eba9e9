r"""Population risk ``F(θ) = ½ E_{x~N(0,I)}[(f_student(x; θ) − f_teacher(x))²]`` in closed form.

With both networks written as unit expansions (:mod:`verify.population.models`),
``f_s − f_t = Σ_m α_m σ(u_mᵀx) + βᵀx`` over the student units (``α_m``) and the
teacher units (``−α*_m``), ``β = c_s − c_t``, and

``2F = Σ_{m,l} α_m α_l k(u_m, u_l) + Σ_m α_m u_mᵀβ + ‖β‖²``

by the arc-cosine kernel and the moments ``E[σ(uᵀx)x] = u/2``,
``E[(βᵀx)²] = ‖β‖²`` (CLAIMS.md §L1–L2 [D]; Safran & Shamir 2018 for the
two-layer form). Gradient and Hessian with respect to the student's units,
output weights and linear part are assembled from
:func:`verify.population.kernel.pair_terms` and mapped to the model's
parameters by the model's chain rule.

:class:`PopulationRisk` has the duck-typed interface of the empirical
:class:`verify.Objective` (``n_params``, ``evaluate``, ``value_and_gradient``,
``theta``, ``exact_ok``, ``model.layout``, ``loss``) so the existing
certificates (Krawczyk boxes, certified inertia, negative curvature) apply to
it. Float64 results are NUMERIC, ball results CERTIFIED; exact arithmetic is
refused (the kernel is irrational). ``kink_margin`` is the smoothness margin:
the smallest of every student unit's norm, ``sin ∠`` of every pair involving a
student unit, and (under normalisation) ``‖w‖`` — a rigorous float lower bound
in ball arithmetic. A margin > 0 proves that every point evaluated lies off
the non-smooth set, where ``F`` is C² (indeed real-analytic).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.errors import InvalidInput
from verify.numbers.arithmetic import Arithmetic, ball_bounds
from verify.objectives.empirical import Landscape
from verify.population.kernel import kernel_gram, pair_terms
from verify.population.models import PopulationModel, TwoLayerReLU


@dataclass(frozen=True)
class _Loss:
    """What the shared certificates ask of a loss (duck typing of :class:`verify.Loss`)."""

    name: str = "squared_half"
    exact_ok: bool = False
    twice_differentiable: bool = True


def _check_arith(arith: Arithmetic) -> None:
    if arith is Arithmetic.EXACT:
        raise InvalidInput(
            "arithmetic='exact' is not available for population objectives (the Gaussian ReLU "
            "kernel involves arccos and π); use arithmetic='ball' for certified enclosures."
        )


class PopulationRisk:
    """``½ E[(f_student − f_teacher)²]`` over ``x ~ N(0, I_{d_in})``, closed form."""

    exact_ok = False

    def __init__(self, model: PopulationModel, teacher: PopulationModel, teacher_params: Any):
        if teacher.d_in != model.d_in:
            raise InvalidInput(
                f"teacher d_in={teacher.d_in} but model d_in={model.d_in}; make them agree."
            )
        tp = np.asarray(teacher_params, dtype=object).reshape(-1)
        if tp.shape != (teacher.n_params,):
            raise InvalidInput(
                f"teacher params have {tp.size} numbers; the teacher model needs "
                f"{teacher.n_params}."
            )
        self.model = model
        self.teacher = teacher
        self.teacher_params = tp
        self.loss = _Loss()
        self._teacher_cache: dict[Arithmetic, Any] = {}

    @property
    def n_params(self) -> int:
        return self.model.n_params

    @property
    def reconstruction(self) -> bool:
        """True if the student is Liu et al.'s reconstructed shortcut net (label results so)."""
        return bool(getattr(self.model, "reconstruction", False))

    @property
    def global_minimum(self) -> float | None:
        """0.0 when the teacher is realisable (same architecture as the student: the
        student with the teacher's parameters has risk 0), else None (unknown)."""
        return 0.0 if self.teacher == self.model else None

    def theta(self, values: Any, arith: Arithmetic | str) -> np.ndarray:
        """Convert a parameter vector into ``arith`` (float or ball)."""
        arith = Arithmetic.parse(arith)
        _check_arith(arith)
        raw = np.asarray(values)
        if arith is Arithmetic.FLOAT and raw.dtype != object:
            th = np.asarray(raw, dtype=np.float64)
        else:
            th = arith.array(raw)
        if th.shape != (self.n_params,):
            raise InvalidInput(f"theta has shape {th.shape}; expected ({self.n_params},).")
        return th

    def _teacher(self, arith: Arithmetic) -> Any:
        if arith not in self._teacher_cache:
            tp = self.teacher_params
            th = (
                np.array([float(v) for v in tp])
                if arith is Arithmetic.FLOAT
                else arith.array(tp)
            )
            self._teacher_cache[arith] = self.teacher.expand(th, arith)
        return self._teacher_cache[arith]

    def evaluate(self, theta: Any, arith: Arithmetic | str = "float", order: int = 2) -> Landscape:
        """Risk, gradient and (``order=2``) Hessian at ``theta``; ``kink_margin`` is the
        smoothness margin (see the module docstring)."""
        arith = Arithmetic.parse(arith)
        th = self.theta(theta, arith)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            s = self.model.expand(th, arith)
            t = self._teacher(arith)
            risk, ge, he, margin = expanded_derivatives(
                s.units,
                s.alpha,
                s.linear,
                t.units,
                t.alpha,
                t.linear,
                arith,
                order,
                var_alpha=self.model.trains_alpha,
                var_linear=self.model.trains_linear,
            )
            grad, hess, extra = self.model.chain(th, arith, ge, he if order >= 2 else None)
        return Landscape(arith, risk, grad, hess, min(margin, extra), np.zeros((1, 0)))

    def value_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Float64 risk and gradient (the fast path for optimisers)."""
        land = self.evaluate(np.asarray(theta, dtype=np.float64), Arithmetic.FLOAT, order=1)
        return float(land.risk), np.asarray(land.gradient, dtype=np.float64)

    def risk(self, theta: Any) -> float:
        return self.value_and_gradient(np.asarray(theta, dtype=np.float64))[0]


def expanded_derivatives(
    us: np.ndarray,
    als: np.ndarray,
    cs: np.ndarray | None,
    ut: np.ndarray,
    alt: np.ndarray,
    ct: np.ndarray | None,
    arith: Arithmetic,
    order: int,
    *,
    var_alpha: bool,
    var_linear: bool,
) -> tuple[Any, np.ndarray, np.ndarray | None, float]:
    r"""Risk, gradient, Hessian and smoothness margin in the expanded variables
    ``[u_1, …, u_n, (α_1..α_n), (c)]`` of the student (teacher fixed).

    With ``β = c_s − c_t`` and ``l`` over all units (teacher coefficients negated):
    ``∂F/∂u_i = α_i Σ_{l≠i} α_l ∇_u k(u_i,u_l) + α_i² u_i/2 + α_i β/2``,
    ``∂F/∂α_i = Σ_{l≠i} α_l k(u_i,u_l) + α_i‖u_i‖²/2 + u_iᵀβ/2``, ``∂F/∂c = Σ_m α_m u_m/2 + β``;
    Hessian blocks ``α_i Σ_{l≠i} α_l ∇²_uu k + α_i² I/2`` (``u_i u_i``),
    ``α_i α_j ∇²_uv k`` (``u_i u_j``), ``Σ_{l≠i} α_l ∇_u k + α_i u_i + β/2`` (``u_i α_i``),
    ``α_i ∇_u k(u_i,u_j)`` (``u_i α_j``), ``k(u_i,u_j)`` (``α_i α_j``),
    ``α_i I/2`` (``u_i c``), ``u_i/2`` (``α_i c``), ``I`` (``c c``).
    """
    d, n = us.shape
    m = ut.shape[1]
    units = [us[:, i] for i in range(n)] + [ut[:, j] for j in range(m)]
    coef = list(als) + [-a for a in alt]
    zero = arith.scalar(0)
    half = 0.5 if arith is Arithmetic.FLOAT else arith.scalar(1) / 2
    beta = None
    if cs is not None or ct is not None:
        beta = (cs if cs is not None else arith.zeros((d,))) - (
            ct if ct is not None else arith.zeros((d,))
        )
    n_e = n * d + (n if var_alpha else 0) + (d if var_linear else 0)
    a_off, c_off = n * d, n * d + (n if var_alpha else 0)
    grad = arith.zeros((n_e,))
    hess = arith.zeros((n_e, n_e)) if order >= 2 else None
    eye = arith.zeros((d, d)) if arith is not Arithmetic.FLOAT else np.eye(d)
    if arith is not Arithmetic.FLOAT:
        for r in range(d):
            eye[r, r] = arith.scalar(1)
    # ---- pair terms: student × everything (student pairs once), teacher × teacher (value)
    margin = float("inf")
    val = zero
    gk: dict[tuple[int, int], np.ndarray] = {}  # ∇_u k(u_i, u_l) for student i
    for i in range(n):
        sq = _sq(units[i], arith)
        val += coef[i] * coef[i] * sq * half
        margin = min(margin, _norm_lower(sq, arith))
        for l_ in range(i + 1, n + m):
            p = pair_terms(units[i], units[l_], arith, order=order)
            margin = min(margin, p.margin)
            val += 2 * coef[i] * coef[l_] * p.value
            gk[(i, l_)] = p.grad_u
            if l_ < n:
                gk[(l_, i)] = p.grad_v
            if var_alpha:
                grad[a_off + i] += coef[l_] * p.value
                if l_ < n:
                    grad[a_off + l_] += coef[i] * p.value
                    if hess is not None:
                        hess[a_off + i, a_off + l_] = p.value
                        hess[a_off + l_, a_off + i] = p.value
            if hess is not None:
                bi = slice(i * d, (i + 1) * d)
                hess[bi, bi] += (coef[i] * coef[l_]) * p.hess_uu
                if l_ < n:
                    bl = slice(l_ * d, (l_ + 1) * d)
                    hess[bl, bl] += (coef[i] * coef[l_]) * p.hess_vv
                    hess[bi, bl] = (coef[i] * coef[l_]) * p.hess_uv
                    hess[bl, bi] = hess[bi, bl].T
    for t1 in range(n, n + m):
        val += coef[t1] * coef[t1] * _sq(units[t1], arith) * half
        for t2 in range(t1 + 1, n + m):
            val += 2 * coef[t1] * coef[t2] * pair_terms(units[t1], units[t2], arith, 1).value
    if beta is not None:
        for j in range(n + m):
            val += coef[j] * _dot(units[j], beta, arith)
        val += _dot(beta, beta, arith)
    risk = val * half
    # ---- gradient and the remaining Hessian blocks
    for i in range(n):
        bi = slice(i * d, (i + 1) * d)
        acc = coef[i] * units[i] * half
        for l_ in range(n + m):
            if l_ != i:
                acc = acc + coef[l_] * gk[(i, l_)]
        gu = coef[i] * acc + (0 if beta is None else coef[i] * beta * half)
        grad[bi] = gu
        if var_alpha:
            grad[a_off + i] += coef[i] * _sq(units[i], arith) * half + (
                0 if beta is None else _dot(units[i], beta, arith) * half
            )
        if hess is not None:
            hess[bi, bi] += (coef[i] * coef[i] * half) * eye
            if var_alpha:
                col = acc - coef[i] * units[i] * half + coef[i] * units[i]
                if beta is not None:
                    col = col + beta * half
                hess[bi, a_off + i] = col
                hess[a_off + i, bi] = col
                hess[a_off + i, a_off + i] = _sq(units[i], arith) * half
                for j in range(n):
                    if j != i:
                        hess[bi, a_off + j] = coef[i] * gk[(i, j)]
                        hess[a_off + j, bi] = hess[bi, a_off + j]
            if var_linear:
                bc = slice(c_off, c_off + d)
                hess[bi, bc] = (coef[i] * half) * eye
                hess[bc, bi] = (coef[i] * half) * eye
                if var_alpha:
                    hess[a_off + i, bc] = units[i] * half
                    hess[bc, a_off + i] = units[i] * half
    if var_linear:
        gc = beta.copy() if beta is not None else arith.zeros((d,))
        for j in range(n + m):
            gc = gc + coef[j] * units[j] * half
        grad[c_off : c_off + d] = gc
        if hess is not None:
            hess[c_off : c_off + d, c_off : c_off + d] = eye.copy()
    return risk, grad, hess, margin


def _dot(a: np.ndarray, b: np.ndarray, arith: Arithmetic) -> Any:
    if arith is Arithmetic.FLOAT:
        return float(np.dot(a, b))
    acc = arith.scalar(0)
    for x, y in zip(a, b, strict=True):
        acc += x * y
    return acc


def _sq(a: np.ndarray, arith: Arithmetic) -> Any:
    return _dot(a, a, arith)


def _norm_lower(sq: Any, arith: Arithmetic) -> float:
    if arith is Arithmetic.FLOAT:
        return float(np.sqrt(sq))
    lo, _ = ball_bounds(np.array([sq], dtype=object))
    return float(np.sqrt(lo[0])) if np.isfinite(lo[0]) and lo[0] > 0 else 0.0


# ---------------------------------------------------------------------------
# vectorised float64 risk and gradient for many two-layer runs at once
# ---------------------------------------------------------------------------


def two_layer_batch(
    w: np.ndarray, a: np.ndarray, v: np.ndarray, c: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""Risk ``(R,)`` and gradient ``(R, d, n)`` of ``R`` two-layer students at once.

    ``w`` is ``(R, d, n)`` (columns are neurons), ``a`` the fixed output weights
    ``(n,)``, teacher ``v`` ``(d, m)`` with output weights ``c`` ``(m,)``; no skip.
    ``∇_{w_i}F = (a_i/2π) Σ_l α_l [(π − θ_il) u_l + ‖u_l‖ sin θ_il w̄_i]`` over all
    units ``l`` (teacher coefficients negated; the ``l = i`` term is ``a_i² w_i/2``).
    NUMERIC (float64); identical to :class:`PopulationRisk` up to rounding.
    """
    r_, d, n = w.shape
    m = v.shape[1]
    units = np.concatenate([w, np.broadcast_to(v, (r_, d, m))], axis=2)
    coef = np.concatenate([a, -c])
    nrm = np.linalg.norm(units, axis=1)  # (R, n+m)
    dots = np.einsum("rdi,rdl->ril", w, units)
    prod = nrm[:, :n, None] * nrm[:, None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.clip(dots / prod, -1.0, 1.0)
    theta = np.arccos(cos)
    sin = np.sqrt(np.maximum(1.0 - cos * cos, 0.0))
    kmat = prod * (sin + (np.pi - theta) * cos) / (2 * np.pi)
    ii = np.arange(n)
    kmat[:, ii, ii] = nrm[:, :n] ** 2 / 2
    cc = coef[:n, None] * coef[None, :]
    vt = kernel_teacher_value(v, c)
    both = np.einsum("ril,il->r", kmat, cc) + np.einsum("rit,it->r", kmat[:, :, n:], cc[:, n:])
    risk = 0.5 * both + vt
    wbar = w / nrm[:, None, :n]
    t1 = np.einsum("rdl,ril->rdi", units, (np.pi - theta) * coef[None, None, :])
    t2 = wbar * np.einsum("ril,l->ri", sin * nrm[:, None, :], coef)[:, None, :]
    grad = (a / (2 * np.pi))[None, None, :] * (t1 + t2)
    return risk, grad


def kernel_teacher_value(v: np.ndarray, c: np.ndarray) -> float:
    """``½ Σ_{t,t'} c_t c_t' k(v_t, v_t')`` (the teacher's constant part of ``F``)."""
    return float(0.5 * c @ kernel_gram(v, v) @ c) if v.shape[1] else 0.0


def teacher_identity(k: int) -> tuple[TwoLayerReLU, np.ndarray]:
    """The Safran–Shamir teacher ``V = I_k`` (``k`` neurons in ``R^k``, output weights 1)."""
    return TwoLayerReLU(k, k), np.eye(k).reshape(-1)
