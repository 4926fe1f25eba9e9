"""Assertions on results, with the toolkit's readable report as the failure message."""

from __future__ import annotations

from typing import Any

from verify.errors import InvalidInput
from verify.verdict import Evidence, Verdict


def _reports(result: Any) -> list[Any]:
    """The per-point theorem reports inside ``result`` (a CheckResult has several)."""
    reports = getattr(result, "reports", None)
    return list(reports) if isinstance(reports, tuple | list) else [result]


def verdicts(result: Any) -> list[Verdict]:
    """Every verdict a result carries (one per point for a ``CheckResult``)."""
    if isinstance(result, Evidence):
        return [result.verdict]
    out: list[Verdict] = []
    for r in _reports(result):
        v = getattr(r, "verdict", None)
        if not isinstance(v, Verdict):
            raise InvalidInput(
                f"result={type(r).__name__!r} has no verdict; pass a Report, CheckResult, "
                "SearchReport, ProofReport, Replay or Evidence."
            )
        out.append(v)
    return out


def readable(result: Any) -> str:
    """The toolkit's text report of ``result`` (what the command line prints)."""
    if isinstance(result, Evidence):
        return f"{result.verdict.name} [{result.method.value}]: {result.reason}"
    parts = []
    for r in _reports(result):
        fmt = getattr(r, "format", None)
        parts.append(fmt() if callable(fmt) else repr(r))
    if not parts:
        return "no point was checked (no critical point found): nothing was decided"
    return "\n\n".join(parts)


def assert_not_violated(result: Any) -> None:
    """Fail (AssertionError with the readable report) if any verdict is VIOLATED.

    INCONCLUSIVE passes: use :func:`assert_holds` to require HOLDS.
    """
    found = verdicts(result)
    if any(v is Verdict.VIOLATED for v in found):
        raise AssertionError("a verdict is VIOLATED:\n" + readable(result))


def assert_holds(result: Any) -> None:
    """Fail (AssertionError with the readable report) unless every verdict HOLDS.

    A result with no verdict at all (e.g. no critical point was found) fails too.
    """
    found = verdicts(result)
    if not found or any(v is not Verdict.HOLDS for v in found):
        names = ", ".join(v.name for v in found) or "none"
        raise AssertionError(f"expected HOLDS, got {names}:\n" + readable(result))
