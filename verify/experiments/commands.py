"""``resnet-verify experiment NAME``: run one experiment at a named budget.

Names: ``du``, ``liu``, ``safran-shamir`` (population landscapes) and ``y3``,
``y3-critical``, ``y4``, ``s2``, ``s3`` (Yun et al.'s near-identity bound and Rademacher
estimate, Shamir's approximate stationarity and the SGD experiment; see
:mod:`verify.experiments.sweeps`).

Every rate is reported with its run count and a 95 % Wilson interval, the seed and the
settings; with ``out`` the numbers are written as JSON next to a PNG plot
(:func:`verify.experiments.plotting.save_figure`). Experiments are ``Method.SAMPLED``:
they measure frequencies and never prove a claim; the certificates they contain (Du et
al.'s spurious minimum, each Safran–Shamir family representative) are CERTIFIED.
Liu et al. results are labelled "reconstruction" (CLAIMS.md §L2 [R]).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from verify.errors import InvalidInput
from verify.experiments import du_liu, sweeps
from verify.experiments import safran_shamir as ss
from verify.experiments.plotting import save_figure

NAMES = ("du", "liu", "safran-shamir", *sweeps.NAMES)
#: runs (and sizes) per budget
BUDGETS: dict[str, dict[str, Any]] = {
    "quick": {"du": 200, "liu": 200, "liu_iters": 1500, "ss_ks": (6, 7, 8), "ss_runs": 100},
    "deep": {"du": 1000, "liu": 1000, "liu_iters": 3000, "ss_ks": (6, 7, 8, 9, 10),
             "ss_runs": 1000},
}


def _rate(d: dict[str, Any]) -> str:
    lo, hi = d["wilson95"]
    return f"{d['successes']}/{d['trials']} = {d['rate']:.3f} (95% Wilson [{lo:.3f}, {hi:.3f}])"


def _du(budget: dict[str, Any], seed: int, out: Path | None) -> tuple[dict[str, Any], str]:
    res = du_liu.du_experiment(budget["du"], seed=seed)
    cert = res["spurious_certificate"]
    text = [
        (f"Du et al. 2018 (sampled rates; certified spurious point), seed {seed}, "
        f"{res['runs']} runs, k = {res['setting']['k']}, p = {res['setting']['p']}"),
        f"  ends near the global minimum (v*, a*):      {_rate(res['global'])}",
        f"  ends near the spurious minimum (-v*, a_s):  {_rate(res['spurious'])}",
        f"  other: {res['other']}   (near = angle and |a - .| < {res['near_threshold']})",
        f"  spurious point: {cert['verdict'].upper()} [{cert['method']}] {cert['reason']}",
    ]
    if out is not None:
        angles = np.array(res["final_angles"])

        def draw(ax: Any) -> None:
            ax.hist(angles, bins=60, range=(0.0, np.pi))
            ax.axvline(np.pi, color="C3", linestyle=":", label="spurious (angle pi)")
            ax.axvline(0.0, color="C2", linestyle=":", label="global (angle 0)")

        paths = save_figure(out / "du", draw, res, title="Du et al.: final angle(w, v*) of GD runs",
                            xlabel="final angle [rad]", ylabel="runs")
        text.append(f"wrote {paths[0]} and {paths[1]}")
    return {"experiment": "du", **res}, "\n".join(text)


def _liu(budget: dict[str, Any], seed: int, out: Path | None) -> tuple[dict[str, Any], str]:
    liu = du_liu.liu_comparison(budget["liu"], seed=seed, iters=budget["liu_iters"], trace=3)
    on, off = liu["with_shortcut"], liu["without_shortcut"]
    st = on["setting"]
    text = [
        f"Liu et al. 2019 — RECONSTRUCTION (CLAIMS.md L2 [R], reading (A)); sampled; seed {seed}",
        (f"  same inits for both: |w0| = {st['w0_norm']:g} (random direction), {st['init']}; "
        f"step {st['step']}, {st['iters']} steps, w rescaled to unit norm after each step"),
        f"  success with the shortcut:    {_rate(on['success'])}",
        f"  success without the shortcut: {_rate(off['success'])}",
        (f"  without, near Du's spurious point: {_rate(off['near_spurious'])}; "
        f"other {off['other']}"),
        f"  success rule: {on['success_rule']}",
    ]
    if out is not None:
        paths = du_liu.liu_plot(liu, out / "liu_two_stages")
        text.append(f"wrote {paths[0]} and {paths[1]} (two-stage plot: angle, |a - a*|)")
    for r in (on, off):
        r.pop("trajectories", None)
    return {"experiment": "liu", **liu}, "\n".join(text)


def _ss(budget: dict[str, Any], seed: int, out: Path | None) -> tuple[dict[str, Any], str]:
    res = ss.sweep(budget["ss_ks"], budget["ss_runs"], seed=seed,
                   out=None if out is None else out / "safran_shamir")
    head = "Safran & Shamir 2018 protocol (sampled rates; certified representatives)"
    text = [f"{head}, seed {seed}"]
    for row in res["rows"]:
        fams = row["families"]
        cert = sum(1 for f in fams if f.get("certified_spurious"))
        text.append(
            f"  k = n = {row['k']}: bad {_rate(row['bad'])}; {len(fams)} families, {cert} "
            f"certified spurious; GD {row['gd_seconds']:.1f} s for {row['runs']} runs"
        )
    if out is not None:
        text.append(f"wrote {out / 'safran_shamir.png'} and {out / 'safran_shamir.json'}")
    return {"experiment": "safran-shamir", **res}, "\n".join(text)


def run_experiment(
    name: str, budget: str = "quick", seed: int = 0, out: str | Path | None = None
) -> tuple[dict[str, Any], str]:
    """Run experiment ``name`` at ``budget``; return its JSON payload and readable text."""
    if name not in NAMES:
        raise InvalidInput(f"experiment={name!r} is not known; choose one of {list(NAMES)}.")
    if budget not in BUDGETS:
        raise InvalidInput(f"--budget={budget!r} must be one of {list(BUDGETS)}.")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInput(f"--seed={seed!r} must be a non-negative integer.")
    where = None if out is None else Path(out)
    t0 = time.perf_counter()
    if name in sweeps.NAMES:
        payload, text = sweeps.run_sweep(name, budget, seed, where)
    else:
        fn = {"du": _du, "liu": _liu, "safran-shamir": _ss}[name]
        payload, text = fn(BUDGETS[budget], seed, where)
    secs = time.perf_counter() - t0
    payload = {"budget": budget, "seed": seed, "seconds": round(secs, 3), **payload}
    return payload, text + f"\n({budget} budget, {secs:.1f} s)"
