r"""Premise and conclusion checks, each returning :class:`~verify.verdict.Evidence`.

A :class:`Context` holds one evaluation point. It first certifies a critical
point (:func:`verify.certify.certify_critical_point`): either the rational point
itself is exactly critical (then everything is evaluated EXACTLY there), or a
Krawczyk box around it contains a unique critical point (then everything is
evaluated over the box in Arb ball arithmetic, so each statement holds for the
certified critical point, CERTIFIED). If no critical point is certified, the
other checks are still evaluated at the given point, for information.

Exact rank decisions use python-flint ``fmpq_mat.rank``; ball decisions use
certified inertia or determinants; a float rank is never used for a verdict.
"""

from __future__ import annotations

import time
from fractions import Fraction
from functools import cached_property
from typing import Any

import flint
import numpy as np

from verify.certify import (
    Box,
    box_from_evidence,
    certified_inertia,
    certify_critical_point,
    certify_hessian_psd,
    certify_local_minimum,
    certify_negative_curvature,
    is_critical_at,
)
from verify.certify.box import exact_vector
from verify.critical.snapping import snap_rational
from verify.models import ResidualBlock
from verify.numbers.arithmetic import Arithmetic, ball_bounds, fmpq_to_fraction
from verify.numbers.bounds import fmt6, saturating_float
from verify.objectives.empirical import Landscape, Objective
from verify.verdict import Evidence, Method, Verdict, weakest


class Context:
    """One point (or certified box) of one objective, with lazily computed facts."""

    def __init__(self, objective: Objective, theta: Any, *, where: str = "near") -> None:
        t0 = time.perf_counter()
        self.objective = objective
        if objective.exact_ok and where == "near":
            snapped = snap_rational(objective, np.asarray(theta, dtype=object).astype(np.float64))
            if snapped is not None:
                theta = snapped
        self.critical: Evidence = certify_critical_point(objective, theta, where=where)  # type: ignore[arg-type]
        if self.critical.verdict is not Verdict.HOLDS and where == "near":
            # no certified critical point near theta; if theta is not even numerically
            # critical, prove that theta itself is not a critical point
            g = objective.value_and_gradient(exact_vector("theta", theta).astype(np.float64))[1]
            if float(np.linalg.norm(g)) > 1e-6:
                at = is_critical_at(objective, theta)
                if at.verdict is Verdict.VIOLATED:
                    self.critical = at
        box = box_from_evidence(self.critical)
        self.box: Box = box if box is not None else Box(exact_vector("theta", theta))
        exact = objective.exact_ok and self.box.is_point
        self.arith = Arithmetic.EXACT if exact else Arithmetic.BALL
        self.values = self.box.centre if self.arith is Arithmetic.EXACT else self.box.balls()
        self.land: Landscape = objective.evaluate(self.values, self.arith, order=2)
        self.setup_seconds = time.perf_counter() - t0

    @property
    def method(self) -> Method:
        return self.arith.method

    @cached_property
    def baseline(self) -> Any:
        from verify.baseline import best_linear_predictor

        m = self.objective.model
        return best_linear_predictor(
            self.objective.data, self.objective.loss, intercept=m.intercept or m.output_bias
        )

    @cached_property
    def features(self) -> tuple[np.ndarray, np.ndarray]:
        """``(h_L, f)``: the last state (width × n) and outputs, in the context's arithmetic."""
        net = self.objective.network
        x, _ = self.objective.arrays(self.arith)
        fw = net.forward(self.values, x, self.arith)
        return net.last_state(fw), fw.output

    def param(self, name: str) -> np.ndarray:
        return self.objective.model.unpack(self.values)[name]

    def point_summary(self) -> dict[str, Any]:
        if not self.box.is_point:
            radius = float(self.box.radius.max())
            where = f"Krawczyk box of radius {radius:.3g} around a certified critical point"
        elif self.critical.verdict is Verdict.HOLDS:
            where = "exactly critical rational point"
        else:
            where = "the given point (no critical point certified there)"
        return {
            "description": f"{where} ({self.arith.value} arithmetic)",
            "box": self.box.to_dict(),
            "risk": _interval(self.land.risk),
        }


def _interval(value: Any) -> list[float]:
    lo, hi = ball_bounds(np.array([value], dtype=object))
    return [float(lo[0]), float(hi[0])]


def _bounds(value: Any) -> tuple[Any, Any]:
    """Exact (Fraction, Fraction) for rationals, outward float bounds for balls."""
    if isinstance(value, flint.arb):
        lo, hi = _interval(value)
        return lo, hi
    q = fmpq_to_fraction(value) if isinstance(value, flint.fmpq) else Fraction(value)
    return q, q


# ---- premises -----------------------------------------------------------------


def critical_point(ctx: Context) -> Evidence:
    return ctx.critical


def twice_differentiable(ctx: Context) -> Evidence:
    kinked = [st.activation.name for st in ctx.objective.model.stages if st.activation.kinked]
    if not kinked:
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            "structural: every activation is smooth (C^2) and so is the loss.",
        )
    k = ctx.land.kink_margin
    if k is not None and k > 0:
        return Evidence(
            Verdict.HOLDS,
            ctx.method,
            f"every pre-activation of a kinked unit is at least {float(k):.3g} "
            "away from the kink at every sample",
            margin=float(k),
            tolerance=0.0,
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        ctx.method,
        "a sample lies on a ReLU kink (or within the box around it): R is not "
        "known to be twice differentiable here; ReLU'(0) = 0 is only a convention",
        margin=0.0,
    )


def loss_convex_c2(ctx: Context) -> Evidence:
    lss = ctx.objective.loss
    if lss.convex and lss.twice_differentiable:
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            f"loss {lss.name!r} is convex and C^2 in p (catalogue declaration)",
        )
    missing = "convex" if not lss.convex else "twice differentiable"
    return Evidence(Verdict.VIOLATED, Method.EXACT, f"loss {lss.name!r} is not {missing}")


def loss_convex(ctx: Context) -> Evidence:
    lss = ctx.objective.loss
    if lss.convex:
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            f"loss {lss.name!r} is convex and differentiable in p (catalogue)",
        )
    return Evidence(Verdict.VIOLATED, Method.EXACT, f"loss {lss.name!r} is not convex")


def full_rank_hL(ctx: Context) -> Evidence:
    """Yun premise 1: ``E[l''(f(x); y) h_L(x) h_L(x)^T]`` has full rank."""
    h, f = ctx.features
    _, y = ctx.objective.arrays(ctx.arith)
    l2 = ctx.objective.loss.d2(ctx.arith, f, y)[0]
    m = (h * l2) @ h.T
    d = m.shape[0]
    if ctx.arith is Arithmetic.EXACT:
        rank = flint.fmpq_mat(m.tolist()).rank()
        if rank == d:
            return Evidence(Verdict.HOLDS, Method.EXACT, f"exact rank {rank} = d_x")
        return Evidence(
            Verdict.VIOLATED, Method.EXACT, f"exact rank {rank} < d_x = {d}", margin=float(rank - d)
        )
    inertia = certified_inertia(m)
    if inertia.n_pos == d:
        return Evidence(
            Verdict.HOLDS,
            Method.CERTIFIED,
            "certified: every eigenvalue enclosure is positive (Sylvester + Gershgorin)",
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.CERTIFIED,
        f"enclosures decide only {inertia.n_pos} of {d} eigenvalues as positive; "
        "a rank deficiency cannot be proved with balls",
    )


def column_space(ctx: Context) -> Evidence:
    """Yun premise 2: ``col([U_2^T ... U_L^T]) != R^{d_x}``."""
    model = ctx.objective.model
    d = model.d_x
    blocks = [(i, st) for i, st in enumerate(model.stages) if isinstance(st, ResidualBlock)]
    later = blocks[1:]
    if not later:
        return Evidence(
            Verdict.HOLDS, Method.EXACT, "structural: L = 1, so the set of U's is empty"
        )
    no_proj = [i for i, st in later if st.proj is None]
    if no_proj:
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            f"structural: block {no_proj[0]} has no projection (U = I), so the columns span R^d_x",
        )
    total = sum(st.proj for _, st in later if st.proj is not None)
    if total < d:
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            f"structural: sum of m_l = {total} < d_x = {d}",
            margin=float(d - total),
        )
    stacked = np.concatenate([ctx.param(f"blocks[{i}].U") for i, _ in later], axis=0)
    if ctx.arith is Arithmetic.EXACT:
        rank = flint.fmpq_mat(stacked.tolist()).rank()
        if rank < d:
            return Evidence(
                Verdict.HOLDS, Method.EXACT, f"exact rank of stacked U's is {rank} < {d}"
            )
        return Evidence(Verdict.VIOLATED, Method.EXACT, f"exact rank of stacked U's is {d}")
    gram = stacked.T @ stacked
    inertia = certified_inertia(gram)
    if inertia.n_pos == d:
        return Evidence(
            Verdict.VIOLATED,
            Method.CERTIFIED,
            "certified: U^T U is positive definite over the box, so rank = d_x",
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.CERTIFIED,
        "only a float rank is available for the stacked U's; a rank deficiency "
        "cannot be certified with balls",
    )


def w_nonzero(ctx: Context) -> Evidence:
    name = "w" if ctx.objective.model.d_out == 1 else "W"
    w = ctx.param(name).reshape(-1)
    if ctx.arith is Arithmetic.EXACT:
        if any(v != 0 for v in w):
            return Evidence(Verdict.HOLDS, Method.EXACT, f"{name} != 0 exactly")
        return Evidence(Verdict.VIOLATED, Method.EXACT, f"{name} = 0 exactly")
    lo, hi = ball_bounds(w)
    if np.any((lo > 0) | (hi < 0)):
        return Evidence(Verdict.HOLDS, Method.CERTIFIED, f"some entry of {name} excludes 0")
    return Evidence(
        Verdict.INCONCLUSIVE, Method.CERTIFIED, f"every entry's enclosure of {name} contains 0"
    )


def local_minimum(ctx: Context) -> Evidence:
    return certify_local_minimum(ctx.objective, ctx.box)


def rank_condition_k2(ctx: Context) -> Evidence:
    """Kawaguchi--Bengio (derived): rank W = d_y, or rank W < d_x at a local minimum."""
    model = ctx.objective.model
    w = ctx.param("w").reshape(1, -1) if model.d_out == 1 else ctx.param("W")
    d_y, d_x = w.shape
    if ctx.arith is not Arithmetic.EXACT:
        gram = w @ w.T
        if certified_inertia(gram).n_pos == d_y:
            return Evidence(Verdict.HOLDS, Method.CERTIFIED, "certified rank W = d_y")
        return Evidence(
            Verdict.INCONCLUSIVE, Method.CERTIFIED, "rank W < d_y cannot be certified with balls"
        )
    rank = flint.fmpq_mat(w.tolist()).rank()
    if rank == d_y:
        return Evidence(Verdict.HOLDS, Method.EXACT, f"exact rank W = d_y = {d_y}")
    if rank >= d_x:
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            f"exact rank W = {rank}: neither = d_y = {d_y} nor < d_x = {d_x}",
        )
    lm = certify_local_minimum(ctx.objective, ctx.box)
    if lm.verdict is Verdict.HOLDS:
        return Evidence(
            Verdict.HOLDS, lm.method, f"exact rank W = {rank} < d_x and a certified local minimum"
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        lm.method,
        f"rank W = {rank} < d_x but local minimality is not certified: {lm.reason}",
    )


# ---- conclusions ---------------------------------------------------------------


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
    lo, hi = _exact_if_rational(base.lower, r_lo), _exact_if_rational(base.upper, r_hi)
    rng = f"R in [{fmt6(r_lo)}, {fmt6(r_hi)}], R_lin in [{fmt6(lo)}, {fmt6(hi)}]"
    if r_hi <= lo:
        return Evidence(
            Verdict.HOLDS, weakest(methods), rng, margin=saturating_float(lo - r_hi), tolerance=0.0
        )
    if r_lo > hi:
        return Evidence(
            Verdict.VIOLATED,
            weakest(methods),
            f"R > R_lin: {rng}",
            margin=saturating_float(hi - r_lo),
            tolerance=0.0,
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        weakest(methods),
        f"enclosures overlap: {rng}",
        margin=saturating_float(lo - r_hi),
    )


def _exact_if_rational(x: Any, like: Any) -> Any:
    """A finite float as its exact rational when compared with a rational (no float overflow)."""
    if isinstance(like, Fraction) and isinstance(x, float) and np.isfinite(x):
        return Fraction(x)
    return x


def negative_curvature(ctx: Context) -> Evidence:
    """``lambda_min(Hessian R(theta*)) < 0`` (VIOLATED needs a proof of PSD)."""
    ev = certify_negative_curvature(ctx.objective, ctx.box)
    if ev.verdict is Verdict.HOLDS:
        return ev
    psd = certify_hessian_psd(ctx.objective, ctx.box)
    if psd.verdict is Verdict.HOLDS:
        return Evidence(
            Verdict.VIOLATED,
            psd.method,
            f"no negative eigenvalue: {psd.reason}",
            witness=psd.witness,
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        weakest([ev.method, psd.method]),
        f"sign of lambda_min undecided: {ev.reason}",
    )


def better_than_linear_or_saddle(ctx: Context) -> Evidence:
    """The dichotomy ``R <= R_lin`` or ``lambda_min < 0`` (Kleene disjunction).

    Both branches are always evaluated and reported in the witness, so a point
    that is both no worse than linear and a strict saddle shows both.
    """
    a = risk_le_linear(ctx)
    b = negative_curvature(ctx)
    branches = {"risk_le_linear": a.to_dict(), "negative_curvature": b.to_dict()}
    held = [
        (n, e) for n, e in (("R <= R_lin", a), ("strict saddle", b)) if e.verdict is Verdict.HOLDS
    ]
    if held:
        name, ev = min(held, key=lambda ne: ne[1].method.rank)
        also = " (both branches hold)" if len(held) == 2 else ""
        return Evidence(
            Verdict.HOLDS,
            ev.method,
            f"{name}{also}; {ev.reason}",
            margin=a.margin,
            witness=branches,
        )
    if a.verdict is Verdict.VIOLATED and b.verdict is Verdict.VIOLATED:
        return Evidence(
            Verdict.VIOLATED,
            weakest([a.method, b.method]),
            f"{a.reason}; and {b.reason}",
            margin=a.margin,
            witness=branches,
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        weakest([a.method, b.method]),
        f"{a.verdict.value}: {a.reason}; {b.verdict.value}: {b.reason}",
        margin=a.margin,
        witness=branches,
    )


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


def basis_model_stationary(ctx: Context) -> Evidence:
    """K2: ``E[g x^T] = 0`` and ``E[g z^T] = 0``, i.e. (W, WV) is optimal for the
    convex basis problem, so ``L(theta) = L_basis*(theta) <= L_lin*``."""
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
