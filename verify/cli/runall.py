"""``resnet-verify proofs | examples | all``: run everything, tabulate it, cite it.

Each row says what claim was checked, its source and provenance tag, what
exactly was checked, with which method, the verdict, whether that is the
expected outcome (``ok``), how long *that claim* took, and a ``detail`` object
(per-step proof evidence with scope, per-claim example evidence, the search
report with the replayable counterexample instance). ``ok`` is true only when a
claim is reproduced as the papers state it (or, for negative controls, when
the violation was found and certified); a search that finds nothing for a true
theorem is INCONCLUSIVE (sampled) and ok — it is never marked as verified.

The JSON document (``--json`` or ``--out DIR``) is ``{"provenance", "command",
"summary", "rows"}`` and validates against ``verify/report/report.schema.json``.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from verify._bundled import package
from verify.errors import InvalidInput
from verify.report.exact import evidence_numbers, jsonable
from verify.report.progress import TaskProgress
from verify.report.provenance import header
from verify.report.verdicts import normalise
from verify.verdict import Verdict

Row = dict[str, Any]
SETUP_TIMING = "since the script started: includes its shared setup"
Task = tuple[str, Callable[[], list[Row]]]
Emit = Callable[[dict[str, Any], str, bool], None]

SEARCHES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Y1", ()),
    ("Y2", ()),
    ("S1", ()),
    ("K2", ()),
    ("FC1", ()),
    ("K3", ()),
    ("Y1", ("full_rank_hL",)),
    ("Y1", ("column_space",)),
)


# ---- proofs -------------------------------------------------------------------


def _proof_row(name: str) -> list[Row]:
    from verify.proofkit.steps import check_proof

    rep = check_proof(package("proofs").load(name).PROOF)
    p = rep.proof
    status = normalise(getattr(rep, "status", rep.verdict.name))
    detail = rep.to_dict()
    for step, result in zip(detail.get("steps", []), rep.results, strict=False):
        step.update(evidence_numbers(result.evidence))
    return [
        {
            "section": "proof",
            "id": name,
            "claim": f"{p.theorem_id}: {p.title}",
            "source": f"{p.reference} [{p.tag}]",
            "tag": p.tag,
            "checked": f"{len(rep.results)} proof steps ({rep.summary()})",
            "method": rep.method.value,
            "verdict": status,
            "expected": "holds",
            "ok": status == "holds",
            "seconds": round(rep.seconds, 3),
            "detail": {"kind": "proof", **detail},
        }
    ]


def proof_tasks(names: Iterable[str] | None = None) -> list[Task]:
    reg = package("proofs")
    chosen = list(names) if names else list(reg.ALL)
    for n in chosen:
        if n not in reg.ALL:
            raise InvalidInput(f"name={n!r} is not a proof module; choose one of {list(reg.ALL)}.")
    return [(f"proof {n}", functools.partial(_proof_row, n)) for n in chosen]


# ---- examples -----------------------------------------------------------------


def _claim_rows(name: str, claims: Sequence[Any], t0: float) -> list[Row]:
    rows: list[Row] = []
    previous = t0
    for c in claims:
        finished = getattr(c, "finished_at", None)
        seconds = None if finished is None else max(0.0, finished - previous)
        previous = finished if finished is not None else previous
        d = c.to_dict()
        rows.append(_example_row(name, d, seconds, c.evidence))
        if len(rows) == 1:
            rows[0]["timing"] = SETUP_TIMING
    if rows and any(r["seconds"] is None for r in rows):  # no per-claim clock: split evenly
        share = (time.perf_counter() - t0) / len(rows)
        for r in rows:
            r["seconds"], r["timing"] = round(share, 3), "script total split evenly"
    return rows


def _example_row(name: str, d: dict[str, Any], seconds: float | None, evidence: Any) -> Row:
    asserted = d.get("asserted", True)
    verdict = normalise(d.get("verdict", ""))
    detail: dict[str, Any] = {"kind": "example", "reason": d.get("reason", "")}
    if evidence is not None:
        detail["evidence"] = {**evidence.to_dict(), **evidence_numbers(evidence)}
    return {
        "section": "example",
        "id": name,
        "claim": d["claim"],
        "source": d.get("source_tag", ""),
        "checked": d.get("checked", ""),
        "method": d.get("method", ""),
        "verdict": verdict,
        "expected": "holds" if asserted else "reported only",
        "ok": verdict == "holds" if asserted else True,
        "seconds": None if seconds is None else round(seconds, 3),
        "timing": "since the previous claim of the script finished",
        "detail": detail,
    }


def _example_rows(name: str) -> list[Row]:
    t0 = time.perf_counter()
    mod = package("examples").load(name)
    if hasattr(mod, "claims"):
        return _claim_rows(name, mod.claims(), t0)
    dicts = mod.results()
    share = (time.perf_counter() - t0) / max(1, len(dicts))
    rows = [_example_row(name, d, share, None) for d in dicts]
    for r in rows:
        r["timing"] = "script total split evenly"
    return rows


def example_tasks(names: Iterable[str] | None = None) -> list[Task]:
    reg = package("examples")
    chosen = list(names) if names else list(reg.ALL)
    for n in chosen:
        if n not in reg.ALL:
            raise InvalidInput(f"name={n!r} is not an example; choose one of {list(reg.ALL)}.")
    return [(f"example {n}", functools.partial(_example_rows, n)) for n in chosen]


# ---- searches -----------------------------------------------------------------


def _search_row(tid: str, without: tuple[str, ...], budget: int, seed: int) -> list[Row]:
    from verify.search.engine import search
    from verify.theorems import THEOREMS, theorem

    thm = theorem(tid, without)
    rep = search(thm, budget=budget, seed=seed)
    found = rep.verdict is Verdict.VIOLATED
    method = rep.counterexample["record"]["method"] if found and rep.counterexample else "sampled"
    if thm.kind == "negative_control":
        expected, ok = "violated (certified)", found
    elif thm.kind == "open_probe":
        expected, ok = "unknown (open probe)", True
    else:
        expected, ok = "no violation", not found
    checked = (
        f"search: {rep.tried} instances, seed {seed}, "
        f"{'certified counterexample (replayable record in detail)' if found else 'none found'}"
    )
    return [
        {
            "section": "search",
            "id": thm.label,
            "claim": f"{thm.label}: {thm.title}",
            "source": f"{THEOREMS[tid].reference} [{thm.tag}]",
            "tag": thm.tag,
            "checked": checked,
            "method": method,
            "verdict": rep.verdict.value,
            "expected": expected,
            "ok": ok,
            "seconds": round(rep.seconds, 3),
            "detail": _search_detail(rep.to_dict()),
        }
    ]


def _search_detail(report: dict[str, Any]) -> dict[str, Any]:
    detail = dict(report)
    detail["theorem_kind"] = detail.pop("kind", None)
    detail["kind"] = "search"
    return detail


def search_tasks(budget: int, seed: int, workers: int = 0) -> list[Task]:
    """One task per search; with ``workers >= 2`` one task running them all at once on a
    local Dask cluster (one process per worker, one thread each; rows in the same order)."""
    if workers >= 2:
        label = f"{len(SEARCHES)} searches on {workers} Dask workers"
        return [(label, functools.partial(_parallel_search_rows, budget, seed, workers))]
    return [
        (
            f"search {tid}{' without ' + ','.join(w) if w else ''}",
            functools.partial(_search_row, tid, w, budget, seed),
        )
        for tid, w in SEARCHES
    ]


def _parallel_search_rows(budget: int, seed: int, workers: int) -> list[Row]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                     dashboard_address=None, silence_logs=40) as cluster,
        Client(cluster) as client,
    ):
        futures = [client.submit(_search_row, tid, w, budget, seed, pure=False)
                   for tid, w in SEARCHES]
        return [row for rows in client.gather(futures) for row in rows]


# ---- running, summarising, writing --------------------------------------------


def run_tasks(tasks: list[Task], progress: TaskProgress | None = None) -> list[Row]:
    """Run tasks in order, reporting each finished task to ``progress``; collect rows."""
    rows: list[Row] = []
    for label, fn in tasks:
        if progress is not None:
            progress.start(label)
        t0 = time.perf_counter()
        got = fn()
        if progress is not None:
            words = Counter(r["verdict"].upper() for r in got)
            outcome = ", ".join(f"{n} {w}" if n > 1 else w for w, n in words.items())
            if not all(r["ok"] for r in got):
                outcome += " (NOT as expected)"
            progress.done(label, outcome, time.perf_counter() - t0)
        rows.extend(got)
    return rows


def summary(rows: Sequence[Row], wall: float) -> dict[str, Any]:
    """Totals: rows, as expected or not, count per verdict, wall time."""
    bad = [r["id"] for r in rows if not r["ok"]]
    return {
        "rows": len(rows),
        "as_expected": len(rows) - len(bad),
        "not_as_expected": len(bad),
        "not_as_expected_ids": bad,
        "verdicts": dict(Counter(r["verdict"] for r in rows)),
        "wall_seconds": round(wall, 3),
    }


def summary_line(s: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {w.upper()}" for w, n in sorted(s["verdicts"].items()))
    line = f"{s['rows']} rows ({counts}): {s['as_expected']} as expected"
    if s["not_as_expected"]:
        line += f", {s['not_as_expected']} NOT as expected ({', '.join(s['not_as_expected_ids'])})"
    return (
        line + f"; wall time {s['wall_seconds']:.1f} s. A search that finds nothing is "
        "INCONCLUSIVE (sampled): it never proves a theorem."
    )


def document(command: str, rows: list[Row], wall: float, prov: dict[str, Any]) -> dict[str, Any]:
    """The JSON report of ``command`` (validates against ``report.schema.json``)."""
    return {
        "provenance": prov,
        "command": command,
        "summary": summary(rows, wall),
        "rows": jsonable(rows),
    }


def write(doc: dict[str, Any], out: str | Path) -> tuple[Path, Path]:
    """Write ``<command>.json`` and ``<command>.md`` into directory ``out``."""
    from verify.report.markdown import markdown

    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    name = doc["command"]
    j, m = d / f"{name}.json", d / f"{name}.md"
    j.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n")
    m.write_text(markdown(doc, base=d))
    return j, m


def run_command(args: argparse.Namespace, tasks: list[Task], emit: Emit) -> int:
    """Run ``tasks`` for the ``proofs``/``examples``/``all`` command and report."""
    from rich.console import Console

    from verify.report.table import print_rows

    seed = getattr(args, "seed", None)
    budget = getattr(args, "budget", None)
    prov = header(
        args.command,
        seeds=[] if seed is None else [seed],
        budget=budget,
        settings={"profile": "dev"} if args.command == "all" else {},
    )
    t0 = time.perf_counter()
    with TaskProgress(len(tasks), enabled=not getattr(args, "quiet", False)) as progress:
        rows = run_tasks(tasks, progress)
    doc = document(args.command, rows, time.perf_counter() - t0, prov)
    notes: list[str] = []
    if getattr(args, "out", None):
        j, m = write(doc, args.out)
        notes.append(f"wrote {j} and {m}")
    if getattr(args, "latex", None):
        from verify.report.latex import write_latex

        notes.append(f"wrote {write_latex(doc, args.latex)}")
    if args.json:
        emit(doc, "", True)
        for note in notes:
            sys.stderr.write(note + "\n")
    else:
        console = Console(highlight=False)
        print_rows(console, rows)
        console.print(summary_line(doc["summary"]), markup=False)
        for note in notes:
            console.print(note, markup=False)
    return 1 if getattr(args, "strict", False) and not all(r["ok"] for r in rows) else 0
