r"""Theorems as data: named premises, a conclusion, a reference, and evaluation.

``evaluate(theorem, instance)`` decides ``premises => conclusion`` at the
instance's parameter point with a three-valued verdict (Kleene implication):

=================  ============  =========================================
all premises        conclusion    theorem on this instance
=================  ============  =========================================
VIOLATED            (any)         HOLDS, flagged ``vacuous``
(any)               HOLDS         HOLDS
HOLDS               VIOLATED      VIOLATED — only if *every* part is EXACT or
                                  CERTIFIED; otherwise INCONCLUSIVE with the
                                  candidate attached (DESIGN.md rule 2)
otherwise           otherwise     INCONCLUSIVE, the reason names the parts
=================  ============  =========================================

The point is first certified (:mod:`verify.certify`): exactly critical at a
rational point, or a Krawczyk box that contains a unique critical point. All
other quantities are then evaluated over that box in ball arithmetic (or
exactly at the point), so they hold for the certified critical point itself.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from verify.errors import InvalidInput, MalformedTheorem
from verify.verdict import Evidence, Method, Verdict, all_of, weakest

if TYPE_CHECKING:
    from verify.models import Model
    from verify.theorems.premises import Context


@dataclass(frozen=True)
class Condition:
    """A premise or conclusion: a name, a statement and a check returning Evidence."""

    name: str
    statement: str
    check: Callable[[Context], Evidence] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Theorem:
    """A claim as data.

    Attributes:
        id: short identifier used on the command line (``Y1``, ``S1``, ...).
        title: one line.
        reference: where the claim comes from, with the paper's numbering.
        tag: provenance from CLAIMS.md: S (seed), Q (quoted), D (derived), R (reconstruction).
        premises: the premises, in order.
        conclusion: the conclusion.
        kind: ``theorem`` (true as stated), ``negative_control`` (known false: the
            tool must be able to find violations) or ``open_probe`` (unknown).
        requires: a function that returns ``None`` if the theorem's setting fits a
            model, or a sentence saying why not (then evaluation is misuse).
        dropped: premises removed with :meth:`without`.
    """

    id: str
    title: str
    reference: str
    tag: str
    premises: tuple[Condition, ...]
    conclusion: Condition
    kind: str = "theorem"
    requires: Callable[[Model], str | None] = field(
        default=lambda m: None, repr=False, compare=False
    )
    dropped: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = [p.name for p in self.premises]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise MalformedTheorem(f"theorem {self.id!r} has duplicate premises {sorted(dup)}.")
        if self.kind not in ("theorem", "negative_control", "open_probe"):
            raise MalformedTheorem(f"theorem {self.id!r} has unknown kind {self.kind!r}.")

    @property
    def premise_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.premises)

    @property
    def label(self) -> str:
        """``Y1`` or ``Y1 without full_rank_hL``."""
        return self.id if not self.dropped else f"{self.id} without {', '.join(self.dropped)}"

    def without(self, *names: str) -> Theorem:
        """The weakened claim with the named premises removed.

        A weakened true theorem is not known to be true: it becomes an
        ``open_probe`` unless it is itself a negative control.
        """
        for n in names:
            if n not in self.premise_names:
                close = difflib.get_close_matches(n, self.premise_names, n=1)
                hint = f" did you mean {close[0]!r}?" if close else ""
                raise MalformedTheorem(
                    f"theorem {self.id!r} has no premise {n!r};{hint} "
                    f"available: {', '.join(self.premise_names)}."
                )
        if not names:
            return self
        kind = self.kind if self.kind == "negative_control" else "open_probe"
        return replace(
            self,
            premises=tuple(p for p in self.premises if p.name not in names),
            kind=kind,
            dropped=self.dropped + tuple(names),
        )


@dataclass(frozen=True)
class Report:
    """The verdict of one theorem at one instance, with every part's evidence."""

    theorem: Theorem
    verdict: Verdict
    method: Method
    vacuous: bool
    premises: tuple[tuple[str, Evidence], ...]
    conclusion: Evidence
    reason: str
    point: dict[str, Any]
    seconds: float

    @property
    def counterexample(self) -> bool:
        return self.verdict is Verdict.VIOLATED

    def to_dict(self) -> dict[str, Any]:
        t = self.theorem
        return {
            "theorem": t.id,
            "label": t.label,
            "title": t.title,
            "reference": t.reference,
            "tag": t.tag,
            "kind": t.kind,
            "dropped": list(t.dropped),
            "verdict": self.verdict.value,
            "method": self.method.value,
            "vacuous": self.vacuous,
            "reason": self.reason,
            "premises": {n: e.to_dict() for n, e in self.premises},
            "conclusion": self.conclusion.to_dict(),
            "point": self.point,
            "seconds": round(self.seconds, 4),
        }

    def format(self) -> str:
        t = self.theorem
        lines = [
            f"{t.label}: {t.title}",
            f"  reference  {t.reference} [{t.tag}]"
            + ("" if t.kind == "theorem" else f" ({t.kind})"),
            f"  point      {self.point.get('description', '')}",
        ]
        for name, ev in self.premises:
            lines.append(
                f"  premise    {name:<22} {ev.verdict.value.upper():<12} "
                f"{ev.method.value:<9} {ev.reason}"
            )
        ev = self.conclusion
        lines.append(
            f"  conclusion {self.theorem.conclusion.name:<22} {ev.verdict.value.upper():<12} "
            f"{ev.method.value:<9} {ev.reason}"
        )
        flag = " (vacuously: a premise is violated)" if self.vacuous else ""
        lines.append(f"  verdict    {self.verdict.value.upper()} [{self.method.value}]{flag}")
        lines.append(f"             {self.reason}")
        return "\n".join(lines)


def decide(
    premises: list[tuple[str, Evidence]], conclusion: Evidence
) -> tuple[Verdict, Method, bool, str]:
    """Combine premise and conclusion evidence into (verdict, method, vacuous, reason)."""
    pv = all_of(e.verdict for _, e in premises)
    if pv is Verdict.VIOLATED:
        violated = [(n, e) for n, e in premises if e.verdict is Verdict.VIOLATED]
        name, ev = min(violated, key=lambda ne: ne[1].method.rank)
        return (
            Verdict.HOLDS,
            ev.method,
            True,
            f"premise {name!r} is violated ({ev.method.value}): {ev.reason}",
        )
    if conclusion.verdict is Verdict.HOLDS:
        return Verdict.HOLDS, conclusion.method, False, f"conclusion holds: {conclusion.reason}"
    if pv is Verdict.HOLDS and conclusion.verdict is Verdict.VIOLATED:
        parts = [*(e for _, e in premises), conclusion]
        weak = [n for n, e in premises if not e.rigorous]
        if not conclusion.rigorous:
            weak.append("conclusion")
        if not weak:
            return (
                Verdict.VIOLATED,
                weakest(e.method for e in parts),
                False,
                f"every premise holds and the conclusion fails: {conclusion.reason}",
            )
        return (
            Verdict.INCONCLUSIVE,
            weakest(e.method for e in parts),
            False,
            "candidate violation, but only numeric evidence for: " + ", ".join(weak),
        )
    open_parts = [n for n, e in premises if e.verdict is Verdict.INCONCLUSIVE]
    if conclusion.verdict is Verdict.INCONCLUSIVE:
        open_parts.append("conclusion")
    methods = [e.method for _, e in premises] + [conclusion.method]
    return (Verdict.INCONCLUSIVE, weakest(methods), False, "undecided: " + ", ".join(open_parts))


def evaluate(theorem: Theorem, ctx: Context) -> Report:
    """Evaluate ``theorem`` at the point held by ``ctx`` (see :mod:`verify.theorems.premises`)."""
    why = theorem.requires(ctx.objective.model)
    if why is not None:
        raise InvalidInput(f"theorem {theorem.id} does not apply to this model: {why}")
    t0 = time.perf_counter()
    premises = [(p.name, p.check(ctx)) for p in theorem.premises]
    conclusion = theorem.conclusion.check(ctx)
    verdict, method, vacuous, reason = decide(premises, conclusion)
    return Report(
        theorem,
        verdict,
        method,
        vacuous,
        tuple(premises),
        conclusion,
        reason,
        ctx.point_summary(),
        time.perf_counter() - t0 + ctx.setup_seconds,
    )
