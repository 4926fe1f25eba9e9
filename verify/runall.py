"""``resnet-verify proofs | examples | all``: run everything and tabulate it.

Each row says what claim was checked, its source and provenance tag, what
exactly was checked, with which method, the verdict, whether that is the
expected outcome, and how long it took. ``ok`` is true only when a claim is
reproduced as the papers state it (or, for negative controls, when the
violation was found and certified); a search that finds nothing for a true
theorem is INCONCLUSIVE (sampled) and ok — it is never marked as verified.
"""

from __future__ import annotations

import functools
import importlib
import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from verify.errors import InvalidInput
from verify.report import table
from verify.theorems import THEOREMS, theorem
from verify.verdict import Verdict

Row = dict[str, Any]
Task = tuple[str, Callable[[], list[Row]]]

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


def _registry(package: str) -> Any:
    try:
        return importlib.import_module(package)
    except ImportError as err:  # pragma: no cover - broken installation
        raise InvalidInput(
            f"cannot import the {package!r} package ({err}); "
            "install resnet-verify with 'pip install .'."
        ) from None


def proof_tasks(names: Iterable[str] | None = None) -> list[Task]:
    from verify.proof import check_proof

    reg = _registry("proofs")
    chosen = list(names) if names else list(reg.ALL)

    def run(name: str) -> list[Row]:
        module = reg.load(name)
        rep = check_proof(module.PROOF)
        expected = getattr(module, "EXPECTED", "HOLDS")  # PARTIAL when known to be partial
        p = rep.proof
        steps = len(rep.results)
        return [
            {
                "section": "proof",
                "id": name,
                "claim": f"{p.theorem_id}: {p.title}",
                "source": f"{p.reference} [{p.tag}]",
                "checked": f"{rep.scope_label}; {steps} proof steps ({rep.summary()})",
                "scope": rep.scope,
                "method": rep.method.value,
                "verdict": rep.status.lower(),
                "expected": expected.lower(),
                "ok": rep.status == expected,
                "seconds": round(rep.seconds, 3),
            }
        ]

    return [(f"proof {n}", functools.partial(run, n)) for n in chosen]


def example_tasks(names: Iterable[str] | None = None) -> list[Task]:
    reg = _registry("examples")
    chosen = list(names) if names else list(reg.ALL)

    def run(name: str) -> list[Row]:
        t0 = time.perf_counter()
        rows = reg.load(name).results()
        dt = time.perf_counter() - t0
        out = []
        for r in rows:
            asserted = r.get("asserted", True)
            out.append(
                {
                    "section": "example",
                    "id": name,
                    "claim": r["claim"],
                    "source": r.get("source_tag", ""),
                    "checked": r.get("checked", ""),
                    "method": r.get("method", ""),
                    "verdict": r.get("verdict", ""),
                    "expected": "holds" if asserted else "reported only",
                    "ok": (r.get("verdict") == "holds") if asserted else True,
                    "seconds": round(dt / max(1, len(rows)), 3),
                }
            )
        return out

    return [(f"example {n}", functools.partial(run, n)) for n in chosen]


def search_tasks(budget: int, seed: int) -> list[Task]:
    from verify.search import search

    def run(tid: str, without: tuple[str, ...]) -> list[Row]:
        thm = theorem(tid, without)
        rep = search(thm, budget=budget, seed=seed)
        found = rep.verdict is Verdict.VIOLATED
        method = (
            rep.counterexample["record"]["method"] if found and rep.counterexample else "sampled"
        )
        if thm.kind == "negative_control":
            expected, ok = "violated (certified)", found
        elif thm.kind == "open_probe":
            expected, ok = "unknown (open probe)", True
        else:
            expected, ok = "no violation", not found
        verdict = rep.verdict.value
        checked = (
            f"search: {rep.tried} instances, seed {seed}, "
            f"{'certified counterexample' if found else 'none found'}"
        )
        return [
            {
                "section": "search",
                "id": thm.label,
                "claim": f"{thm.label}: {thm.title}",
                "source": f"{THEOREMS[tid].reference} [{thm.tag}]",
                "checked": checked,
                "method": method,
                "verdict": verdict,
                "expected": expected,
                "ok": ok,
                "seconds": round(rep.seconds, 3),
            }
        ]

    return [
        (f"search {tid}{' without ' + ','.join(w) if w else ''}", functools.partial(run, tid, w))
        for tid, w in SEARCHES
    ]


def run_tasks(tasks: list[Task], progress: bool = True) -> list[Row]:
    """Run tasks in order (with a progress bar on stderr) and collect their rows."""
    rows: list[Row] = []
    bar: Any = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(tasks), unit="task", leave=False)
    for label, fn in tasks:
        if bar is not None:
            bar.set_description(label[:40])
        rows.extend(fn())
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return rows


def render(rows: list[Row]) -> str:
    """The text table of ``all``."""
    body = [
        [
            r["section"],
            _clip(r["claim"], 58),
            _clip(r["source"], 30),
            _clip(r["checked"], 44),
            r["method"],
            r["verdict"].upper(),
            "ok" if r["ok"] else "NOT OK",
            f"{r['seconds']:.2f}",
        ]
        for r in rows
    ]
    out = table(body, ["kind", "claim", "source", "checked", "method", "verdict", "expected", "s"])
    bad = [r for r in rows if not r["ok"]]
    summary = (
        f"\n{len(rows)} rows: {sum(r['ok'] for r in rows)} as expected"
        + (f", {len(bad)} NOT as expected" if bad else "")
        + ". Searches that find "
        "nothing are INCONCLUSIVE (sampled): they never prove a theorem."
    )
    return out + summary


def markdown(rows: list[Row]) -> str:
    head = "| kind | claim | source | checked | method | verdict | expected | ok | s |\n"
    head += "|---|---|---|---|---|---|---|---|---|\n"
    return head + "".join(
        f"| {r['section']} | {_md(r['claim'])} | {_md(r['source'])} | {_md(r['checked'])} | "
        f"{r['method']} | {r['verdict'].upper()} | {r['expected']} | "
        f"{'yes' if r['ok'] else 'NO'} | {r['seconds']:.2f} |\n"
        for r in rows
    )


def write(rows: list[Row], out: str | Path) -> tuple[Path, Path]:
    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    j, m = d / "all.json", d / "all.md"
    j.write_text(json.dumps({"rows": rows}, indent=1) + "\n")
    m.write_text("# resnet-verify all\n\n" + markdown(rows))
    return j, m


def _clip(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _md(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")
