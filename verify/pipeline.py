"""``check``: evaluate a theorem at an instance's point or at critical points found from it.

This is the pipeline every command shares: instance -> objective -> candidate
critical points (given, or found numerically from the instance's parameters
and seeded starts) -> certified point or box -> premises + baseline ->
conclusion -> verdict with evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.critical.finders import Candidate, dedupe, find_saddle, minimize, starts
from verify.io.instances import Instance
from verify.objectives.empirical import Objective
from verify.theorems.core import Report, Theorem, evaluate
from verify.theorems.premises import Context


@dataclass(frozen=True)
class CheckResult:
    """Reports for every point checked, plus the candidates that were found."""

    theorem: Theorem
    reports: tuple[Report, ...]
    candidates: tuple[Candidate, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "theorem": self.theorem.label,
            "reports": [r.to_dict() for r in self.reports],
            "candidates_found": len(self.candidates),
        }


def find_points(
    obj: Objective, theta0: Any | None, *, n_starts: int, seed: int, saddles: bool = True
) -> list[Candidate]:
    """Numerical critical-point candidates from ``theta0`` and ``n_starts`` seeded starts."""
    inits: list[np.ndarray] = []
    if theta0 is not None:
        inits.append(np.asarray(theta0, dtype=object).astype(np.float64))
    inits += list(starts(obj.n_params, n_starts, seed))
    found: list[Candidate] = []
    for k, th in enumerate(inits):
        found.append(minimize(obj, th, start=k))
        if saddles:
            found.append(find_saddle(obj, th, start=k))
    return dedupe(obj, [c for c in found if c.converged])


def check(
    theorem: Theorem,
    instance: Instance,
    *,
    find: bool = False,
    n_starts: int = 0,
    seed: int = 0,
    where: str = "near",
) -> CheckResult:
    """Evaluate ``theorem`` on ``instance``.

    Without ``find`` the instance's own parameters are the point (certified as a
    critical point, or reported as not one). With ``find`` critical points are
    searched from the instance's parameters (if any) and ``n_starts`` seeded starts.
    """
    model = instance.require_model()
    obj = Objective(model, instance.loss, instance.data)
    cands: list[Candidate] = []
    if find or instance.params is None:
        cands = find_points(
            obj,
            instance.params,
            n_starts=max(n_starts, 0 if instance.params is not None else 1),
            seed=seed,
        )
        points: list[Any] = [c.theta for c in cands]
    else:
        points = [instance.params]
    reports = tuple(evaluate(theorem, Context(obj, p, where=where)) for p in points)
    return CheckResult(theorem, reports, tuple(cands))
