"""The reproducer corpus of issue 11 (``tests/corpus/*.json``): loading, materialising, judging.

Each corpus file is one reproducer: ``argv`` (``{input}`` stands for the
materialised input), the input (``input`` text, ``input_hex`` bytes,
``input_path`` an existing path, or ``input_kind`` fifo/directory/missing),
the allowed exit codes ``exit``, an optional regular expression ``line`` the
one-line error must match, and the time bound ``seconds``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@dataclass(frozen=True)
class Case:
    name: str
    spec: dict[str, Any]

    @property
    def seconds(self) -> float:
        return float(self.spec.get("seconds", 30))

    def materialise(self, tmp: Path) -> list[str]:
        """Write the input under ``tmp`` and return the argv with ``{input}`` replaced."""
        s = self.spec
        target = tmp / f"{self.name}.input.json"
        if "input" in s:
            target.write_text(s["input"], encoding="utf-8")
        elif "input_hex" in s:
            target.write_bytes(bytes.fromhex(s["input_hex"]))
        elif "input_path" in s:
            target = Path(s["input_path"])
        elif s.get("input_kind") == "fifo":
            os.mkfifo(target)
        elif s.get("input_kind") == "directory":
            target.mkdir()
        elif s.get("input_kind") == "missing":
            pass
        return [str(target) if a == "{input}" else a for a in s["argv"]]


def cases() -> list[Case]:
    return [
        Case(p.stem, json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(CORPUS.glob("*.json"))
    ]


def judge(
    case: Case, argv: Sequence[str], code: int, out: str, err: str, seconds: float
) -> list[str]:
    """Everything wrong with one run of a corpus case (empty: it passed)."""
    problems = []
    s = case.spec
    if code not in s["exit"]:
        problems.append(f"exit {code} not in {s['exit']}")
    if "Traceback" in err or "Traceback" in out:
        problems.append("traceback printed")
    if seconds > case.seconds:
        problems.append(f"took {seconds:.1f} s > {case.seconds} s")
    if code == 2:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        if len(lines) != 1:
            problems.append(f"stderr has {len(lines)} lines, expected one: {err[:300]!r}")
        elif "line" in s and not re.search(s["line"], lines[0]):
            problems.append(f"error line {lines[0]!r} does not match {s['line']!r}")
    if "--json" in argv:
        try:
            doc = json.loads(out, parse_constant=_reject)
        except ValueError as exc:
            problems.append(f"stdout is not one strict JSON document ({exc}): {out[:200]!r}")
        else:
            if code == 2 and not (isinstance(doc, dict) and isinstance(doc.get("error"), dict)):
                problems.append("error exit without an {'error': ...} document")
    return problems


def _reject(name: str) -> Any:
    raise ValueError(f"non-strict JSON constant {name}")
