r"""Numerical solve of the linear baseline: CVXPY, damped Newton polish, KKT re-check.

Everything here is float64 and only *proposes* a point ``t`` (``Method.NUMERIC``
at best): the solver status is recorded, never trusted. The first solver
(Clarabel by default) falls back to the other (SCS); each answer is polished
with damped Newton steps that never make the objective worse, and is accepted
only if the KKT residual ``|E[l'(t^T x; y) x]|`` meets the gradient tolerance.
An optional cross-check solves with both solvers and compares the raw
objectives. Whether the point gives a tight, rigorous bracket on ``R_lin`` is
decided afterwards from exact or ball arithmetic (:mod:`verify.baseline.exact`).

:class:`ProblemCache` keeps compiled, parametrized CVXPY problems for reuse; it
is public through :mod:`verify.baseline`.
"""

from __future__ import annotations

import math
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from verify.baseline.exact import LinearData
from verify.catalogue.losses import Loss
from verify.errors import InvalidInput
from verify.numbers.arithmetic import Arithmetic
from verify.tolerances import DEFAULT, Tolerance

if TYPE_CHECKING:  # pragma: no cover - cvxpy is imported lazily (its import takes ~1.5 s)
    import cvxpy as cp

SOLVERS = ("clarabel", "scs")

_CVXPY_NAMES = {"clarabel": "CLARABEL", "scs": "SCS"}
_AGREE_RTOL = 1e-4  # second-solver agreement (SCS is a first-order method)
_NEWTON_ITERS = 50


# ---------------------------------------------------------------------------
# Reusable CVXPY problems
# ---------------------------------------------------------------------------


class _Template:
    """One CVXPY problem ``min_t (1/n) sum_i l(...)`` for a loss and shape."""

    def __init__(self, loss: Loss, n: int, d: int, mat: np.ndarray | None, y: np.ndarray | None):
        import cvxpy as cp

        self.t = cp.Variable(d)
        self.params: tuple[cp.Parameter, ...] = ()
        if mat is None:  # parametrized (DPP): compiled once, reused for new values
            m_param = cp.Parameter((n, d))
            self.params = (m_param,)
            mat_expr: Any = m_param
            y_expr: Any = None
            if not loss.margin:
                y_param = cp.Parameter(n)
                self.params = (m_param, y_param)
                y_expr = y_param
        else:
            mat_expr, y_expr = mat, y
        pred = mat_expr @ self.t
        expr = loss.cvxpy_margin(pred) if loss.margin else loss.cvxpy(pred, y_expr)
        self.problem = cp.Problem(cp.Minimize(cp.sum(expr) / n))

    def set(self, mat: np.ndarray, y: np.ndarray) -> None:
        self.params[0].value = mat
        if len(self.params) > 1:
            self.params[1].value = y


class ProblemCache:
    """Parametrized CVXPY problems, reused across solves of the same shape.

    Pass one instance to many :func:`best_linear_predictor` calls: problems are
    keyed by ``(loss, n, d)`` and compiled once (CVXPY's DPP path), so later
    solves skip canonicalization.  Measured in ``benchmarks/baseline.py``: the
    raw solve is 2.4x (logistic) to 4x (Huber) faster at ``n x d = 20 x 3`` and
    1.1x to 2.3x at ``200 x 10``; a whole :func:`best_linear_predictor` call
    (which also runs LPs and exact certificates) 1.5x to 2.3x and 1.0x to 1.3x.
    Every solve is cold-started (``warm_start=False``): the problems are
    unrelated, and SCS warm-started from the previous one needed about twice
    the iterations.  The cache holds at most ``maxsize`` problems (least
    recently used evicted) and is not thread-safe: use one per thread.
    """

    def __init__(self, maxsize: int = 32) -> None:
        if not isinstance(maxsize, int) or isinstance(maxsize, bool) or maxsize < 1:
            raise InvalidInput(f"maxsize={maxsize!r} must be a positive integer; pass e.g. 32.")
        self.maxsize = maxsize
        self._store: OrderedDict[tuple[Any, ...], _Template] = OrderedDict()

    def __len__(self) -> int:
        return len(self._store)

    def _template(self, loss: Loss, n: int, d: int) -> _Template:
        key = (loss.name, loss.params, n, d)
        tmpl = self._store.get(key)
        if tmpl is None:
            tmpl = _Template(loss, n, d, None, None)
            self._store[key] = tmpl
            if len(self._store) > self.maxsize:
                self._store.popitem(last=False)
        else:
            self._store.move_to_end(key)
        return tmpl


# ---------------------------------------------------------------------------
# Solving: CVXPY, fallback, polish, re-check
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SolveOptions:
    solver: str
    method: str
    cross_check: bool
    polish: bool
    cache: ProblemCache | None
    tol: Tolerance
    # one CVXPY solve, (data, loss, mask, solver, cache) -> (point or None, info): cvx_solve
    # as looked up in verify.baseline at call time (the tests substitute faulty solvers there)
    solve: Callable[
        [LinearData, Loss, np.ndarray, str, ProblemCache | None],
        tuple[np.ndarray | None, dict[str, Any]],
    ]


def solve_and_check(
    data: LinearData, loss: Loss, mask: np.ndarray, opts: SolveOptions
) -> tuple[np.ndarray | None, dict[str, Any]]:
    """Solve with the chosen solver, then the other; return the first point passing KKT."""
    order = [opts.solver] + [s for s in SOLVERS if s != opts.solver]
    attempts: list[dict[str, Any]] = []
    best: tuple[float, np.ndarray, dict[str, Any]] | None = None
    raw_objective: dict[str, float] = {}
    for name in order:
        t_raw, info = opts.solve(data, loss, mask, name, opts.cache)
        attempt: dict[str, Any] = {"solver": name, **info}
        attempts.append(attempt)
        if t_raw is None:
            continue
        raw_objective[name] = _float_objective(data, loss, t_raw, mask)
        attempt["raw_kkt"] = _kkt(data, loss, t_raw, mask)[0]
        t = t_raw
        if opts.polish:
            t, iters = _polish(data, loss, t_raw, mask)
            attempt["newton_steps"] = iters
        kkt, kkt_tol = _kkt(data, loss, t, mask, opts.tol)
        attempt["kkt"] = kkt
        rec = {"solver": name, "status": info["status"], "kkt": kkt, "kkt_tol": kkt_tol}
        if best is None or (math.isfinite(kkt) and not kkt >= best[0]):
            best = (kkt if math.isfinite(kkt) else math.inf, t, rec)
        if math.isfinite(kkt) and kkt <= kkt_tol:
            break
    summary: dict[str, Any] = {"attempts": attempts}
    if best is None:
        errors = "; ".join(f"{a['solver']}: {a.get('error', a['status'])}" for a in attempts)
        return None, {
            "summary": summary,
            "error": errors,
            "kkt_ok": False,
            "solver": None,
            "status": None,
            "kkt": None,
        }
    kkt, t, rec = best
    sol: dict[str, Any] = {
        "summary": summary,
        "solver": rec["solver"],
        "status": rec["status"],
        "kkt": rec["kkt"],
        "kkt_tol": rec["kkt_tol"],
        "kkt_ok": math.isfinite(kkt) and kkt <= rec["kkt_tol"],
    }
    if opts.cross_check:
        other = next(s for s in SOLVERS if s != rec["solver"])
        if other not in raw_objective:
            t_other, info = opts.solve(data, loss, mask, other, opts.cache)
            attempts.append({"solver": other, "cross_check": True, **info})
            if t_other is not None:
                raw_objective[other] = _float_objective(data, loss, t_other, mask)
        f1 = raw_objective.get(rec["solver"], math.nan)
        f2 = raw_objective.get(other, math.nan)
        diff = abs(f1 - f2)
        agree = bool(diff <= _AGREE_RTOL * max(1.0, abs(f1)))
        summary["cross_check"] = {
            "solvers": [rec["solver"], other],
            "objectives": [f1, f2],
            "difference": diff,
            "agree": agree,
        }
        sol["agree"] = agree
        sol["agree_reason"] = (
            f"{rec['solver']} and {other} disagree (raw objectives {f1!r} and {f2!r})"
            if math.isfinite(f2)
            else f"the cross-check solver {other} returned no solution"
        )
    return t, sol


def cvx_solve(
    data: LinearData, loss: Loss, mask: np.ndarray, solver: str, cache: ProblemCache | None
) -> tuple[np.ndarray | None, dict[str, Any]]:
    """One CVXPY solve; warnings and errors are recorded, never raised."""
    import cvxpy as cp

    if loss.margin:
        mat = data.y[:, None] * data.x
        mat[~mask] = 0.0  # separated samples: phi(0) is a constant
    else:
        mat = data.x
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if cache is None:
                tmpl = _Template(loss, data.n, data.d, mat, data.y)
            else:
                tmpl = cache._template(loss, data.n, data.d)
                tmpl.set(mat, data.y)
            # independent problems: SCS warm-started from the last one needs ~2x the iterations
            tmpl.problem.solve(solver=_CVXPY_NAMES[solver], warm_start=False)
        except (cp.error.SolverError, ValueError, ArithmeticError) as exc:
            return None, {
                "status": "error",
                "error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            }
    info: dict[str, Any] = {
        "status": str(tmpl.problem.status),
        "seconds": time.perf_counter() - start,
    }
    if caught:
        info["warnings"] = [str(w.message) for w in caught]
    value = tmpl.problem.value
    if value is not None and np.isfinite(value):
        info["solver_objective"] = float(value)
    t = tmpl.t.value
    if t is None or tmpl.problem.status not in ("optimal", "optimal_inaccurate"):
        info["error"] = f"status {tmpl.problem.status}"
        return None, info
    t = np.asarray(t, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(t)):
        info["error"] = "non-finite solution"
        return None, info
    return t, info


def _float_objective(data: LinearData, loss: Loss, t: np.ndarray, mask: np.ndarray) -> float:
    p = data.x @ t
    vals = loss.value(Arithmetic.FLOAT, p, data.y)
    return float(np.sum(vals[mask]) / data.n)


def _kkt(
    data: LinearData, loss: Loss, t: np.ndarray, mask: np.ndarray, tol: Tolerance = DEFAULT
) -> tuple[float, float]:
    """``|E[l'(t^T x; y) x]|`` over the masked samples, and the tolerance it must meet."""
    p = data.x @ t
    g1 = np.where(mask, loss.d1(Arithmetic.FLOAT, p, data.y), 0.0)
    with np.errstate(all="ignore"):
        grad = data.x.T @ g1 / data.n
        scale = float(np.sum(np.abs(g1) * np.linalg.norm(data.x, axis=1)) / data.n)
    kkt = float(np.linalg.norm(grad))
    return (kkt if math.isfinite(kkt) else math.inf), tol.grad * max(1.0, scale)


def _polish(
    data: LinearData, loss: Loss, t: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, int]:
    """Damped (pseudo-inverse) Newton steps in float64; never makes the point worse."""
    x, y, n = data.x, data.y, data.n
    w = mask.astype(np.float64)

    def obj(tt: np.ndarray) -> float:
        return float(np.sum(w * loss.value(Arithmetic.FLOAT, x @ tt, y)) / n)

    def grad_hess(tt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = x @ tt
        g1 = w * loss.d1(Arithmetic.FLOAT, p, y)
        g2 = w * loss.d2(Arithmetic.FLOAT, p, y)
        return x.T @ g1 / n, (x.T * g2) @ x / n

    f = obj(t)
    g, h = grad_hess(t)
    gn = float(np.linalg.norm(g))
    # gradient norm at round-off level: sum_i |l'_i| |x_i| / n times a few ulps
    with np.errstate(all="ignore"):
        floor = (
            8
            * np.finfo(float).eps
            * float(
                np.sum(np.abs(w * loss.d1(Arithmetic.FLOAT, x @ t, y)) * np.linalg.norm(x, axis=1))
                / n
            )
        )
    steps = 0
    for _ in range(_NEWTON_ITERS):
        if not (math.isfinite(f) and math.isfinite(gn)) or gn <= floor:
            break
        with np.errstate(all="ignore"):
            step = np.linalg.lstsq(h, g, rcond=None)[0]
        slope = float(g @ step)
        if not (np.all(np.isfinite(step)) and slope > 0):
            break
        s = 1.0
        moved = False
        for _ in range(30):
            cand = t - s * step
            fc = obj(cand)
            if math.isfinite(fc) and fc <= f - 1e-4 * s * slope:  # Armijo decrease
                moved = True
                break
            if math.isfinite(fc) and fc <= f + 4 * np.finfo(float).eps * abs(f):
                # the decrease is below round-off: move only if the gradient clearly shrinks
                moved = float(np.linalg.norm(grad_hess(cand)[0])) < 0.5 * gn
                break
            s /= 2
        if not moved:
            break
        t, f = cand, fc
        g, h = grad_hess(t)
        gn = float(np.linalg.norm(g))
        steps += 1
    return t, steps
