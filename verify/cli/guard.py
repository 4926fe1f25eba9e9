"""The command line's fault boundary: strict JSON, native stdout, interrupts, errors.

* :func:`strict_json` serialises a payload as one strict JSON document
  (``allow_nan=False``; a non-finite float becomes a string such as
  ``"inf (float64 overflow)"``, numpy scalars become Python numbers);
* :func:`native_stdout_captured` redirects file descriptor 1 at the OS level
  while a command runs, so C code (SCS, FLINT) cannot write into the JSON
  document; Python's own output keeps going to the real stdout;
* :class:`Interrupts` turns Ctrl-C into ``KeyboardInterrupt`` and re-raises it
  every 0.5 s until the command line has caught it: an interrupt that lands in
  a callback which swallows exceptions (Hypothesis's ``gc`` hook) is not lost;
* :func:`classify` maps every exception to (exit code, type, one-line message).

Source: issue 11 (the command line's promise: one line and exit 2 for bad
input, exit 130 on Ctrl-C, never a traceback; ``--json`` always one document).
"""

from __future__ import annotations

import _thread
import contextlib
import io
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from verify.errors import VerifyError
from verify.io.writing import strict_value

EXIT_OK = 0
EXIT_INPUT = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug; never expected, tests assert it does not happen
EXIT_INTERRUPTED = 130


def strict_json(payload: Any) -> str:
    """One strict JSON document (no NaN/Infinity tokens) for ``payload``."""
    return json.dumps(strict_value(payload), indent=1, allow_nan=False)


def error_document(kind: str, message: str) -> str:
    return strict_json({"error": {"type": kind, "message": message}})


def classify(err: BaseException) -> tuple[int, str, str]:
    """Exit code, error type and one-line message for an exception."""
    text = " ".join(str(err).split())
    if isinstance(err, VerifyError):
        return EXIT_INPUT, type(err).__name__, text
    if isinstance(err, OverflowError | FloatingPointError | np.linalg.LinAlgError):
        return (
            EXIT_INPUT,
            "FloatOverflow",
            (
                f"the computation left the float64 range ({type(err).__name__}: {text[:120]}); "
                "the instance's values are too large or too extreme: rescale the data or "
                "parameters, or use --arithmetic exact."
            ),
        )
    if isinstance(err, MemoryError):
        return (
            EXIT_INPUT,
            "OutOfMemory",
            (
                "the instance needs more memory than this machine has; reduce its sizes "
                "(see README, Limits)."
            ),
        )
    if isinstance(err, RecursionError):
        return EXIT_INPUT, "TooDeep", "the input is nested too deeply to be processed."
    return (
        EXIT_INTERNAL,
        "InternalError",
        (
            f"internal error (a bug, please report it with the input): "
            f"{type(err).__name__}: {text[:300]}"
        ),
    )


@contextlib.contextmanager
def native_stdout_captured() -> Iterator[None]:
    """Redirect fd 1 to a temporary file while the block runs (native prints are dropped).

    If ``sys.stdout`` writes to fd 1, it is pointed at a duplicate of the
    original descriptor for the duration, so Python output still reaches the
    real stdout while C code writing to fd 1 cannot interleave with it.
    """
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no fd 1 at all: nothing to protect
        yield
        return
    sink = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    old_stdout = sys.stdout
    swapped = False
    try:
        try:
            uses_fd1 = sys.stdout.fileno() == 1
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            uses_fd1 = False
        os.dup2(sink.fileno(), 1)
        if uses_fd1:
            enc = getattr(old_stdout, "encoding", None) or "utf-8"
            sys.stdout = io.TextIOWrapper(
                os.fdopen(os.dup(saved), "wb", buffering=0), encoding=enc, write_through=True
            )
            swapped = True
        yield
    finally:
        if swapped:
            with contextlib.suppress(OSError, ValueError):
                sys.stdout.flush()
            with contextlib.suppress(OSError, ValueError):
                sys.stdout.close()
            sys.stdout = old_stdout
        os.dup2(saved, 1)
        os.close(saved)
        sink.close()


class Interrupts:
    """SIGINT -> KeyboardInterrupt in the main thread, robustly (see the module docstring).

    Native solvers install their own SIGINT handlers while they run (SCS's
    interrupt listener turns Ctrl-C into a solver status and the command would
    go on to exit 0). So while a command runs, SIGINT is *blocked* in every
    thread and a listener thread takes it with ``sigtimedwait`` and forwards it
    to the main thread with ``_thread.interrupt_main``, which runs the Python
    handler below whatever native code has installed. The handler raises
    ``KeyboardInterrupt`` and re-raises it every 0.5 s until :meth:`done`, and
    ``received`` stays set, so an interrupt swallowed by a callback is not lost.
    Child processes started while a command runs inherit the blocked mask (the
    command line starts none).
    """

    def __init__(self) -> None:
        self.pending = False
        self.received = False  # an interrupt arrived (even if some code swallowed it)
        self._old: Any = None
        self._old_alarm: Any = None
        self._mask: Any = None
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None

    def __enter__(self) -> Interrupts:
        try:
            self._old = signal.signal(signal.SIGINT, self._on_sigint)
        except ValueError:  # not the main thread: leave signals alone
            self._old = None
            return self
        with contextlib.suppress(AttributeError, OSError, ValueError):
            self._mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            self._listener = threading.Thread(
                target=self._listen, name="resnet-verify-sigint", daemon=True
            )
            self._listener.start()
        return self

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                got = signal.sigtimedwait([signal.SIGINT], 0.2)
            except (OSError, InterruptedError):
                continue
            if got is not None and not self._stop.is_set():
                _thread.interrupt_main(signal.SIGINT)

    def _on_sigint(self, signum: int, frame: Any) -> None:
        self.pending = True
        self.received = True
        with contextlib.suppress(ValueError):
            self._old_alarm = signal.signal(signal.SIGALRM, self._on_alarm)
            signal.setitimer(signal.ITIMER_REAL, 0.5, 0.5)
        raise KeyboardInterrupt

    def _on_alarm(self, signum: int, frame: Any) -> None:
        if self.pending:
            raise KeyboardInterrupt

    def done(self) -> None:
        """The interrupt has been caught: stop re-raising it."""
        self.pending = False
        if self._old_alarm is not None:
            with contextlib.suppress(ValueError):
                signal.setitimer(signal.ITIMER_REAL, 0, 0)
                signal.signal(signal.SIGALRM, self._old_alarm)
            self._old_alarm = None

    def __exit__(self, *exc: Any) -> None:
        self.done()
        if self._listener is not None:
            self._stop.set()
            if self._listener.ident is not None:  # wake it now (SIGINT is blocked there)
                with contextlib.suppress(OSError, ValueError, ProcessLookupError):
                    signal.pthread_kill(self._listener.ident, signal.SIGINT)
            self._listener.join(timeout=2)
            self._listener = None
        if self._mask is not None:
            with contextlib.suppress(OSError, ValueError):
                signal.pthread_sigmask(signal.SIG_SETMASK, self._mask)
            self._mask = None
        if self._old is not None:
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signal.SIGINT, self._old)


def quiet_broken_pipe() -> None:
    """After EPIPE on stdout: point fd 1 at /dev/null so the exit flush stays quiet."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
