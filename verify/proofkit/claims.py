"""Claims of an example script: what was checked, with which evidence, and a report.

Every script in ``examples/`` defines ``TITLE`` and ``claims() -> list[Claim]``
(one typed :class:`Claim` per statement of the paper it reproduces) and ends with
``main = lambda: run_script(TITLE, claims)``: :func:`run_script` prints the
claims with :func:`report` and returns the exit status, 0 only if every
asserted claim HOLDS.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from verify.verdict import Evidence, Verdict


@dataclass(frozen=True)
class Claim:
    """One statement and its evidence.

    Attributes:
        claim: the statement, in words.
        source_tag: provenance from CLAIMS.md, e.g. ``"[Q] value, [D] check"``.
        checked: what exactly was computed.
        evidence: the verdict with its method; ``None`` for a quoted statement
            that is reported but could not be reproduced.
        asserted: whether the claim counts towards the script's exit status.
        note: reason shown when ``evidence`` is ``None``.
        details: extra lines printed under the claim.
        finished_at: ``time.perf_counter()`` when the claim was built, i.e. right
            after its evidence was computed; reports take differences of
            consecutive claims as per-claim times.
    """

    claim: str
    source_tag: str
    checked: str
    evidence: Evidence | None
    asserted: bool = True
    note: str = ""
    details: tuple[str, ...] = ()
    finished_at: float = field(default_factory=time.perf_counter, compare=False, repr=False)

    @property
    def counts(self) -> bool:
        """True if the claim is checked and asserted (it decides the exit status)."""
        return self.asserted and self.evidence is not None

    @property
    def status(self) -> str:
        return self.evidence.verdict.name if self.evidence else "NOT REPRODUCED (quoted)"

    def to_dict(self) -> dict[str, Any]:
        ev = self.evidence
        return {
            "claim": self.claim,
            "source_tag": self.source_tag,
            "checked": self.checked,
            "method": ev.method.value if ev else "none",
            "verdict": ev.verdict.value if ev else "not reproduced",
            "reason": ev.reason if ev else self.note,
            "asserted": self.counts,
        }


def report(title: str, rows: Sequence[Claim], echo: Callable[[str], None] = print) -> int:
    """Print one block per claim; return 0 if every asserted claim HOLDS, else 1."""
    echo(title)
    for c in rows:
        row = c.to_dict()
        flag = "" if c.counts or c.evidence is None else " (not asserted)"
        echo(f"  [{c.status} / {row['method']}]{flag} {c.claim}   {c.source_tag}")
        echo(f"      checked: {c.checked}")
        echo(f"      {row['reason']}")
        for line in c.details:
            echo(f"        {line}")
    ok = all(
        c.evidence is not None and c.evidence.verdict is Verdict.HOLDS for c in rows if c.counts
    )
    echo("reproduced" if ok else "NOT reproduced")
    return 0 if ok else 1


def run_script(
    title: str, claims: Callable[[], Sequence[Claim]], echo: Callable[[str], None] = print
) -> int:
    """Build an example script's claims, print them, and return its exit status."""
    return report(title, claims(), echo)
