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
"""

from __future__ import annotations

import math
import time
import warnings
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import flint
import numpy as np

from verify.arith import Arithmetic, ball_bounds, to_float_array, to_fmpq
from verify.errors import BackendError, InvalidInput
from verify.landscape import Dataset
from verify.losses import Loss, loss_from_spec
from verify.tolerances import DEFAULT, Tolerance
from verify.verdict import Evidence, Method, Verdict, weakest

if TYPE_CHECKING:  # pragma: no cover - cvxpy is imported lazily (its import takes ~1.5 s)
    import cvxpy as cp

SOLVERS = ("clarabel", "scs")
METHODS = ("auto", "closed_form", "cvxpy")
STATUSES = ("attained", "infimum_not_attained", "inconclusive")

_CLOSED_FORM = ("squared", "squared_half")
_CVXPY_NAMES = {"clarabel": "CLARABEL", "scs": "SCS"}
_AGREE_RTOL = 1e-4  # second-solver agreement (SCS is a first-order method)
_NEWTON_ITERS = 50

Bound = Any  # flint.fmpq (exact) or flint.arb (ball): a rigorous bound


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
            "lower": _float_down(self.lower),
            "upper": _float_up(self.upper),
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
# Entry point
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    solver: str
    method: str
    cross_check: bool
    polish: bool
    cache: ProblemCache | None
    tol: Tolerance


@dataclass(frozen=True)
class _Data:
    """One output's problem: ``x`` float and exact, ``y`` float and exact."""

    x: np.ndarray
    xq: Any  # flint.fmpq_mat (n, d)
    y: np.ndarray
    yq: tuple[Any, ...]

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @property
    def d(self) -> int:
        return int(self.x.shape[1])


@dataclass
class _Part:
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
        loss: a :class:`~verify.losses.Loss`, a name, or a spec mapping.
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
    if method == "closed_form" and the_loss.name not in _CLOSED_FORM:
        raise InvalidInput(
            f"method='closed_form' needs a squared loss, not {the_loss.label!r}; use method='auto'."
        )
    if cache is not None and not isinstance(cache, ProblemCache):
        raise InvalidInput(f"cache={cache!r} must be a ProblemCache or None.")
    if not isinstance(tol, Tolerance):
        raise InvalidInput(f"tol={tol!r} must be a verify.Tolerance; pass e.g. Tolerance().")
    the_loss.check_labels(data.y)
    opts = _Options(solver, method, bool(cross_check), bool(polish), cache, tol)

    x_exact = [[_fq(v) for v in row] for row in data.x]
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
        yq = tuple(_fq(v) for v in col)
        y_float = np.array([float(v) for v in col])
        parts.append(_solve_output(_Data(x_float, xq, y_float, yq), the_loss, opts))
    return _assemble(parts, the_loss, intercept, data.exact, data.d_out > 1, tol)


# ---------------------------------------------------------------------------
# Per-output solution
# ---------------------------------------------------------------------------


def _solve_output(data: _Data, loss: Loss, opts: _Options) -> _Part:
    if loss.name in _CLOSED_FORM and opts.method != "cvxpy":
        return _closed_form(data, loss)
    if loss.margin:
        return _margin_part(data, loss, opts)
    return _regression_part(data, loss, opts)


def _closed_form(data: _Data, loss: Loss) -> _Part:
    """Exact minimum-norm least squares."""
    xt = data.xq.transpose()
    gram = xt * data.xq
    rhs = xt * flint.fmpq_mat(data.n, 1, list(data.yq))
    t0 = _solve_consistent(gram, rhs.entries())
    if t0 is None:  # pragma: no cover - normal equations are always consistent
        raise BackendError(
            "the normal equations were inconsistent; this is a bug, please report it."
        )
    null = _nullspace(gram)
    t = _min_norm(t0, null)
    value, grad = _exact_value_and_gradient(data, loss, t)
    if any(g != 0 for g in grad):  # pragma: no cover - defensive re-check
        raise BackendError(
            "the exact least-squares gradient is not zero; this is a bug, please report it."
        )
    rank = data.d - len(null)
    return _Part(
        lower=value,
        upper=value,
        attained=True,
        ok=True,
        method=Method.EXACT,
        reason=(
            f"least squares solved exactly in rational arithmetic (rank {rank} of {data.d}, "
            "minimum-norm solution; gradient re-checked to be exactly 0)."
        ),
        minimizer=t,
        exact_minimizer=True,
        kkt=0.0,
        solver="closed_form",
        solver_status="exact",
        t_norm=_norm(t),
        details={"rank": rank, "minimum_norm": True},
    )


def _regression_part(data: _Data, loss: Loss, opts: _Options) -> _Part:
    mask = np.ones(data.n, dtype=bool)
    t, sol = _solve_and_check(data, loss, mask, opts)
    details: dict[str, Any] = {"solve": sol["summary"]}
    if t is not None and loss.name == "huber":
        exact = _huber_exact(data, loss, t)
        if exact is not None:
            t_exact, value = exact
            return _Part(
                lower=value,
                upper=value,
                attained=True,
                ok=True,
                method=Method.EXACT,
                reason=(
                    "the active set of the polished solver point was solved exactly; the "
                    "gradient is exactly 0 there, so it is a global minimizer."
                ),
                minimizer=t_exact,
                exact_minimizer=True,
                kkt=0.0,
                solver=sol["solver"],
                solver_status=sol["status"],
                t_norm=_norm(t_exact),
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


def _margin_part(data: _Data, loss: Loss, opts: _Options) -> _Part:
    a = data.y[:, None] * data.x
    aq = _scale_rows(data.xq, data.yq)
    sep = _separation(a, aq, data.n, data.d)
    details: dict[str, Any] = {"separability": sep.to_dict()}
    separated = sep.separated
    if separated.all():
        zero = flint.fmpq(0)
        return _Part(
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
    t, sol = _solve_and_check(data, loss, mask, opts)
    details["solve"] = sol["summary"]
    return _certify(data, loss, t, mask, sol, attained, why, details, opts)


def _certify(
    data: _Data,
    loss: Loss,
    t: np.ndarray | None,
    mask: np.ndarray,
    sol: dict[str, Any],
    attained: bool | None,
    attained_reason: str,
    details: dict[str, Any],
    opts: _Options,
) -> _Part:
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
    tq = [_fq(v) for v in point]
    upper = _objective_bound(data, loss, tq, mask)
    lower: Bound = flint.fmpq(0) if loss.minimum is None else to_fmpq(loss.minimum)
    dual, dual_info = _dual_bound(data, loss, data.x @ point, mask)
    details["dual_certificate"] = dual_info
    if dual is not None and _lo(dual) > _lo(lower):
        lower = dual
    if _lo(lower) > _hi(upper):  # pragma: no cover - would mean a bug in a certificate
        raise BackendError(
            f"certified bounds cross (lower {_lo(lower)!r} > upper {_hi(upper)!r}); "
            "this is a bug, please report it."
        )
    width = _hi(upper) - _lo(lower)
    band = opts.tol.band(abs(_hi(upper)))
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
    return _Part(
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


# ---------------------------------------------------------------------------
# Solving: CVXPY, fallback, polish, re-check
# ---------------------------------------------------------------------------


def _solve_and_check(
    data: _Data, loss: Loss, mask: np.ndarray, opts: _Options
) -> tuple[np.ndarray | None, dict[str, Any]]:
    """Solve with the chosen solver, then the other; return the first point passing KKT."""
    order = [opts.solver] + [s for s in SOLVERS if s != opts.solver]
    attempts: list[dict[str, Any]] = []
    best: tuple[float, np.ndarray, dict[str, Any]] | None = None
    raw_objective: dict[str, float] = {}
    for name in order:
        t_raw, info = _cvx_solve(data, loss, mask, name, opts.cache)
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
            t_other, info = _cvx_solve(data, loss, mask, other, opts.cache)
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


def _cvx_solve(
    data: _Data, loss: Loss, mask: np.ndarray, solver: str, cache: ProblemCache | None
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


def _float_objective(data: _Data, loss: Loss, t: np.ndarray, mask: np.ndarray) -> float:
    p = data.x @ t
    vals = loss.value(Arithmetic.FLOAT, p, data.y)
    return float(np.sum(vals[mask]) / data.n)


def _kkt(
    data: _Data, loss: Loss, t: np.ndarray, mask: np.ndarray, tol: Tolerance = DEFAULT
) -> tuple[float, float]:
    """``|E[l'(t^T x; y) x]|`` over the masked samples, and the tolerance it must meet."""
    p = data.x @ t
    g1 = np.where(mask, loss.d1(Arithmetic.FLOAT, p, data.y), 0.0)
    with np.errstate(all="ignore"):
        grad = data.x.T @ g1 / data.n
        scale = float(np.sum(np.abs(g1) * np.linalg.norm(data.x, axis=1)) / data.n)
    kkt = float(np.linalg.norm(grad))
    return (kkt if math.isfinite(kkt) else math.inf), tol.grad * max(1.0, scale)


def _polish(data: _Data, loss: Loss, t: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, int]:
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


# ---------------------------------------------------------------------------
# Separability (margin losses)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Separation:
    kind: str  # "strict", "partial", "none" or "undecided"
    separated: np.ndarray  # bool mask of samples separated by the verified witness
    maximal: bool  # a Stiemke certificate proves no other sample can be separated
    witness: list[Any] | None  # exact direction u

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "separated": int(self.separated.sum()),
            "maximal": self.maximal,
        }
        if self.witness is not None:
            out["direction"] = [str(v) for v in self.witness]
        return out


def _separation(a: np.ndarray, aq: Any, n: int, d: int) -> _Separation:
    """Which samples can be separated: LPs (HiGHS) whose answers are re-checked exactly."""
    none = np.zeros(n, dtype=bool)
    everyone = np.ones(n, dtype=bool)
    if _stiemke(a, aq, everyone):
        return _Separation("none", none, True, None)
    witness = _separating_direction(a, aq, n, d)
    if witness is None:
        return _Separation("undecided", none, False, None)
    u, separated = witness
    if separated.all():
        return _Separation("strict", separated, True, u)
    maximal = _stiemke(a, aq, ~separated)
    return _Separation("partial", separated, maximal, u)


def _normalized_rows(a: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(a, axis=1)
    return a / np.where(norms > 0, norms, 1.0)[:, None]


def _separating_direction(
    a: np.ndarray, aq: Any, n: int, d: int
) -> tuple[list[Any], np.ndarray] | None:
    """Exact ``u`` with all margins ``a_i^T u >= 0`` and the mask where they are ``> 0``."""
    from scipy import sparse
    from scipy.optimize import linprog

    an = _normalized_rows(a)
    # max sum s  s.t.  s_i <= a_i^T u,  0 <= s_i <= 1,  u free.
    c = np.concatenate([np.zeros(d), -np.ones(n)])
    a_ub = sparse.hstack([sparse.csr_matrix(-an), sparse.identity(n, format="csr")], format="csr")
    bounds = [(None, None)] * d + [(0.0, 1.0)] * n
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(n), bounds=bounds, method="highs")
    if res.status != 0 or res.x is None:
        return None
    u = res.x[:d]
    guess = res.x[d:] > 0.5
    if not guess.any():
        return None
    rest = [i for i in range(n) if not guess[i]]
    for simple in (True, False):
        uq = _exact_direction(u, aq, rest, d, simple)
        if uq is None:
            continue
        margins = (aq * flint.fmpq_mat(d, 1, uq)).entries()
        if all(m >= 0 for m in margins):
            separated = np.array([m > 0 for m in margins], dtype=bool)
            if separated.any():
                return uq, separated
    return None


def _exact_direction(
    u: np.ndarray, aq: Any, rest: list[int], d: int, simple: bool
) -> list[Any] | None:
    """Rational ``u`` close to the float one with ``a_i^T u = 0`` exactly for ``i`` in ``rest``."""
    scale = float(np.max(np.abs(u))) or 1.0
    u = u / scale
    if not rest:
        return [_rationalize(v, simple) for v in u]
    sub = flint.fmpq_mat(len(rest), d, [aq[i, j] for i in rest for j in range(d)])
    basis = _nullspace(sub)
    if not basis:
        return None
    nb = np.array([[float(b[j]) for b in basis] for j in range(d)])
    coef = np.linalg.lstsq(nb, u, rcond=None)[0]
    cq = [_rationalize(v, simple) for v in coef]
    return [sum((cq[k] * basis[k][j] for k in range(len(basis))), flint.fmpq(0)) for j in range(d)]


def _stiemke(a: np.ndarray, aq: Any, rows: np.ndarray) -> bool:
    """Exactly verified ``lambda > 0`` on ``rows`` with ``sum lambda_i a_i = 0``."""
    from scipy.optimize import linprog

    idx = np.flatnonzero(rows)
    if idx.size == 0:
        return True
    d = a.shape[1]
    norms = np.linalg.norm(a[idx], axis=1)
    an = _normalized_rows(a[idx])
    res = linprog(
        np.ones(idx.size),
        A_eq=an.T,
        b_eq=np.zeros(d),
        bounds=[(1.0, None)] * idx.size,
        method="highs",
    )
    if res.status != 0 or res.x is None:
        return False
    lam_float = res.x / np.where(norms > 0, norms, 1.0)
    sub = flint.fmpq_mat(idx.size, d, [aq[int(i), j] for i in idx for j in range(d)])
    for simple in (True, False):
        start = [_dyadic(v) if simple else _fq(v) for v in lam_float]
        lam = _project_out(sub, start, [flint.fmpq(1)] * idx.size)
        if lam is not None and all(v > 0 for v in lam):
            resid = (sub.transpose() * flint.fmpq_mat(idx.size, 1, lam)).entries()
            if all(r == 0 for r in resid):
                return True
    return False


# ---------------------------------------------------------------------------
# Exact pieces: bounds, certificates, Huber active set
# ---------------------------------------------------------------------------


def _objective_bound(data: _Data, loss: Loss, tq: list[Any], mask: np.ndarray) -> Bound:
    """``(1/n) sum_{mask} l(x_i^T t; y_i)`` exactly (rational losses) or as an Arb ball."""
    p = (data.xq * flint.fmpq_mat(data.d, 1, tq)).entries()
    idx = np.flatnonzero(mask)
    arith = Arithmetic.EXACT if loss.exact_ok else Arithmetic.BALL
    if idx.size == 0:
        return flint.fmpq(0)
    pa = arith.array([p[int(i)] for i in idx])
    ya = arith.array([data.yq[int(i)] for i in idx])
    vals = loss.value(arith, pa, ya)
    total = _zero_like(arith)
    for v in vals:
        total = total + v
    return total * _recip(arith, data.n)


def _dual_bound(
    data: _Data, loss: Loss, p: np.ndarray, mask: np.ndarray
) -> tuple[Bound | None, dict[str, Any]]:
    """Fenchel dual lower bound ``-(1/n) sum l*(alpha_i; y_i)`` with ``X^T alpha = 0`` exactly."""
    with np.errstate(all="ignore"):
        alpha = np.where(mask, loss.d1(Arithmetic.FLOAT, p, data.y), 0.0)
        w = np.where(mask, loss.d2(Arithmetic.FLOAT, p, data.y), 0.0)
    if not (np.all(np.isfinite(alpha)) and np.all(np.isfinite(w))):
        return None, {"ok": False, "why": "non-finite derivatives at the solver point"}
    if loss.margin:
        # l'' underflowed: drop the sample from the dual (alpha_i = 0 is feasible).
        alpha = np.where(w > 0, alpha, 0.0)
    else:
        floor = 1e-6 * max(1.0, float(np.max(w, initial=0.0)))
        w = np.where(mask, np.maximum(w, floor), 0.0)
    info: dict[str, Any] = {}
    for attempt, cutoff in enumerate((0.0, 1e-12)):
        if cutoff:
            big = float(np.max(np.abs(alpha), initial=0.0))
            small = np.abs(alpha) <= cutoff * big
            alpha = np.where(small, 0.0, alpha)
            w = np.where(small, 0.0, w) if loss.margin else w
        bound, info = _dual_attempt(data, loss, alpha, w)
        info["attempt"] = attempt
        if bound is not None:
            return bound, info
    return None, info


def _dual_attempt(
    data: _Data, loss: Loss, alpha: np.ndarray, w: np.ndarray
) -> tuple[Bound | None, dict[str, Any]]:
    n = data.n
    aq = [_fq(v) for v in alpha]
    wq = [_fq(v) for v in w]
    a1 = _project_out(data.xq, aq, wq)
    if a1 is None:
        return None, {"ok": False, "why": "the weighted projection system was inconsistent"}
    resid = (data.xq.transpose() * flint.fmpq_mat(n, 1, a1)).entries()
    if any(r != 0 for r in resid):  # pragma: no cover - defensive
        return None, {"ok": False, "why": "the projected dual point is not exactly feasible"}
    c = Fraction(1)
    for i in range(n):
        lo, hi = loss.conjugate_domain(data.yq[i])
        ai = Fraction(int(a1[i].p), int(a1[i].q))
        if hi is not None and ai > hi:
            if hi <= 0:
                return None, {"ok": False, "why": f"dual variable {i} left the domain"}
            c = min(c, hi / ai)
        if lo is not None and ai < lo:
            if lo >= 0:
                return None, {"ok": False, "why": f"dual variable {i} left the domain"}
            c = min(c, lo / ai)
    cq = flint.fmpq(c.numerator, c.denominator)
    total: Any = flint.fmpq(0)
    for i in range(n):
        conj = loss.conjugate(cq * a1[i], data.yq[i])
        if conj is None:  # pragma: no cover - excluded by the scaling above
            return None, {"ok": False, "why": f"dual variable {i} is outside the domain"}
        total = total + conj
    bound = -total * flint.fmpq(1, n)
    return bound, {"ok": True, "shrink": float(c), "lower": _lo(bound)}


def _huber_exact(data: _Data, loss: Loss, t: np.ndarray) -> tuple[list[Any], Any] | None:
    """Exact minimizer from the active set of ``t``, if its gradient is exactly zero."""
    delta = float(loss.param("delta"))
    r = data.x @ t - data.y
    inside = np.abs(r) <= delta
    sign = np.where(inside, 0, np.sign(r)).astype(int)
    dq = to_fmpq(loss.param("delta"))
    n, d = data.n, data.d
    idx = np.flatnonzero(inside)
    rows = [[data.xq[int(i), j] for j in range(d)] for i in range(n)]
    gram = flint.fmpq_mat(d, d, [flint.fmpq(0)] * (d * d))
    if idx.size:
        sub = flint.fmpq_mat(idx.size, d, [v for i in idx for v in rows[int(i)]])
        gram = sub.transpose() * sub
    rhs = [flint.fmpq(0)] * d
    for i in range(n):
        coef = data.yq[i] if inside[i] else -dq * sign[i]
        for j in range(d):
            rhs[j] += coef * rows[i][j]
    t0 = _solve_consistent(gram, rhs)
    if t0 is None:
        return None
    basis = _nullspace(gram)
    candidates = [_min_norm(t0, basis)]
    if basis:  # the minimum-norm point may change the active set: also try near t
        nb = np.array([[float(b[j]) for b in basis] for j in range(d)])
        shift = t - np.array([float(v) for v in t0])
        coef = np.linalg.lstsq(nb, shift, rcond=None)[0]
        for simple in (True, False):
            cq = [_rationalize(v, simple) for v in coef]
            candidates.append(
                [
                    t0[j] + sum((cq[k] * basis[k][j] for k in range(len(basis))), flint.fmpq(0))
                    for j in range(d)
                ]
            )
    for cand in candidates:
        value, grad = _exact_value_and_gradient(data, loss, cand)
        if all(g == 0 for g in grad):
            return cand, value
    return None


def _exact_value_and_gradient(data: _Data, loss: Loss, t: list[Any]) -> tuple[Any, list[Any]]:
    p = (data.xq * flint.fmpq_mat(data.d, 1, t)).entries()
    arith = Arithmetic.EXACT
    pa, ya = arith.array(p), arith.array(list(data.yq))
    vals = loss.value(arith, pa, ya)
    g1 = [to_fmpq(v) for v in loss.d1(arith, pa, ya)]
    total = flint.fmpq(0)
    for v in vals:
        total = total + v
    grad = (data.xq.transpose() * flint.fmpq_mat(data.n, 1, g1)).entries()
    return total * flint.fmpq(1, data.n), grad


# ---------------------------------------------------------------------------
# Exact linear algebra
# ---------------------------------------------------------------------------


def _solve_consistent(m: Any, b: Sequence[Any]) -> list[Any] | None:
    """A solution of ``m z = b`` (free variables 0), or ``None`` if there is none."""
    k, cols = m.nrows(), m.ncols()
    if cols == 0:
        return []
    if k == cols:
        try:
            return list(m.solve(flint.fmpq_mat(k, 1, list(b))).entries())
        except ZeroDivisionError:
            pass
    entries: list[Any] = []
    for i in range(k):
        entries.extend(m[i, j] for j in range(cols))
        entries.append(b[i])
    red, rank = flint.fmpq_mat(k, cols + 1, entries).rref()
    z = [flint.fmpq(0)] * cols
    for i in range(rank):
        piv = next(j for j in range(cols + 1) if red[i, j] != 0)
        if piv == cols:
            return None
        z[piv] = red[i, cols]
    return z


def _nullspace(m: Any) -> list[list[Any]]:
    """Exact basis of ``{v : m v = 0}``."""
    cols = m.ncols()
    if m.nrows() == 0:
        return [[flint.fmpq(int(i == j)) for i in range(cols)] for j in range(cols)]
    red, rank = m.rref()
    pivots = [next(j for j in range(cols) if red[i, j] != 0) for i in range(rank)]
    basis = []
    for f in (j for j in range(cols) if j not in pivots):
        v = [flint.fmpq(0)] * cols
        v[f] = flint.fmpq(1)
        for i, piv in enumerate(pivots):
            v[piv] = -red[i, f]
        basis.append(v)
    return basis


def _min_norm(t0: list[Any], basis: list[list[Any]]) -> list[Any]:
    """Project ``t0`` onto the orthogonal complement of ``span(basis)``."""
    if not basis:
        return t0
    d, k = len(t0), len(basis)
    nmat = flint.fmpq_mat(d, k, [basis[c][r] for r in range(d) for c in range(k)])
    nt = nmat.transpose()
    coef = (nt * nmat).solve(nt * flint.fmpq_mat(d, 1, t0))
    return list((flint.fmpq_mat(d, 1, t0) - nmat * coef).entries())


def _project_out(xq: Any, v: list[Any], w: list[Any]) -> list[Any] | None:
    """``v - W X z`` with ``(X^T W X) z = X^T v``, so that ``X^T (v - W X z) = 0`` exactly."""
    n, d = xq.nrows(), xq.ncols()
    rhs = (xq.transpose() * flint.fmpq_mat(n, 1, v)).entries()
    if all(r == 0 for r in rhs):
        return list(v)
    wx = flint.fmpq_mat(n, d, [w[i] * xq[i, j] for i in range(n) for j in range(d)])
    z = _solve_consistent(xq.transpose() * wx, rhs)
    if z is None:
        return None
    corr = (wx * flint.fmpq_mat(d, 1, z)).entries()
    return [v[i] - corr[i] for i in range(n)]


def _scale_rows(xq: Any, yq: Sequence[Any]) -> Any:
    n, d = xq.nrows(), xq.ncols()
    return flint.fmpq_mat(n, d, [yq[i] * xq[i, j] for i in range(n) for j in range(d)])


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------


def _fq(v: Any) -> Any:
    """Exact fmpq of a finite float (its binary value); other numbers via ``to_fmpq``."""
    if isinstance(v, float | np.floating):
        return flint.fmpq(*float(v).as_integer_ratio())
    return to_fmpq(v)


def _dyadic(v: float, bits: int = 30) -> Any:
    """``v`` rounded to ``bits`` significant bits, as an fmpq with a power-of-2 denominator.

    Used for long vectors: a common denominator of many dyadic numbers stays small,
    whereas ``limit_denominator`` values have coprime denominators whose LCM explodes.
    """
    v = float(v)
    if v == 0.0:
        return flint.fmpq(0)
    k = bits - math.frexp(v)[1]
    num = round(math.ldexp(v, k))
    return flint.fmpq(num, 2**k) if k >= 0 else flint.fmpq(num * 2 ** (-k))


def _rationalize(v: float, simple: bool) -> Any:
    """``v`` as an fmpq: its exact binary value, or a nearby small-denominator rational."""
    if not simple:
        return _fq(float(v))
    q = Fraction(float(v)).limit_denominator(10**6)
    return flint.fmpq(q.numerator, q.denominator)


def _zero_like(arith: Arithmetic) -> Any:
    return flint.fmpq(0) if arith is Arithmetic.EXACT else flint.arb(0)


def _recip(arith: Arithmetic, n: int) -> Any:
    return flint.fmpq(1, n) if arith is Arithmetic.EXACT else flint.arb(flint.fmpq(1, n))


def _as_fraction(q: Any) -> Fraction:
    return Fraction(int(q.p), int(q.q))


def _lo(b: Bound) -> float:
    """Rigorous float lower bound of an fmpq or arb."""
    if isinstance(b, flint.fmpq):
        return _float_down(_as_fraction(b))
    return float(ball_bounds(np.array([b], dtype=object))[0][0])


def _hi(b: Bound) -> float:
    """Rigorous float upper bound of an fmpq or arb."""
    if isinstance(b, flint.fmpq):
        return _float_up(_as_fraction(b))
    return float(ball_bounds(np.array([b], dtype=object))[1][0])


def _float_down(q: Fraction | float) -> float:
    f = float(q)
    if isinstance(q, Fraction) and math.isfinite(f) and Fraction(f) > q:
        f = math.nextafter(f, -math.inf)
    return f


def _float_up(q: Fraction | float) -> float:
    f = float(q)
    if isinstance(q, Fraction) and math.isfinite(f) and Fraction(f) < q:
        f = math.nextafter(f, math.inf)
    return f


def _norm(t: Sequence[Any]) -> float:
    return float(np.linalg.norm([float(_as_fraction(v)) for v in t]))


def _risk_interval(risk: Any) -> tuple[Any, Any, Method]:
    if isinstance(risk, bool):
        raise InvalidInput(f"risk={risk!r} must be a number, an Arb ball or a (lo, hi) pair.")
    if isinstance(risk, int | Fraction | flint.fmpq | flint.fmpz):
        q = _as_fraction(to_fmpq(risk)) if not isinstance(risk, Fraction) else risk
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


# ---------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------


def _assemble(
    parts: list[_Part],
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
    lo_f, hi_f = _lo(lower), _hi(upper)
    known = isinstance(lower, flint.fmpq) and isinstance(upper, flint.fmpq) and lower == upper
    lower_out: Fraction | float
    upper_out: Fraction | float
    value: Fraction | float | None
    if known and exact_data:
        lower_out = upper_out = value = _as_fraction(lower)
    else:
        lower_out, upper_out = lo_f, hi_f
        if known:
            value = float(_as_fraction(lower))
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


def _report_vector(part: _Part, exact_data: bool) -> list[Any]:
    assert part.minimizer is not None
    if part.exact_minimizer:
        fr = [_as_fraction(v) for v in part.minimizer]
        return fr if exact_data else [float(v) for v in fr]
    return [float(v) for v in part.minimizer]
