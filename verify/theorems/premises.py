r"""Premises of the catalogue's theorems: each a :class:`Condition` with its certified check
and its float64 screen side by side.

A certified check takes a :class:`~verify.theorems.context.Context` (exact point
or Krawczyk box) and returns EXACT or CERTIFIED evidence; its screen takes a
:class:`~verify.theorems.context.FloatContext` and returns NUMERIC evidence
used only to decide what to certify. Exact rank decisions use python-flint
``fmpq_mat.rank``; ball decisions use certified inertia; a float rank is never
used for a verdict.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.certify import certified_inertia, certify_local_minimum
from verify.models import ResidualBlock
from verify.numbers.arithmetic import Arithmetic, ball_bounds, to_fmpq
from verify.numbers.format import fmt_number, safe_float
from verify.theorems.context import Context, FloatContext
from verify.theorems.core import Condition
from verify.tolerances import verdict_from_margin
from verify.verdict import Evidence, Method, Verdict, weakest

N = Method.NUMERIC


def numeric(margin: float, tol: float, reason: str) -> Evidence:
    """NUMERIC evidence from a signed margin and a tolerance band."""
    return Evidence(verdict_from_margin(margin, tol), N, reason, margin=margin, tolerance=tol)


def exact_entries(values: np.ndarray) -> np.ndarray | None:
    """The entries as exact ``fmpq`` if every one is exact (a rational or a zero-radius
    ball, whose midpoint is a dyadic rational), else ``None``."""
    out = np.empty(values.shape, dtype=object)
    for idx, v in np.ndenumerate(values):
        if isinstance(v, flint.arb):
            if not v.is_exact() or not v.is_finite():
                return None
            man, exp = v.mid().man_exp()
            out[idx] = flint.fmpq(man) * flint.fmpq(2) ** int(exp)
        else:
            out[idx] = to_fmpq(v)
    return out


# ---- critical point (a qualifier: the theorem speaks only at critical points) --------


def _critical(ctx: Context) -> Evidence:
    return ctx.critical


def _critical_screen(c: FloatContext) -> Evidence:
    g = float(np.linalg.norm(c.land.gradient))
    tol = c.tol.grad * max(1.0, abs(float(c.land.risk)))
    return numeric(tol - g, 0.0, f"float |grad R| = {g:.3g} (tolerance {tol:.1g})")


CRITICAL = Condition(
    "critical_point",
    "theta* is a critical point of R (certified)",
    _critical,
    _critical_screen,
    qualifier=True,
)


# ---- twice differentiable: kinks of activations and of the loss, per sample --------------


def _loss_kink_margin(ctx: Context | FloatContext, arith: Arithmetic, f: np.ndarray) -> Any:
    """Smallest distance of a residual ``r = f - y`` to a kink ``±k`` of the loss (``None`` if
    the loss is C^2): exact for rationals, a rigorous lower bound for balls, float for float."""
    kinks = loss_kinks(ctx.loss)
    if not kinks:
        return None
    _, y = ctx.objective.arrays(arith)
    r = (f - y).reshape(-1)
    if arith is Arithmetic.FLOAT:
        return min(abs(abs(float(v)) - float(k)) for v in r for k in kinks)
    if arith is Arithmetic.EXACT:
        return min(abs(abs(v) - to_fmpq(k)) for v in r for k in kinks)
    lo, hi = ball_bounds(r)
    best: Fraction | None = None
    for lo_i, hi_i in zip(lo, hi, strict=True):
        if not (np.isfinite(lo_i) and np.isfinite(hi_i)):
            return Fraction(0)
        a, b = Fraction(float(lo_i)), Fraction(float(hi_i))
        for k in kinks:
            for t in (Fraction(k), -Fraction(k)):
                d = Fraction(0) if a <= t <= b else min(abs(a - t), abs(b - t))
                best = d if best is None or d < best else best
    return best


def loss_kinks(loss: Any) -> tuple[Fraction, ...] | None:
    """Residual magnitudes ``|f - y|`` where the loss is not C^2 in ``p``: ``()`` for a C^2
    loss, ``(delta,)`` for Huber, ``None`` if unknown (a loss not C^2 for another reason)."""
    if loss.twice_differentiable:
        return ()
    if loss.name == "huber":
        return (Fraction(loss.param("delta")),)
    return None


def _output_gradient(ctx: Context, i: int, o: int) -> list[Any]:
    """Exact ``grad_theta f_o(x_i)`` at the context's exact point: the gradient of
    ``(f_o - y)^2 / 2`` on the single sample ``(x_i, y = f(x_i) + e_o)`` is ``-c grad f_o``
    for a constant ``c > 0`` (the engine's own exact derivative, no new formula)."""
    from verify.catalogue.losses import loss as make_loss
    from verify.data import Dataset
    from verify.objectives.empirical import Objective

    obj = ctx.objective
    f = ctx.features[1]
    d_out = obj.model.d_out
    y = [Fraction(int(f[k, i].p), int(f[k, i].q)) + (1 if k == o else 0) for k in range(d_out)]
    data = Dataset(
        np.array([list(obj.data.x[i])], dtype=object),
        np.array([y[0]] if d_out == 1 else [y], dtype=object),
    )
    single = Objective(obj.model, make_loss("squared_half"), data)
    grad = single.evaluate(ctx.values, Arithmetic.EXACT, order=1).gradient
    return [-v for v in grad]


def _loss_kink_jump(ctx: Context, kinks: tuple[Fraction, ...]) -> Evidence:
    """Exact decision at an exact point where some residual sits exactly on a loss kink.

    Along ``theta* + t v`` a sample with residual ``r_i = s delta`` (``s = ±1``) and
    ``a_i = grad f(x_i)`` leaves the quadratic piece of Huber on one side only, so the
    one-sided second derivatives of ``t -> R`` differ by ``J(v) = (1/n)
    sum_i -s_i (a_i . v)^2`` (``l'`` is continuous, every other term is C^2 there). If the
    matrix ``sum_i -s_i a_i a_i^T`` is not 0, some ``v`` has ``J(v) != 0`` and R is not
    twice differentiable at theta*: VIOLATED, EXACT. If it is 0 the jumps cancel to second
    order and this check cannot decide: INCONCLUSIVE."""
    _, f = ctx.features
    _, y = ctx.objective.arrays(ctx.arith)
    r = f - y
    on: list[tuple[int, int, int]] = []
    for (o, i), v in np.ndenumerate(r):
        for kink in kinks:
            kq = to_fmpq(kink)
            if v == kq or v == -kq:
                on.append((i, o, 1 if v == kq else -1))
    p = ctx.objective.n_params
    jump = [[flint.fmpq(0)] * p for _ in range(p)]
    for i, o, sign in on:
        a = _output_gradient(ctx, i, o)
        for j in range(p):
            if a[j] == 0:
                continue
            for m in range(p):
                jump[j][m] -= sign * a[j] * a[m]
    where = ", ".join(f"sample {i} (residual {'+' if s > 0 else '-'}delta)" for i, _, s in on)
    if any(v != 0 for row in jump for v in row):
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            f"R is not twice differentiable at theta*: {where} sits exactly on a kink of "
            f"{ctx.loss.label}, and the one-sided second derivatives differ along some "
            "direction (the jump matrix sum -s_i a_i a_i^T, a_i = grad f(x_i), is not 0)",
            margin=0.0,
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.EXACT,
        f"{where} sits exactly on a kink of {ctx.loss.label}, but the one-sided second "
        "derivatives agree to second order (the jump matrix is 0): twice differentiability "
        "is undecided",
        margin=0.0,
    )


def _twice(ctx: Context) -> Evidence:
    kinked = [st.activation.name for st in ctx.objective.model.stages if st.activation.kinked]
    lks = loss_kinks(ctx.loss)
    if lks is None:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            f"the loss {ctx.loss.label} is not C^2 and its kinks are not known to the toolkit",
        )
    if not kinked and not lks:
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            "structural: every activation is smooth (C^2) and the loss is C^2 in p",
        )
    parts = []
    k = ctx.land.kink_margin if kinked else None
    if kinked and not (k is not None and k > 0):
        return Evidence(
            Verdict.INCONCLUSIVE,
            ctx.method,
            "a sample lies on a ReLU kink (or within the box around it): R is not "
            "known to be twice differentiable here; ReLU'(0) = 0 is only a convention",
            margin=0.0,
        )
    if kinked:
        parts.append(f"every kinked pre-activation is at least {fmt_number(k, 3)} from the kink")
    lk = _loss_kink_margin(ctx, ctx.arith, ctx.features[1]) if lks else None
    if lks and ctx.arith is Arithmetic.EXACT and lk == 0:
        return _loss_kink_jump(ctx, lks)
    if lks and not (lk is not None and lk > 0):
        return Evidence(
            Verdict.INCONCLUSIVE,
            ctx.method,
            f"a residual f - y of some sample is at a kink of the loss {ctx.loss.label} "
            f"(|r| = {', '.join(str(x) for x in lks)}), or its enclosure reaches one: "
            "the loss is not twice differentiable there",
            margin=0.0,
        )
    if lks:
        parts.append(f"every residual is at least {fmt_number(lk, 3)} from the loss's kinks")
    margin = min(safe_float(m) for m in (k, lk) if m is not None)
    return Evidence(Verdict.HOLDS, ctx.method, "; ".join(parts), margin=margin, tolerance=0.0)


def _twice_screen(c: FloatContext) -> Evidence:
    if loss_kinks(c.loss) is None:
        return Evidence(Verdict.INCONCLUSIVE, N, f"kinks of the loss {c.loss.label} unknown")
    k = c.land.kink_margin
    lk = _loss_kink_margin(c, Arithmetic.FLOAT, c.land.outputs)
    margins = [float(m) for m in (k, lk) if m is not None]
    if not margins:
        return Evidence(Verdict.HOLDS, Method.EXACT, "structural: smooth activations and loss")
    m = min(margins)
    return Evidence(
        Verdict.HOLDS if m > 1e-9 else Verdict.INCONCLUSIVE, N, f"float kink margin {m:.3g}",
        margin=m,
    )


TWICE_DIFF = Condition(
    "twice_differentiable",
    "R is twice differentiable at theta* (no sample on a kink of an activation or the loss)",
    _twice,
    _twice_screen,
)


# ---- Yun premise 1 -------------------------------------------------------------------


def _full_rank(ctx: Context) -> Evidence:
    """``E[l''(f(x); y) h_L(x) h_L(x)^T]`` has full rank."""
    h, f = ctx.features
    _, y = ctx.objective.arrays(ctx.arith)
    l2 = ctx.objective.loss.d2(ctx.arith, f, y)[0]
    m = (h * l2) @ h.T
    d = m.shape[0]
    exact = m if ctx.arith is Arithmetic.EXACT else exact_entries(m)
    if exact is not None:
        rank = flint.fmpq_mat(exact.tolist()).rank()
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


def _full_rank_screen(c: FloatContext) -> Evidence:
    h, f = c.features
    _, y = c.objective.arrays(c.land.arithmetic)
    l2 = c.objective.loss.d2(c.land.arithmetic, f, y)[0]
    ev = np.linalg.eigvalsh((h * l2) @ h.T / h.shape[1])
    scale = max(1e-300, float(np.max(np.abs(ev))))
    lam = float(ev[0]) / scale
    v = Verdict.HOLDS if lam > 1e-8 else Verdict.INCONCLUSIVE
    return Evidence(v, N, f"relative lambda_min {lam:.3g}", margin=lam, tolerance=1e-8)


FULL_RANK = Condition(
    "full_rank_hL",
    "E[l''(f(x); y) h_L(x) h_L(x)^T] has full rank d_x",
    _full_rank,
    _full_rank_screen,
)


# ---- Yun premise 2 -------------------------------------------------------------------


def _structural_column_space(model: Any) -> Evidence | None:
    d = model.d_x
    later = [st for st in model.stages if isinstance(st, ResidualBlock)][1:]
    if not later:
        return Evidence(
            Verdict.HOLDS, Method.EXACT, "structural: L = 1, so the set of U's is empty"
        )
    if any(st.proj is None for st in later):
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            "structural: a later block has no projection (U = I), so the columns span R^d_x",
        )
    total = sum(st.proj for st in later if st.proj is not None)
    if total < d:
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            f"structural: sum of m_l = {total} < d_x = {d}",
            margin=float(d - total),
        )
    return None


def _column_space(ctx: Context) -> Evidence:
    """``col([U_2^T ... U_L^T]) != R^{d_x}``."""
    model = ctx.objective.model
    structural = _structural_column_space(model)
    if structural is not None:
        return structural
    d = model.d_x
    later = [i for i, st in enumerate(model.stages) if isinstance(st, ResidualBlock)][1:]
    stacked = np.concatenate([ctx.param(f"blocks[{i}].U") for i in later], axis=0)
    exact = stacked if ctx.arith is Arithmetic.EXACT else exact_entries(stacked)
    if exact is not None:  # the U entries are exact even inside a box (zero radius)
        rank = flint.fmpq_mat(exact.tolist()).rank()
        if rank < d:
            return Evidence(
                Verdict.HOLDS, Method.EXACT, f"exact rank of stacked U's is {rank} < {d}"
            )
        return Evidence(Verdict.VIOLATED, Method.EXACT, f"exact rank of stacked U's is {d}")
    inertia = certified_inertia(stacked.T @ stacked)
    if inertia.n_pos == d:
        return Evidence(
            Verdict.VIOLATED,
            Method.CERTIFIED,
            "certified: U^T U is positive definite over the box, so rank = d_x",
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.CERTIFIED,
        "the stacked U's are not exact and a rank deficiency cannot be certified with balls",
    )


def _column_space_screen(c: FloatContext) -> Evidence:
    structural = _structural_column_space(c.objective.model)
    if structural is not None:
        return structural
    return Evidence(Verdict.INCONCLUSIVE, N, "non-structural rank: left to the certified pipeline")


COLUMN_SPACE = Condition(
    "column_space", "col([U_2^T ... U_L^T]) != R^{d_x}", _column_space, _column_space_screen
)


# ---- w != 0 --------------------------------------------------------------------------


def _output_name(model: Any) -> str:
    return "w" if model.d_out == 1 else "W"


def _w_nonzero(ctx: Context) -> Evidence:
    name = _output_name(ctx.objective.model)
    w = ctx.param(name).reshape(-1)
    exact = w if ctx.arith is Arithmetic.EXACT else exact_entries(w)
    if exact is not None:
        if any(v != 0 for v in exact):
            return Evidence(Verdict.HOLDS, Method.EXACT, f"{name} != 0 exactly")
        return Evidence(Verdict.VIOLATED, Method.EXACT, f"{name} = 0 exactly")
    lo, hi = ball_bounds(w)
    if np.any((lo > 0) | (hi < 0)):
        return Evidence(Verdict.HOLDS, Method.CERTIFIED, f"some entry of {name} excludes 0")
    return Evidence(
        Verdict.INCONCLUSIVE, Method.CERTIFIED, f"every entry's enclosure of {name} contains 0"
    )


def _w_nonzero_screen(c: FloatContext) -> Evidence:
    name = _output_name(c.objective.model)
    return numeric(float(np.max(np.abs(c.param(name)))), 1e-9, f"float max|{name}|")


W_NONZERO = Condition("w_nonzero", "w* != 0", _w_nonzero, _w_nonzero_screen)


# ---- local minimum (a qualifier for claims about local minima) ------------------------


def _local_min(ctx: Context) -> Evidence:
    return certify_local_minimum(ctx.objective, ctx.box)


def _local_min_screen(c: FloatContext) -> Evidence:
    if _critical_screen(c).verdict is not Verdict.HOLDS:
        return Evidence(Verdict.INCONCLUSIVE, N, "not numerically critical")
    lam = float(c.eigenvalues[0]) / c.hscale
    return numeric(lam, 1e-9, f"relative float lambda_min {lam:.3g}")


LOCAL_MIN = Condition(
    "local_minimum",
    "theta* is a (certified strict) local minimum",
    _local_min,
    _local_min_screen,
    qualifier=True,
)


# ---- Kawaguchi--Bengio rank condition ----------------------------------------------------


def _output_matrix(ctx: Context | FloatContext) -> np.ndarray:
    m = ctx.objective.model
    w = ctx.param(_output_name(m))
    return w.reshape(1, -1) if m.d_out == 1 else w


def _rank_k2(ctx: Context) -> Evidence:
    """rank W = d_y, or rank W < d_x at a local minimum."""
    w = _output_matrix(ctx)
    d_y, d_x = w.shape
    exact = w if ctx.arith is Arithmetic.EXACT else exact_entries(w)
    if exact is not None:
        rank = flint.fmpq_mat(exact.tolist()).rank()
        method = Method.EXACT
    else:  # balls: only full-rank facts can be certified
        if d_y <= d_x and certified_inertia(w @ w.T).n_pos == d_y:
            return Evidence(Verdict.HOLDS, Method.CERTIFIED, "certified rank W = d_y")
        if d_y > d_x and certified_inertia(w.T @ w).n_pos == d_x:
            return Evidence(
                Verdict.VIOLATED,
                Method.CERTIFIED,
                f"structural rank W <= d_x = {d_x} < d_y = {d_y}, and W^T W is certified "
                "positive definite, so rank W = d_x: neither = d_y nor < d_x",
            )
        return Evidence(
            Verdict.INCONCLUSIVE, Method.CERTIFIED, "rank W cannot be decided with balls here"
        )
    if rank == d_y:
        return Evidence(Verdict.HOLDS, method, f"exact rank W = d_y = {d_y}")
    if rank >= d_x:
        return Evidence(
            Verdict.VIOLATED,
            method,
            f"exact rank W = {rank}: neither = d_y = {d_y} nor < d_x = {d_x}",
        )
    lm = certify_local_minimum(ctx.objective, ctx.box)
    if lm.verdict is Verdict.HOLDS:
        return Evidence(
            Verdict.HOLDS, lm.method, f"exact rank W = {rank} < d_x and a certified local minimum"
        )
    if lm.verdict is Verdict.VIOLATED:  # a certified negative eigenvalue: not a local minimum
        return Evidence(
            Verdict.VIOLATED,
            weakest([method, lm.method]),
            f"exact rank W = {rank}: not d_y = {d_y}, and < d_x but the point is not a local "
            f"minimum: {lm.reason}",
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        lm.method,
        f"rank W = {rank} < d_x but local minimality is not certified: {lm.reason}",
    )


def _rank_k2_screen(c: FloatContext) -> Evidence:
    m = c.objective.model
    s = np.linalg.svd(_output_matrix(c), compute_uv=False)
    rank = int(np.sum(s > 1e-9 * max(1.0, float(s[0]))))
    if rank == m.d_out:
        return Evidence(Verdict.HOLDS, N, f"float rank W = d_y = {rank}")
    if rank >= m.d_x:
        return Evidence(Verdict.VIOLATED, N, f"float rank W = {rank} >= d_x")
    return _local_min_screen(c)


RANK_K2 = Condition(
    "rank_condition",
    "rank W = d_y, or rank W < d_x at a local minimum",
    _rank_k2,
    _rank_k2_screen,
)
