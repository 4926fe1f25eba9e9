r"""Conclusions of the catalogue's theorems, each a :class:`Condition` with its certified
check and its float64 screen side by side.

- :data:`LE_LINEAR`: ``R(theta*) <= R_lin`` against the baseline's certified bracket;
- :data:`DICHOTOMY`: ``R(theta*) <= R_lin`` or ``lambda_min(Hessian) < 0`` (Kleene "or",
  both branches evaluated and reported);
- :data:`BASIS`: Kawaguchi--Bengio's ``L = L_basis*`` via stationarity of the basis problem.

Numbers in reasons are formatted from their exact values (no float overflow at
any scale); margins are finite floats (:func:`~verify.numbers.format.safe_float`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.certify import certify_hessian_psd, certify_negative_curvature, exact_inertia
from verify.numbers.arithmetic import Arithmetic, ball_bounds
from verify.numbers.format import as_fraction, fmt_number, safe_float
from verify.objectives.empirical import Objective
from verify.theorems.context import Context, FloatContext
from verify.theorems.core import Condition
from verify.theorems.premises import exact_entries, numeric
from verify.theorems.y1d_direction import y1d_direction
from verify.verdict import Evidence, Method, Verdict, weakest

N = Method.NUMERIC


def _bounds(value: Any) -> tuple[Any, Any]:
    """Exact ``(Fraction, Fraction)`` for rationals, rigorous ``(Fraction, Fraction)`` of the
    float outward bounds for balls."""
    if isinstance(value, flint.arb):
        lo, hi = ball_bounds(np.array([value], dtype=object))
        return Fraction(float(lo[0])), Fraction(float(hi[0]))
    q = as_fraction(value)
    assert q is not None, value
    return q, q


def _range(lo: Any, hi: Any) -> str:
    return f"[{fmt_number(lo)}, {fmt_number(hi)}]"


# ---- R <= R_lin ----------------------------------------------------------------------------


def risk_le_linear(ctx: Context) -> Evidence:
    """``R(theta*) <= R_lin``, compared against the baseline's certified bracket."""
    base = ctx.baseline
    r_lo, r_hi = _bounds(ctx.land.risk)
    methods = [ctx.method, base.evidence.method]
    if base.evidence.verdict is not Verdict.HOLDS or base.lower is None or base.upper is None:
        return Evidence(
            Verdict.INCONCLUSIVE,
            weakest(methods),
            f"no trustworthy bracket on R_lin: {base.evidence.reason}",
        )
    lo, hi = _bounds(base.lower)[0], _bounds(base.upper)[1]
    rng = f"R in {_range(r_lo, r_hi)}, R_lin in {_range(lo, hi)}"
    if r_lo == r_hi and lo == hi:  # exact values: say the gap, which rounding may hide
        rng += f" (R - R_lin = {fmt_number(r_lo - lo)})"
    if r_hi <= lo:
        return Evidence(
            Verdict.HOLDS, weakest(methods), rng, margin=safe_float(lo - r_hi), tolerance=0.0
        )
    if r_lo > hi:
        return Evidence(
            Verdict.VIOLATED,
            weakest(methods),
            f"R > R_lin: {rng}",
            margin=safe_float(hi - r_lo),
            tolerance=0.0,
        )
    return Evidence(
        Verdict.INCONCLUSIVE, weakest(methods), f"enclosures overlap: {rng}",
        margin=safe_float(lo - r_hi),
    )


def _le_linear_screen(c: FloatContext) -> Evidence:
    r = float(c.land.risk)
    tol = c.tol.band(max(r, c.r_lin))
    return numeric(c.r_lin - r, tol, f"float R = {r:.6g}, R_lin = {c.r_lin:.6g}")


LE_LINEAR = Condition("risk_le_linear", "R(theta*) <= R_lin", risk_le_linear, _le_linear_screen)


# ---- negative curvature ----------------------------------------------------------------------


def negative_curvature(ctx: Context) -> Evidence:
    """``lambda_min(Hessian R(theta*)) < 0``, from the strongest evidence at hand.

    A certified direction with ``v^T H v < 0`` proves it; so does an exact (or
    certified) inertia with a negative eigenvalue even when the float direction
    rounds badly (e.g. ``lambda_min = -3e-25``). VIOLATED needs a proof of PSD.
    """
    hess = ctx.land.hessian
    if hess is not None:
        explicit = y1d_direction(ctx.objective, ctx.box.centre, hess, ctx.method)
        if explicit is not None:
            return explicit
    ev = certify_negative_curvature(ctx.objective, ctx.box)
    if ev.verdict is Verdict.HOLDS:
        return ev
    psd = certify_hessian_psd(ctx.objective, ctx.box)
    if psd.verdict is Verdict.HOLDS:
        return Evidence(
            Verdict.VIOLATED, psd.method, f"no negative eigenvalue: {psd.reason}",
            witness=psd.witness,
        )
    if psd.verdict is Verdict.VIOLATED and psd.method in (Method.EXACT, Method.CERTIFIED):
        return Evidence(
            Verdict.HOLDS,
            psd.method,
            f"a negative eigenvalue is proved by the {psd.method.value} inertia: {psd.reason}",
            witness=psd.witness,
        )
    exact = _exact_point_hessian(ctx)
    if exact is not None:
        inertia = exact_inertia(exact)
        text = f"(n_pos={inertia.n_pos}, n_zero={inertia.n_zero}, n_neg={inertia.n_neg})"
        if inertia.n_neg > 0:
            return Evidence(
                Verdict.HOLDS,
                Method.CERTIFIED,
                "a negative eigenvalue: every Hessian ball at the point has radius 0 (its "
                f"exact value), and its exact inertia is {text}",
            )
        return Evidence(
            Verdict.VIOLATED,
            Method.CERTIFIED,
            "no negative eigenvalue: every Hessian ball at the point has radius 0 (its exact "
            f"value), and its exact inertia is {text}",
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        weakest([ev.method, psd.method]),
        f"sign of lambda_min undecided: {ev.reason}",
    )


def _exact_point_hessian(ctx: Context) -> Any:
    """The Hessian as exact rationals when the point is a point and every ball entry has
    radius 0 (structural zeros and exactly representable values), else ``None``."""
    if not ctx.box.is_point or ctx.land.hessian is None or ctx.arith is Arithmetic.EXACT:
        return None
    return exact_entries(np.asarray(ctx.land.hessian, dtype=object))


def _negative_curvature_screen(c: FloatContext) -> Evidence:
    lam = float(c.eigenvalues[0]) / c.hscale
    return numeric(-lam, 1e-9, f"relative float lambda_min {lam:.3g}")


NEGATIVE_CURVATURE = Condition(
    "negative_curvature",
    "lambda_min(Hessian R(theta*)) < 0",
    negative_curvature,
    _negative_curvature_screen,
)


# ---- the dichotomy ---------------------------------------------------------------------------


def _either(a: Evidence, b: Evidence, names: tuple[str, str]) -> Evidence:
    """Kleene disjunction of two branches, both reported in the witness."""
    branches = {"risk_le_linear": a.to_dict(), "negative_curvature": b.to_dict()}
    held = [(n, e) for n, e in zip(names, (a, b), strict=True) if e.verdict is Verdict.HOLDS]
    if held:
        name, ev = min(held, key=lambda ne: ne[1].method.rank)
        also = " (both branches hold)" if len(held) == 2 else ""
        return Evidence(
            Verdict.HOLDS, ev.method, f"{name}{also}; {ev.reason}", margin=a.margin,
            witness=branches,
        )
    if a.verdict is Verdict.VIOLATED and b.verdict is Verdict.VIOLATED:
        verdict = Verdict.VIOLATED
        reason = f"{a.reason}; and {b.reason}"
    else:
        verdict = Verdict.INCONCLUSIVE
        reason = f"{a.verdict.value}: {a.reason}; {b.verdict.value}: {b.reason}"
    return Evidence(
        verdict, weakest([a.method, b.method]), reason, margin=a.margin, witness=branches
    )


def better_than_linear_or_saddle(ctx: Context) -> Evidence:
    """The dichotomy ``R <= R_lin`` or ``lambda_min < 0``."""
    return _either(risk_le_linear(ctx), negative_curvature(ctx), ("R <= R_lin", "strict saddle"))


def _dichotomy_screen(c: FloatContext) -> Evidence:
    a = _le_linear_screen(c)
    b = _negative_curvature_screen(c)
    margin = max(a.margin or 0.0, b.margin or 0.0)
    if Verdict.HOLDS in (a.verdict, b.verdict):
        return Evidence(Verdict.HOLDS, N, f"{a.reason}; {b.reason}", margin=margin)
    v = Verdict.VIOLATED if a.verdict is b.verdict is Verdict.VIOLATED else Verdict.INCONCLUSIVE
    return Evidence(v, N, f"{a.reason}; {b.reason}", margin=margin)


DICHOTOMY = Condition(
    "better_than_linear_or_saddle",
    "R(theta*) <= R_lin or lambda_min(Hessian R(theta*)) < 0",
    better_than_linear_or_saddle,
    _dichotomy_screen,
)


# ---- Kawaguchi--Bengio: the basis model ----------------------------------------------------------


def basis_correlations(obj: Objective, theta: np.ndarray, arith: Arithmetic) -> np.ndarray:
    """``sum_i g_i x_i^T`` and ``sum_i g_i z_i^T`` (flattened), ``g = l'(f; y)`` and
    ``z = sigma(x)`` the single block's features: both vanish iff (W, WV) is
    stationary for the convex basis problem of Kawaguchi--Bengio."""
    x, y = obj.arrays(arith)
    fw = obj.network.forward(theta, x, arith)
    g = obj.loss.d1(arith, fw.output, y)
    act, pre = obj.network.pre_activations(fw)[0]
    z = act.value(arith, pre)
    return np.concatenate([(g @ x.T).reshape(-1), (g @ z.T).reshape(-1)])


def _basis(ctx: Context) -> Evidence:
    """``E[g x^T] = 0`` and ``E[g z^T] = 0``: (W, WV) is optimal for the convex basis problem,
    so ``L(theta) = L_basis*(theta) <= L_lin*``."""
    grads = basis_correlations(ctx.objective, ctx.values, ctx.arith)
    if ctx.arith is Arithmetic.EXACT:
        if all(v == 0 for v in grads):
            return Evidence(
                Verdict.HOLDS,
                Method.EXACT,
                "E[g x^T] = 0 and E[g z^T] = 0 exactly: (W, WV) is stationary, "
                "hence optimal, for the convex basis problem",
            )
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            "E[g x^T] or E[g z^T] is nonzero: (W, WV) is not optimal for the "
            "basis problem, so L > L_basis*",
        )
    lo, hi = ball_bounds(grads)
    if np.any((lo > 0) | (hi < 0)):
        return Evidence(
            Verdict.VIOLATED,
            Method.CERTIFIED,
            "an entry of E[g x^T], E[g z^T] excludes 0 over the box: L > L_basis*",
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.CERTIFIED,
        "enclosures of E[g x^T], E[g z^T] contain 0; exactness is needed to prove "
        "stationarity of the basis problem",
    )


def _basis_screen(c: FloatContext) -> Evidence:
    sums = basis_correlations(c.objective, c.theta, c.land.arithmetic)
    res = float(np.linalg.norm(sums)) / c.objective.data.n
    return numeric(1e-7 - res, 0.0, f"float |E[g x^T], E[g z^T]| = {res:.3g}")


BASIS = Condition(
    "basis_model_optimal",
    "L(theta*) = L_basis*(theta*) (<= L_lin*): E[g x^T] = 0 and E[g z^T] = 0",
    _basis,
    _basis_screen,
)
