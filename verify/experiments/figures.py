"""Figures shared by searches and ``derive``: the dichotomy scatter and a Hessian spectrum.

* :func:`dichotomy_scatter` — ``R(theta*) - R_lin`` against ``lambda_min(Hessian)`` over
  critical points. Yun et al.'s dichotomy (CLAIMS.md §Y1) says no critical point of a
  covered instance lies in the shaded quadrant "worse than linear (gap > 0) and no
  negative curvature (lambda_min >= 0)"; a point there is drawn as a red cross and
  counted in the data. Whether a point is *certified* is the caller's business: pass
  only certified points, or mark them with ``certified``.
* :func:`spectrum_plot` — sorted eigenvalues of a Hessian (index vs value), zero marked.

Both take plain numbers and write PNG + JSON through :func:`save_figure`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from verify.errors import InvalidInput
from verify.experiments.plotting import save_figure


def _finite(name: str, v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name}={v!r} is not a number; pass floats.") from None
    if not math.isfinite(f):
        raise InvalidInput(f"{name}={v!r} is not finite; drop undecided points first.")
    return f


def dichotomy_scatter(
    points: Sequence[tuple[float, float]], path: Any, *, title: str = "Critical points",
    certified: Sequence[bool] | None = None, notes: dict[str, Any] | None = None,
) -> tuple[Any, Any]:
    """Scatter of ``(gap, lambda_min)`` pairs with the forbidden quadrant shaded.

    ``gap = R(theta*) - R_lin``; ``lambda_min`` the smallest Hessian eigenvalue (a
    midpoint or a rigorous bound the caller chose). Returns the PNG and JSON paths; the
    JSON holds the points, the number in the forbidden quadrant and ``notes`` (what the
    values are, how they were obtained: the caller's words).
    """
    pts = [(_finite(f"points[{i}][0]", g), _finite(f"points[{i}][1]", lam))
           for i, (g, lam) in enumerate(points)]
    cert = list(certified) if certified is not None else [True] * len(pts)
    if len(cert) != len(pts):
        raise InvalidInput(f"certified has {len(cert)} entries; pass one per point ({len(pts)}).")
    bad = [i for i, (g, lam) in enumerate(pts) if g > 0 and lam >= 0]
    data = {"gap": [p[0] for p in pts], "lambda_min": [p[1] for p in pts],
            "certified": [bool(c) for c in cert], "forbidden_quadrant": bad,
            "n_forbidden": len(bad),
            "forbidden": "gap > 0 (worse than linear) and lambda_min >= 0 (no negative curvature)",
            **(notes or {})}

    def draw(ax: Any) -> None:
        gs = [p[0] for p in pts] or [0.0]
        ls = [p[1] for p in pts] or [0.0]
        xr = max(1e-3, *[abs(v) for v in gs]) * 1.2
        yr = max(1e-3, *[abs(v) for v in ls]) * 1.2
        ax.fill_between([0, xr], 0, yr, color="red", alpha=0.12,
                        label="forbidden: worse than linear, no negative curvature")
        for flag, marker, lab in ((True, "o", "certified"), (False, "s", "not certified")):
            sel = [p for i, p in enumerate(pts) if i not in bad and bool(cert[i]) is flag]
            if sel:
                ax.scatter([p[0] for p in sel], [p[1] for p in sel], marker=marker, s=18,
                           label=f"critical point ({lab})",
                           facecolors="C0" if flag else "none", edgecolors="C0")
        if bad:
            ax.scatter([pts[i][0] for i in bad], [pts[i][1] for i in bad], marker="x",
                       color="red", s=40, label="in the forbidden quadrant")
        ax.axhline(0.0, color="grey", lw=0.6)
        ax.axvline(0.0, color="grey", lw=0.6)
        ax.set_xlim(-xr, xr)
        ax.set_ylim(-yr, yr)

    return save_figure(path, draw, data, title=title, xlabel="R(θ*) − R_lin",
                       ylabel="λ_min(∇²R(θ*))")


def spectrum_plot(eigenvalues: Sequence[float], path: Any, *, title: str = "Hessian spectrum"
                  ) -> tuple[Any, Any]:
    """Sorted eigenvalues against their index, the zero line and the negative ones marked."""
    ev = sorted(_finite(f"eigenvalues[{i}]", v) for i, v in enumerate(eigenvalues))
    if not ev:
        raise InvalidInput("eigenvalues=[] must hold at least one number.")
    data = {"eigenvalues": ev, "n_negative": sum(v < 0 for v in ev),
            "n_positive": sum(v > 0 for v in ev), "n_zero": sum(v == 0 for v in ev)}

    def draw(ax: Any) -> None:
        idx = list(range(1, len(ev) + 1))
        ax.plot(idx, ev, "o-", ms=4, label="eigenvalue")
        neg = [(i, v) for i, v in zip(idx, ev, strict=True) if v < 0]
        if neg:
            ax.scatter([i for i, _ in neg], [v for _, v in neg], color="red", zorder=3,
                       label="negative (descent direction)")
        ax.axhline(0.0, color="grey", lw=0.6)
        if all(v > 0 for v in ev) or all(v < 0 for v in ev):
            ax.set_yscale("symlog", linthresh=max(1e-8, min(abs(v) for v in ev)))

    return save_figure(path, draw, data, title=title, xlabel="index (sorted)",
                       ylabel="eigenvalue")
