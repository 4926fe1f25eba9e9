"""End-to-end search throughput on tiny instances (P <= 30, n <= 10).

Measures instances per second (critical point, float screen, certification of
candidates, baseline, verdict) for one process and for N worker processes
sharded by seed with BLAS pinned to one thread each, and the median number of
instances / seconds to the first certified hit of the negative controls, with
and without ``hypothesis.target``. Prints a table; never fails.

    python benchmarks/search.py [--budget 120] [--workers 2]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout

import argparse
import os
import statistics
import time

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

from verify import theorem  # noqa: E402
from verify.search.engine import search, search_sharded  # noqa: E402


def throughput(tid: str, budget: int, workers: int) -> tuple[float, float, float]:
    search(theorem(tid), budget=5, seed=99)  # warm-up: SymPy compilation, imports
    t0 = time.perf_counter()
    one = search(theorem(tid), budget=budget, seed=0)
    single = one.tried / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    shards = search_sharded(theorem(tid), budget=budget * workers, seed=0, workers=workers)
    wall = time.perf_counter() - t0
    many = sum(s["instances_tried"] for s in shards) / wall
    return single, many, many / single


def first_hits(tid: str, seeds: int, targeted: bool) -> tuple[float, float]:
    hits, secs = [], []
    for seed in range(seeds):
        rep = search(theorem(tid), budget=300, seed=seed, use_target=targeted)
        if rep.first_hit is not None:
            hits.append(rep.first_hit)
            secs.append(rep.first_hit_seconds or 0.0)
    if not hits:
        return float("nan"), float("nan")
    return statistics.median(hits), statistics.median(secs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=120)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=6)
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}")
    print(
        f"\n{'theorem':8} {'1 proc inst/s':>14} {f'{args.workers} procs inst/s':>16} "
        f"{'speed-up':>9}"
    )
    for tid in ("Y1", "S1", "Y2", "K2", "FC1", "K3"):
        single, many, ratio = throughput(tid, args.budget, args.workers)
        print(f"{tid:8} {single:14.1f} {many:16.1f} {ratio:8.2f}x")
    print(f"\nmedian over {args.seeds} seeds to the first certified hit (instances, seconds)")
    print(f"{'theorem':8} {'with target':>20} {'without target':>20}")
    for tid in ("FC1", "K3"):
        a = first_hits(tid, args.seeds, True)
        b = first_hits(tid, args.seeds, False)
        print(f"{tid:8} {a[0]:10.1f} {a[1]:8.2f}s {b[0]:10.1f} {b[1]:8.2f}s")


if __name__ == "__main__":
    main()
