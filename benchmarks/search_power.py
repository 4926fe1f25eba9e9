"""Search power: planted false theorems found within budgets, and no true theorem violated.

For every planted false theorem (``verify.theorems.planted.PLANTED``) and every
seed, one search of ``--max-budget`` instances stops at the first certified
counterexample; the table gives the fraction of seeds whose first certified hit
came within 50 / 200 / 1000 instances (budgets above --max-budget are not
measured and print as '-'), the median instances and CPU-seconds to the first
hit (over the seeds that found one), and decisiveness: the fraction of tried
instances at which some point got a certified HOLDS or VIOLATED (and, in
brackets, a definite float screen). The true theorems (Y1, Y1', Y2, S1, K2, and the
control Y3D) are searched too and the run exits 1 if any is reported VIOLATED.

Times are process CPU time with BLAS pinned to one thread; the load average is
printed so the figures can be judged.

    python benchmarks/search_power.py [--seeds 20] [--max-budget 1000] [--only P-S1,FC1]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout

import argparse
import os
import statistics
import time

from threadpoolctl import threadpool_limits

from verify import theorem
from verify.search.engine import search
from verify.theorems.planted import DIFFICULTY, PLANTED, TRUE_CONTROLS, TRUE_THEOREMS

BUDGETS = (50, 200, 1000)


def power(tid: str, seeds: int, max_budget: int) -> dict[str, object]:
    thm = PLANTED[tid]
    hits: list[int] = []
    cpu: list[float] = []
    tried = decided = screened = 0
    for seed in range(seeds):
        rep = search(thm, budget=max_budget, seed=seed, shrink_calls=0)
        tried += rep.tried
        decided += rep.decided
        screened += rep.screened
        if rep.first_hit is not None:
            hits.append(rep.first_hit)
            cpu.append(rep.first_hit_cpu_seconds or 0.0)
    found = {
        b: (sum(h <= b for h in hits) / seeds if b <= max_budget else None) for b in BUDGETS
    }
    return {
        "found": found,
        "median_instances": statistics.median(hits) if hits else None,
        "median_cpu": statistics.median(cpu) if cpu else None,
        "decisive": decided / tried if tried else 0.0,
        "screened": screened / tried if tried else 0.0,
        "tried": tried,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--max-budget", type=int, default=1000)
    ap.add_argument("--true-budget", type=int, default=100)
    ap.add_argument("--only", default="", help="comma-separated planted ids")
    args = ap.parse_args()
    ids = [t for t in PLANTED if not args.only or t in args.only.split(",")]
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()}")
    print(f"{args.seeds} seeds, searches stop at the first certified hit "
          f"(at most {args.max_budget} instances)\n")
    head = (f"{'planted':11} {'level':7} " + " ".join(f"{'<=' + str(b):>6}" for b in BUDGETS)
            + f" {'med inst':>9} {'med CPU-s':>10} {'decisive':>9} {'(screen)':>9} {'tried':>6}")
    print(head)
    c0 = time.process_time()
    with threadpool_limits(1):
        for tid in ids:
            r = power(tid, args.seeds, args.max_budget)
            found = r["found"]
            assert isinstance(found, dict)
            cells = " ".join("     -" if v is None else f"{v:6.2f}" for v in found.values())
            mi = "-" if r["median_instances"] is None else f"{r['median_instances']:.0f}"
            mc = "-" if r["median_cpu"] is None else f"{r['median_cpu']:.2f}"
            print(f"{tid:11} {DIFFICULTY[tid]:7} {cells} {mi:>9} {mc:>10} "
                  f"{r['decisive']:9.2f} {r['screened']:9.2f} {r['tried']:6}", flush=True)
        print(f"\ntrue theorems, {args.true_budget} instances, seed 0 (must never be VIOLATED)")
        bad = []
        for tid in (*TRUE_THEOREMS, *TRUE_CONTROLS):
            thm = TRUE_CONTROLS[tid] if tid in TRUE_CONTROLS else theorem(tid)
            search(thm, budget=5, seed=99)  # warm-up (SymPy compilation), as in search.py
            rep = search(thm, budget=args.true_budget, seed=0)
            print(f"{tid:5} {rep.verdict.value:13} tried {rep.tried:4} "
                  f"{rep.cpu_rate:6.1f} inst/CPU-s  certified-decisive "
                  f"{rep.decided / max(rep.tried, 1):.2f}", flush=True)
            if rep.counterexample is not None:
                bad.append(tid)
    print(f"\ntotal CPU {time.process_time() - c0:.1f} s; load average at end: {os.getloadavg()}")
    if bad:
        print(f"ERROR: true theorem(s) reported VIOLATED: {bad}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
