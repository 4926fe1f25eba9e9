"""resnet-verify: computer checks of optimization-landscape theorems about ResNets."""

from importlib.metadata import PackageNotFoundError, version

from verify.activations import Activation as Activation
from verify.activations import activation as activation
from verify.arith import Arithmetic as Arithmetic
from verify.errors import BackendError as BackendError
from verify.errors import InvalidInput as InvalidInput
from verify.errors import MalformedTheorem as MalformedTheorem
from verify.errors import VerifyError as VerifyError
from verify.landscape import Dataset as Dataset
from verify.landscape import Landscape as Landscape
from verify.landscape import Objective as Objective
from verify.losses import Loss as Loss
from verify.losses import loss as loss
from verify.models import Model as Model
from verify.models import fully_connected as fully_connected
from verify.models import linear_predictor as linear_predictor
from verify.models import model_from_spec as model_from_spec
from verify.models import resnet as resnet
from verify.network import Network as Network
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
