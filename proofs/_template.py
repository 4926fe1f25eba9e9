r"""<One line: the claim, in words> (copy this file to proofs/<claim_in_snake_case>.py).

Statement
    <The theorem, precisely: model, loss, quantifiers.>

Premises
    <premise_name>: <one line each, using the names a Theorem would use>.

Conclusion
    <What follows.>

Proof outline (<source and its numbering, or "derivation">; step names below)
    <step_name>: <one line per step, in order>.

Reference
    <Authors, title, venue year, theorem number> [S|Q|D|R] — for [D] say "derived
    lemma, not the paper's theorem"; for [R] say what is uncertain.

Scope
    <Exactly what is checked: which identities, which sizes, which loss; and what is
    not checked (assumptions taken on faith, sizes not instantiated).>
"""

from __future__ import annotations

from collections.abc import Callable

import sympy

from verify import (
    GENERAL,
    Proof,
    Statement,
    Step,
    check_proof,
    sympy_identity,
)

Formula = Callable[[sympy.Expr, sympy.Expr], sympy.Expr]


def paper_formula(a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
    """The claimed right-hand side, as the paper states it (an input, so tests can break it)."""
    return a**2 + 2 * a * b + b**2


THEOREM_ID = "TEMPLATE"  # the catalogue id (verify.theorems) of the theorem proved
WITHOUT: tuple[str, ...] = ()  # premises dropped from the catalogue theorem, if any
PREMISES: dict[str, str] = {}  # premise atom -> the catalogue's premise text


def statement() -> Statement:
    """The theorem: premises (atoms) and the conclusion as a formula over step atoms."""
    return Statement(
        catalogue=(THEOREM_ID, WITHOUT),
        premises=PREMISES,
        conclusion_name="square_expands",
        conclusion_text="(a + b)^2 = formula(a, b) for all real a, b",
        conclusion="square_expands",
    )


def build_proof(*, formula: Formula = paper_formula) -> Proof:
    """Build the proof from its inputs; checks are closures and run only in check_proof."""
    a, b = sympy.symbols("a b", real=True)
    return Proof(
        theorem_id="template",
        title="(a + b)² expands as claimed",
        reference="Template; replace with the source",
        tag="D",
        steps=(
            Step(
                "square_expansion_identity",
                "(a + b)² = formula(a, b).",
                "Binomial expansion; exact SymPy identity.",
                lambda: sympy_identity((a + b) ** 2, formula(a, b)),
                GENERAL,  # scope: a scalar identity holds in every dimension
                (),  # assumes
                ("square_expands",),  # concludes
            ),
        ),
        statement=statement(),
    )


PROOF: Proof = build_proof()

if __name__ == "__main__":
    report = check_proof(PROOF)
    print(report.format())
    raise SystemExit({"HOLDS": 0, "PARTIAL": 2}.get(report.status, 1))
