"""The dichotomy picture of a search: ``R(theta) - R_lin`` against ``lambda_min``.

For a search run with ``collect_points=True`` (:func:`verify.search.engine.search`),
:func:`plot_search` draws every critical point the search examined whose premises did
not fail the float screen (a covered point) with :func:`figures.dichotomy_scatter`.
Yun et al.'s dichotomy (CLAIMS.md §Y1) and the stronger "no critical point / local
minimum worse than linear" conclusions all forbid the quadrant "gap > 0 and
lambda_min >= 0"; for a negative control points there are expected.

The values are float64 (NUMERIC) screen values at the float critical point: a value
within the screen's tolerance band is drawn as 0 (its sign is not decided in float),
so a point at ``R = R_lin`` with rounding noise is not drawn as worse than linear, and
a point with ``lambda_min`` in the band counts as "no negative curvature" (the
conservative side). Points where the certified pipeline ran (the screen's candidates)
are marked certified when a critical point was certified there; the JSON lists every
point in the forbidden quadrant with its certified verdict — only a certified VIOLATED
verdict is a counterexample, and the search row reports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from verify.experiments.figures import dichotomy_scatter


def _snap(value: float, tol: float) -> float:
    return 0.0 if abs(value) <= tol else value


def plot_search(report: Any, path: str | Path) -> tuple[Path, Path]:
    """Write the dichotomy scatter of ``report`` (a ``SearchReport``) to ``path`` (+ JSON)."""
    covered = [p for p in report.points if p.covered]
    pts = [(_snap(p.gap, p.gap_tol), _snap(p.lambda_min, p.lambda_tol)) for p in covered]
    forbidden = [
        {"gap": p.gap, "lambda_min": p.lambda_min, "certified_verdict": p.verdict}
        for p, (g, lam) in zip(covered, pts, strict=True)
        if g > 0 and lam >= 0
    ]
    notes = {
        "theorem": report.theorem.label,
        "theorem_kind": report.theorem.kind,
        "conclusion": report.theorem.conclusion.statement,
        "values": "float64 (NUMERIC) at the float critical point; within the screen's "
        "tolerance band a value is drawn as 0",
        "certified_meaning": "the certified pipeline ran at this point (a screen candidate) "
        "and certified a critical point",
        "gap_float_unsnapped": [p.gap for p in covered],
        "lambda_min_float_unsnapped": [p.lambda_min for p in covered],
        "gap_tolerance": [p.gap_tol for p in covered],
        "lambda_min_tolerance": [p.lambda_tol for p in covered],
        "certified_verdict": [p.verdict for p in covered],
        "points_examined": len(report.points),
        "points_not_covered": len(report.points) - len(covered),
        "not_covered_meaning": "a premise failed the float screen: the theorem says nothing "
        "there (not drawn)",
        "forbidden_points": forbidden,
        "certified_violations_in_quadrant": sum(f["certified_verdict"] == "violated"
                                                for f in forbidden),
        "instances_tried": report.tried,
        "seed": report.seed,
    }
    title = f"{report.theorem.label}: critical points examined by the search"
    png, js = dichotomy_scatter(pts, path, title=title,
                                certified=[p.certified for p in covered], notes=notes)
    return Path(png), Path(js)
