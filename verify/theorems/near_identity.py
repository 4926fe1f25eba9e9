r"""The near-identity risk bound of Yun et al. (Y3) with an explicit constant, as a certified
conclusion (docs/claims.md Y3, derived bound [D]).

Setting (:data:`NEAR_IDENTITY`): a Yun-form ResNet ``h_l = h_{l-1} + V_l phi(U_l h_{l-1})``
(hidden layers allowed, no biases anywhere in the blocks, activations with
``sigma(0) = 0`` and a known Lipschitz constant, so ``phi_l(0) = 0``), ``h_0 = x`` (no
intercept), scalar output ``f = w^T h_L`` without output bias, and a convex,
differentiable loss that is ``G``-Lipschitz in ``p`` (``huber``: ``G = delta``;
``logistic`` and ``softplus_hinge``: ``G = 1``). Squared losses are not Lipschitz: outside
the setting (:class:`~verify.errors.NotApplicable`).

Claim [D] (proof in docs/claims.md, it uses only ``grad_w R = 0``): if every block is
``(alpha/L)``-Lipschitz then at every critical point, for every ``t``,

    R(theta*) <= E[l(t^T x; y)] + c G (e^alpha - 1) E||x|| ||t||        with c = 1.

:func:`near_identity_bound` builds the conclusion for any constant ``c`` (``c = 1/2``
is the planted false claim P-Y3-HALF of :mod:`verify.search.planted`). The premise is
instantiated with ``alpha_bar = L max_l Lip(sigma)^{r_l} ||V_l||_2 ||A_{l,r}||_2 ...
||U_l||_2``, a certified *upper* bound of ``L max_l Lip(block l)`` (spectral norms bounded
by ``min(Frobenius, sqrt(||M||_1 ||M||_inf))`` in Arb balls over the checked point or
box): every block is then ``(alpha_bar/L)``-Lipschitz, so the premise holds with
``alpha_bar``, and a conclusion that fails with ``alpha_bar`` is a counterexample.

What the certified check establishes:

* VIOLATED (CERTIFIED): an explicit rational ``t`` (chosen in float64 by minimising the
  right-hand side, then rationalised) with ``R(theta*) >`` a rigorous upper bound of the
  right-hand side at ``t`` (``R`` exact at an exact point, else its Arb enclosure over the
  certified box; ``E l(t^T x)`` exact for Huber, Arb for logistic; ``e^alpha_bar`` in Arb).
* HOLDS (as strong as the baseline's bracket): only when ``R(theta*) <= R_lin`` is proved,
  since the right-hand side is ``>= E l(t^T x) >= R_lin`` for every ``t``. Otherwise the
  infimum over ``t`` is not certified and the answer is INCONCLUSIVE, never HOLDS.

The float screen (:data:`Condition.screen`) gives the margin ``min_t RHS(t) - R`` in
float64 (``> 0``: the bound is numerically satisfied).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import flint
import numpy as np
from scipy.optimize import minimize

from verify.models import Model, ResidualBlock
from verify.numbers.arithmetic import Arithmetic, to_fmpq
from verify.numbers.format import fmt_number, safe_float
from verify.theorems.context import Context, FloatContext
from verify.theorems.core import Condition
from verify.theorems.premises import numeric
from verify.theorems.setting import (
    LOSS_CONVEX,
    NO_OUTPUT_BIAS,
    READOUT,
    RESIDUAL,
    SCALAR_OUTPUT,
    Requirement,
    Setting,
)
from verify.verdict import Evidence, Method, Verdict, weakest

#: activations with ``sigma(0) = 0`` and their Lipschitz constants (leaky_relu: max(1, |a|))
_LIPSCHITZ_AT_ZERO = ("relu", "leaky_relu", "identity", "tanh")


def activation_lipschitz(act: Any) -> Fraction:
    """Lipschitz constant of an activation with ``sigma(0) = 0`` from :data:`_LIPSCHITZ_AT_ZERO`."""
    if act.name == "leaky_relu":
        return max(Fraction(1), abs(Fraction(act.alpha)))
    return Fraction(1)


# ---- setting ---------------------------------------------------------------------------


def _no_intercept(model: Model, loss: Any) -> str | None:
    return "intercept is true (h_0 = x is required)" if model.intercept else None


def _bias_free(model: Model, loss: Any) -> str | None:
    bad = [i for i, b in enumerate(model.stages) if isinstance(b, ResidualBlock) and b.bias]
    return f"block {bad[0]} has a bias (phi(0) = 0 is required)" if bad else None


def _activations(model: Model, loss: Any) -> str | None:
    for i, b in enumerate(model.stages):
        if b.activation.name not in _LIPSCHITZ_AT_ZERO:
            return (
                f"block {i} uses {b.activation.name!r}, not one of "
                f"{', '.join(_LIPSCHITZ_AT_ZERO)} (sigma(0) = 0 and Lipschitz)"
            )
    return None


def _lipschitz_loss(model: Model, loss: Any) -> str | None:
    if loss.lipschitz is None:
        return f"loss {loss.label!r} is not Lipschitz in p (no constant G)"
    if not (loss.twice_differentiable or loss.name == "huber"):
        return f"loss {loss.label!r} is not known to be differentiable in p"
    return None


NO_INTERCEPT = Requirement("no_intercept", "h_0 = x (no intercept column)", _no_intercept)
BIAS_FREE = Requirement("bias_free_blocks", "no biases in the blocks", _bias_free)
ZERO_AT_ZERO = Requirement(
    "activation_zero_at_zero",
    "activations relu, leaky_relu, identity or tanh (sigma(0) = 0, Lipschitz), so phi_l(0) = 0",
    _activations,
)
LIPSCHITZ_LOSS = Requirement(
    "lipschitz_loss",
    "the loss is differentiable and G-Lipschitz in p (huber: G = delta; logistic: G = 1)",
    _lipschitz_loss,
    about="loss",
)
NEAR_IDENTITY = Setting(
    "Yun form without biases, Lipschitz loss (Y3)",
    (RESIDUAL, READOUT, SCALAR_OUTPUT, NO_OUTPUT_BIAS, NO_INTERCEPT, BIAS_FREE, ZERO_AT_ZERO,
     LOSS_CONVEX, LIPSCHITZ_LOSS),
)


# ---- alpha: an upper bound of L max_l Lip(block l) ------------------------------------------


def _arb(v: Any) -> flint.arb:
    return v if isinstance(v, flint.arb) else flint.arb(to_fmpq(v))


def _norm2_upper(m: np.ndarray) -> flint.arb:
    """An Arb ball whose upper end bounds ``||M||_2`` for every ``M`` in the enclosure:
    ``min(||M||_F, sqrt(||M||_1 ||M||_inf))`` of the entries' magnitudes."""
    a = np.array([[abs(_arb(v)).upper() for v in row] for row in np.atleast_2d(m)],
                 dtype=object)
    frob = sum((v * v for v in a.flat), flint.arb(0)).sqrt()
    one = max(sum(a[:, j], flint.arb(0)) for j in range(a.shape[1]))
    inf = max(sum(a[i, :], flint.arb(0)) for i in range(a.shape[0]))
    mixed = (one * inf).sqrt()
    return mixed if mixed.upper() < frob.upper() else frob


def _blocks(model: Model, values: Any) -> list[tuple[Fraction, int, list[np.ndarray]]]:
    """Per block ``(Lip(sigma), r, [U, A_1, ..., A_r, V])`` (absent matrices left out):
    ``h -> V phi(U h)`` with ``phi = sigma o A_r o ... o sigma`` (``r`` activations, at
    least 1) is ``Lip(sigma)^r ||V|| prod ||A_j|| ||U||``-Lipschitz."""
    named = model.unpack(np.asarray(values, dtype=object))
    out = []
    for i, b in enumerate(model.stages):
        assert isinstance(b, ResidualBlock)
        names = [f"blocks[{i}].U"] if b.proj is not None else []
        names += [f"blocks[{i}].phi[{j}].A" for j in range(len(b.hidden))]
        names += [f"blocks[{i}].V"] if b.out else []
        mats = [np.atleast_2d(named[k]) for k in names]
        out.append((activation_lipschitz(b.activation), max(1, len(b.hidden)), mats))
    return out


def block_lipschitz(model: Model, values: Any) -> list[flint.arb]:
    """Per block, a ball whose upper end bounds ``Lip(h -> V phi(U h))`` at ``values``
    (exact rationals or Arb balls, e.g. a certified box)."""
    out = []
    for lip_sigma, r, mats in _blocks(model, values):
        lip = flint.arb(1)
        for _ in range(r):
            lip = lip * flint.arb(to_fmpq(lip_sigma))
        for m in mats:
            lip = lip * _norm2_upper(m)
        out.append(lip)
    return out


def alpha_float(model: Model, theta: np.ndarray) -> float:
    """Float64 twin of :func:`alpha_upper` (screening only)."""
    best = 0.0
    for lip_sigma, r, mats in _blocks(model, np.asarray(theta, dtype=np.float64)):
        lip = float(lip_sigma) ** r
        for m in mats:
            a = np.abs(np.asarray(m, dtype=np.float64))
            frob = float(np.sqrt(np.sum(a * a)))
            mixed = float(np.sqrt(np.max(a.sum(axis=0)) * np.max(a.sum(axis=1))))
            lip *= min(frob, mixed)
        best = max(best, lip)
    return len(model.stages) * best


def alpha_upper(model: Model, values: Any) -> flint.arb:
    """``alpha_bar``: an exact Arb number ``>= L max_l Lip(block l)`` over the enclosure."""
    lips = block_lipschitz(model, values)
    top = max((lip.upper() for lip in lips), key=lambda v: float(v.mid()))
    for lip in lips:  # max by midpoint, then make sure it bounds every upper end
        if not top >= lip.upper():
            top = lip.upper()
    return (flint.arb(len(lips)) * top).upper()


# ---- the right-hand side ---------------------------------------------------------------------


def _float_data(obj: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = obj.arrays(Arithmetic.FLOAT)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64).reshape(-1)


def _rhs_float(obj: Any, slope: float) -> tuple[Callable[[np.ndarray], float], np.ndarray]:
    """``(F, g0)``: ``F(t) = mean l(t^T x_i; y_i) + slope ||t||`` in float64 and the gradient
    of its smooth part at ``t = 0``."""
    x, y = _float_data(obj)
    val, d1, _ = obj.loss.float_kernels()

    def rhs(t: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            norm = float(np.linalg.norm(t))
            return float(np.mean(val(t @ x, y))) + (slope * norm if norm > 0 else 0.0)

    with np.errstate(all="ignore"):
        g0 = (x @ d1(np.zeros(len(y)), y)) / len(y)
    return rhs, np.asarray(g0, dtype=np.float64)


def best_t(obj: Any, slope: float) -> np.ndarray:
    """A float ``t`` (approximately) minimising ``mean l(t^T x) + slope ||t||`` (convex):
    ``0`` when the subgradient condition ``||E[l'(0) x]|| <= slope`` holds there, else a
    quasi-Newton minimiser started along ``-E[l'(0) x]`` (the objective is smooth off 0)."""
    rhs, g0 = _rhs_float(obj, slope)
    gn = float(np.linalg.norm(g0))
    if not np.isfinite(gn) or gn <= slope:
        return np.zeros_like(g0)
    x, _ = _float_data(obj)
    scale = float(np.max(np.abs(x), initial=0.0)) or 1.0
    t0 = -g0 / gn / scale
    res = minimize(rhs, t0, method="Nelder-Mead" if len(g0) == 1 else "BFGS",
                   options={"maxiter": 400})
    t = np.asarray(res.x, dtype=np.float64)
    return t if np.isfinite(t).all() and rhs(t) <= rhs(t0) else t0


def _candidates(t: np.ndarray) -> list[list[Fraction]]:
    """Rational versions of ``t`` with growing denominators (and ``t = 0``)."""
    out: list[list[Fraction]] = []
    for den in (4, 64, 10**4, 10**8):
        q = [Fraction(float(v)).limit_denominator(den) for v in t]
        if q not in out:
            out.append(q)
    zero = [Fraction(0)] * len(t)
    return out + ([zero] if zero not in out else [])


def rhs_ball(obj: Any, t: list[Fraction], factor: flint.arb) -> flint.arb:
    """Rigorous enclosure of ``E l(t^T x; y) + factor E||x|| ||t||`` at rational ``t``."""
    arith = Arithmetic.EXACT if obj.loss.exact_ok else Arithmetic.BALL
    x, y = obj.arrays(arith)
    tq = np.array([to_fmpq(v) for v in t], dtype=object)
    p = (tq @ x).reshape(1, -1) if arith is Arithmetic.EXACT else (
        np.array([flint.arb(v) for v in tq], dtype=object) @ x).reshape(1, -1)
    losses = obj.loss.value(arith, p, y)
    n = x.shape[1]
    mean_loss = sum((_arb(v) for v in np.asarray(losses).flat), flint.arb(0)) / n
    xa = np.array([_arb(v) for v in x.flat], dtype=object).reshape(x.shape)
    mean_norm = sum(
        (sum((v * v for v in xa[:, i]), flint.arb(0)).sqrt() for i in range(n)), flint.arb(0)
    ) / n
    t_norm = sum((flint.arb(v) * flint.arb(v) for v in tq), flint.arb(0)).sqrt()
    return mean_loss + factor * mean_norm * t_norm


def _t_text(t: list[Fraction]) -> str:
    return "(" + ", ".join(str(v) for v in t) + ")"


def _certified_bound(c: Fraction) -> Callable[[Context], Evidence]:
    def check(ctx: Context) -> Evidence:
        obj = ctx.objective
        risk = _arb(ctx.land.risk)
        alpha = alpha_upper(obj.model, ctx.values)
        factor = flint.arb(to_fmpq(c)) * flint.arb(to_fmpq(obj.loss.lipschitz)) * (
            alpha.exp() - 1
        )
        method = weakest([ctx.method, Method.CERTIFIED])
        if not (risk.is_finite() and factor.is_finite()):
            return Evidence(Verdict.INCONCLUSIVE, method, "non-finite enclosure of R or alpha")
        about = f"c = {c}, G = {obj.loss.lipschitz}, alpha_bar = {fmt_number(alpha)}"
        t_float = best_t(obj, safe_float(factor) * _mean_norm(obj))
        best: tuple[flint.arb, list[Fraction]] | None = None
        for t in _candidates(t_float):
            rhs = rhs_ball(obj, t, factor)
            if rhs.is_finite() and (best is None or rhs.upper() < best[0].upper()):
                best = (rhs, t)
        r_lo = risk.lower()
        if best is not None and risk > best[0]:
            rhs, t = best
            return Evidence(
                Verdict.VIOLATED, method,
                f"R(theta*) >= {fmt_number(r_lo)} > {fmt_number(rhs.upper())} >= "
                f"E l(t^T x) + c G (e^alpha_bar - 1) E||x|| ||t|| at t = {_t_text(t)} ({about})",
                margin=safe_float(rhs.upper() - r_lo), tolerance=0.0,
                witness={"t": [str(v) for v in t], "alpha_bar": fmt_number(alpha, 17),
                         "c": str(c), "G": str(obj.loss.lipschitz)},
            )
        held = _holds_by_linear(ctx, risk, obj)
        if held is not None:
            return held
        where = "" if best is None else (
            f"; the best rational t = {_t_text(best[1])} gives RHS <= {fmt_number(best[0].upper())}"
        )
        return Evidence(
            Verdict.INCONCLUSIVE, method,
            f"not refuted: R(theta*) in [{fmt_number(r_lo)}, {fmt_number(risk.upper())}]{where} "
            f"({about}); HOLDS needs a certified lower bound of the infimum over t, which only "
            "R(theta*) <= R_lin gives, and it is not proved here",
            margin=None if best is None else safe_float(best[0].upper() - r_lo),
        )

    return check


def _mean_norm(obj: Any) -> float:
    x, _ = _float_data(obj)
    return float(np.mean(np.linalg.norm(x, axis=0)))


def _holds_by_linear(ctx: Context, risk: flint.arb, obj: Any) -> Evidence | None:
    """HOLDS if ``R(theta*) <= R_lin`` is proved: the right-hand side is ``>= R_lin`` for
    every ``t``. Skipped (``None``) without a baseline solve when ``R(theta*)`` exceeds a
    rigorous upper bound of ``E l(t^T x)`` at a rational near-minimiser ``t`` (then
    ``R > R_lin``)."""
    t = [Fraction(float(v)).limit_denominator(10**4) for v in best_t(obj, 0.0)]
    if risk > rhs_ball(obj, t, flint.arb(0)):
        return None
    base = ctx.baseline
    if base.evidence.verdict is not Verdict.HOLDS or base.lower is None:
        return None
    lower = _arb(base.lower)
    if not risk <= lower:
        return None
    return Evidence(
        Verdict.HOLDS, weakest([ctx.method, base.evidence.method]),
        f"R(theta*) <= {fmt_number(risk.upper())} <= R_lin (certified bracket), and the "
        "right-hand side is >= E l(t^T x) >= R_lin for every t",
        margin=safe_float((lower - risk).lower()), tolerance=0.0,
    )


def _float_factor(c: Fraction, fc: FloatContext) -> float:
    """``c G (e^alpha - 1)`` in float64 at the screened point (alpha from the same norms)."""
    alpha = alpha_float(fc.objective.model, fc.theta)
    with np.errstate(over="ignore"):  # a huge alpha: the bound is +inf, numerically satisfied
        return float(c) * float(fc.loss.lipschitz) * float(np.expm1(alpha))


def _screen_bound(c: Fraction) -> Callable[[FloatContext], Evidence]:
    def screen(fc: FloatContext) -> Evidence:
        obj = fc.objective
        slope = _float_factor(c, fc) * _mean_norm(obj)
        rhs, _ = _rhs_float(obj, slope)
        best = rhs(best_t(obj, slope))
        r = float(fc.land.risk)
        tol = fc.tol.band(max(abs(r), abs(best)))
        return numeric(best - r, tol, f"float R = {r:.6g}, min_t RHS = {best:.6g} (c = {c})")

    return screen


def near_identity_bound(c: Fraction) -> Condition:
    """The Y3 conclusion with constant ``c``: ``R(theta*) <= inf_t E l(t^T x) +
    c G (e^alpha - 1) E||x|| ||t||`` (VIOLATED certified or INCONCLUSIVE; HOLDS only via
    ``R <= R_lin``; see the module docstring)."""
    c = Fraction(c)
    name = "near_identity_bound" if c == 1 else f"near_identity_bound_c={c}"
    return Condition(
        name,
        f"R(theta*) <= inf_t E l(t^T x; y) + {c} G (e^alpha - 1) E||x|| ||t||, "
        "alpha = L max_l Lip(block l) (certified upper bound)",
        _certified_bound(c),
        _screen_bound(c),
    )


Y3_BOUND = near_identity_bound(Fraction(1))
Y3_HALF_BOUND = near_identity_bound(Fraction(1, 2))

__all__ = [
    "NEAR_IDENTITY",
    "Y3_BOUND",
    "Y3_HALF_BOUND",
    "alpha_upper",
    "block_lipschitz",
    "near_identity_bound",
    "rhs_ball",
]
