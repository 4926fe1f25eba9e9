r"""One output of the linear baseline: the route to ``R_lin`` and its rigorous bracket.

:func:`solve_output` picks the route for one label column (private; used by
:func:`verify.baseline.best_linear_predictor`):

* squared losses: exact minimum-norm least squares in rationals
  (``Method.EXACT``);
* margin losses: exact separability first (:mod:`verify.baseline.separability`), then
  the numerical solve over the samples that are not separated;
* other losses: the numerical solve, and for Huber the exact active-set
  solution when its gradient is exactly 0 (``Method.EXACT``).

:func:`_certify` turns a solver point into a rigorous bracket (exact or Arb
objective above, Fenchel dual certificate below; :mod:`verify.baseline.exact`)
and says why the answer is not settled when it is not: attainment undecided,
every solver failed, KKT re-check failed, solvers disagree, or the bracket is
not tight. The result is a :class:`Part` (``Method.NUMERIC`` unless every
check passed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import flint
import numpy as np

from verify.baseline.exact import (
    Bound,
    LinearData,
    dual_bound,
    exact_norm,
    exact_value_and_gradient,
    fq,
    huber_exact,
    lower_float,
    min_norm,
    nullspace,
    objective_bound,
    scale_rows,
    solve_consistent,
    upper_float,
)
from verify.baseline.separability import separation
from verify.baseline.solve import SolveOptions, solve_and_check
from verify.catalogue.losses import Loss
from verify.errors import BackendError
from verify.numbers.arithmetic import to_fmpq
from verify.verdict import Method

CLOSED_FORM = ("squared", "squared_half")


@dataclass
class Part:
    lower: Bound
    upper: Bound
    attained: bool | None
    ok: bool
    method: Method
    reason: str
    minimizer: list[Any] | None = None  # fmpq entries if exact_minimizer, else floats
    exact_minimizer: bool = False
    kkt: float | None = None
    solver: str | None = None
    solver_status: str | None = None
    t_norm: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def exact(
        cls,
        value: Any,
        t: list[Any],
        reason: str,
        *,
        solver: str,
        solver_status: str,
        details: dict[str, Any],
    ) -> Part:
        """An exactly solved, attained optimum ``value`` at the exact minimiser ``t``."""
        return cls(
            lower=value,
            upper=value,
            attained=True,
            ok=True,
            method=Method.EXACT,
            reason=reason,
            minimizer=t,
            exact_minimizer=True,
            kkt=0.0,
            solver=solver,
            solver_status=solver_status,
            t_norm=exact_norm(t),
            details=details,
        )


# ---------------------------------------------------------------------------
# Per-output solution
# ---------------------------------------------------------------------------


def solve_output(data: LinearData, loss: Loss, opts: SolveOptions) -> Part:
    if loss.name in CLOSED_FORM and opts.method != "cvxpy":
        return _closed_form(data, loss)
    if loss.margin:
        return _margin_part(data, loss, opts)
    return _regression_part(data, loss, opts)


def _closed_form(data: LinearData, loss: Loss) -> Part:
    """Exact minimum-norm least squares."""
    xt = data.xq.transpose()
    gram = xt * data.xq
    rhs = xt * flint.fmpq_mat(data.n, 1, list(data.yq))
    t0 = solve_consistent(gram, rhs.entries())
    if t0 is None:  # pragma: no cover - normal equations are always consistent
        raise BackendError(
            "the normal equations were inconsistent; this is a bug, please report it."
        )
    null = nullspace(gram)
    t = min_norm(t0, null)
    value, grad = exact_value_and_gradient(data, loss, t)
    if any(g != 0 for g in grad):  # pragma: no cover - defensive re-check
        raise BackendError(
            "the exact least-squares gradient is not zero; this is a bug, please report it."
        )
    rank = data.d - len(null)
    return Part.exact(
        value,
        t,
        f"least squares solved exactly in rational arithmetic (rank {rank} of {data.d}, "
        "minimum-norm solution; gradient re-checked to be exactly 0).",
        solver="closed_form",
        solver_status="exact",
        details={"rank": rank, "minimum_norm": True},
    )


def _regression_part(data: LinearData, loss: Loss, opts: SolveOptions) -> Part:
    mask = np.ones(data.n, dtype=bool)
    t, sol = solve_and_check(data, loss, mask, opts)
    details: dict[str, Any] = {"solve": sol["summary"]}
    if t is not None and loss.name == "huber":
        exact = huber_exact(data, loss, t)
        if exact is not None:
            t_exact, value = exact
            return Part.exact(
                value,
                t_exact,
                "the active set of the polished solver point was solved exactly; the "
                "gradient is exactly 0 there, so it is a global minimizer.",
                solver=sol["solver"],
                solver_status=sol["status"],
                details=details,
            )
    return _certify(
        data,
        loss,
        t,
        mask,
        sol,
        attained=True,
        attained_reason="the minimum is attained (the loss is coercive modulo null(X))",
        details=details,
        opts=opts,
    )


def _margin_part(data: LinearData, loss: Loss, opts: SolveOptions) -> Part:
    a = data.y[:, None] * data.x
    aq = scale_rows(data.xq, data.yq)
    sep = separation(a, aq, data.n, data.d)
    details: dict[str, Any] = {"separability": sep.to_dict()}
    separated = sep.separated
    if separated.all():
        zero = flint.fmpq(0)
        return Part(
            lower=zero,
            upper=zero,
            attained=False,
            ok=True,
            method=Method.EXACT,
            reason=(
                "the data are strictly linearly separable (LP direction re-checked exactly "
                "in rational arithmetic), so the infimum is 0 and is not attained."
            ),
            solver="lp",
            solver_status=sep.kind,
            details=details,
        )
    mask = ~separated
    k = int(separated.sum())
    if k:
        attained: bool | None = False
        why = (
            f"{k} of {data.n} samples are separated by a direction re-checked exactly, so the "
            "infimum is not attained and equals the infimum over the other samples"
        )
        if not sep.maximal:
            why += " (whether more samples separate is undecided)"
    elif sep.maximal:
        attained = True
        why = (
            "no direction separates any sample (Stiemke certificate re-checked exactly), "
            "so the minimum is attained"
        )
    else:
        attained = None
        why = "separability could not be decided exactly, so attainment is undecided"
    t, sol = solve_and_check(data, loss, mask, opts)
    details["solve"] = sol["summary"]
    return _certify(data, loss, t, mask, sol, attained, why, details, opts)


def _certify(
    data: LinearData,
    loss: Loss,
    t: np.ndarray | None,
    mask: np.ndarray,
    sol: dict[str, Any],
    attained: bool | None,
    attained_reason: str,
    details: dict[str, Any],
    opts: SolveOptions,
) -> Part:
    """Rigorous bracket at the solver point ``t`` (or at 0 if every solver failed)."""
    failures: list[str] = []
    if not attained_reason.endswith("."):
        attained_reason += "."
    if attained is None:
        failures.append("attainment is undecided")
    point = np.zeros(data.d) if t is None else t
    if t is None:
        failures.append(f"every solver failed ({sol['error']})")
    elif not sol["kkt_ok"]:
        failures.append(
            f"the solver point failed the KKT re-check (residual {sol['kkt']:.3g} > "
            f"{sol['kkt_tol']:.3g})"
        )
    if sol.get("agree") is False:
        failures.append(sol["agree_reason"])
    tq = [fq(v) for v in point]
    upper = objective_bound(data, loss, tq, mask)
    lower: Bound = flint.fmpq(0) if loss.minimum is None else to_fmpq(loss.minimum)
    dual, dual_info = dual_bound(data, loss, data.x @ point, mask)
    details["dual_certificate"] = dual_info
    if dual is not None and lower_float(dual) > lower_float(lower):
        lower = dual
    # pragma: no cover - crossing bounds would mean a bug in a certificate
    if lower_float(lower) > upper_float(upper):
        raise BackendError(
            f"certified bounds cross (lower {lower_float(lower)!r} > "
            f"upper {upper_float(upper)!r}); "
            "this is a bug, please report it."
        )
    width = upper_float(upper) - lower_float(lower)
    band = opts.tol.band(abs(upper_float(upper)))
    if not width <= band:
        failures.append(f"the bracket is not tight (width {width:.3g} > {band:.3g})")
    exact = isinstance(lower, flint.fmpq) and isinstance(upper, flint.fmpq)
    method = Method.EXACT if exact and lower == upper else Method.CERTIFIED
    bound_how = (
        "the objective at the solver point in exact arithmetic"
        if isinstance(upper, flint.fmpq)
        else "the objective at the solver point in Arb balls"
    )
    lower_how = (
        "an exactly feasible dual certificate"
        if dual is not None and lower is dual
        else "the loss's lower bound 0 (the dual certificate failed)"
    )
    reason = f"{attained_reason[:-1]}; bracket from {bound_how} and {lower_how}."
    if failures:
        reason += " Inconclusive: " + "; ".join(failures) + "."
    ok = not failures
    minimizer = None
    if ok and attained and t is not None:
        minimizer = [float(v) for v in t]
    return Part(
        lower=lower,
        upper=upper,
        attained=attained,
        ok=ok,
        method=method if ok else Method.NUMERIC,
        reason=reason,
        minimizer=minimizer,
        kkt=sol.get("kkt"),
        solver=sol.get("solver"),
        solver_status=sol.get("status"),
        t_norm=None if t is None else float(np.linalg.norm(t)),
        details=details,
    )
