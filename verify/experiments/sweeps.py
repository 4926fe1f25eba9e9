"""Run the Y3 / Y4 / S2 / S3 experiments by name, summarise them and draw their figures.

One entry point for ``resnet-verify experiment y3|y3-critical|y4|s2|s3`` and for the
experiment rows of ``resnet-verify all``: :func:`run_sweep_outcome` runs the module's
``run(budget, seed)``, states in words what was measured, on how many instances, with
what evidence, and (with ``out``) writes every figure (PNG + the JSON data behind it)
and the full result as ``<stem>_result.json``.

Sources: CLAIMS.md §Y3, §Y4 (Yun, Sra & Jadbabaie 2019 [S], constants derived [D]),
§S2 (Shamir 2018 [S], bound derived [D]), §S3 (experiment only: the paper's tweak is
unknown). No outcome here establishes a universal claim: rows are SAMPLED (S2's
per-iterate values are NUMERIC); a *certified* violation (Y3 at an instance, S2 after the
Arb re-check) would refute the derived lemma and is reported as such.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verify.errors import InvalidInput
from verify.experiments import near_identity, near_identity_critical, rademacher, sgd, stationarity
from verify.experiments.common import NOT_A_PROOF

NAMES = ("y3", "y3-critical", "y4", "s2", "s3")


@dataclass
class SweepOutcome:
    """One experiment run: payload (strict JSON), summary lines, figures, flags."""

    name: str
    budget: str
    seed: int
    payload: dict[str, Any]
    lines: list[str]
    sizes: str
    evidence: str
    seconds: float
    #: a certified violation of the derived bound (Y3 at an instance, S2 at an iterate)
    certified_violations: int = 0
    #: a sampled observation that contradicts the claim without certifying it (Y4)
    flagged: str | None = None
    figures: list[dict[str, str]] = field(default_factory=list)

    @property
    def findings(self) -> list[str]:
        """The measured results in words (the summary without title, sizes, evidence)."""
        return [line.strip() for line in self.lines[1:]
                if not line.startswith(("  sizes:", "  evidence:", "wrote "))]


def _y3(result: near_identity.NearIdentityResult, critical: bool) -> tuple[list[str], str, str]:
    d = result.to_dict()
    what = "trained full critical points, alpha measured" if critical else "blocks drawn"
    depths = sorted({r.depth for r in result.rows})
    draws = max((r.draw for r in result.rows), default=-1) + 1
    lines = [f"Y3 near-identity bound vs depth ({what}); seed {result.seed}"]
    for name in sorted({r.loss for r in result.rows}):
        m = result.max_ratio_by_depth(name)
        ratios = [m[L] for L in sorted(m)]
        lines.append(
            f"  {name}: tightness max(gap/bound) per L in [{min(ratios):.3g}, {max(ratios):.3g}]"
            f" (L = {min(m)}: {m[min(m)]:.3g}, L = {max(m)}: {m[max(m)]:.3g})"
        )
    lines.append(
        f"  {d['instances']} instances, {d['violations']} certified violations, "
        f"{d['inconclusive']} undecided balls" + (f"; skipped {d['skipped']}" if d["skipped"]
                                                  else "")
    )
    sizes = (f"{d['instances']} instances: L in {depths[0] if depths else '-'}.."
             f"{depths[-1] if depths else '-'} ({len(depths)} depths) x {draws} draw(s) x "
             f"2 losses, n = {d['n_samples']} samples each")
    evidence = ("per instance CERTIFIED (Arb) / EXACT (Huber, w exactly stationary); the "
                "universal lemma SAMPLED")
    return lines, sizes, evidence


def _y4(result: rademacher.RademacherResult) -> tuple[list[str], str, str]:
    lines = [f"Y4 Rademacher complexity of F_L vs depth (lower estimates); seed {result.seed}"]
    for name in dict.fromkeys(r.dataset for r in result.rows):
        rs = sorted((r for r in result.rows if r.dataset == name), key=lambda r: r.depth)
        lines.append(
            f"  {name}: estimate/bound in [{min(r.ratio for r in rs):.3g}, "
            f"{max(r.ratio for r in rs):.3g}] (L = {rs[0].depth}: {rs[0].ratio:.3g}, "
            f"L = {rs[-1].depth}: {rs[-1].ratio:.3g}); linear lower bound / bound "
            f"{rs[0].linear / rs[0].bound:.3g}"
        )
    ex = sum(r.estimate > r.bound for r in result.rows)
    lines.append(f"  {len(result.rows)} (dataset, L) pairs; estimates above the bound: {ex} "
                 "(sampled: never a certified violation)")
    depths = sorted({r.depth for r in result.rows})
    n_sigma = result.rows[0].n_sigma if result.rows else 0
    sizes = (f"{len(result.rows)} (dataset, depth) pairs: 3 datasets x L in {depths}, "
             f"n = {result.n}, {n_sigma} sign vectors per pair, {result.starts} ascent starts "
             f"x {result.steps} steps per sign vector")
    evidence = ("SAMPLED lower estimate (feasible points, mean over sign vectors with its "
                "standard error); linear lower bound exact enumeration over 2^n signs")
    return lines, sizes, evidence


def _s2(result: stationarity.StationarityResult) -> tuple[list[str], str, str]:
    d = result.to_dict()
    q = d["slack_quantiles"]
    lines = [
        f"S2 approximate-stationarity bound along GD paths; seed {result.seed}",
        (f"  {d['iterates_checked']} iterates on {len(result.traces)} paths: slack min "
        f"{q.get('q0', float('nan')):.3g}, median {q.get('q50', float('nan')):.3g}, "
        f"max {q.get('q100', float('nan')):.3g}"),
        (f"  float violations {d['float_violations']}, certified violations "
        f"{d['certified_violations']} (every float violation re-checked in Arb balls)"),
    ]
    sizes = (f"{len(result.traces)} GD paths ({len(result.traces) // 2} per loss, logistic "
             f"and Huber) x {result.steps} steps, n = {result.n}; {d['iterates_checked']} "
             "iterates checked")
    evidence = "NUMERIC slack per iterate (float64), violations re-checked CERTIFIED; SAMPLED paths"
    return lines, sizes, evidence


def _s3(result: sgd.SGDResult) -> tuple[list[str], str, str]:
    lines = [(f"S3 experiment (not Shamir's theorem: the tweak is unknown): SGD vs R_lin; "
             f"seed {result.seed}")]
    for name, by_width in result.rates().items():
        for k, r in by_width.items():
            lo, hi = r["wilson95"]
            lines.append(f"  {name}, width {k}: ended within {sgd.EPS} of R_lin or below "
                         f"{r['successes']}/{r['trials']} (95% Wilson [{lo:.2f}, {hi:.2f}])")
    widths = sorted({r.width for r in result.runs})
    per = len(result.runs) // max(1, 2 * len(widths))
    sizes = (f"{len(result.runs)} SGD runs: 2 losses x widths {widths} x {per} seeds, "
             f"{result.steps} steps (batch {sgd.BATCH}), n = {result.n}")
    return lines, sizes, "SAMPLED (finitely many runs, float64 risks; rates with Wilson intervals)"


_RUN: dict[str, Callable[[str, int], Any]] = {
    "y3": near_identity.run,
    "y3-critical": near_identity_critical.run,
    "y4": rademacher.run,
    "s2": stationarity.run,
    "s3": sgd.run,
}


def _figures(name: str, result: Any, out: Path) -> list[dict[str, str]]:
    stem = name.replace("-", "_")
    if name in ("y3", "y3-critical"):
        what = " at trained critical points (alpha measured)" if name == "y3-critical" else ""
        pairs = [
            (near_identity.plot(result, out / f"{stem}_depth")[0],
             f"Y3{what}: bound and measured gap against depth L"),
            (near_identity.plot_ratio(result, out / f"{stem}_ratio")[0],
             f"Y3{what}: tightness gap/bound against depth L"),
        ]
    elif name == "y4":
        pairs = [(rademacher.plot(result, out / "y4_depth")[0],
                  "Y4: Rademacher lower estimate, linear lower bound and bound against depth L")]
    elif name == "s2":
        pairs = [(stationarity.plot(result, out / "s2_slack")[0],
                  "S2: slack of the approximate-stationarity bound along GD paths")]
    else:
        pairs = [(sgd.plot(result, out / "s3_sgd")[0],
                  "S3 experiment: SGD risk minus R_lin over iterations")]
    return [{"path": str(p), "caption": c} for p, c in pairs]


def run_sweep_outcome(
    name: str, budget: str = "quick", seed: int = 0, out: str | Path | None = None
) -> SweepOutcome:
    """Run experiment ``name`` (one of :data:`NAMES`); with ``out`` write its figures there."""
    if name not in NAMES:
        raise InvalidInput(f"experiment={name!r} is not known; choose one of {list(NAMES)}.")
    t0 = time.perf_counter()
    result = _RUN[name](budget, seed)
    payload = result.to_dict()
    if name in ("y3", "y3-critical"):
        lines, sizes, evidence = _y3(result, name == "y3-critical")
        certified = len(result.violations)
        flagged = None
    elif name == "y4":
        lines, sizes, evidence = _y4(result)
        certified = 0
        ex = payload["exceedances"]
        flagged = (f"{ex} sampled lower estimate(s) above the bound (not certified)"
                   if ex else None)
    elif name == "s2":
        lines, sizes, evidence = _s2(result)
        certified, flagged = payload["certified_violations"], None
    else:
        lines, sizes, evidence = _s3(result)
        certified, flagged = 0, None
    lines.append(f"  sizes: {sizes}")
    lines.append(f"  evidence: {evidence}. {NOT_A_PROOF}")
    figures: list[dict[str, str]] = []
    if out is not None:
        where = Path(out)
        figures = _figures(name, result, where)
        full = where / f"{name.replace('-', '_')}_result.json"
        full.write_text(json.dumps(payload, indent=1, allow_nan=False) + "\n")
        full.chmod(0o644)
        lines.append("wrote " + ", ".join(f["path"] for f in figures) + f" (+ JSON) and {full}")
    return SweepOutcome(name, budget, seed, payload, lines, sizes, evidence,
                        time.perf_counter() - t0, certified, flagged, figures)


def run_sweep(
    name: str, budget: str = "quick", seed: int = 0, out: str | Path | None = None
) -> tuple[dict[str, Any], str]:
    """``(payload, text)`` for ``resnet-verify experiment NAME``."""
    o = run_sweep_outcome(name, budget, seed, out)
    payload = {"experiment": name, "sizes": o.sizes, "evidence": o.evidence,
               "certified_violations": o.certified_violations, "flagged": o.flagged,
               "figures": o.figures, "result": o.payload}
    return payload, "\n".join(o.lines)
