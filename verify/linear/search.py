r"""Searching linear ResNets for critical points (Hardt & Ma, CLAIMS.md §Hardt & Ma).

Float search (NUMERIC) plus two ways to turn float points into exact ones, so that what
the search reports can be checked exactly with :mod:`verify.linear.objective`:

* :func:`snap_to_global`: a point with invertible factors becomes an exact global
  minimum (``A_l`` solved exactly so the product is the least-squares ``M*``);
* :func:`rationalize`: entries rounded to nearby small-denominator rationals; useful for
  saddles with simple coordinates (e.g. singular factors ``I + A_i``); whether the
  rounded point is exactly critical is then *checked*, never assumed.

:func:`search` runs both kinds of start (Gaussian near the identity, and starts near
singular factors ``A_i ≈ -u u^T``) and summarises: points inside the ball (each snapped
and checked exactly; a non-global critical point there would contradict the proof), and
non-global critical points outside it (the negative control), exact when rationalisation
lands on an exact critical point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import scipy.optimize

from verify.errors import InvalidInput
from verify.linear.objective import (
    as_fractions,
    check_critical_point,
    global_minimum_value,
    gradient,
    hessian,
    identity_matrix,
    is_global_minimum,
    risk,
    solve_last_factor,
)
from verify.numbers.arithmetic import Arithmetic
from verify.verdict import Method, Verdict

__all__ = ["FoundPoint", "SearchSummary", "rationalize", "search", "search_critical_points",
           "snap_to_global"]




@dataclass(frozen=True)
class FoundPoint:
    """A float critical point from :func:`search_critical_points` (NUMERIC evidence)."""

    As: list[np.ndarray]
    grad_norm: float
    max_spectral_norm: float
    gap: float  # f(A) - f_LS in float64

    def to_dict(self) -> dict[str, Any]:
        return {"grad_norm": self.grad_norm, "max_spectral_norm": self.max_spectral_norm,
                "gap": self.gap, "method": Method.NUMERIC.value}


def search_critical_points(
    X: Any, Y: Any, depth: int, *, starts: int = 8, scale: float = 0.5, seed: int = 0,
    gd_steps: int = 200, lr: float = 0.05, kind: str = "gaussian",
) -> list[FoundPoint]:
    """Float critical points from random starts.

    ``kind="gaussian"``: ``A_i ~ scale · N(0, 1/d)`` entrywise, then a short gradient
    descent; ``kind="singular"``: ``A_i = -u_i u_i^T + scale · N(0, 1/d)`` with random
    unit ``u_i`` (``I + A_i`` nearly singular), no gradient descent (it would leave the
    saddles). Then Levenberg–Marquardt on ``grad f = 0`` with the exact Hessian formula
    as Jacobian (so saddles are found too). Returns the points whose
    float gradient norm is below ``1e-9``; the evidence is NUMERIC only (use
    :func:`snap_to_global` / :func:`check_critical_point` to check a point exactly).
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise InvalidInput(f"depth={depth!r} must be an integer >= 1.")
    if isinstance(starts, bool) or not isinstance(starts, int) or starts < 1:
        raise InvalidInput(f"starts={starts!r} must be an integer >= 1.")
    if kind not in ("gaussian", "singular"):
        raise InvalidInput(f"kind={kind!r} is not supported; use 'gaussian' or 'singular'.")
    x = np.asarray(X, dtype=object)
    d = x.shape[1]
    rng = np.random.default_rng(seed)
    f_ls = float(global_minimum_value(X, Y)[0])
    unpack = lambda v: [v[k * d * d:(k + 1) * d * d].reshape(d, d) for k in range(depth)]  # noqa: E731
    grad = lambda v: gradient(unpack(v), X, Y, "float").astype(float)  # noqa: E731
    out = []
    for _ in range(starts):
        v = rng.normal(0.0, scale / np.sqrt(d), size=depth * d * d)
        if kind == "singular":
            for k in range(depth):
                u = rng.normal(size=d)
                u /= np.linalg.norm(u)
                v[k * d * d:(k + 1) * d * d] -= np.outer(u, u).ravel()
        for _ in range(gd_steps if kind == "gaussian" else 0):
            g = grad(v)
            if not np.all(np.isfinite(g)) or np.linalg.norm(g) < 1e-6:
                break
            v = v - lr * g
        sol = scipy.optimize.root(grad, v, jac=lambda u: hessian(unpack(u), X, Y,
                                                                   "float").astype(float),
                                  method="lm")
        v = sol.x
        gn = float(np.linalg.norm(grad(v)))
        if np.isfinite(gn) and gn < 1e-9:
            As = unpack(v)
            out.append(FoundPoint(
                [a.copy() for a in As], gn,
                max(float(np.linalg.norm(a, 2)) for a in As),
                float(risk(As, X, Y, "float")) - f_ls,
            ))
    return out


def snap_to_global(As: Sequence[Any], X: Any, Y: Any) -> list[np.ndarray]:
    """Exact rational point: ``A_1..A_{l-1}`` rounded to rationals (denominator 2^20),
    ``A_l`` solved exactly so that the product is the least-squares ``M*``.

    Raises ``InvalidInput`` if the rounded lower factors are singular. The result is an
    exact global minimum (hence critical); whether it satisfies a norm bound is for
    :func:`certify_norm_bound` to decide.
    """
    if len(As) < 1:
        raise InvalidInput("As=[] must hold at least one matrix.")
    rounded = [np.vectorize(lambda v: Fraction(round(float(v) * 2**20), 2**20),
                            otypes=[object])(np.asarray(a, dtype=float)) for a in As[:-1]]
    d = np.asarray(X, dtype=object).shape[1]
    if not rounded:
        _, M = global_minimum_value(X, Y)
        return [as_fractions(Arithmetic.EXACT.array(M) - identity_matrix(d, Arithmetic.EXACT))]
    try:
        last = solve_last_factor(rounded[-1], X, Y, rounded[:-1])
    except ZeroDivisionError:
        raise InvalidInput(
            "As: the rounded factors I + A_i are singular; snap only points with invertible "
            "factors (e.g. max ||A_i||_2 < 1)."
        ) from None
    return [*rounded, as_fractions(last)]


def rationalize(As: Sequence[Any], max_denominator: int = 64) -> list[np.ndarray]:
    """Entries replaced by the nearest rationals with denominator ``<= max_denominator``."""
    return [np.vectorize(lambda v: Fraction(float(v)).limit_denominator(max_denominator),
                         otypes=[object])(np.asarray(a, dtype=float)) for a in As]


@dataclass(frozen=True)
class SearchSummary:
    """What a search found, with the evidence of each count."""

    depth: int
    found: int
    inside: int  # float max ||A_i||_2 < tau
    inside_snapped_global: int  # snapped exactly and checked global (EXACT)
    inside_float_nonglobal: int  # NUMERIC: float gap > tol inside the ball
    outside_float_nonglobal: int  # NUMERIC negative-control candidates
    negative_controls: list[dict[str, Any]] = field(default_factory=list)  # EXACT checks

    @property
    def violation(self) -> Verdict:
        """INCONCLUSIVE: no exact violation is possible from a float search inside the
        ball (a float non-global point there is reported, never called VIOLATED)."""
        return Verdict.INCONCLUSIVE

    def to_dict(self) -> dict[str, Any]:
        return {
            "depth": self.depth, "found": self.found, "inside_ball": self.inside,
            "inside_snapped_and_exactly_global": self.inside_snapped_global,
            "inside_float_nonglobal (numeric)": self.inside_float_nonglobal,
            "outside_float_nonglobal (numeric)": self.outside_float_nonglobal,
            "negative_controls_exact": self.negative_controls,
            "claim_verdict_from_search": self.violation.value,
            "method": Method.SAMPLED.value,
        }


def search(X: Any, Y: Any, depth: int, *, tau: Any = Fraction(9, 10), starts: int = 6,
           seed: int = 0, gap_tol: float = 1e-8) -> SearchSummary:
    """Gaussian and near-singular starts; inside-ball points snapped and checked exactly;
    outside-ball non-global points rationalised and, if exactly critical, checked exactly
    (:func:`verify.linear.objective.check_critical_point`; ``without_norm_bound`` VIOLATED
    is the certified negative control)."""
    t = float(Fraction(tau))
    pts = (search_critical_points(X, Y, depth, starts=starts, scale=0.3, seed=seed)
           + search_critical_points(X, Y, depth, starts=starts, scale=0.05, seed=seed + 1,
                                    kind="singular"))
    inside = [p for p in pts if p.max_spectral_norm < t]
    snapped = 0
    for p in inside:
        try:
            exact = snap_to_global(p.As, X, Y)
        except InvalidInput:
            continue
        if is_global_minimum(exact, X, Y).verdict is Verdict.HOLDS:
            snapped += 1
    controls = []
    outside_bad = [p for p in pts if p.max_spectral_norm >= t and p.gap > gap_tol]
    seen: set[str] = set()
    for p, den in ((p, den) for p in outside_bad for den in (4, 16, 64, 1024)):
        q = rationalize(p.As, den)
        key = repr([a.tolist() for a in q])
        if key in seen:
            continue
        seen.add(key)
        if all(v == 0 for v in gradient(q, X, Y, "exact")):
            chk = check_critical_point(q, X, Y, tau)
            controls.append({"As": [[[str(v) for v in row] for row in a.tolist()] for a in q],
                             **chk.to_dict()})
    return SearchSummary(depth, len(pts), len(inside), snapped,
                         sum(p.gap > gap_tol for p in inside), len(outside_bad), controls)
