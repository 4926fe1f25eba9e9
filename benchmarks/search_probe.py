"""The open probe "Y1' without column_space" as a campaign (verify.theorems.probes.Y1_OPEN).

Every critical point found (minima and saddles) is sent to certification
(``certify_all``), so the effort is reported in instances and in certified
critical points, by model class. Finding nothing is INCONCLUSIVE. Resumes from
--checkpoint.

    python benchmarks/search_probe.py [--target 1000] [--workers 1] [--checkpoint FILE]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout

import argparse
import json
import os

from verify.search.campaign import campaign
from verify.search.distributed import TheoremSpec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", type=int, default=1000)
    ap.add_argument("--shard-budget", type=int, default=50)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--checkpoint", default=None)
    ap.add_argument("--out", default=None, help="directory for counterexample records")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}")
    rep = campaign(
        TheoremSpec("Y1-OPEN"),
        target=args.target,
        shard_budget=args.shard_budget,
        seed=args.seed,
        spec={"certify_all": True},
        workers=args.workers,
        checkpoint=args.checkpoint,
        out=args.out,
        progress=lambda done, target: print(f"  {done}/{target} instances", flush=True),
    )
    print(rep.format())
    print(json.dumps(rep.effort(), indent=1))
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
