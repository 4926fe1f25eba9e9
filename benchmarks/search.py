"""End-to-end search throughput on tiny instances (P <= 30, n <= 10), per CPU-second.

For each theorem, one search of ``--budget`` instances (critical points, float
screen, certification of candidates, baseline, verdict) after a warm-up;
throughput is instances per CPU-second of this process (``time.process_time``,
BLAS pinned to one thread), so it survives a loaded machine. Decisive instances
are counted separately: ``certified`` = some point got a certified HOLDS or
VIOLATED, ``screened`` = every point got a definite float screen. ``--seeds``
searches per theorem (the mix of generated models follows Hypothesis's targeting, so
one seed is noisy): ``inst/CPU-s`` is over all of them, ``lowest`` the slowest seed. With
``--workers N`` the same shards run serially and on a local Dask cluster of N
processes and the wall-clock speed-up is printed (meaningful only on an idle
machine: the load average is printed). ``--profile`` prints the top of a
cProfile of one search. ``--certify-all`` certifies every critical point found, not only
the screened candidates (decisiveness of the true theorems is then the fraction of
instances decided by a certificate, whatever the screen said). Never fails.

    python benchmarks/search.py [--budget 200] [--seeds 3] [--workers 2] [--profile S1]
                                [--certify-all] [--only S1,Y2]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout

import argparse
import cProfile
import os
import pstats
import time

from threadpoolctl import threadpool_limits

from verify import theorem
from verify.search.engine import search

THEOREMS = ("Y1", "Y1'", "S1", "Y2", "K2", "FC1", "K3")


def throughput(tid: str, budget: int, seeds: int, certify_all: bool = False
               ) -> dict[str, float]:
    """One search of ``budget`` instances per seed; rates over all seeds together."""
    search(theorem(tid), budget=5, seed=99)  # warm-up: SymPy compilation, imports
    tried = decided = screened = no_point = 0
    cpu = 0.0
    rates = []
    for seed in range(seeds):
        c0 = time.process_time()
        rep = search(theorem(tid), budget=budget, seed=seed, shrink_calls=0,
                     certify_all=certify_all)
        spent = time.process_time() - c0
        cpu += spent
        rates.append(rep.tried / spent)
        tried += rep.tried
        decided += rep.decided
        screened += rep.screened
        no_point += rep.counts.get("no critical point", 0)
    return {
        "tried": tried,
        "per_cpu_s": tried / cpu,
        "lowest": min(rates),
        "certified": decided / max(tried, 1),
        "screened": screened / max(tried, 1),
        "no_point": no_point / max(tried, 1),
    }


def parallel(tid: str, shards: int, shard_budget: int, workers: int) -> tuple[float, float]:
    from verify.search.distributed import TheoremSpec, run_shards, shard_seeds

    seeds = shard_seeds(0, shards)
    t0 = time.perf_counter()
    run_shards(TheoremSpec(tid), {}, seeds, shard_budget)
    serial = time.perf_counter() - t0
    from distributed import Client

    from verify.search.distributed import local_cluster

    with (
        local_cluster(workers) as cluster,
        Client(cluster) as client,
    ):
        run_shards(TheoremSpec(tid), {}, seeds[:workers], 2, client=client)  # warm workers
        t0 = time.perf_counter()
        run_shards(TheoremSpec(tid), {}, seeds, shard_budget, client=client)
        dask = time.perf_counter() - t0
    return serial, dask


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=200)
    ap.add_argument("--seeds", type=int, default=3, help="searches per theorem (seeds 0..)")
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--only", default="", help="comma-separated theorem ids")
    ap.add_argument("--profile", default="", help="cProfile one search of this theorem")
    ap.add_argument("--certify-all", action="store_true",
                    help="certify every critical point found, not only screened candidates")
    args = ap.parse_args()
    ids = [t for t in THEOREMS if not args.only or t in args.only.split(",")]
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}")
    print(f"{args.seeds} searches of {args.budget} instances per theorem; FC1 and K3 are "
          "negative controls: their searches stop at the first certified hit"
          + ("; every critical point certified (--certify-all)" if args.certify_all else ""))
    with threadpool_limits(1):
        print(f"\n{'theorem':8} {'tried':>6} {'inst/CPU-s':>11} {'lowest':>7} {'certified':>10} "
              f"{'screened':>9} {'no point':>9}")
        for tid in ids:
            r = throughput(tid, args.budget, args.seeds, args.certify_all)
            print(f"{tid:8} {r['tried']:6.0f} {r['per_cpu_s']:11.1f} {r['lowest']:7.1f} "
                  f"{r['certified']:10.2f} {r['screened']:9.2f} {r['no_point']:9.2f}", flush=True)
        if args.profile:
            pr = cProfile.Profile()
            pr.enable()
            search(theorem(args.profile), budget=args.budget, seed=1, shrink_calls=0)
            pr.disable()
            pstats.Stats(pr).sort_stats("tottime").print_stats(15)
    if args.workers >= 2:
        print(f"\nserial vs {args.workers} Dask workers (wall seconds, 16 shards of 100)")
        for tid in ("S1", "Y1"):
            serial, dask = parallel(tid, 16, 100, args.workers)
            print(f"{tid:8} serial {serial:6.1f}s  dask {dask:6.1f}s  speed-up "
                  f"{serial / dask:4.2f}x", flush=True)
        print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
