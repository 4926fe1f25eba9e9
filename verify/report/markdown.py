"""Markdown report of a ``proofs`` / ``examples`` / ``all`` document.

The report starts with the provenance (version, date, command, seeds, budget,
git revision, dependency versions), then one table of all rows (verdict and
method first), the rows that are not as expected with their reasons, and a
*Figures* section that links every figure a row lists under ``figures``
(paths relative to the report's directory when possible).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from verify.report.verdicts import WORDS, normalise


def _md(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _link(path: str, base: Path | None) -> str:
    target = Path(path)
    if base is not None and target.is_absolute():
        with contextlib.suppress(ValueError):  # another drive (Windows)
            target = Path(os.path.relpath(target, base))
    return target.as_posix().replace(" ", "%20")


def provenance_lines(prov: dict[str, Any]) -> list[str]:
    git = prov.get("git") or {}
    rev = git.get("commit", "not a git checkout")
    if git.get("dirty"):
        rev += " (with uncommitted changes)"
    deps = ", ".join(f"{k} {v}" for k, v in prov.get("dependencies", {}).items())
    return [
        f"- tool: resnet-verify {prov.get('version', '?')}, git revision: {rev}",
        f"- date (UTC): {prov.get('date', '?')}; platform: "
        + " ".join(str(v) for v in prov.get("platform", {}).values()),
        f"- command line: `{' '.join(prov.get('argv', []))}`",
        f"- seeds: {prov.get('seeds') or 'none'}; budget: {prov.get('budget') or 'n/a'}",
        f"- dependencies: {deps}",
    ]


def markdown(doc: dict[str, Any], base: Path | None = None) -> str:
    """The Markdown text of a report document; figure links are relative to ``base``."""
    rows = doc["rows"]
    s = doc["summary"]
    out = [f"# resnet-verify {doc['command']}", "", *provenance_lines(doc["provenance"]), ""]
    out += [
        (
            f"**{s['rows']} rows, {s['as_expected']} as expected, "
            f"{s['not_as_expected']} not as expected; wall time {s['wall_seconds']:.1f} s.**"
        ),
        "",
        "| verdict | method | as expected | s | kind | claim | source | checked |",
        "|---|---|---|---:|---|---|---|---|",
    ]
    for r in rows:
        secs = "-" if r.get("seconds") is None else f"{r['seconds']:.2f}"
        out.append(
            f"| {normalise(r['verdict']).upper()} | {r['method']} | "
            f"{'yes' if r['ok'] else '**NO**'} | {secs} | {r['section']} | {_md(r['claim'])} | "
            f"{_md(r['source'])} | {_md(r['checked'])} |"
        )
    bad = [r for r in rows if not r["ok"]]
    if bad:
        out += ["", "## Not as expected", ""]
        for r in bad:
            reason = r.get("detail", {}).get("reason") or r.get("detail", {}).get("summary", "")
            out.append(
                f"- **{_md(r['claim'])}**: {normalise(r['verdict']).upper()}, expected "
                f"{r['expected']}. {_md(reason)}"
            )
    figures = [(r, f) for r in rows for f in r.get("figures", []) or []]
    if figures:
        out += ["", "## Figures", ""]
        for r, f in figures:
            path = f if isinstance(f, str) else str(f.get("path", ""))
            caption = _md(f.get("caption", r["claim"]) if isinstance(f, dict) else r["claim"])
            out.append(f"- [{caption}]({_link(path, base)})")
    used = sorted({normalise(r["verdict"]) for r in rows})
    out += ["", "## Verdicts", ""]
    out += [f"- **{w.upper()}**: {WORDS.get(w, 'see the README')}" for w in used]
    out += [
        "",
        (
            "Statements, tags ([S] seed, [Q] quoted, [D] derived here, [R] reconstruction) "
            "and sources: docs/claims.md of resnet-verify."
        ),
    ]
    return "\n".join(out) + "\n"
