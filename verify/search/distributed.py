r"""Search shards and the backends that run them: in this process, or on Dask.

The unit of work is :func:`shard`: a *pure* function of ``(theorem, spec, seed,
budget)`` returning a JSON-ready dictionary (what was tried, the outcomes, the
effort by model class and the shrunk counterexample record, if any). It runs
anywhere the package imports: in this process, in a
``dask.distributed.LocalCluster`` (``workers=N``: N processes with one thread
each) or on an existing cluster (``scheduler="tcp://host:8786"``).

Seeds are handed out dynamically (a worker that finishes takes the next seed;
the slowest shard no longer sets the time). Results do not depend on the
backend: a shard's record is a function of its arguments only (shrinking is
bounded by a number of calls, never by time), and :func:`run_shards` with
``stop_on_hit`` keeps every shard up to the *lowest-indexed* hit and nothing
after it, so the serial run and any parallel run report the same records
(:func:`comparable` strips the timings before comparing).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from verify.errors import InvalidInput
from verify.theorems.core import Theorem

TIMING_KEYS = frozenset(
    {"seconds", "cpu_seconds", "first_hit_seconds", "first_hit_cpu_seconds",
     "instances_per_second", "instances_per_cpu_second", "versions", "digest"}
)


@dataclass(frozen=True)
class TheoremSpec:
    """How a worker rebuilds the theorem: a catalogue, planted or probe id, or a user module
    ``PATH.py:NAME``, weakened by ``without``. (Theorems hold functions; ids travel.)"""

    id: str | None = None
    module: str | None = None
    without: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "module": self.module, "without": list(self.without)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TheoremSpec:
        return cls(d.get("id"), d.get("module"), tuple(d.get("without") or ()))

    @classmethod
    def of(cls, theorem: Theorem | str, without: Sequence[str] = ()) -> TheoremSpec:
        """The spec of a theorem object (catalogue or planted) or of an id."""
        if isinstance(theorem, str):
            return cls(theorem, None, tuple(without))
        return cls(theorem.id, None, tuple(theorem.dropped) + tuple(without))

    def resolve(self) -> Theorem:
        """The theorem this spec names (raises InvalidInput for an unknown id)."""
        from verify.theorems.usermodule import resolve

        if self.id is None and self.module is None:
            raise InvalidInput("theorem spec has neither 'id' nor 'module'; give one of them.")
        return resolve(self.id, self.module, list(self.without))


def shard(theorem: dict[str, Any], spec: dict[str, Any], seed: int, budget: int
          ) -> dict[str, Any]:
    """Search ``budget`` instances of the theorem with ``seed``; a JSON-ready dictionary.

    ``theorem`` is a :class:`TheoremSpec` dictionary; ``spec`` holds search options
    (``profile``, ``use_target``, ``shrink_calls``, ``certify_all``). Pure: the same
    arguments give the same result on any machine with the same versions, apart
    from the timing fields (see :func:`comparable`).
    """
    from hypothesis.errors import HypothesisDeprecationWarning

    from verify.search.engine import search

    thm = TheoremSpec.from_dict(theorem).resolve()
    with warnings.catch_warnings():
        # a Dask worker's own threads touch the global ``random`` while Hypothesis draws,
        # which Hypothesis reports as if the strategy did; the draws do not use it
        warnings.filterwarnings("ignore", "Do not use the `random` module",
                                HypothesisDeprecationWarning)
        rep = _search(search, thm, spec, seed, budget)
    out = rep.to_dict()
    out["theorem_spec"] = dict(theorem)
    return out


def _search(search: Any, thm: Theorem, spec: dict[str, Any], seed: int, budget: int) -> Any:
    return search(
        thm,
        budget=budget,
        seed=seed,
        profile=str(spec.get("profile", "dev")),
        use_target=bool(spec.get("use_target", True)),
        shrink_calls=int(spec.get("shrink_calls", 60)),
        shrink_seconds=math.inf,  # bounded by calls only: deterministic
        certify_all=bool(spec.get("certify_all", False)),
    )


def comparable(doc: Any) -> Any:
    """``doc`` without timing fields, library versions and record digests (a digest seals
    the timings it covers), to compare runs."""
    if isinstance(doc, dict):
        return {k: comparable(v) for k, v in doc.items() if k not in TIMING_KEYS}
    if isinstance(doc, list):
        return [comparable(v) for v in doc]
    return doc


def shard_seeds(seed: int, count: int, start: int = 0) -> list[int]:
    """Seeds of shards ``start .. start+count-1`` of a run with base ``seed``."""
    return [seed * 1_000_003 + k for k in range(start, start + count)]


def run_shards(
    theorem: TheoremSpec,
    spec: dict[str, Any],
    seeds: Iterable[int],
    budget: int,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    stop_on_hit: bool = False,
    on_result: Callable[[int, dict[str, Any]], None] | None = None,
    client: Any = None,
) -> list[dict[str, Any]]:
    """Run one shard per seed; results in seed order.

    ``workers <= 1`` and no ``scheduler``: in this process, one after another.
    ``workers >= 2``: a local Dask cluster of ``workers`` processes, one thread each.
    ``scheduler``: an existing Dask cluster at that address. Seeds are submitted
    dynamically (at most two in flight per worker). With ``stop_on_hit`` every
    shard up to the first seed (in order) with a counterexample is kept and the
    rest are cancelled or dropped: the same records whatever the backend.
    ``on_result(index, result)`` is called as results arrive (progress, checkpoints).
    ``client``: a ``distributed.Client`` to use (left open), instead of starting one.
    """
    seeds = list(seeds)
    if not isinstance(workers, int) or not 0 <= workers <= 1024:
        raise InvalidInput(f"workers={workers!r} must be an integer between 0 and 1024.")
    if not isinstance(budget, int) or budget < 1:
        raise InvalidInput(f"budget={budget!r} must be a positive integer (instances per shard).")
    th = theorem.to_dict()
    theorem.resolve()  # fail here, not in a worker, on an unknown theorem
    if client is None and scheduler is None and workers <= 1:
        results: dict[int, dict[str, Any]] = {}
        for i, s in enumerate(seeds):
            results[i] = shard(th, spec, s, budget)
            if on_result is not None:
                on_result(i, results[i])
            if stop_on_hit and results[i]["counterexample"] is not None:
                break
        return [results[i] for i in sorted(results)]
    return _run_dask(th, spec, seeds, budget, workers, scheduler, stop_on_hit, on_result, client)


#: Dask settings for search workers, measured on Y1 shards (8 x 100 instances, 2 workers):
#: Dask's default ``MALLOC_TRIM_THRESHOLD_=65536`` makes glibc hand freed memory back
#: at once, and the many small numpy temporaries of a search then cost 18-20% more
#: CPU per shard; the worker's statistical profiler (a stack sample every 10 ms)
#: another 4-5%. Together: shard CPU +22% over serial before, +5% after.
WORKER_CONFIG: dict[str, Any] = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
}


def local_cluster(workers: int) -> Any:
    """A local Dask cluster of ``workers`` processes with one thread each, configured
    with :data:`WORKER_CONFIG` (the setting applies to the processes it spawns only)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(WORKER_CONFIG):
        return LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=40,
        )


def _run_dask(
    th: dict[str, Any],
    spec: dict[str, Any],
    seeds: list[int],
    budget: int,
    workers: int,
    scheduler: str | None,
    stop_on_hit: bool,
    on_result: Callable[[int, dict[str, Any]], None] | None,
    given: Any,
) -> list[dict[str, Any]]:
    from distributed import Client, as_completed

    cluster = None
    if given is not None:
        client = given
    elif scheduler is None:
        cluster = local_cluster(workers)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        results: dict[int, dict[str, Any]] = {}
        limit = len(seeds) - 1  # highest index still wanted
        nxt = 0
        futures: dict[Any, int] = {}

        def submit() -> None:
            nonlocal nxt
            while nxt <= limit and len(futures) < 2 * n_workers:
                fut = client.submit(shard, th, spec, seeds[nxt], budget, pure=False)
                futures[fut] = nxt
                seq.add(fut)
                nxt += 1

        seq = as_completed([])
        submit()
        for fut in seq:
            i = futures.pop(fut, -1)
            if i < 0 or i > limit:  # cancelled, or beyond the first hit
                continue
            res = fut.result()
            results[i] = res
            if on_result is not None:
                on_result(i, res)
            if stop_on_hit and res["counterexample"] is not None and i < limit:
                limit = i
                for f, j in list(futures.items()):
                    if j > limit:
                        f.cancel()
                        futures.pop(f)
            submit()
        return [results[i] for i in sorted(results) if i <= limit]
    finally:
        if given is None:
            client.close()
        if cluster is not None:
            cluster.close()
