r"""Machine-checked proof steps: :class:`Step`, :class:`Proof`, :func:`check_proof`.

A proof is an ordered tuple of steps.  Each :class:`Step` pairs a claim (one
sentence of mathematics) and its justification with a zero-argument ``check``
that returns :class:`~verify.verdict.Evidence`.  :func:`check_proof` runs every
step, times it, and combines the verdicts with Kleene ``all_of``:

* a step counts only with EXACT or CERTIFIED evidence.  A NUMERIC or SAMPLED
  step is read as INCONCLUSIVE, so the proof is reported as *not
  machine-checked* and can never HOLD;
* the proof HOLDS only if every step HOLDS rigorously; it is VIOLATED if some
  step is rigorously VIOLATED.

Step helpers (all return ``Evidence``; all treat symbols and the values of
undefined functions as real; the SymPy ones are defined in the private
``verify.proofkit.sympy_checks`` and re-exported here):

* :func:`sympy_identity` — ``lhs == rhs`` (scalars or matrices, entrywise).
  HOLDS (EXACT) iff ``expand``/``cancel``/``simplify`` reduce ``lhs - rhs`` to 0;
  VIOLATED only with a concrete witness: a rational point (and polynomial
  stand-ins for undefined functions) where ``lhs != rhs`` exactly (EXACT) or
  with an Arb ball that excludes 0 (CERTIFIED); otherwise INCONCLUSIVE.
* :func:`sympy_nonnegative` — ``expr >= 0`` (or ``> 0``) under simple bounds on
  symbols, proved from a sum-of-squares certificate or a structural sign
  argument on ``expr`` and its expanded/factored/cancelled forms; VIOLATED only
  with a witness point.
* :func:`combine` — conjunction of sub-claims into one piece of evidence;
  :func:`conclude` — a claim proved by lemmas: a failed lemma makes it
  INCONCLUSIVE (not VIOLATED) unless a direct check refutes the claim.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from verify.errors import InvalidInput
from verify.proofkit.logic import And, Formula, Implies, Not, Or, entails, render
from verify.proofkit.sympy_checks import matrix_identity, sympy_identity, sympy_nonnegative
from verify.verdict import Evidence, Method, Verdict, all_of, weakest

__all__ = [
    "GENERAL",
    "TAGS",
    "And",
    "Implies",
    "Not",
    "Or",
    "Proof",
    "ProofReport",
    "Scope",
    "Statement",
    "Step",
    "StepCounterexample",
    "StepResult",
    "check_proof",
    "combine",
    "conclude",
    "matrix_identity",
    "sympy_identity",
    "sympy_nonnegative",
]

TAGS: Mapping[str, str] = MappingProxyType(
    {
        "S": "stated in a seed document, verbatim",
        "Q": "quoted from the paper by a public source",
        "D": "derived lemma (our proof sketch; not the paper's theorem)",
        "R": "reconstruction of a statement we could not read",
    }
)

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def _check_text(owner: str, field: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{owner}.{field}={value!r} must be a non-empty string.")


@dataclass(frozen=True)
class Scope:
    """At what generality a step's check establishes its claim.

    ``general`` is True when the check covers every size the claim is stated for
    (symbolic in all dimensions, or a claim about scalars only); ``text`` says how,
    e.g. "symbolic in all dimensions", "symbolic in L, at d = 3",
    "at sizes (d, k, n) ∈ {(2, 3, 4), (4, 2, 3)}", "sampled".
    """

    text: str
    general: bool = False

    def __post_init__(self) -> None:
        _check_text("Scope", "text", self.text)
        if not isinstance(self.general, bool):
            raise InvalidInput(f"Scope.general={self.general!r} must be a bool.")


GENERAL = Scope("symbolic in all dimensions", general=True)
_UNSTATED = Scope("scope not stated", general=False)


class StepCounterexample(Exception):
    """Raised by a check whose failure is itself a rigorous counterexample."""

    def __init__(self, evidence: Evidence) -> None:
        super().__init__(evidence.reason)
        self.evidence = evidence


def _formulas(owner: str, value: object) -> tuple[Formula, ...]:
    items = (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
    for f in items:
        And(f)  # validates atoms / compound formulas
    return items


@dataclass(frozen=True)
class Step:
    """One proof step: a claim, why it is true, and a check returning Evidence.

    ``assumes`` (formulas over atoms) must be entailed by the theorem's premises
    and the earlier steps' conclusions; ``concludes`` is what the step adds when its
    check HOLDS.  ``scope`` says at what generality the check establishes the claim.
    """

    name: str
    claim: str
    justification: str
    check: Callable[[], Evidence]
    scope: Scope = _UNSTATED
    assumes: tuple[Formula, ...] = ()
    concludes: tuple[Formula, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _SNAKE.match(self.name):
            raise InvalidInput(
                f"Step.name={self.name!r} must be snake_case, e.g. 'gradient_w_identity'."
            )
        _check_text("Step", "claim", self.claim)
        _check_text("Step", "justification", self.justification)
        if not callable(self.check):
            raise InvalidInput(f"Step.check={self.check!r} must be a callable returning Evidence.")
        if not isinstance(self.scope, Scope):
            raise InvalidInput(f"Step.scope={self.scope!r} must be a verify.proof.Scope.")
        object.__setattr__(self, "assumes", _formulas("assumes", self.assumes))
        object.__setattr__(self, "concludes", _formulas("concludes", self.concludes))


@dataclass(frozen=True)
class Statement:
    """The theorem a proof claims: premises (atom → text) and a conclusion formula.

    ``catalogue`` names the catalogue theorem (``verify.theorems`` id) and the
    premises dropped from it, e.g. ``("Y1", ("full_rank_hL",))`` for Y1′; the
    premise and conclusion texts must be the catalogue's (tested).
    ``conclusion_name``/``conclusion_text`` are the catalogue's conclusion;
    ``conclusion`` is the formula over step atoms it stands for.
    ``generality`` is the generality the theorem is stated at.
    """

    catalogue: tuple[str, tuple[str, ...]]
    premises: Mapping[str, str]
    conclusion_name: str
    conclusion_text: str
    conclusion: Formula
    generality: str = "all dimensions and sample sizes"
    definitions: tuple[Formula, ...] = ()

    def __post_init__(self) -> None:
        tid, without = self.catalogue
        _check_text("Statement", "catalogue id", tid)
        object.__setattr__(self, "catalogue", (tid, tuple(without)))
        for atom, text in self.premises.items():
            And(atom)
            _check_text("Statement", f"premises[{atom!r}]", text)
        object.__setattr__(self, "premises", MappingProxyType(dict(self.premises)))
        _check_text("Statement", "conclusion_text", self.conclusion_text)
        And(self.conclusion)
        object.__setattr__(self, "definitions", _formulas("definitions", self.definitions))

    @property
    def label(self) -> str:
        tid, without = self.catalogue
        return tid + (f" without {', '.join(without)}" if without else "")


def catalogue_premises(theorem: Any) -> dict[str, str]:
    """The premises a proof of ``theorem`` may use: its conditions and its setting's
    requirements (atom -> text), taken from the catalogue object itself."""
    out = {c.name: c.statement for c in theorem.premises}
    out.update({r.name: r.statement for r in theorem.setting.requirements})
    return out


#: what the settings' requirements give the steps: a convex loss is convex (and, with R
#: twice differentiable at the point, convex and C^2 at the sample outputs)
SETTING_DEFINITIONS: tuple[Formula, ...] = (
    Implies("convex_loss", "loss_convex"),
    Implies(And("convex_loss", "twice_differentiable"), "loss_convex_c2"),
)


@dataclass(frozen=True)
class Proof:
    """A theorem's proof as data: an ordered tuple of :class:`Step`.

    ``tag`` is the provenance tag of the statement in CLAIMS.md: one of
    ``S`` (seed, verbatim), ``Q`` (quoted), ``D`` (derived here), ``R``
    (reconstruction).
    """

    theorem_id: str
    title: str
    reference: str
    tag: str
    steps: tuple[Step, ...]
    statement: Statement | None = None

    def __post_init__(self) -> None:
        if self.statement is not None and not isinstance(self.statement, Statement):
            raise InvalidInput(f"Proof.statement={self.statement!r} must be a Statement.")
        if not isinstance(self.theorem_id, str) or not _SNAKE.match(self.theorem_id):
            raise InvalidInput(
                f"Proof.theorem_id={self.theorem_id!r} must be snake_case (the module name)."
            )
        _check_text("Proof", "title", self.title)
        _check_text("Proof", "reference", self.reference)
        if self.tag not in TAGS:
            raise InvalidInput(f"Proof.tag={self.tag!r} must be one of {sorted(TAGS)}.")
        steps = tuple(self.steps)
        if not steps or not all(isinstance(s, Step) for s in steps):
            raise InvalidInput(
                f"Proof.steps of {self.theorem_id!r} must be a non-empty sequence of Step."
            )
        names = [s.name for s in steps]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise InvalidInput(
                f"Proof {self.theorem_id!r} has duplicate step names {duplicates!r}; "
                "step names must be unique."
            )
        object.__setattr__(self, "steps", steps)


@dataclass(frozen=True)
class StepResult:
    """The evidence one step produced and the wall-clock time it took."""

    step: Step
    evidence: Evidence
    seconds: float

    @property
    def counted_verdict(self) -> Verdict:
        """The verdict as it counts for the proof: non-rigorous evidence is INCONCLUSIVE."""
        return self.evidence.verdict if self.evidence.rigorous else Verdict.INCONCLUSIVE


@dataclass(frozen=True)
class Chain:
    """Whether the held steps, chained, entail the statement's conclusion."""

    ok: bool
    gaps: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "gaps": list(self.gaps)}


def check_chain(proof: Proof, held: Callable[[Step], bool]) -> Chain:
    """Check the proof's logical chain propositionally (z3 Booleans).

    Each step's ``assumes`` must follow from the premises and the conclusions of
    earlier steps that HOLD; the premises plus all held conclusions must entail
    the statement's conclusion.
    """
    st = proof.statement
    if st is None:
        return Chain(False, ("the proof declares no theorem statement to chain to",))
    known: list[Formula] = [*st.premises, *st.definitions]
    gaps: list[str] = []
    for step in proof.steps:
        for need in step.assumes:
            ok, model = entails(known, need)
            if not ok:
                gaps.append(
                    f"step {step.name} assumes {render(need)}, which the premises and earlier "
                    f"steps do not give (countermodel {model})"
                )
        if held(step):
            known.extend(step.concludes)
    ok, model = entails(known, st.conclusion)
    if not ok:
        gaps.append(
            f"premises + held step conclusions do not entail {render(st.conclusion)} "
            f"(countermodel {model})"
        )
    return Chain(not gaps, tuple(gaps))


STATUSES = ("HOLDS", "PARTIAL", "VIOLATED", "INCONCLUSIVE")


@dataclass(frozen=True)
class ProofReport:
    """Per-step evidence and timing for one :class:`Proof`, its chain and its scope.

    ``status`` is HOLDS only if every step HOLDS rigorously, every step's scope is
    general, and the chain entails the stated conclusion from the stated premises;
    PARTIAL if every step HOLDS rigorously but the chain or the generality falls
    short; VIOLATED if a step is rigorously VIOLATED; else INCONCLUSIVE.
    ``verdict`` maps PARTIAL to ``Verdict.INCONCLUSIVE`` (Kleene logic).
    """

    proof: Proof
    results: tuple[StepResult, ...]
    chain: Chain

    @property
    def steps_verdict(self) -> Verdict:
        """Kleene ``all_of`` over the steps, non-rigorous steps counted as INCONCLUSIVE."""
        return all_of(r.counted_verdict for r in self.results)

    @property
    def narrow_steps(self) -> tuple[str, ...]:
        """Steps that conclude something but whose scope is not general.

        Steps that conclude nothing are cross-checks: they must HOLD (a violated
        cross-check refutes the proof) but do not carry the argument.
        """
        return tuple(
            r.step.name for r in self.results if r.step.concludes and not r.step.scope.general
        )

    @property
    def status(self) -> str:
        sv = self.steps_verdict
        if sv is Verdict.VIOLATED:
            return "VIOLATED"
        if sv is Verdict.INCONCLUSIVE:
            return "INCONCLUSIVE"
        return "HOLDS" if self.chain.ok and not self.narrow_steps else "PARTIAL"

    @property
    def verdict(self) -> Verdict:
        """HOLDS / VIOLATED as :attr:`status`; PARTIAL and INCONCLUSIVE are INCONCLUSIVE."""
        return {"HOLDS": Verdict.HOLDS, "VIOLATED": Verdict.VIOLATED}.get(
            self.status, Verdict.INCONCLUSIVE
        )

    @property
    def machine_checked(self) -> bool:
        """True iff the status is HOLDS."""
        return self.status == "HOLDS"

    @property
    def method(self) -> Method:
        """The weakest method used by any step."""
        return weakest(r.evidence.method for r in self.results)

    @property
    def seconds(self) -> float:
        """Total time spent in the checks."""
        return sum(r.seconds for r in self.results)

    @property
    def scope(self) -> str:
        """The generality of the whole proof (steps grouped by scope)."""
        st = self.proof.statement
        if not self.narrow_steps:
            return "symbolic in all dimensions" + (f" ({st.generality})" if st else "")
        groups: dict[str, list[str]] = {}
        for r in self.results:
            if r.step.name in self.narrow_steps:
                groups.setdefault(r.step.scope.text, []).append(r.step.name)
        return "not general: " + "; ".join(f"{', '.join(v)} {k}" for k, v in groups.items())

    @property
    def scope_label(self) -> str:
        """A short form of :attr:`scope` for tables."""
        narrow = len(self.narrow_steps)
        if not narrow:
            return "symbolic in all dimensions"
        return f"{narrow} of {len(self.results)} steps only at fixed sizes"

    def summary(self) -> str:
        """One sentence saying what the report establishes."""
        n = len(self.results)
        soft = [r.step.name for r in self.results if not r.evidence.rigorous]
        bad = [r.step.name for r in self.results if r.counted_verdict is Verdict.VIOLATED]
        open_ = [
            r.step.name
            for r in self.results
            if r.counted_verdict is Verdict.INCONCLUSIVE and r.evidence.rigorous
        ]
        label = self.proof.statement.label if self.proof.statement else self.proof.theorem_id
        if self.status == "HOLDS":
            return (
                f"machine-checked: all {n} steps HOLD with EXACT/CERTIFIED evidence in general "
                f"dimension and chain to {label}"
            )
        parts: list[str] = []
        if bad:
            parts.append(f"step(s) {', '.join(bad)} VIOLATED")
        if soft:
            parts.append(f"step(s) {', '.join(soft)} used non-rigorous evidence")
        if open_:
            parts.append(f"step(s) {', '.join(open_)} undecided")
        if self.narrow_steps:
            parts.append(f"step(s) {', '.join(self.narrow_steps)} checked only at fixed sizes")
        if not self.chain.ok:
            parts.append("chain gap: " + " | ".join(self.chain.gaps))
        head = {
            "VIOLATED": "claim not reproduced",
            "PARTIAL": f"partial: all {n} steps HOLD but do not establish {label} as stated",
        }.get(self.status, "not machine-checked")
        return f"{head}: " + "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form of the report."""
        st = self.proof.statement
        return {
            "theorem_id": self.proof.theorem_id,
            "catalogue": st.label if st else None,
            "title": self.proof.title,
            "reference": self.proof.reference,
            "tag": self.proof.tag,
            "status": self.status,
            "verdict": self.verdict.value,
            "machine_checked": self.machine_checked,
            "method": self.method.value,
            "scope": self.scope,
            "chain": self.chain.to_dict(),
            "premises": dict(st.premises) if st else {},
            "definitions": [render(f) for f in st.definitions] if st else [],
            "conclusion": render(st.conclusion) if st else None,
            "summary": self.summary(),
            "seconds": self.seconds,
            "steps": [
                {
                    "name": r.step.name,
                    "claim": r.step.claim,
                    "justification": r.step.justification,
                    "scope": r.step.scope.text,
                    "general": r.step.scope.general,
                    "assumes": [render(f) for f in r.step.assumes],
                    "concludes": [render(f) for f in r.step.concludes],
                    "counted_verdict": r.counted_verdict.value,
                    "seconds": r.seconds,
                    **r.evidence.to_dict(),
                }
                for r in self.results
            ],
        }

    def format(self, *, verbose: bool = False) -> str:
        """A readable table: step, method, verdict, scope, time (``verbose`` adds claims)."""
        p = self.proof
        width = max(len("step"), *(len(r.step.name) for r in self.results))
        st = p.statement
        lines = [
            f"{p.theorem_id}: {p.title}",
            f"theorem: {st.label if st else '(no statement declared)'}",
            f"reference: {p.reference}",
            f"statement tag: [{p.tag}] {TAGS[p.tag]}",
            "",
            f"{'#':>3}  {'step':<{width}}  {'method':<9}  {'verdict':<12}  {'time':>8}  scope",
        ]
        for i, r in enumerate(self.results, 1):
            ev = r.evidence
            lines.append(
                f"{i:>3}  {r.step.name:<{width}}  {ev.method.value:<9}  "
                f"{ev.verdict.value:<12}  {r.seconds:>6.3f} s  {r.step.scope.text}"
            )
            if verbose:
                lines.append(f"     claim: {r.step.claim}")
            if verbose or ev.verdict is not Verdict.HOLDS or not ev.rigorous:
                lines.append(f"     reason: {ev.reason}")
        lines += [
            "",
            f"scope: {self.scope}",
            f"chain: {'ok' if self.chain.ok else 'GAP — ' + ' | '.join(self.chain.gaps)}",
            f"verdict: {self.status} — {self.summary()} ({self.seconds:.2f} s)",
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


def _run_step(step: Step) -> Evidence:
    try:
        evidence = step.check()
    except StepCounterexample as found:
        return found.evidence
    except Exception as err:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            f"the check raised {type(err).__name__}: {err}",
        )
    if not isinstance(evidence, Evidence):
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            f"malformed step: the check returned {type(evidence).__name__}, not Evidence",
        )
    return evidence


def check_proof(proof: Proof) -> ProofReport:
    """Run every step of ``proof`` in order (a raising step is a verdict, not a crash),
    collect evidence and timings, and check the logical chain."""
    if not isinstance(proof, Proof):
        raise InvalidInput(f"proof={proof!r} must be a verify.proof.Proof.")
    results = []
    for step in proof.steps:
        start = time.perf_counter()
        evidence = _run_step(step)
        results.append(StepResult(step, evidence, time.perf_counter() - start))
    verdicts = {r.step.name: r.counted_verdict for r in results}
    chain = check_chain(proof, lambda s: verdicts[s.name] is Verdict.HOLDS)
    return ProofReport(proof, tuple(results), chain)


def combine(parts: Mapping[str, Evidence], reason: str | None = None) -> Evidence:
    """Conjunction of named pieces of evidence (Kleene ``all_of``).

    Non-rigorous parts count as INCONCLUSIVE.  A VIOLATED result carries the
    method of the violated part; otherwise the weakest method of all parts.
    """
    if not parts or not all(isinstance(e, Evidence) for e in parts.values()):
        raise InvalidInput("combine(parts) needs a non-empty mapping of name -> Evidence.")
    counted = {k: (e.verdict if e.rigorous else Verdict.INCONCLUSIVE) for k, e in parts.items()}
    verdict = all_of(counted.values())
    if verdict is Verdict.VIOLATED:
        method = next(parts[k].method for k, v in counted.items() if v is Verdict.VIOLATED)
    else:
        method = weakest(e.method for e in parts.values())
    text = "; ".join(f"{k}: {e.reason}" for k, e in parts.items())
    return Evidence(
        verdict,
        method,
        f"{reason} [{text}]" if reason else text,
        witness={k: e.to_dict() for k, e in parts.items()},
    )


def conclude(
    argument: Mapping[str, Evidence],
    refute: Callable[[], Evidence] | None = None,
    reason: str | None = None,
) -> Evidence:
    """Evidence for a claim established by an argument made of lemmas.

    Use :func:`combine` when the parts *are* the claim (a conjunction); use
    ``conclude`` when they are only the means of proving it.  HOLDS if every
    lemma HOLDS rigorously.  A lemma that fails does not refute the claim, so
    the argument alone never yields VIOLATED: if it does not go through,
    ``refute`` (a direct check of the claim itself, e.g. a witness search) is
    run and its HOLDS or VIOLATED is returned; otherwise INCONCLUSIVE.
    """
    proof = combine(argument, reason)
    if proof.verdict is Verdict.HOLDS:
        return proof
    direct = refute() if refute is not None else None
    if direct is not None and direct.rigorous and direct.verdict is not Verdict.INCONCLUSIVE:
        return Evidence(
            direct.verdict,
            direct.method,
            f"the argument does not go through [{proof.reason}]; direct check: {direct.reason}",
            witness={"argument": proof.to_dict(), "direct": direct.to_dict()},
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        proof.method,
        f"the argument does not go through and the claim was not refuted [{proof.reason}]",
        witness={"argument": proof.to_dict()},
    )
