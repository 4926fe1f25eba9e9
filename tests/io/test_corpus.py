"""Every reproducer of issue 11 (tests/corpus/*.json) through the real entry point.

Each must end with an allowed exit code (0 or 2), one error line and no
traceback, within its time bound; with ``--json`` stdout must be one strict
JSON document (an ``{"error": ...}`` document on exit 2). Runs in-process
(``verify.cli.main``) with file-descriptor capture, so native output that
leaks onto fd 1 (SCS, FLINT) would be caught too.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.io.corpus import cases, judge
from verify.cli import main

CASES = cases()


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so the CLI's fault boundary lets it through."""


def _alarm(signum, frame):
    raise _Timeout


def run_in_process(argv: list[str], seconds: float) -> tuple[int, float]:
    """``main(argv)`` with a wall-clock alarm; returns (exit code, seconds)."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds + 5)
    t0 = time.perf_counter()
    try:
        try:
            code = main(argv)
        except SystemExit as stop:  # usage errors: argparse's convention
            code = stop.code if isinstance(stop.code, int) else 2
    except _Timeout:
        code = -1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return code, time.perf_counter() - t0


def test_corpus_is_complete() -> None:
    assert len(CASES) >= 50
    for c in CASES:
        assert c.spec["reproducer"] and set(c.spec["exit"]) <= {0, 2}, c.name


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_reproducer(case, tmp_path: Path, capfd) -> None:
    argv = case.materialise(tmp_path)
    code, seconds = run_in_process(argv, case.seconds)
    out, err = capfd.readouterr()
    problems = judge(case, argv, code, out, err, seconds)
    assert not problems, f"{case.name}: {problems}\nstdout={out[:500]!r}\nstderr={err[:500]!r}"
