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

from verify.errors import InvalidInput, MalformedTheorem
from verify.proofkit.sympy_checks import sympy_identity, sympy_nonnegative
from verify.verdict import Evidence, Method, Verdict, all_of, weakest

__all__ = [
    "TAGS",
    "Proof",
    "ProofReport",
    "Step",
    "StepResult",
    "check_proof",
    "combine",
    "conclude",
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
class Step:
    """One proof step: a claim, why it is true, and a check returning Evidence."""

    name: str
    claim: str
    justification: str
    check: Callable[[], Evidence]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _SNAKE.match(self.name):
            raise InvalidInput(
                f"Step.name={self.name!r} must be snake_case, e.g. 'gradient_w_identity'."
            )
        _check_text("Step", "claim", self.claim)
        _check_text("Step", "justification", self.justification)
        if not callable(self.check):
            raise InvalidInput(f"Step.check={self.check!r} must be a callable returning Evidence.")


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

    def __post_init__(self) -> None:
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
class ProofReport:
    """Per-step evidence and timing for one :class:`Proof`."""

    proof: Proof
    results: tuple[StepResult, ...]

    @property
    def verdict(self) -> Verdict:
        """Kleene ``all_of`` over the steps, non-rigorous steps counted as INCONCLUSIVE."""
        return all_of(r.counted_verdict for r in self.results)

    @property
    def machine_checked(self) -> bool:
        """True iff every step HOLDS with EXACT or CERTIFIED evidence."""
        return self.verdict is Verdict.HOLDS

    @property
    def method(self) -> Method:
        """The weakest method used by any step."""
        return weakest(r.evidence.method for r in self.results)

    @property
    def seconds(self) -> float:
        """Total time spent in the checks."""
        return sum(r.seconds for r in self.results)

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
        if self.machine_checked:
            return f"machine-checked: all {n} steps HOLD with EXACT/CERTIFIED evidence"
        parts: list[str] = []
        if bad:
            parts.append(f"step(s) {', '.join(bad)} VIOLATED")
        if soft:
            parts.append(f"step(s) {', '.join(soft)} used non-rigorous evidence")
        if open_:
            parts.append(f"step(s) {', '.join(open_)} undecided")
        head = "claim not reproduced" if bad else "not machine-checked"
        return f"{head}: " + "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form of the report."""
        return {
            "theorem_id": self.proof.theorem_id,
            "title": self.proof.title,
            "reference": self.proof.reference,
            "tag": self.proof.tag,
            "verdict": self.verdict.value,
            "machine_checked": self.machine_checked,
            "method": self.method.value,
            "summary": self.summary(),
            "seconds": self.seconds,
            "steps": [
                {
                    "name": r.step.name,
                    "claim": r.step.claim,
                    "justification": r.step.justification,
                    "counted_verdict": r.counted_verdict.value,
                    "seconds": r.seconds,
                    **r.evidence.to_dict(),
                }
                for r in self.results
            ],
        }

    def format(self, *, verbose: bool = False) -> str:
        """A readable table: step, method, verdict, time (``verbose`` adds claims)."""
        p = self.proof
        width = max(len("step"), *(len(r.step.name) for r in self.results))
        lines = [
            f"{p.theorem_id}: {p.title}",
            f"reference: {p.reference}",
            f"statement tag: [{p.tag}] {TAGS[p.tag]}",
            "",
            f"{'#':>3}  {'step':<{width}}  {'method':<9}  {'verdict':<12}  {'time':>8}",
        ]
        for i, r in enumerate(self.results, 1):
            ev = r.evidence
            lines.append(
                f"{i:>3}  {r.step.name:<{width}}  {ev.method.value:<9}  "
                f"{ev.verdict.value:<12}  {r.seconds:>6.3f} s"
            )
            if verbose:
                lines.append(f"     claim: {r.step.claim}")
            if verbose or ev.verdict is not Verdict.HOLDS or not ev.rigorous:
                lines.append(f"     reason: {ev.reason}")
        lines += ["", f"verdict: {self.verdict.name} — {self.summary()} ({self.seconds:.2f} s)"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


def check_proof(proof: Proof) -> ProofReport:
    """Run every step of ``proof`` in order and collect evidence and timings."""
    if not isinstance(proof, Proof):
        raise InvalidInput(f"proof={proof!r} must be a verify.proofkit.steps.Proof.")
    results = []
    for step in proof.steps:
        start = time.perf_counter()
        evidence = step.check()
        seconds = time.perf_counter() - start
        if not isinstance(evidence, Evidence):
            raise MalformedTheorem(
                f"step {step.name!r} of proof {proof.theorem_id!r} returned "
                f"{type(evidence).__name__}; a check must return Evidence."
            )
        results.append(StepResult(step, evidence, seconds))
    return ProofReport(proof, tuple(results))


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
