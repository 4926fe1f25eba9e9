"""The summary table of ``proofs`` / ``examples`` / ``all`` for a terminal (rich).

Rows are the dictionaries of :mod:`verify.cli.runall`. The table fits the
console width (``COLUMNS`` or the terminal size; 80 when neither is known):
verdict, method, "as expected" and time come first and never wrap, so every
row's verdict is on the row's first line; the claim, its source and what was
checked wrap. Below ``WIDE`` columns those three are stacked in one cell.
Colour is used only when the console is a terminal (rich decides; ``NO_COLOR``
is honoured).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from verify.report.verdicts import STYLES, normalise

WIDE = 120
SETUP_MARK = "since the script started"
SETUP_NOTE = "* time since the script started: includes setup shared by its later claims"
SECTIONS = (
    ("proof", "Proofs"),
    ("example", "Examples"),
    ("search", "Searches"),
    ("population", "Population landscapes"),
    ("experiment", "Experiments (reported only)"),
)


def _verdict(row: dict[str, Any]) -> Text:
    word = normalise(row.get("verdict", ""))
    return Text(word.upper() or "-", style=STYLES.get(word, ""))


def _expected(row: dict[str, Any]) -> Text:
    return Text("yes", style="green") if row.get("ok") else Text("NO", style="bold red")


def _seconds(row: dict[str, Any]) -> str:
    s = row.get("seconds")
    mark = "*" if str(row.get("timing", "")).startswith(SETUP_MARK) else ""
    return "-" if s is None else f"{float(s):.2f}{mark}"


def build(rows: Sequence[dict[str, Any]], width: int, title: str | None = None) -> Table:
    """One rich table for ``rows`` laid out for ``width`` columns."""
    wide = width >= WIDE
    table = Table(
        title=Text(title) if title else None,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1),
        expand=False,
        show_lines=not wide,
    )
    table.add_column("verdict", no_wrap=True)
    table.add_column("method", no_wrap=True)
    table.add_column("as expected", no_wrap=True)
    table.add_column("s", no_wrap=True, justify="right")
    if wide:
        table.add_column("claim", ratio=5, overflow="fold")
        table.add_column("source", ratio=2, overflow="fold")
        table.add_column("checked", ratio=3, overflow="fold")
    else:
        table.add_column("claim / source / checked", overflow="fold")
    for r in rows:
        fixed = [_verdict(r), Text(r.get("method", "") or "-"), _expected(r), Text(_seconds(r))]
        claim, source, checked = (str(r.get(k, "")) for k in ("claim", "source", "checked"))
        if not r.get("ok"):
            checked += f" (expected: {r.get('expected', '')})"
        if wide:
            table.add_row(*fixed, Text(claim), Text(source, style="dim"), Text(checked))
        else:
            cell = Text(claim)
            if source:
                cell.append("\n" + source, style="dim")
            if checked:
                cell.append("\n" + checked)
            table.add_row(*fixed, cell)
    return table


def print_rows(console: Console, rows: Sequence[dict[str, Any]]) -> None:
    """Print one table per section (proofs, examples, searches, other) on ``console``."""
    width = console.width
    known = {key for key, _ in SECTIONS}
    groups = [(title, [r for r in rows if r.get("section") == key]) for key, title in SECTIONS]
    groups.append(("Other", [r for r in rows if r.get("section") not in known]))
    for title, part in groups:
        if part:
            console.print(build(part, width, title=title), markup=False)
            if any(str(r.get("timing", "")).startswith(SETUP_MARK) for r in part):
                console.print(SETUP_NOTE, markup=False, style="dim")


def render(rows: Sequence[dict[str, Any]], width: int = 80) -> str:
    """The tables as plain text for ``width`` columns (no colour)."""
    buf = io.StringIO()
    console = Console(file=buf, width=width, no_color=True, color_system=None, highlight=False)
    print_rows(console, rows)
    return buf.getvalue()
