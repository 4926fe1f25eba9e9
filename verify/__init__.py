"""resnet-verify: computer checks of optimization-landscape theorems about ResNets.

The public API is ``__all__``; subpackages follow the data flow (instance →
objective → critical point → premises + baseline → conclusion → verdict →
report) and are importable for advanced use, but only the names below are
promised to stay.
"""

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
from verify.data import Dataset
from verify.errors import (
    BackendError,
    InvalidInput,
    MalformedTheorem,
    NotApplicable,
    VerifyError,
)
from verify.io.instances import Instance, instance_to_json, load_instance, parse_instance
from verify.io.records import Replay, replay
from verify.models import Model, fully_connected, linear_predictor, model_from_spec, resnet
from verify.numbers import Arithmetic
from verify.objectives import Landscape, Objective
from verify.pipeline import CheckResult, check
from verify.proofkit.claims import Claim
from verify.proofkit.steps import (
    Proof,
    ProofReport,
    Step,
    check_proof,
    combine,
    conclude,
    sympy_identity,
    sympy_nonnegative,
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
    "THEOREMS",
    "Activation",
    "Arithmetic",
    "BackendError",
    "Baseline",
    "Box",
    "CheckResult",
    "Claim",
    "Classification",
    "Condition",
    "Dataset",
    "Evidence",
    "Inertia",
    "Instance",
    "InvalidInput",
    "Landscape",
    "Loss",
    "MalformedTheorem",
    "Method",
    "Model",
    "NotApplicable",
    "Objective",
    "Proof",
    "ProofReport",
    "Replay",
    "Report",
    "Requirement",
    "SearchReport",
    "Setting",
    "Step",
    "Theorem",
    "Tolerance",
    "Verdict",
    "VerifyError",
    "__version__",
    "activation",
    "all_of",
    "any_of",
    "best_linear_predictor",
    "certify_critical_point",
    "certify_local_minimum",
    "certify_negative_curvature",
    "check",
    "check_proof",
    "classify",
    "combine",
    "conclude",
    "evaluate",
    "fully_connected",
    "implies",
    "instance_to_json",
    "linear_predictor",
    "load_instance",
    "loss",
    "loss_from_spec",
    "matrix_inertia",
    "model_from_spec",
    "parse_instance",
    "replay",
    "resnet",
    "search_counterexamples",
    "sympy_identity",
    "sympy_nonnegative",
    "theorem",
]
