"""The pipeline every command shares: instance -> points -> certified point -> verdict.

``check`` evaluates a theorem at an instance's point, or at critical points
found numerically from it: the instance must lie in the theorem's setting
(else :class:`~verify.errors.NotApplicable`, before any work), candidates are
found in float64 (:mod:`verify.critical`), escapes to infinity are reported as
escapes and never certified, and every remaining point goes through
:func:`certify_point` (certified critical point or box -> premises + baseline ->
conclusion -> verdict). The search (:mod:`verify.search.engine`) calls
:func:`certify_point` too: there is one pipeline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.critical.finders import Candidate, dedupe, find_saddle, minimize, starts
from verify.data import Instance
from verify.objectives.empirical import Objective
from verify.theorems.context import Context
from verify.theorems.core import Report, Theorem, evaluate
from verify.verdict import Verdict


def certify_point(
    theorem: Theorem, objective: Objective, theta: Any, where: str = "near", *,
    qualifiers_first: bool = False,
) -> Report:
    """Evaluate ``theorem`` at the critical point certified at or near ``theta``
    (``qualifiers_first``: see :func:`verify.theorems.core.evaluate`)."""
    theorem.applies_to(objective.model, objective.loss)
    return evaluate(theorem, Context(objective, theta, where=where),
                    qualifiers_first=qualifiers_first)


@dataclass(frozen=True)
class CheckResult:
    """Reports for every point checked, the candidates found and the escapes seen."""

    theorem: Theorem
    reports: tuple[Report, ...]
    candidates: tuple[Candidate, ...]
    escapes: tuple[Candidate, ...] = ()

    def counts(self) -> dict[str, int]:
        # a point counts as certified when every qualifier premise (critical point, local
        # minimum) holds there; theorems without one count a certified critical_point premise
        quals = self.theorem.qualifiers or ("critical_point",)
        certified = [
            r for r in self.reports
            if all(
                q in dict(r.premises) and dict(r.premises)[q].verdict is Verdict.HOLDS
                for q in quals
            )
        ]
        verdicts = Counter(r.verdict.value for r in self.reports)
        return {
            "points": len(self.reports),
            "certified_critical": len(certified),
            "escapes": len(self.escapes),
            "holds": verdicts.get("holds", 0),
            "violated": verdicts.get("violated", 0),
            "inconclusive": verdicts.get("inconclusive", 0),
        }

    def summary(self) -> str:
        """One line over all points: how many certified, and the verdicts."""
        c = self.counts()
        return (
            f"{c['points']} point(s) checked, {c['certified_critical']} certified critical; "
            f"{c['holds']} holds, {c['violated']} violated, {c['inconclusive']} inconclusive; "
            f"{c['escapes']} escape(s) to infinity not checked"
        )

    def points(self) -> list[dict[str, Any]]:
        """Every point seen: the checked ones (theta*, its verdict, the input when it differs)
        and the escapes (float coordinates, never checked)."""
        out: list[dict[str, Any]] = []
        for k, r in enumerate(self.reports):
            out.append(
                {
                    "index": k,
                    "status": "checked",
                    "verdict": r.verdict.value,
                    "method": r.method.value,
                    "relation": r.point.get("relation"),
                    "theta_star": r.point.get("theta_star"),
                    "text": r.point.get("theta_star_text", ""),
                    **({"input": r.point["input"]} if "input" in r.point else {}),
                }
            )
        for e in self.escapes:
            out.append(
                {
                    "index": len(out),
                    "status": "escape",
                    "verdict": None,
                    "norm": float(np.linalg.norm(e.theta)),
                    "risk": e.risk,
                    "theta": [float(v) for v in e.theta],
                    "text": ", ".join(f"{v:.6g}" for v in e.theta),
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "theorem": self.theorem.label,
            "summary": self.counts(),
            "summary_text": self.summary(),
            "reports": [r.to_dict() for r in self.reports],
            "candidates_found": len(self.candidates),
            "escapes": [
                {"norm": float(np.linalg.norm(c.theta)), "risk": c.risk, "notes": list(c.notes)}
                for c in self.escapes
            ],
        }


def find_points(
    obj: Objective, theta0: Any | None, *, n_starts: int, seed: int, saddles: bool = True
) -> tuple[list[Candidate], list[Candidate]]:
    """Numerical critical-point candidates and escapes from ``theta0`` and seeded starts."""
    inits: list[np.ndarray] = []
    if theta0 is not None:
        inits.append(np.asarray(theta0, dtype=object).astype(np.float64))
    inits += list(starts(obj.n_params, n_starts, seed))
    found: list[Candidate] = []
    for k, th in enumerate(inits):
        found.append(minimize(obj, th, start=k))
        if saddles:
            found.append(find_saddle(obj, th, start=k))
    escapes = [c for c in found if c.escaped]
    return dedupe(obj, [c for c in found if c.converged]), escapes


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
    Raises :class:`~verify.errors.NotApplicable` if the instance is outside the
    theorem's setting.
    """
    model = instance.require_model()
    theorem.applies_to(model, instance.loss)
    obj = Objective(model, instance.loss, instance.data)
    cands: list[Candidate] = []
    escapes: list[Candidate] = []
    if find or instance.params is None:
        cands, escapes = find_points(
            obj,
            instance.params,
            n_starts=max(n_starts, 0 if instance.params is not None else 1),
            seed=seed,
        )
        points: list[Any] = [c.theta for c in cands]
    else:
        points = [instance.params]
    reports = tuple(certify_point(theorem, obj, p, where) for p in points)
    return CheckResult(theorem, reports, tuple(cands), tuple(escapes))
