"""Progress of a run on stderr: a live bar on a terminal, one line per task otherwise.

On a terminal, a transient rich progress bar shows the task being run. When
stderr is not a terminal (piped, redirected, CI logs), each finished task
writes one line ``[ 3/19   12.4 s] proof <name>: HOLDS (1.20 s)``, so a long
run is never silent. Nothing is written to stdout.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class TaskProgress:
    """Context manager: ``start(label)`` before a task, ``done(label, outcome, seconds)`` after."""

    def __init__(
        self,
        total: int,
        *,
        stream: IO[str] | None = None,
        enabled: bool = True,
        console: Console | None = None,
    ) -> None:
        self.total = total
        self.enabled = enabled
        self.console = console or Console(file=stream, stderr=stream is None, highlight=False)
        self.live = enabled and self.console.is_terminal
        self.finished = 0
        self.t0 = time.perf_counter()
        self._bar: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> TaskProgress:
        if self.live:
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("starting", total=self.total)
        return self

    def start(self, label: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=label[:48])

    def done(self, label: str, outcome: str, seconds: float) -> None:
        self.finished += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1)
        elif self.enabled:
            elapsed = time.perf_counter() - self.t0
            width = len(str(self.total))
            self.console.print(
                f"[{self.finished:>{width}}/{self.total} {elapsed:7.1f} s] "
                f"{label}: {outcome} ({seconds:.2f} s)",
                markup=False,
                soft_wrap=True,
            )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
