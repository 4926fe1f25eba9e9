"""Experiment rows of ``resnet-verify all`` (section ``experiment``) and figure entries.

Rows for Y3 (drawn blocks and trained critical points), Y4, S2 and S3 at a named
budget (``quick`` by default, ``deep`` with ``all --deep``). Like the population
experiment row, an experiment row is never HOLDS: its verdict is INCONCLUSIVE, its
method SAMPLED (S2: NUMERIC per iterate), its ``expected`` is "reported only", and
``checked`` says what was measured, on how many instances, with what evidence. The one
exception is a *certified* violation of a derived bound (Y3 at an instance, S2 at an
iterate after the Arb re-check): that refutes the lemma, so the row is VIOLATED
(CERTIFIED) and not as expected. A Y4 lower estimate above the bound is sampled (not a
certificate): the row stays INCONCLUSIVE but is flagged not as expected.

With an output directory the figures are written to ``DIR/figures`` and each row lists
them under ``figures`` as ``{"path", "caption"}`` with the path relative to ``DIR``
(where the Markdown report is written, so its links work).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

Row = dict[str, Any]
Task = tuple[str, Callable[[], list[Row]]]
FIGURES = "figures"

EXPECTED = ("reported only (experiment: never establishes the universal claim; a certified "
            "violation would refute it)")

#: name, row id, claim, source, tag
ROWS: tuple[tuple[str, str, str, str, str], ...] = (
    ("y3", "y3-near-identity",
     ("Yun, Sra & Jadbabaie (2019), near-identity risk bound (explicit constant derived here): "
     "blocks (alpha/L)-Lipschitz with phi(0) = 0, a convex G-Lipschitz loss and grad_w R = 0 "
     "give R(theta) <= E l(t^T x) + G (e^alpha - 1) E||x|| ||t|| for every t; measured "
     "against depth L = 1..16 with blocks drawn and w solved"),
     "Yun, Sra & Jadbabaie 2019; CLAIMS.md Y3 [S] + [D]", "D"),
    ("y3-critical", "y3-near-identity-critical",
     ("Yun, Sra & Jadbabaie (2019), near-identity risk bound (derived constant) at trained "
     "full critical points, alpha measured from the trained blocks"),
     "Yun, Sra & Jadbabaie 2019; CLAIMS.md Y3 [S] + [D]", "D"),
    ("y4", "y4-rademacher",
     ("Yun, Sra & Jadbabaie (2019): the empirical Rademacher complexity of depth-L ResNets "
     "with ||w|| <= 1, ||V_l||_F, ||U_l||_F <= 1/sqrt(L) is at most e^2 max||x_i|| / sqrt(n), "
     "independently of L; sampled lower estimates against the bound"),
     "Yun, Sra & Jadbabaie 2019; CLAIMS.md Y4 [S]", "S"),
    ("s2", "s2-approximate-stationarity",
     ("Shamir (2018), approximate stationary points (bound derived here): "
     "||grad_(w,V) R|| <= eps and w != 0 give R <= E l(t^T x) + eps (||t|| (1 + ||V||_2/||w||) "
     "+ ||w||); evaluated at every iterate of gradient-descent paths"),
     "Shamir 2018; CLAIMS.md S2 [S] + [D]", "D"),
    ("s3", "s3-sgd-experiment",
     ("Shamir (2018): with a tweak to the architecture, SGD ends close to or below every "
     "linear predictor. EXPERIMENT with plain SGD (the tweak is unknown): not the theorem"),
     "Shamir 2018; CLAIMS.md S3 [S] (details unknown: experiment only)", "S"),
)


def figure_entry(path: str | Path, caption: str, base: str | Path) -> dict[str, str]:
    """``{"path", "caption"}`` with ``path`` relative to ``base`` (the report directory)."""
    rel = os.path.relpath(Path(path), Path(base))
    return {"path": Path(rel).as_posix(), "caption": caption}


def _row(name: str, rid: str, claim: str, source: str, tag: str, budget: str, seed: int,
         out: str | None) -> list[Row]:
    from verify.experiments.sweeps import run_sweep_outcome

    figdir = None if out is None else Path(out) / FIGURES
    o = run_sweep_outcome(name, budget, seed, figdir)
    method = "numeric" if name == "s2" else "sampled"
    verdict, ok = "inconclusive", o.flagged is None
    if o.certified_violations:
        verdict, method, ok = "violated", "certified", False
    result = {k: v for k, v in o.payload.items() if k != "paths"}  # S2 paths: in the figure JSON
    checked = (f"experiment, {budget} budget, seed {seed}: " + "; ".join(o.findings)
               + f". Sizes: {o.sizes}. Evidence: {o.evidence}")
    if o.flagged:
        checked += f". Flagged: {o.flagged}"
    row: Row = {
        "section": "experiment",
        "id": rid,
        "claim": claim,
        "source": source,
        "tag": tag,
        "checked": checked,
        "method": method,
        "verdict": verdict,
        "expected": EXPECTED,
        "ok": ok,
        "seconds": round(o.seconds, 3),
        "detail": {
            "kind": "experiment",
            "experiment": name,
            "budget": budget,
            "seed": seed,
            "sizes": o.sizes,
            "evidence": o.evidence,
            "findings": o.findings,
            "certified_violations": o.certified_violations,
            "flagged": o.flagged,
            "result": result,
        },
    }
    if out is not None:
        row["figures"] = [figure_entry(f["path"], f["caption"], out) for f in o.figures]
    return [row]


def experiment_tasks(budget: str = "quick", seed: int = 0, out: str | None = None) -> list[Task]:
    """Y3, Y3 at critical points, Y4, S2, S3 as rows (figures into ``out/figures``)."""
    return [
        (f"experiment {name} ({budget})",
         functools.partial(_row, name, rid, claim, source, tag, budget, seed, out))
        for name, rid, claim, source, tag in ROWS
    ]
