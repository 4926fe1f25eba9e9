"""The proof kit: machine-checked proof steps with scope and a logical chain, bounded SymPy
checks, a z3 decision procedure for polynomial claims, and claims of example scripts.

- :mod:`~verify.proofkit.steps`: :class:`Step`, :class:`Statement`, :class:`Proof`,
  :func:`check_proof` (HOLDS / PARTIAL / VIOLATED / INCONCLUSIVE with scope);
- :mod:`~verify.proofkit.logic`: propositional formulas (``And``, ``Or``, ``Not``, ``Implies``);
- :mod:`~verify.proofkit.sympy_checks`: identities (random rational points first, then
  simplification under a time limit), inequalities, matrix identities in general shape;
- :mod:`~verify.proofkit.smt`: quantifier-free polynomial real arithmetic with z3;
- :mod:`~verify.proofkit.claims`: :class:`Claim` and :func:`run_script` for example scripts.
"""

from verify.proofkit.claims import Claim, run_script
from verify.proofkit.logic import And, Formula, Implies, Not, Or
from verify.proofkit.smt import polynomial_sign
from verify.proofkit.steps import (
    GENERAL,
    SETTING_DEFINITIONS,
    Proof,
    ProofReport,
    Scope,
    Statement,
    Step,
    StepCounterexample,
    catalogue_premises,
    check_proof,
    combine,
    conclude,
)
from verify.proofkit.sympy_checks import matrix_identity, sympy_identity, sympy_nonnegative

__all__ = [
    "GENERAL",
    "SETTING_DEFINITIONS",
    "And",
    "Claim",
    "Formula",
    "Implies",
    "Not",
    "Or",
    "Proof",
    "ProofReport",
    "Scope",
    "Statement",
    "Step",
    "StepCounterexample",
    "catalogue_premises",
    "check_proof",
    "combine",
    "conclude",
    "matrix_identity",
    "polynomial_sign",
    "run_script",
    "sympy_identity",
    "sympy_nonnegative",
]
