"""Three-valued verdicts, evidence levels and Kleene combinators.

A :class:`Verdict` is HOLDS, VIOLATED or INCONCLUSIVE and cannot be used as a
bool (``if verdict:`` raises), so "unknown" is never silently read as "false".
Every verdict travels inside an :class:`Evidence` that says how it was
established (:class:`Method`), with a signed margin (``> 0`` satisfied), the
tolerance used, an optional witness and a one-sentence reason.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Verdict(enum.Enum):
    """Three-valued truth value."""

    HOLDS = "holds"
    VIOLATED = "violated"
    INCONCLUSIVE = "inconclusive"

    def __bool__(self) -> bool:
        raise TypeError(
            "Verdict is three-valued and has no truth value; compare with "
            "`verdict is Verdict.HOLDS` instead."
        )

    def negate(self) -> Verdict:
        """Kleene negation: swaps HOLDS and VIOLATED."""
        return _NEGATION[self]


_NEGATION = {
    Verdict.HOLDS: Verdict.VIOLATED,
    Verdict.VIOLATED: Verdict.HOLDS,
    Verdict.INCONCLUSIVE: Verdict.INCONCLUSIVE,
}


class Method(enum.Enum):
    """Strength of evidence, strongest first.

    EXACT: exact rational or symbolic computation.
    CERTIFIED: rigorous enclosures (Arb balls, interval Newton).
    NUMERIC: float64 with a tolerance band; not a proof.
    SAMPLED: finitely many samples; never establishes a universal claim.
    """

    EXACT = "exact"
    CERTIFIED = "certified"
    NUMERIC = "numeric"
    SAMPLED = "sampled"

    @property
    def rank(self) -> int:
        """0 for EXACT (strongest) up to 3 for SAMPLED."""
        return _METHOD_ORDER.index(self)

    @property
    def rigorous(self) -> bool:
        """True for EXACT and CERTIFIED evidence."""
        return self in (Method.EXACT, Method.CERTIFIED)


_METHOD_ORDER = [Method.EXACT, Method.CERTIFIED, Method.NUMERIC, Method.SAMPLED]


def weakest(methods: Iterable[Method]) -> Method:
    """The weakest method among ``methods`` (EXACT if empty)."""
    return max(methods, key=lambda m: m.rank, default=Method.EXACT)


@dataclass(frozen=True)
class Evidence:
    """A verdict together with how it was established.

    Attributes:
        verdict: the three-valued outcome.
        method: how it was established.
        reason: one sentence shown in reports.
        margin: signed margin (> 0 means satisfied), if the check has one.
        tolerance: the band used to decide the sign of ``margin``.
        witness: data that lets a reader re-check the verdict.
    """

    verdict: Verdict
    method: Method
    reason: str
    margin: float | None = None
    tolerance: float | None = None
    witness: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.verdict, Verdict):
            raise TypeError(f"Evidence.verdict={self.verdict!r} must be a Verdict.")
        if not isinstance(self.method, Method):
            raise TypeError(f"Evidence.method={self.method!r} must be a Method.")

    @property
    def rigorous(self) -> bool:
        """True if the method is EXACT or CERTIFIED."""
        return self.method.rigorous

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (witness values must already be JSON-ready)."""
        out: dict[str, Any] = {
            "verdict": self.verdict.value,
            "method": self.method.value,
            "reason": self.reason,
        }
        if self.margin is not None:
            out["margin"] = float(self.margin)
        if self.tolerance is not None:
            out["tolerance"] = float(self.tolerance)
        if self.witness:
            out["witness"] = dict(self.witness)
        return out


def all_of(verdicts: Iterable[Verdict]) -> Verdict:
    """Kleene conjunction: VIOLATED if any is VIOLATED, HOLDS if all HOLD.

    >>> all_of([Verdict.HOLDS, Verdict.INCONCLUSIVE]).name
    'INCONCLUSIVE'
    >>> all_of([Verdict.INCONCLUSIVE, Verdict.VIOLATED]).name
    'VIOLATED'
    """
    result = Verdict.HOLDS
    for v in verdicts:
        if v is Verdict.VIOLATED:
            return Verdict.VIOLATED
        if v is Verdict.INCONCLUSIVE:
            result = Verdict.INCONCLUSIVE
    return result


def any_of(verdicts: Iterable[Verdict]) -> Verdict:
    """Kleene disjunction: HOLDS if any HOLDS, VIOLATED if all are VIOLATED.

    >>> any_of([Verdict.VIOLATED, Verdict.INCONCLUSIVE]).name
    'INCONCLUSIVE'
    """
    return all_of(v.negate() for v in verdicts).negate()


def implies(premise: Verdict, conclusion: Verdict) -> Verdict:
    """Kleene implication ``premise => conclusion``.

    >>> implies(Verdict.VIOLATED, Verdict.INCONCLUSIVE).name
    'HOLDS'
    >>> implies(Verdict.HOLDS, Verdict.VIOLATED).name
    'VIOLATED'
    """
    return any_of([premise.negate(), conclusion])
