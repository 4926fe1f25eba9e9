r"""Campaigns: long searches with a target effort, progress, checkpoints and resumption.

A campaign runs shards (:func:`verify.search.distributed.shard`) of
``shard_budget`` instances with seeds ``shard_seeds(seed, ...)`` until
``target`` instances have been tried (or, with ``stop_on_hit``, until the
first certified counterexample). Every finished shard is recorded in the
checkpoint file (JSON, written atomically: temporary file + ``os.replace``)
at most every ``checkpoint_seconds`` and at the end; a campaign started with
an existing checkpoint of the same theorem and options resumes after the
shards already done. Counterexamples are returned and, with ``out``, written
atomically as replayable records. The verdict is VIOLATED only with a
certified counterexample; otherwise INCONCLUSIVE with the effort (a search
never proves a theorem).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verify.errors import InvalidInput
from verify.search.distributed import TheoremSpec, run_shards, shard_seeds
from verify.verdict import Verdict

FORMAT = "resnet-verify-campaign/1"


def write_atomic(path: str | Path, doc: Any) -> Path:
    """Write ``doc`` as JSON to ``path`` atomically (a reader sees the old or the new file)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(doc, indent=1) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


@dataclass
class CampaignReport:
    """What a campaign tried (all shards, resumed ones included) and found."""

    theorem: str
    kind: str
    target: int
    shards: list[dict[str, Any]] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def counterexamples(self) -> list[dict[str, Any]]:
        return [s["counterexample"] for s in self.shards if s["counterexample"] is not None]

    @property
    def verdict(self) -> Verdict:
        return Verdict.VIOLATED if self.counterexamples else Verdict.INCONCLUSIVE

    def effort(self) -> dict[str, Any]:
        """Instances, certified verdicts and effort by model class over all shards."""
        outcomes: Counter[str] = Counter()
        by_class: dict[str, Counter[str]] = {}
        tried = decided = screened = 0
        cpu = 0.0
        for s in self.shards:
            tried += s["instances_tried"]
            decided += s["decisive"]["certified"]
            screened += s["decisive"]["screened"]
            cpu += s.get("cpu_seconds", 0.0)
            outcomes.update(s["outcomes"])
            for k, v in s["by_model_class"].items():
                by_class.setdefault(k, Counter()).update(v)
        return {
            "shards": len(self.shards),
            "instances": tried,
            "decisive_certified": decided,
            "decisive_screened": screened,
            "cpu_seconds": round(cpu, 2),
            "outcomes": dict(outcomes),
            "by_model_class": {k: dict(v) for k, v in sorted(by_class.items())},
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "theorem": self.theorem,
            "kind": self.kind,
            "verdict": self.verdict.value,
            "target": self.target,
            "effort": self.effort(),
            "records": self.records,
            "counterexamples": self.counterexamples,
            "seconds": round(self.seconds, 2),
        }

    def format(self) -> str:
        e = self.effort()
        head = (
            f"campaign {self.theorem} ({self.kind}): {e['instances']} instances in "
            f"{e['shards']} shards, {e['cpu_seconds']} CPU-s; certified verdicts at "
            f"{e['decisive_certified']} instances"
        )
        lines = [head]
        for k, v in e["by_model_class"].items():
            lines.append(
                f"  {k}: {v.get('instances', 0)} instances, "
                f"{v.get('certified critical points', 0)} certified critical points"
            )
        if self.counterexamples:
            lines.append(f"  VIOLATED: {len(self.counterexamples)} certified counterexample(s)")
            lines += [f"  record: {r}" for r in self.records]
        else:
            lines.append(
                f"  INCONCLUSIVE: no certified violation in {e['instances']} instances "
                "(a search cannot prove the theorem)"
            )
        return "\n".join(lines)


def campaign(
    theorem: TheoremSpec,
    *,
    target: int,
    shard_budget: int = 50,
    seed: int = 0,
    spec: dict[str, Any] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    stop_on_hit: bool = True,
    checkpoint: str | Path | None = None,
    checkpoint_seconds: float = 30.0,
    out: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CampaignReport:
    """Search until ``target`` instances are tried (resuming from ``checkpoint``).

    ``progress(instances_done, target)`` is called after every shard.
    """
    if not isinstance(target, int) or target < 1:
        raise InvalidInput(f"target={target!r} must be a positive integer (instances).")
    if not isinstance(shard_budget, int) or not 1 <= shard_budget <= 100_000:
        raise InvalidInput(f"shard_budget={shard_budget!r} must be an integer in [1, 100000].")
    spec = dict(spec or {})
    thm = theorem.resolve()
    key = {"format": FORMAT, "theorem": theorem.to_dict(), "spec": spec,
           "shard_budget": shard_budget, "seed": seed}
    report = CampaignReport(thm.label, thm.kind, target)
    if checkpoint is not None and Path(checkpoint).exists():
        report.shards = _resume(Path(checkpoint), key)
    t0 = time.perf_counter()
    last = [time.perf_counter()]

    def save() -> None:
        if checkpoint is not None:
            write_atomic(checkpoint, {**key, "shards": report.shards})
            last[0] = time.perf_counter()

    def done() -> int:
        return sum(s["instances_tried"] for s in report.shards)

    hit = any(s["counterexample"] is not None for s in report.shards)
    done_idx = {int(s["shard_index"]) for s in report.shards}
    todo = [k for k in range(-(-target // shard_budget)) if k not in done_idx]

    def on_result(i: int, res: dict[str, Any]) -> None:
        res["shard_index"] = todo[i]
        report.shards.append(res)
        if progress is not None:
            progress(done(), target)
        if time.perf_counter() - last[0] >= checkpoint_seconds:
            save()

    if todo and not (hit and stop_on_hit):
        seeds = [shard_seeds(seed, 1, k)[0] for k in todo]
        kept = run_shards(theorem, spec, seeds, shard_budget, workers=workers,
                          scheduler=scheduler, stop_on_hit=stop_on_hit, on_result=on_result)
        wanted = {id(r) for r in kept}  # beyond-hit shards are dropped
        report.shards = [s for s in report.shards if s.get("shard_index") in done_idx
                         or id(s) in wanted]
    report.shards.sort(key=lambda s: int(s["shard_index"]))
    save()
    report.seconds = time.perf_counter() - t0
    if out is not None:
        label = thm.label.replace(" ", "_").replace(",", "")
        for s in report.shards:
            if s["counterexample"] is not None:
                path = Path(out) / f"{label}_seed{s['counterexample']['record']['seed']}.json"
                report.records.append(str(write_atomic(path, s["counterexample"])))
    return report


def _resume(path: Path, key: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        doc = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise InvalidInput(
            f"checkpoint={str(path)!r} is not a readable campaign checkpoint ({err}); "
            "remove it or give another --checkpoint path."
        ) from err
    mismatch = [k for k in key if doc.get(k) != key[k]]
    if mismatch:
        raise InvalidInput(
            f"checkpoint={str(path)!r} belongs to another campaign (differs in "
            f"{', '.join(mismatch)}); use the same theorem and options, or another path."
        )
    shards = doc.get("shards")
    if not isinstance(shards, list):
        raise InvalidInput(f"checkpoint={str(path)!r} has no 'shards' list; remove it.")
    return shards
