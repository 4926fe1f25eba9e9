"""resnet-verify: computer checks of optimization-landscape theorems about ResNets.

The public API is ``__all__``; subpackages follow the data flow (instance →
objective → critical point → premises + baseline → conclusion → verdict →
report) and are importable for advanced use, but only the names below are
promised to stay.
"""

# ruff: noqa: E402 - the startup interrupt handler must be installed before the heavy imports
import sys as _sys


def _quiet_interrupt_during_startup() -> None:
    """Ctrl-C while the command line is still importing: one line and exit 130.

    Runs only for ``python -m verify`` (argv[0] is ``-m`` while the package
    imports) and the ``resnet-verify`` console script, never for library users;
    the command line installs its own handler once it runs (verify.cli.guard).
    """
    import os
    import signal

    as_json = "--json" in _sys.argv

    def handler(signum: int, frame: object) -> None:
        if as_json:
            os.write(1, b'{"error": {"type": "Interrupted", "message": "interrupted"}}\n')
        os.write(2, b"resnet-verify: interrupted\n")
        os._exit(130)

    signal.signal(signal.SIGINT, handler)


_argv0 = (getattr(_sys, "argv", None) or [""])[0]
if _argv0 == "-m" or _argv0.endswith("resnet-verify"):
    _quiet_interrupt_during_startup()

from importlib.metadata import PackageNotFoundError, version

from verify.baseline import Baseline, best_linear_predictor
from verify.catalogue import Activation, Loss, activation, loss, loss_from_spec
from verify.certify import (
    Box,
    Inertia,
    certify_critical_point,
    certify_local_minimum,
    certify_negative_curvature,
    matrix_inertia,
)
from verify.classification import Classification, classify
from verify.data import Dataset, Instance
from verify.errors import (
    BackendError,
    InvalidInput,
    MalformedTheorem,
    NotApplicable,
    VerifyError,
)
from verify.io.instances import instance_to_json, load_instance, parse_instance
from verify.io.records import Replay, replay
from verify.models import Model, fully_connected, linear_predictor, model_from_spec, resnet
from verify.numbers import Arithmetic
from verify.objectives import Landscape, Objective
from verify.pipeline import CheckResult, check
from verify.proofkit import (
    BETA,
    GENERAL,
    SETTING_DEFINITIONS,
    And,
    Cell,
    CellResult,
    Claim,
    Formula,
    Implies,
    LeastSquares,
    Not,
    Or,
    Proof,
    ProofReport,
    Scope,
    SingleBlockPoint,
    Statement,
    Step,
    StepCounterexample,
    Surd,
    catalogue_premises,
    cell_lines,
    cells_cover,
    certify_cell,
    check_proof,
    combine,
    conclude,
    conclusion_branch,
    conjunction,
    det,
    dot,
    evidence,
    exact_array,
    exact_hessian,
    exact_risk,
    exact_text,
    feature_minimiser,
    feature_pencil,
    first_disagreement,
    fmt_vector,
    gram,
    kink_cells,
    least_squares,
    linear_risk,
    matrix_identity,
    min_pencil_root,
    model_risk,
    negative_control,
    negative_control_search,
    no_point_below,
    nonnegative_coefficients,
    objective_of,
    pencil_kernel,
    pencil_root_error,
    polya_form,
    polynomial_sign,
    probe_betas,
    report_line,
    run_script,
    search_summary,
    single_block_point,
    solve,
    sympy_identity,
    sympy_nonnegative,
    theorems_hold,
    to_fraction,
    with_params,
)
from verify.search.engine import SearchReport
from verify.search.engine import search as search_counterexamples
from verify.theorems import (
    THEOREMS,
    Condition,
    Report,
    Requirement,
    Setting,
    Theorem,
    evaluate,
    theorem,
)
from verify.tolerances import Tolerance
from verify.verdict import Evidence, Method, Verdict, all_of, any_of, implies

try:
    __version__ = version("resnet-verify")
except PackageNotFoundError:  # running from a source checkout
    __version__ = "0+unknown"

__all__ = [
    "BETA",
    "GENERAL",
    "SETTING_DEFINITIONS",
    "THEOREMS",
    "Activation",
    "And",
    "Arithmetic",
    "BackendError",
    "Baseline",
    "Box",
    "Cell",
    "CellResult",
    "CheckResult",
    "Claim",
    "Classification",
    "Condition",
    "Dataset",
    "Evidence",
    "Formula",
    "Implies",
    "Inertia",
    "Instance",
    "InvalidInput",
    "Landscape",
    "LeastSquares",
    "Loss",
    "MalformedTheorem",
    "Method",
    "Model",
    "Not",
    "NotApplicable",
    "Objective",
    "Or",
    "Proof",
    "ProofReport",
    "Replay",
    "Report",
    "Requirement",
    "Scope",
    "SearchReport",
    "Setting",
    "SingleBlockPoint",
    "Statement",
    "Step",
    "StepCounterexample",
    "Surd",
    "Theorem",
    "Tolerance",
    "Verdict",
    "VerifyError",
    "__version__",
    "activation",
    "all_of",
    "any_of",
    "best_linear_predictor",
    "catalogue_premises",
    "cell_lines",
    "cells_cover",
    "certify_cell",
    "certify_critical_point",
    "certify_local_minimum",
    "certify_negative_curvature",
    "check",
    "check_proof",
    "classify",
    "combine",
    "conclude",
    "conclusion_branch",
    "conjunction",
    "det",
    "dot",
    "evaluate",
    "evidence",
    "exact_array",
    "exact_hessian",
    "exact_risk",
    "exact_text",
    "feature_minimiser",
    "feature_pencil",
    "first_disagreement",
    "fmt_vector",
    "fully_connected",
    "gram",
    "implies",
    "instance_to_json",
    "kink_cells",
    "least_squares",
    "linear_predictor",
    "linear_risk",
    "load_instance",
    "loss",
    "loss_from_spec",
    "matrix_identity",
    "matrix_inertia",
    "min_pencil_root",
    "model_from_spec",
    "model_risk",
    "negative_control",
    "negative_control_search",
    "no_point_below",
    "nonnegative_coefficients",
    "objective_of",
    "parse_instance",
    "pencil_kernel",
    "pencil_root_error",
    "polya_form",
    "polynomial_sign",
    "probe_betas",
    "replay",
    "report_line",
    "resnet",
    "run_script",
    "search_counterexamples",
    "search_summary",
    "single_block_point",
    "solve",
    "sympy_identity",
    "sympy_nonnegative",
    "theorem",
    "theorems_hold",
    "to_fraction",
    "with_params",
]
