"""The proof kit: machine-checked proof steps with scope and a logical chain, bounded SymPy
checks, a z3 decision procedure for polynomial claims, and claims of example scripts.

- :mod:`~verify.proofkit.steps`: :class:`Step`, :class:`Statement`, :class:`Proof`,
  :func:`check_proof` (HOLDS / PARTIAL / VIOLATED / INCONCLUSIVE with scope);
- :mod:`~verify.proofkit.logic`: propositional formulas (``And``, ``Or``, ``Not``, ``Implies``);
- :mod:`~verify.proofkit.sympy_checks`: identities (random rational points first, then
  simplification under a time limit), inequalities, matrix identities in general shape;
- :mod:`~verify.proofkit.smt`: quantifier-free polynomial real arithmetic with z3;
- :mod:`~verify.proofkit.claims`: :class:`Claim` and :func:`run_script` for example scripts;
- :mod:`~verify.proofkit.exact`: exact least squares, solves and determinants (Fraction/SymPy);
- :mod:`~verify.proofkit.surds`: exact arithmetic in ``Q(sqrt d)``, 2x2 pencil roots;
- :mod:`~verify.proofkit.positivity`: Polya-type certificates for one-kink ReLU fits;
- :mod:`~verify.proofkit.blocks`: a single-block ReLU ResNet's gradient and Hessian pieces by hand;
- :mod:`~verify.proofkit.library`: the library's exact risks and negative-control reports
  as evidence for example scripts.
"""

from verify.proofkit.blocks import SingleBlockPoint, single_block_point
from verify.proofkit.claims import Claim, run_script
from verify.proofkit.exact import (
    LeastSquares,
    det,
    dot,
    exact_array,
    exact_text,
    fmt_vector,
    gram,
    least_squares,
    linear_risk,
    solve,
    to_fraction,
)
from verify.proofkit.library import (
    conclusion_branch,
    conjunction,
    evidence,
    exact_hessian,
    exact_risk,
    first_disagreement,
    model_risk,
    negative_control,
    negative_control_search,
    objective_of,
    report_line,
    search_summary,
    theorems_hold,
    with_params,
)
from verify.proofkit.logic import And, Formula, Implies, Not, Or
from verify.proofkit.positivity import (
    BETA,
    Cell,
    CellResult,
    cell_lines,
    cells_cover,
    certify_cell,
    kink_cells,
    no_point_below,
    nonnegative_coefficients,
    polya_form,
    probe_betas,
)
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
from verify.proofkit.surds import (
    Surd,
    feature_minimiser,
    feature_pencil,
    min_pencil_root,
    pencil_kernel,
    pencil_root_error,
)
from verify.proofkit.sympy_checks import matrix_identity, sympy_identity, sympy_nonnegative

__all__ = [
    "BETA",
    "GENERAL",
    "SETTING_DEFINITIONS",
    "And",
    "Cell",
    "CellResult",
    "Claim",
    "Formula",
    "Implies",
    "LeastSquares",
    "Not",
    "Or",
    "Proof",
    "ProofReport",
    "Scope",
    "SingleBlockPoint",
    "Statement",
    "Step",
    "StepCounterexample",
    "Surd",
    "catalogue_premises",
    "cell_lines",
    "cells_cover",
    "certify_cell",
    "check_proof",
    "combine",
    "conclude",
    "conclusion_branch",
    "conjunction",
    "det",
    "dot",
    "evidence",
    "exact_array",
    "exact_hessian",
    "exact_risk",
    "exact_text",
    "feature_minimiser",
    "feature_pencil",
    "first_disagreement",
    "fmt_vector",
    "gram",
    "kink_cells",
    "least_squares",
    "linear_risk",
    "matrix_identity",
    "min_pencil_root",
    "model_risk",
    "negative_control",
    "negative_control_search",
    "no_point_below",
    "nonnegative_coefficients",
    "objective_of",
    "pencil_kernel",
    "pencil_root_error",
    "polya_form",
    "polynomial_sign",
    "probe_betas",
    "report_line",
    "run_script",
    "search_summary",
    "single_block_point",
    "solve",
    "sympy_identity",
    "sympy_nonnegative",
    "theorems_hold",
    "to_fraction",
    "with_params",
]
