"""resnet-verify: computer checks of optimization-landscape theorems about ResNets.

The public API is what this module exports; everything else is internal.
"""

from importlib.metadata import PackageNotFoundError, version

from verify.activations import Activation as Activation
from verify.activations import activation as activation
from verify.arith import Arithmetic as Arithmetic
from verify.baseline import Baseline as Baseline
from verify.baseline import best_linear_predictor as best_linear_predictor
from verify.certify import Box as Box
from verify.certify import Inertia as Inertia
from verify.certify import certify_critical_point as certify_critical_point
from verify.certify import certify_local_minimum as certify_local_minimum
from verify.certify import certify_negative_curvature as certify_negative_curvature
from verify.certify import matrix_inertia as matrix_inertia
from verify.check import CheckResult as CheckResult
from verify.check import check as check
from verify.claims import Claim as Claim
from verify.conditions import Context as Context
from verify.errors import BackendError as BackendError
from verify.errors import InvalidInput as InvalidInput
from verify.errors import MalformedTheorem as MalformedTheorem
from verify.errors import VerifyError as VerifyError
from verify.instances import Instance as Instance
from verify.instances import instance_to_json as instance_to_json
from verify.instances import load_instance as load_instance
from verify.instances import parse_instance as parse_instance
from verify.landscape import Dataset as Dataset
from verify.landscape import Landscape as Landscape
from verify.landscape import Objective as Objective
from verify.losses import Loss as Loss
from verify.losses import loss as loss
from verify.losses import loss_from_spec as loss_from_spec
from verify.models import Model as Model
from verify.models import fully_connected as fully_connected
from verify.models import linear_predictor as linear_predictor
from verify.models import model_from_spec as model_from_spec
from verify.models import resnet as resnet
from verify.network import Network as Network
from verify.proof import Proof as Proof
from verify.proof import ProofReport as ProofReport
from verify.proof import Step as Step
from verify.proof import check_proof as check_proof
from verify.records import Replay as Replay
from verify.records import replay as replay
from verify.search import SearchReport as SearchReport
from verify.search import search as search
from verify.search import search_sharded as search_sharded
from verify.symbolic import closed_form as closed_form
from verify.symbolic import closed_form_risk as closed_form_risk
from verify.theorem import Condition as Condition
from verify.theorem import Report as Report
from verify.theorem import Theorem as Theorem
from verify.theorem import evaluate as evaluate
from verify.theorems import THEOREMS as THEOREMS
from verify.theorems import theorem as theorem
from verify.tolerances import Tolerance as Tolerance
from verify.verdict import Evidence as Evidence
from verify.verdict import Method as Method
from verify.verdict import Verdict as Verdict
from verify.verdict import all_of as all_of
from verify.verdict import any_of as any_of
from verify.verdict import implies as implies

try:
    __version__ = version("resnet-verify")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"
