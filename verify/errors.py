"""Exceptions for misuse and bad input.

Mathematical outcomes (a premise fails, a theorem is violated, a solver cannot
decide) are never exceptions: they are verdicts with evidence. Exceptions are
for misuse of the API and malformed input; the command line turns them into a
one-line message and exit code 2.
"""

from __future__ import annotations


class VerifyError(Exception):
    """Base class of every error raised on purpose by resnet-verify."""


class InvalidInput(VerifyError, ValueError):
    """Bad user input: shapes, sizes, non-finite numbers, unknown names."""


class NotApplicable(InvalidInput):
    """A theorem was asked about an instance outside its setting: it does not apply there.

    This is a typed refusal, not a verdict: the theorem says nothing about such
    models. The command line reports it in one line with exit code 2.
    """


class MalformedTheorem(VerifyError, ValueError):
    """A theorem object is inconsistent (duplicate or unknown premise names)."""


class BackendError(VerifyError, RuntimeError):
    """SymPy, SciPy, CVXPY or FLINT failed in a way that is not a mathematical outcome."""
