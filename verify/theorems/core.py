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

Before anything is computed, the instance must lie in the theorem's
:class:`~verify.theorems.setting.Setting`; outside it :func:`evaluate` raises
:class:`~verify.errors.NotApplicable` ("does not apply"), never a verdict.

A *qualifier* premise ("theta* is a critical point", "... a local minimum")
says which points the theorem speaks about: unless it HOLDS (certified), the
theorem says nothing at the point and the verdict is INCONCLUSIVE, never a
vacuous HOLDS.

The point is first certified (:mod:`verify.certify`): exactly critical at a
rational point, or a Krawczyk box that contains a unique critical point. All
other quantities are then evaluated over that box in ball arithmetic (or
exactly at the point), so they hold for the certified critical point itself.

A theorem is one object in one place: its setting, premises (each with its
certified check and float screen), conclusion, reference and tag, the search
cases that generate instances inside its setting, whether its search must
examine saddles as well as minima, and the ids of its proof module and example
scripts.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from verify.errors import MalformedTheorem
from verify.theorems.setting import ANY_MODEL, Setting
from verify.verdict import Evidence, Method, Verdict, all_of, weakest

if TYPE_CHECKING:
    from verify.theorems.context import Context, FloatContext


@dataclass(frozen=True)
class Condition:
    """A premise or conclusion: a name, a statement, its certified check and its float screen.

    Attributes:
        check: certified check at a :class:`~verify.theorems.context.Context`
            (EXACT/CERTIFIED evidence, or INCONCLUSIVE).
        screen: float64 twin at a :class:`~verify.theorems.context.FloatContext`
            (NUMERIC evidence, used only to pick what to certify); ``None`` if there is
            none (the search then never flags on this condition).
        qualifier: the theorem speaks only at points where this premise holds
            (critical points, local minima): unless it HOLDS there is no HOLDS.
    """

    name: str
    statement: str
    check: Callable[[Context], Evidence] = field(repr=False, compare=False)
    screen: Callable[[FloatContext], Evidence] | None = field(
        default=None, repr=False, compare=False
    )
    qualifier: bool = False


@dataclass(frozen=True)
class Theorem:
    """A claim as data.

    Attributes:
        id: short identifier used on the command line (``Y1``, ``S1``, ...).
        title: one line.
        reference: where the claim comes from, with the paper's numbering.
        tag: provenance from docs/claims.md: S (seed), Q (quoted), D (derived), R (reconstruction).
        premises: the premises, in order.
        conclusion: the conclusion.
        kind: ``theorem`` (true as stated), ``negative_control`` (known false: the
            tool must be able to find violations) or ``open_probe`` (unknown).
        setting: the model class the theorem is about (checked before anything else).
        cases: ``cases(theorem)`` returns a Hypothesis strategy of ``(instance, start)``
            pairs inside the setting (for a weakened theorem, making the dropped
            premise fail where that can be arranged); ``None``: not searchable.
        saddles: the search examines saddles as well as minima (theorems about every
            critical point whose violations can sit at saddles).
        proof: id of the module in ``proofs/`` that proves it (``None`` if none).
        examples: ids of the example scripts in ``examples/`` about it.
        dropped: premises removed with :meth:`without`.
    """

    id: str
    title: str
    reference: str
    tag: str
    premises: tuple[Condition, ...]
    conclusion: Condition
    kind: str = "theorem"
    setting: Setting = field(default=ANY_MODEL, compare=False)
    cases: Callable[[Theorem], Any] | None = field(default=None, repr=False, compare=False)
    saddles: bool = False
    proof: str | None = None
    examples: tuple[str, ...] = ()
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
    def qualifiers(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.premises if p.qualifier)

    def applies_to(self, model: Any, loss: Any) -> None:
        """Raise :class:`~verify.errors.NotApplicable` outside the setting."""
        self.setting.check(model, loss, self.id)

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
            "setting": {
                "name": t.setting.name,
                "requirements": t.setting.describe(),
                "met": True,
            },
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
            f"  setting    {t.setting.name}: "
            + (", ".join(r.name for r in t.setting.requirements) or "none")
            + " (met)",
            f"  point      {self.point.get('description', '')}",
        ]
        if self.point.get("theta_star_text"):
            lines.append(f"  theta*     {self.point['theta_star_text']}")
        if self.point.get("input_text"):
            lines.append(f"  input      {self.point['input_text']}")
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
    premises: list[tuple[str, Evidence]],
    conclusion: Evidence,
    qualifiers: tuple[str, ...] = (),
) -> tuple[Verdict, Method, bool, str]:
    """Combine premise and conclusion evidence into (verdict, method, vacuous, reason).

    ``qualifiers`` name the premises that say which points the theorem is about
    (see the module docstring): unless each HOLDS, the verdict is INCONCLUSIVE.
    """
    for name, ev in premises:
        if name in qualifiers and ev.verdict is not Verdict.HOLDS:
            what = "is not" if ev.verdict is Verdict.VIOLATED else "is not certified to be"
            return (
                Verdict.INCONCLUSIVE,
                ev.method,
                False,
                (
                    f"the point {what} a {name.replace('_', ' ')}, so the theorem says nothing "
                    f"here ({ev.method.value}): {ev.reason}"
                ),
            )
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
        # as strong as the conclusion and the evidence that the point qualifies
        method = weakest([conclusion.method, *(e.method for n, e in premises if n in qualifiers)])
        return Verdict.HOLDS, method, False, f"conclusion holds: {conclusion.reason}"
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


def evaluate(theorem: Theorem, ctx: Context, *, qualifiers_first: bool = False) -> Report:
    """Evaluate ``theorem`` at the point held by ``ctx`` (see :mod:`verify.theorems.context`).

    With ``qualifiers_first`` the qualifier premises are checked first and, if one
    does not hold, nothing else is (the verdict is INCONCLUSIVE whatever the other
    parts say, :func:`decide`); the report marks those parts "not evaluated". The
    search uses it: most points it certifies are not certified critical points.
    Raises :class:`~verify.errors.NotApplicable` outside the theorem's setting.
    """
    theorem.applies_to(ctx.objective.model, ctx.objective.loss)
    t0 = time.perf_counter()
    done: dict[str, Evidence] = {}
    if qualifiers_first:
        for p in theorem.premises:
            if p.name in theorem.qualifiers:
                done[p.name] = p.check(ctx)
    skip = next((n for n, e in done.items() if e.verdict is not Verdict.HOLDS), None)
    if skip is not None:
        unchecked = Evidence(
            Verdict.INCONCLUSIVE, Method.NUMERIC,
            f"not evaluated: the point is not certified to be a {skip.replace('_', ' ')}",
        )
        premises = [(p.name, done.get(p.name, unchecked)) for p in theorem.premises]
        conclusion = unchecked
    else:
        premises = [(p.name, done[p.name] if p.name in done else p.check(ctx))
                    for p in theorem.premises]
        conclusion = theorem.conclusion.check(ctx)
    verdict, method, vacuous, reason = decide(premises, conclusion, theorem.qualifiers)
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


def screen(theorem: Theorem, ctx: FloatContext) -> tuple[Verdict, bool, float, dict[str, Any]]:
    """Float verdict, vacuity, violation score (> 0: conclusion numerically fails), details.

    Every condition is screened by its own float twin (:attr:`Condition.screen`).
    A condition without one (e.g. a user's check) is not screened: it never
    blocks certification, so a point where every *screened* premise holds and
    the conclusion does not clearly hold goes to the certified pipeline. NUMERIC
    only: a screen decides what to certify, never a verdict.
    """
    unscreened = Evidence(Verdict.INCONCLUSIVE, Method.NUMERIC, "no float screen")
    premises = [(p.name, p.screen(ctx) if p.screen else None) for p in theorem.premises]
    concl = theorem.conclusion.screen(ctx) if theorem.conclusion.screen else None
    verdict, _, vacuous, _ = decide(
        [(n, e or unscreened) for n, e in premises], concl or unscreened, theorem.qualifiers
    )
    score = -float(concl.margin) if concl is not None and concl.margin is not None else 0.0
    # a candidate: screened premises hold numerically and the conclusion does not clearly
    # hold (e.g. R > R_lin with a float lambda_min of -1e-17 at a singular PSD Hessian)
    candidate = all(e is None or e.verdict is Verdict.HOLDS for _, e in premises) and (
        concl is None or concl.verdict is not Verdict.HOLDS
    )
    details = {
        "premises": {n: "unscreened" if e is None else e.verdict.value for n, e in premises},
        "conclusion": "unscreened" if concl is None else concl.verdict.value,
        "candidate": candidate,
    }
    return verdict, vacuous, score, details
