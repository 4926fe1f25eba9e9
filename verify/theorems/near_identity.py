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
is the planted false claim P-Y3-HALF of :mod:`verify.theorems.planted`). ``alpha`` is the
smallest admissible one, ``L max_l Lip(block l)``; the right-hand side grows with it. The
bounds on it are in :mod:`verify.theorems.block_lipschitz`.

What the certified check establishes:

* VIOLATED (CERTIFIED): with ``alpha_bar >=`` ``alpha`` (certified upper bound: every block
  is then ``(alpha_bar/L)``-Lipschitz, so the premise holds with ``alpha_bar``), an explicit
  rational ``t`` (chosen in float64 by minimising the right-hand side, then rationalised)
  with ``R(theta*) >`` a rigorous upper bound of the right-hand side at ``t`` (``R`` exact
  at an exact point, else its Arb enclosure over the certified box; ``E l(t^T x)`` exact
  for Huber, Arb for logistic; ``e^alpha_bar`` in Arb).
* HOLDS (CERTIFIED) only with a certified lower bound of ``inf_t RHS(t)`` above
  ``R(theta*)``: with ``alpha_lo <= alpha`` (certified lower bound) and a rational ``t0``
  (``0`` or the rationalised minimiser) where ``s = E[l'(t0^T x) x]`` has
  ``||s|| <= c G (e^alpha_lo - 1) E||x||``, convexity gives ``RHS(t) >= E l(t0^T x) -
  s^T t0`` for every ``t`` (:func:`infimum_lower_bound`); or ``R(theta*) <= R_lin``
  (certified bracket), since ``RHS(t) >= E l(t^T x) >= R_lin``.
* INCONCLUSIVE otherwise: the infimum over ``t`` is not certified by anything else, so
  "not refuted" is never reported as HOLDS.

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
from verify.theorems.block_lipschitz import (
    LIPSCHITZ_AT_ZERO,
    alpha_float,
    alpha_lower,
    alpha_upper,
    as_arb,
)
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

# ---- setting ---------------------------------------------------------------------------


def _no_intercept(model: Model, loss: Any) -> str | None:
    return "intercept is true (h_0 = x is required)" if model.intercept else None


def _bias_free(model: Model, loss: Any) -> str | None:
    bad = [i for i, b in enumerate(model.stages) if isinstance(b, ResidualBlock) and b.bias]
    return f"block {bad[0]} has a bias (phi(0) = 0 is required)" if bad else None


def _activations(model: Model, loss: Any) -> str | None:
    for i, b in enumerate(model.stages):
        if b.activation.name not in LIPSCHITZ_AT_ZERO:
            return (
                f"block {i} uses {b.activation.name!r}, not one of "
                f"{', '.join(LIPSCHITZ_AT_ZERO)} (sigma(0) = 0 and Lipschitz)"
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


def _loss_terms(obj: Any, t: list[Fraction], grad: bool = False) -> tuple[Any, Any]:
    """``(E l(t^T x; y), E[l'(t^T x; y) x])`` at rational ``t``: exact ``fmpq`` for rational
    losses (Huber), Arb balls otherwise; the gradient only with ``grad``."""
    arith = Arithmetic.EXACT if obj.loss.exact_ok else Arithmetic.BALL
    x, y = obj.arrays(arith)
    tq = np.array([to_fmpq(v) for v in t], dtype=object)
    if arith is Arithmetic.BALL:
        tq = np.array([flint.arb(v) for v in tq], dtype=object)
    p = (tq @ x).reshape(1, -1)
    n = x.shape[1]
    mean = sum(np.asarray(obj.loss.value(arith, p, y)).flat, arith.scalar(0)) / n
    if not grad:
        return mean, None
    g = np.asarray(obj.loss.d1(arith, p, y)).reshape(-1)
    return mean, [sum((g[i] * x[j, i] for i in range(n)), arith.scalar(0)) / n
                  for j in range(x.shape[0])]


def _mean_norm_ball(obj: Any) -> flint.arb:
    x, _ = obj.arrays(Arithmetic.EXACT if obj.loss.exact_ok else Arithmetic.BALL)
    xa = np.array([as_arb(v) for v in x.flat], dtype=object).reshape(x.shape)
    n = x.shape[1]
    return sum(
        (sum((v * v for v in xa[:, i]), flint.arb(0)).sqrt() for i in range(n)), flint.arb(0)
    ) / n


def rhs_ball(obj: Any, t: list[Fraction], factor: flint.arb) -> flint.arb:
    """Rigorous enclosure of ``E l(t^T x; y) + factor E||x|| ||t||`` at rational ``t``."""
    mean_loss, _ = _loss_terms(obj, t)
    t_norm = sum((flint.arb(to_fmpq(v)) * flint.arb(to_fmpq(v)) for v in t), flint.arb(0)).sqrt()
    return as_arb(mean_loss) + factor * _mean_norm_ball(obj) * t_norm


def infimum_lower_bound(obj: Any, t0: list[Fraction], slope: flint.arb) -> Any:
    """A rigorous lower bound of ``inf_t E l(t^T x) + slope ||t||`` from the point ``t0``, or
    ``None``: with ``s = E[l'(t0^T x) x]`` and ``||s|| <= slope`` (certified), convexity gives
    ``E l(t^T x) + slope ||t|| >= E l(t0^T x) + s^T (t - t0) + slope ||t||
    >= E l(t0^T x) - s^T t0`` for every ``t``. Exact (``fmpq``) for rational losses."""
    mean, s = _loss_terms(obj, t0, grad=True)
    arith = Arithmetic.EXACT if obj.loss.exact_ok else Arithmetic.BALL
    sq = sum((v * v for v in s), arith.scalar(0))
    lo = slope.lower()
    if not (lo >= 0 and (sq == 0 or as_arb(sq) <= lo * lo)):
        return None
    return mean - sum((si * arith.scalar(ti) for si, ti in zip(s, t0, strict=True)),
                      arith.scalar(0))


def _t_text(t: list[Fraction]) -> str:
    return "(" + ", ".join(str(v) for v in t) + ")"


def _certified_bound(c: Fraction) -> Callable[[Context], Evidence]:
    def check(ctx: Context) -> Evidence:
        obj = ctx.objective
        risk = as_arb(ctx.land.risk)
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
        held = _holds_by_subgradient(ctx, risk, c, t_float) or _holds_by_linear(ctx, risk, obj)
        if held is not None:
            return held
        where = "" if best is None else (
            f"; the best rational t = {_t_text(best[1])} gives RHS <= {fmt_number(best[0].upper())}"
        )
        return Evidence(
            Verdict.INCONCLUSIVE, method,
            f"not refuted: R(theta*) in [{fmt_number(r_lo)}, {fmt_number(risk.upper())}]{where} "
            f"({about}); HOLDS needs a certified lower bound of the infimum over t above "
            "R(theta*) (a subgradient certificate at t0 = 0 or near the minimiser, or "
            "R(theta*) <= R_lin), and none was found",
            margin=None if best is None else safe_float(best[0].upper() - r_lo),
        )

    return check


def _mean_norm(obj: Any) -> float:
    x, _ = _float_data(obj)
    return float(np.mean(np.linalg.norm(x, axis=0)))


def _holds_by_subgradient(
    ctx: Context, risk: flint.arb, c: Fraction, t_float: np.ndarray
) -> Evidence | None:
    """HOLDS if ``R(theta*) <=`` a certified lower bound of ``inf_t RHS(t)`` evaluated with
    ``alpha_lo <= alpha`` (:func:`~verify.theorems.block_lipschitz.alpha_lower`; the
    right-hand side grows with ``alpha``), from :func:`infimum_lower_bound` at ``t0 = 0``
    or at the rationalised float minimiser."""
    obj = ctx.objective
    alpha = alpha_lower(obj.model, ctx.values)
    slope = (flint.arb(to_fmpq(c)) * flint.arb(to_fmpq(obj.loss.lipschitz))
             * (alpha.exp() - 1) * _mean_norm_ball(obj))
    if not slope.is_finite():
        return None
    for t0 in [[Fraction(0)] * len(t_float), *_candidates(t_float)[:-1]]:
        bound = infimum_lower_bound(obj, t0, slope)
        if bound is None:
            continue
        exact = not isinstance(bound, flint.arb) and not isinstance(ctx.land.risk, flint.arb)
        if (ctx.land.risk <= bound) if exact else (risk <= as_arb(bound)):
            return Evidence(
                Verdict.HOLDS, weakest([ctx.method, Method.CERTIFIED]),
                f"R(theta*) <= {fmt_number(risk.upper())} <= {fmt_number(bound)} <= inf_t RHS: "
                f"at t0 = {_t_text(t0)} the gradient s of E l(t^T x) has ||s|| <= "
                f"c G (e^alpha_lo - 1) E||x||, so RHS(t) >= E l(t0^T x) - s^T t0 for every t "
                f"(convexity), with alpha_lo = {fmt_number(alpha)} a certified lower bound of "
                "L max_l Lip(block l) (the right-hand side grows with alpha)",
                margin=safe_float(as_arb(bound) - risk), tolerance=0.0,
                witness={"t0": [str(v) for v in t0], "alpha_lo": fmt_number(alpha, 17)},
            )
    return None


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
    lower = as_arb(base.lower)
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
    c G (e^alpha - 1) E||x|| ||t||``: VIOLATED (certified, with ``alpha_bar >= alpha``),
    HOLDS only with a certified lower bound of the infimum (with ``alpha_lo <= alpha``),
    else INCONCLUSIVE; see the module docstring."""
    c = Fraction(c)
    name = "near_identity_bound" if c == 1 else f"near_identity_bound_c={c}"
    return Condition(
        name,
        f"R(theta*) <= inf_t E l(t^T x; y) + {c} G (e^alpha - 1) E||x|| ||t||, "
        "alpha = L max_l Lip(block l)",
        _certified_bound(c),
        _screen_bound(c),
    )


Y3_BOUND = near_identity_bound(Fraction(1))
Y3_HALF_BOUND = near_identity_bound(Fraction(1, 2))

__all__ = [
    "NEAR_IDENTITY",
    "Y3_BOUND",
    "Y3_HALF_BOUND",
    "best_t",
    "infimum_lower_bound",
    "near_identity_bound",
    "rhs_ball",
]
