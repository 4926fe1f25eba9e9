r"""The best linear predictor ``R_lin = inf_t E[l(t^T x; y)]`` with a certified bracket.

Every theorem of the seed papers compares a network's risk with ``R_lin``.  A
solver status is not a certificate (CVXPY answers "optimal" with ``|t| ~ 900``
on separable logistic data), so :func:`best_linear_predictor` returns a
:class:`Baseline` whose ``lower`` and ``upper`` are **always rigorous** bounds
on ``R_lin``, and whose evidence says whether the answer is settled.

How each part is obtained
-------------------------

* ``squared`` / ``squared_half`` (``method="auto"``): closed form, solved exactly
  in rational arithmetic (``flint.fmpq_mat``) from the data's exact values
  (floats are taken at their exact binary value).  Rank-deficient ``X`` gets
  the minimum-norm solution; the gradient is re-checked to be exactly zero.
  ``lower == upper == value``, EXACT.
* Margin losses (``logistic``, ``exponential``, ``softplus_hinge``,
  ``l(p; y) = phi(y p)``): separability is decided first, with LPs (HiGHS)
  whose answers are *re-checked exactly*:

  - a direction ``u`` with all margins ``y_i u^T x_i >= 0`` is verified in
    rational arithmetic; the samples ``S`` where it is ``> 0`` are separated.
    If ``S`` is everything, ``R_lin = 0`` and is not attained (EXACT).  If
    ``S`` is a proper non-empty subset the infimum is not attained (``t + u`` is
    always strictly better) and equals ``(1/n) inf_t sum_{i not in S}
    phi(y_i t^T x_i)``;
  - a Stiemke certificate ``lambda > 0`` with ``sum_{i not in S} lambda_i y_i x_i
    = 0`` (verified exactly) proves that no further sample can be separated,
    so the remaining problem is attained (and, if ``S`` is empty, so is
    ``R_lin``).

  The remaining problem is solved with CVXPY (Clarabel by default, SCS as
  fallback), polished with a few damped Newton steps in float64, re-checked
  (KKT residual ``|E[l'(t^T x; y) x]|`` over the remaining samples) and then
  bracketed as below.
* Other losses (``huber``; squared with ``method="cvxpy"``): CVXPY, polish,
  re-check as above; the minimum is always attained (these losses are coercive
  modulo ``null(X)``).  For ``huber`` the active set of the polished point is
  then solved *exactly*; if the exact point has an exactly zero gradient the
  answer is EXACT.

The bracket (non-exact cases)
-----------------------------

* ``upper`` = the objective at the solver point ``t`` (taken at its exact
  binary value), evaluated in exact arithmetic for rational losses and in Arb
  balls otherwise.  When samples are separated it is the objective over the
  other samples, which is the limit of ``R(t + c u)`` as ``c -> inf``.
* ``lower`` = a **dual certificate** (never the first-order bound ``R(t) -
  |grad| * dist``, which needs a strong-convexity constant we do not have).
  Weak Fenchel duality gives, for every ``alpha`` with ``sum_i alpha_i x_i = 0``
  exactly, ``R_lin >= -(1/n) sum_i l*(alpha_i; y_i)``.  We start from
  ``alpha_i = l'(t^T x_i; y_i)`` (0 on separated samples), remove its residual
  ``sum_i alpha_i x_i`` *exactly* by the Newton-weighted projection
  ``alpha - W X z`` with ``W = diag(l'')`` and ``(X^T W X) z = X^T alpha``
  solved in rationals (so small dual variables move only relatively little),
  shrink it towards 0 if it left the conjugate's domain, and evaluate the
  conjugates exactly or in Arb balls.  The loss being nonnegative, 0 is a
  fallback lower bound.

Reported numbers: ``lower``/``upper`` are ``fractions.Fraction`` when ``R_lin``
is known exactly from exact input (then ``lower == upper == value``), and
otherwise Python floats rounded *outward* from the rigorous bounds.  The
evidence is HOLDS (EXACT or CERTIFIED) when the bracket is tight (width within
the tolerance band), the attainment question is decided and the solver point
passed the re-checks; otherwise it is INCONCLUSIVE with the reason, ``value``
is ``None`` unless the bracket is tight, and the (still rigorous, possibly
wide) bracket remains the only number to use.  Compare a risk with ``R_lin``
through :meth:`Baseline.compare`, never through ``value``.

Vector labels (``d_out > 1``): ``inf_T E[sum_o l((T x)_o; y_o)]`` separates
over outputs; each output is solved as above and the brackets are added.

Where the parts live (private modules): :mod:`verify.baseline.separability`
(separability and Stiemke certificates), :mod:`verify.baseline.solve` (CVXPY,
polish, KKT re-check, :class:`ProblemCache`), :mod:`verify.baseline.exact`
(objective bound, Fenchel dual bound, Huber active set, exact linear algebra)
and :mod:`verify.baseline.output` (the route and bracket of one output).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.baseline.exact import (
    Bound,
    LinearData,
    as_fraction,
    float_down,
    float_up,
    fq,
    lower_float,
    upper_float,
)
from verify.baseline.output import CLOSED_FORM, Part, solve_output
from verify.baseline.solve import SOLVERS, ProblemCache, SolveOptions, cvx_solve
from verify.catalogue.losses import Loss, loss_from_spec
from verify.data import Dataset
from verify.errors import InvalidInput
from verify.numbers.arithmetic import ball_bounds, to_float_array, to_fmpq
from verify.tolerances import DEFAULT, Tolerance
from verify.verdict import Evidence, Method, Verdict, weakest

METHODS = ("auto", "closed_form", "cvxpy")
STATUSES = ("attained", "infimum_not_attained", "inconclusive")


# ---------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """The best linear predictor's risk ``R_lin`` with a rigorous bracket.

    Attributes:
        loss: label of the loss (``"huber(delta=1/2)"``).
        intercept: whether a constant 1 was appended to every ``x``.
        value: point estimate (``Fraction`` when exact), or ``None`` when the
            bracket is not tight.
        lower: rigorous lower bound on ``R_lin`` (``Fraction`` when exact, else a
            float rounded downward).
        upper: rigorous upper bound on ``R_lin`` (``Fraction`` or a float rounded upward).
        minimizer: ``t`` (``T`` as ``d_out`` rows for vector labels) when the
            infimum is attained and the answer is settled, else ``None``.
        attained: ``True``/``False`` when decided, ``None`` when not.
        status: ``"attained"``, ``"infimum_not_attained"`` or ``"inconclusive"``.
        evidence: HOLDS with EXACT/CERTIFIED when the bracket is tight and every
            check passed; INCONCLUSIVE with the reason otherwise.
        bracket_method: how ``lower``/``upper`` were established (always rigorous:
            EXACT or CERTIFIED), whatever the verdict.
        kkt_residual: ``|E[l'(t^T x; y) x]|`` at the reported point (float64).
        solver: ``"closed_form"``, ``"lp"``, ``"clarabel"`` or ``"scs"``.
        solver_status: the solver's own status string (not trusted).
        t_norm: Euclidean (Frobenius) norm of the solver point.
        details: JSON-ready diagnostics (separability, dual certificate, attempts, ...).
    """

    loss: str
    intercept: bool
    value: Fraction | float | None
    lower: Fraction | float
    upper: Fraction | float
    minimizer: list[Any] | None
    attained: bool | None
    status: str
    evidence: Evidence
    bracket_method: Method = Method.CERTIFIED
    kkt_residual: float | None = None
    solver: str | None = None
    solver_status: str | None = None
    t_norm: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        """True if ``R_lin`` is known exactly (``lower == upper`` as Fractions)."""
        return isinstance(self.lower, Fraction) and self.lower == self.upper

    @property
    def width(self) -> float:
        """Width of the bracket (0.0 when exact)."""
        return float(self.upper) - float(self.lower)

    def compare(self, risk: Any, tol: Tolerance = DEFAULT) -> Evidence:
        """Evidence for the claim ``R(theta*) <= R_lin``, decided with the bracket.

        Args:
            risk: the network's risk: an exact number (``int``, ``Fraction``,
                ``fmpq``), an Arb ball, a rigorous float pair ``(lo, hi)``, or
                a float (NUMERIC, decided through ``tol``'s band).
            tol: tolerance used only for float risks.

        HOLDS needs ``risk <= lower`` and VIOLATED needs ``risk > upper``; in
        between the answer is INCONCLUSIVE.
        """
        lo, hi, method = _risk_interval(risk)
        band = 0.0 if method.rigorous else tol.band(float(hi))
        if band:  # float risk: widen it by the tolerance band (exact risks stay exact)
            lo, hi = float(lo) - band, float(hi) + band
        witness = {
            "risk": [float(lo), float(hi)],
            "r_lin": [float(self.lower), float(self.upper)],
        }
        method = weakest([method, self.bracket_method])
        margin = float(self.lower) - float(hi)
        if hi <= self.lower:
            return Evidence(
                Verdict.HOLDS,
                method,
                "the risk is at most the lower bound of R_lin.",
                margin,
                band,
                witness,
            )
        if lo > self.upper:
            return Evidence(
                Verdict.VIOLATED,
                method,
                "the risk exceeds the upper bound of R_lin.",
                margin,
                band,
                witness,
            )
        return Evidence(
            Verdict.INCONCLUSIVE,
            method,
            "the risk and the bracket on R_lin overlap, so the comparison is undecided.",
            margin,
            band,
            witness,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: numbers as floats and, where exact, also as ``"p/q"`` strings.

        ``lower``/``upper`` are rounded outward; non-finite diagnostics become ``null``.
        """
        out: dict[str, Any] = {
            "loss": self.loss,
            "intercept": self.intercept,
            "value": None if self.value is None else float(self.value),
            "lower": float_down(self.lower),
            "upper": float_up(self.upper),
            "exact": self.exact,
            "attained": self.attained,
            "status": self.status,
            "minimizer": _floats(self.minimizer),
            "bracket_method": self.bracket_method.value,
            "kkt_residual": self.kkt_residual,
            "solver": self.solver,
            "solver_status": self.solver_status,
            "t_norm": self.t_norm,
            "evidence": _jsonable(self.evidence.to_dict()),
            "details": _jsonable(dict(self.details)),
        }
        if isinstance(self.value, Fraction):
            out["value_exact"] = str(self.value)
        if isinstance(self.lower, Fraction):
            out["lower_exact"] = str(self.lower)
        if isinstance(self.upper, Fraction):
            out["upper_exact"] = str(self.upper)
        if self.minimizer is not None and _all_fractions(self.minimizer):
            out["minimizer_exact"] = _strings(self.minimizer)
        return _jsonable(out)

    def format(self) -> str:
        """Human-readable multi-line summary."""
        icpt = "with intercept" if self.intercept else "no intercept"
        lines = [f"best linear predictor, loss {self.loss} ({icpt})"]
        if self.exact:
            lines.append(f"  R_lin     = {self.lower}  (~ {float(self.lower):.12g}, exact)")
        else:
            lines.append(
                f"  R_lin in  [{float(self.lower)!r}, {float(self.upper)!r}]  "
                f"(width {self.width:.3g}, {self.bracket_method.value})"
            )
            value = "none (bracket not tight)" if self.value is None else f"{self.value!r}"
            lines.append(f"  value     {value}")
        lines.append(f"  status    {self.status}")
        if self.minimizer is not None:
            lines.append(f"  minimizer {_display(self.minimizer)}")
        if self.solver is not None:
            extra = [] if self.solver_status is None else [f"status {self.solver_status}"]
            if self.kkt_residual is not None:
                extra.append(f"KKT residual {self.kkt_residual:.3g}")
            if self.t_norm is not None:
                extra.append(f"|t| = {self.t_norm:.6g}")
            lines.append(f"  solver    {self.solver}" + (f" ({', '.join(extra)})" if extra else ""))
        ev = self.evidence
        lines.append(f"  verdict   {ev.verdict.value} [{ev.method.value}]: {ev.reason}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def best_linear_predictor(
    data: Dataset,
    loss: Loss | str | Mapping[str, Any],
    *,
    intercept: bool = False,
    solver: str = "clarabel",
    method: str = "auto",
    cross_check: bool = False,
    polish: bool = True,
    cache: ProblemCache | None = None,
    tol: Tolerance = DEFAULT,
) -> Baseline:
    r"""``R_lin = inf_t E[l(t^T x; y)]`` with a rigorous bracket and attainment status.

    Args:
        data: the samples (``x`` rows are samples; ``y`` of shape ``(n,)`` or ``(n, d_out)``).
        loss: a :class:`~verify.catalogue.losses.Loss`, a name, or a spec mapping.
        intercept: append a constant 1 to every ``x`` before solving.
        solver: first CVXPY solver, ``"clarabel"`` or ``"scs"``; the other is the fallback.
        method: ``"auto"`` (closed form for squared losses, CVXPY otherwise),
            ``"closed_form"`` (squared losses only) or ``"cvxpy"``.
        cross_check: also solve with the other solver and require agreement
            (relative ``1e-4`` on the raw objectives).
        polish: refine the solver point with damped Newton steps in float64.
        cache: a :class:`ProblemCache` to reuse compiled problems across calls.
        tol: tolerances: ``grad`` for the KKT re-check, ``atol``/``rtol`` for the
            width below which the bracket counts as tight.

    Returns:
        A :class:`Baseline`; its ``lower``/``upper`` are rigorous in every case.

    Raises:
        InvalidInput: bad arguments or labels that do not fit the loss.
    """
    if not isinstance(data, Dataset):
        raise InvalidInput(
            f"data={type(data).__name__!r} must be a verify.Dataset; build one with Dataset(x, y)."
        )
    the_loss = loss_from_spec(loss)
    if not isinstance(intercept, bool):
        raise InvalidInput(f"intercept={intercept!r} must be True or False.")
    if solver not in SOLVERS:
        raise InvalidInput(f"solver={solver!r} is not supported; use one of {', '.join(SOLVERS)}.")
    if method not in METHODS:
        raise InvalidInput(f"method={method!r} is not supported; use one of {', '.join(METHODS)}.")
    if method == "closed_form" and the_loss.name not in CLOSED_FORM:
        raise InvalidInput(
            f"method='closed_form' needs a squared loss, not {the_loss.label!r}; use method='auto'."
        )
    if cache is not None and not isinstance(cache, ProblemCache):
        raise InvalidInput(f"cache={cache!r} must be a ProblemCache or None.")
    if not isinstance(tol, Tolerance):
        raise InvalidInput(f"tol={tol!r} must be a verify.Tolerance; pass e.g. Tolerance().")
    the_loss.check_labels(data.y)
    # cvx_solve is looked up here, at call time, so that a substitute set on this module
    # (the tests' faulty solvers) is the one used
    opts = SolveOptions(solver, method, bool(cross_check), bool(polish), cache, tol, cvx_solve)

    x_exact = [[fq(v) for v in row] for row in data.x]
    x_float = to_float_array(np.asarray(data.x, dtype=object)).reshape(data.n, data.d_in)
    if intercept:
        x_exact = [[*row, flint.fmpq(1)] for row in x_exact]
        x_float = np.hstack([x_float, np.ones((data.n, 1))])
    d = len(x_exact[0])
    xq = flint.fmpq_mat(data.n, d, [v for row in x_exact for v in row])
    y_all = np.asarray(data.y, dtype=object).reshape(data.n, -1)

    parts = []
    for o in range(y_all.shape[1]):
        col = y_all[:, o]
        yq = tuple(fq(v) for v in col)
        y_float = np.array([float(v) for v in col])
        parts.append(solve_output(LinearData(x_float, xq, y_float, yq), the_loss, opts))
    return _assemble(parts, the_loss, intercept, data.exact, data.d_out > 1, tol)


# ---------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------


def _assemble(
    parts: list[Part],
    loss: Loss,
    intercept: bool,
    exact_data: bool,
    vector: bool,
    tol: Tolerance,
) -> Baseline:
    lower: Bound = flint.fmpq(0)
    upper: Bound = flint.fmpq(0)
    for p in parts:
        lower = lower + p.lower
        upper = upper + p.upper
    lo_f, hi_f = lower_float(lower), upper_float(upper)
    known = isinstance(lower, flint.fmpq) and isinstance(upper, flint.fmpq) and lower == upper
    lower_out: Fraction | float
    upper_out: Fraction | float
    value: Fraction | float | None
    if known and exact_data:
        lower_out = upper_out = value = as_fraction(lower)
    else:
        lower_out, upper_out = lo_f, hi_f
        if known:
            value = float(as_fraction(lower))
        elif hi_f - lo_f <= tol.band(abs(hi_f)):
            value = lo_f + (hi_f - lo_f) / 2
        else:
            value = None
    attained: bool | None
    if any(p.attained is False for p in parts):
        attained = False
    elif all(p.attained is True for p in parts):
        attained = True
    else:
        attained = None
    ok = all(p.ok for p in parts)
    if vector:
        reason = " ".join(f"Output {o}: {p.reason}" for o, p in enumerate(parts))
    else:
        reason = parts[0].reason
    method = weakest(p.method for p in parts)
    bracket_method = Method.EXACT if known else Method.CERTIFIED
    if ok:
        verdict = Verdict.HOLDS
        status = "attained" if attained else "infimum_not_attained"
    else:
        verdict = Verdict.INCONCLUSIVE
        status = "inconclusive"
    minimizer: list[Any] | None = None
    if ok and attained and all(p.minimizer is not None for p in parts):
        rows = [_report_vector(p, exact_data) for p in parts]
        minimizer = rows if vector else rows[0]
    kkts = [p.kkt for p in parts if p.kkt is not None]
    norms = [p.t_norm for p in parts if p.t_norm is not None]
    solvers = sorted({p.solver for p in parts if p.solver is not None})
    statuses = sorted({p.solver_status for p in parts if p.solver_status is not None})
    witness = {"lower": lo_f, "upper": hi_f, "width": hi_f - lo_f}
    if kkts:
        witness["kkt_residual"] = max(kkts)
    details: dict[str, Any] = (
        {"outputs": [p.details for p in parts]} if vector else dict(parts[0].details)
    )
    return Baseline(
        loss=loss.label,
        intercept=intercept,
        value=value,
        lower=lower_out,
        upper=upper_out,
        minimizer=minimizer,
        attained=attained,
        status=status,
        evidence=Evidence(verdict, method, reason, None, None, witness),
        bracket_method=bracket_method,
        kkt_residual=max(kkts) if kkts else None,
        solver="+".join(solvers) if solvers else None,
        solver_status="+".join(statuses) if statuses else None,
        t_norm=float(np.linalg.norm(norms)) if norms else None,
        details=details,
    )


def _report_vector(part: Part, exact_data: bool) -> list[Any]:
    assert part.minimizer is not None
    if part.exact_minimizer:
        fr = [as_fraction(v) for v in part.minimizer]
        return fr if exact_data else [float(v) for v in fr]
    return [float(v) for v in part.minimizer]


# ---------------------------------------------------------------------------
# Reporting helpers
# ---------------------------------------------------------------------------


def _risk_interval(risk: Any) -> tuple[Any, Any, Method]:
    if isinstance(risk, bool):
        raise InvalidInput(f"risk={risk!r} must be a number, an Arb ball or a (lo, hi) pair.")
    if isinstance(risk, int | Fraction | flint.fmpq | flint.fmpz):
        q = as_fraction(to_fmpq(risk)) if not isinstance(risk, Fraction) else risk
        return q, q, Method.EXACT
    if isinstance(risk, flint.arb):
        lo_b, hi_b = ball_bounds(np.array([risk], dtype=object))
        return float(lo_b[0]), float(hi_b[0]), Method.CERTIFIED
    if isinstance(risk, tuple) and len(risk) == 2:
        lo, hi = (float(v) for v in risk)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise InvalidInput(f"risk={risk!r} must be a finite pair with lo <= hi.")
        return lo, hi, Method.CERTIFIED
    if isinstance(risk, float | np.floating):
        if not math.isfinite(risk):
            raise InvalidInput(f"risk={risk!r} is not finite; pass a finite number.")
        return float(risk), float(risk), Method.NUMERIC
    raise InvalidInput(f"risk={risk!r} must be a number, an Arb ball or a (lo, hi) pair.")


def _jsonable(obj: Any) -> Any:
    """Replace non-finite floats (not valid JSON) by ``None``, recursively."""
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer | np.bool_):
        return obj.item()
    return obj


def _floats(m: list[Any] | None) -> list[Any] | None:
    if m is None:
        return None
    return [_floats(v) if isinstance(v, list) else float(v) for v in m]


def _strings(m: list[Any]) -> list[Any]:
    return [_strings(v) if isinstance(v, list) else str(v) for v in m]


def _all_fractions(m: list[Any]) -> bool:
    return all(_all_fractions(v) if isinstance(v, list) else isinstance(v, Fraction) for v in m)


def _display(m: list[Any]) -> str:
    def one(v: Any) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(one(u) for u in v) + "]"
        return str(v) if isinstance(v, Fraction) else f"{float(v):.12g}"

    return one(m)
