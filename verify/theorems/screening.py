r"""A cheap float64 screen of a theorem at a numerically found critical point.

The search evaluates thousands of instances; certifying each one (Krawczyk
boxes, Arb Hessians, exact baselines) would be too slow, and is unnecessary
for the large majority where nothing looks wrong. The screen evaluates every
premise and the conclusion in float64 with tolerance bands and returns NUMERIC
evidence plus a *violation score* (positive when the conclusion numerically
fails, larger = more clearly). Only candidates the screen flags are passed to
the certified pipeline (:mod:`verify.theorems.premises`), and only that pipeline can
say VIOLATED.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import numpy as np

from verify.models import ResidualBlock
from verify.objectives.empirical import Landscape, Objective
from verify.theorems.core import Theorem, decide
from verify.tolerances import DEFAULT, Tolerance, verdict_from_margin
from verify.verdict import Evidence, Method, Verdict

N = Method.NUMERIC


@dataclass
class FloatContext:
    """Float64 facts at one point."""

    objective: Objective
    theta: np.ndarray
    tol: Tolerance = DEFAULT

    @cached_property
    def land(self) -> Landscape:
        return self.objective.evaluate(self.theta, "float")

    @cached_property
    def eigenvalues(self) -> np.ndarray:
        h = self.land.hessian
        assert h is not None
        return np.linalg.eigvalsh((h + h.T) / 2)

    @cached_property
    def hscale(self) -> float:
        return max(1.0, float(np.max(np.abs(self.eigenvalues), initial=0.0)))

    @cached_property
    def r_lin(self) -> float:
        return linear_risk_float(self.objective)

    @cached_property
    def features(self) -> tuple[np.ndarray, np.ndarray]:
        net = self.objective.network
        x, _ = self.objective.arrays(self.land.arithmetic)
        fw = net.forward(self.theta, x, self.land.arithmetic)
        return net.last_state(fw), fw.output


def linear_risk_float(obj: Objective) -> float:
    """Float R_lin: least squares for squared losses, else the certified baseline's midpoint."""
    m = obj.model
    x = np.asarray(obj.data.x, dtype=np.float64)
    if m.intercept or m.output_bias:
        x = np.column_stack([x, np.ones(len(x))])
    y = np.asarray(obj.data.y, dtype=np.float64).reshape(len(x), -1)
    if obj.loss.name in ("squared", "squared_half"):
        t = np.linalg.lstsq(x, y, rcond=None)[0]
        r = float(np.sum((x @ t - y) ** 2) / len(x))
        return r / 2 if obj.loss.name == "squared_half" else r
    from verify.baseline import best_linear_predictor

    base = best_linear_predictor(obj.data, obj.loss, intercept=m.intercept or m.output_bias)
    return float(base.value if base.value is not None else base.upper)


def _ev(margin: float, tol: float, reason: str) -> Evidence:
    return Evidence(verdict_from_margin(margin, tol), N, reason, margin=margin, tolerance=tol)


def _critical(c: FloatContext) -> Evidence:
    g = float(np.linalg.norm(c.land.gradient))
    tol = c.tol.grad * max(1.0, abs(float(c.land.risk)))
    return _ev(tol - g, 0.0, f"float |grad R| = {g:.3g} (tolerance {tol:.1g})")


def _twice(c: FloatContext) -> Evidence:
    k = c.land.kink_margin
    if k is None:
        return Evidence(Verdict.HOLDS, Method.EXACT, "structural: smooth activations")
    return Evidence(
        Verdict.HOLDS if k > 1e-9 else Verdict.INCONCLUSIVE,
        N,
        f"float kink margin {k:.3g}",
        margin=float(k),
    )


def _full_rank(c: FloatContext) -> Evidence:
    h, f = c.features
    _, y = c.objective.arrays(c.land.arithmetic)
    l2 = c.objective.loss.d2(c.land.arithmetic, f, y)[0]
    ev = np.linalg.eigvalsh((h * l2) @ h.T / h.shape[1])
    scale = max(1e-300, float(np.max(np.abs(ev))))
    lam = float(ev[0]) / scale
    v = Verdict.HOLDS if lam > 1e-8 else Verdict.INCONCLUSIVE
    return Evidence(v, N, f"relative lambda_min {lam:.3g}", margin=lam, tolerance=1e-8)


def _column_space(c: FloatContext) -> Evidence:
    from verify.theorems import premises as conditions

    model = c.objective.model
    later = [st for st in model.stages if isinstance(st, ResidualBlock)][1:]
    if (
        not later
        or any(st.proj is None for st in later)
        or sum(st.proj or 0 for st in later) < model.d_x
    ):
        return conditions.column_space(_Structural(c))  # type: ignore[arg-type]
    return Evidence(Verdict.INCONCLUSIVE, N, "non-structural rank: left to the certified pipeline")


@dataclass
class _Structural:
    """Just enough of a Context for structural (value-free) checks."""

    c: FloatContext

    @property
    def objective(self) -> Objective:
        return self.c.objective


def _w_nonzero(c: FloatContext) -> Evidence:
    name = "w" if c.objective.model.d_out == 1 else "W"
    w = c.objective.model.unpack(c.theta)[name]
    return _ev(float(np.max(np.abs(w))), 1e-9, f"float max|{name}|")


def _local_min(c: FloatContext) -> Evidence:
    crit = _critical(c)
    lam = float(c.eigenvalues[0]) / c.hscale
    if crit.verdict is not Verdict.HOLDS:
        return Evidence(Verdict.INCONCLUSIVE, N, "not numerically critical")
    return _ev(lam, 1e-9, f"relative float lambda_min {lam:.3g}")


def _rank_k2(c: FloatContext) -> Evidence:
    m = c.objective.model
    w = c.objective.model.unpack(c.theta)["w" if m.d_out == 1 else "W"].reshape(m.d_out, -1)
    s = np.linalg.svd(w, compute_uv=False)
    rank = int(np.sum(s > 1e-9 * max(1.0, float(s[0]))))
    if rank == m.d_out:
        return Evidence(Verdict.HOLDS, N, f"float rank W = d_y = {rank}")
    if rank >= m.d_x:
        return Evidence(Verdict.VIOLATED, N, f"float rank W = {rank} >= d_x")
    return _local_min(c)


def _le_linear(c: FloatContext) -> Evidence:
    r = float(c.land.risk)
    tol = c.tol.band(max(r, c.r_lin))
    return _ev(c.r_lin - r, tol, f"float R = {r:.6g}, R_lin = {c.r_lin:.6g}")


def _dichotomy(c: FloatContext) -> Evidence:
    a = _le_linear(c)
    lam = float(c.eigenvalues[0]) / c.hscale
    b = _ev(-lam, 1e-9, f"relative float lambda_min {lam:.3g}")
    if Verdict.HOLDS in (a.verdict, b.verdict):
        return Evidence(
            Verdict.HOLDS, N, f"{a.reason}; {b.reason}", margin=max(a.margin or 0, -lam)
        )
    v = Verdict.VIOLATED if a.verdict is b.verdict is Verdict.VIOLATED else Verdict.INCONCLUSIVE
    return Evidence(v, N, f"{a.reason}; {b.reason}", margin=max(a.margin or 0.0, -lam))


def _basis(c: FloatContext) -> Evidence:
    from verify.theorems.premises import basis_correlations

    sums = basis_correlations(c.objective, c.theta, c.land.arithmetic)
    res = float(np.linalg.norm(sums)) / c.objective.data.n
    return _ev(1e-7 - res, 0.0, f"float |E[g x^T], E[g z^T]| = {res:.3g}")


NUMERIC_CHECKS: dict[str, Callable[[FloatContext], Evidence]] = {
    "critical_point": _critical,
    "twice_differentiable": _twice,
    "full_rank_hL": _full_rank,
    "column_space": _column_space,
    "w_nonzero": _w_nonzero,
    "local_minimum": _local_min,
    "rank_condition": _rank_k2,
    "risk_le_linear": _le_linear,
    "better_than_linear_or_saddle": _dichotomy,
    "basis_model_optimal": _basis,
}


def screen(theorem: Theorem, ctx: FloatContext) -> tuple[Verdict, bool, float, dict[str, Any]]:
    """Float verdict, vacuity, violation score (> 0: conclusion numerically fails), details."""
    from verify.theorems import premises as conditions

    def run(name: str, check: Callable[[Any], Evidence]) -> Evidence:
        fn = NUMERIC_CHECKS.get(name)
        if fn is not None:
            return fn(ctx)
        if check in (conditions.loss_convex, conditions.loss_convex_c2):
            return check(cast(Any, _Structural(ctx)))
        return Evidence(Verdict.INCONCLUSIVE, N, "no float screen for this condition")

    premises = [(p.name, run(p.name, p.check)) for p in theorem.premises]
    concl = run(theorem.conclusion.name, theorem.conclusion.check)
    verdict, _, vacuous, _ = decide(premises, concl)
    score = -float(concl.margin) if concl.margin is not None else 0.0
    # a candidate: premises hold numerically and the conclusion does not clearly hold
    # (e.g. R > R_lin with a float lambda_min of -1e-17 at a singular PSD Hessian)
    candidate = (
        all(e.verdict is Verdict.HOLDS for _, e in premises) and concl.verdict is not Verdict.HOLDS
    )
    details = {
        "premises": {n: e.verdict.value for n, e in premises},
        "conclusion": concl.verdict.value,
        "candidate": candidate,
    }
    return verdict, vacuous, score, details
