r"""The setting of a theorem, as data: the class of models and losses it is about.

A theorem speaks only inside its setting (DESIGN.md honesty rule 9). A
:class:`Setting` is a named list of :class:`Requirement`\ s, each a statement
and a test on ``(model, loss)`` that returns ``None`` when it is met or a
sentence saying how the instance departs from it. :func:`Setting.check` runs
before anything else is computed; outside the setting the answer is the typed
refusal :class:`~verify.errors.NotApplicable` ("does not apply"), never a
verdict. Search strategies draw inside the setting by construction, and a test
asserts it for every theorem of the catalogue.

The requirements used by the seed papers are defined here once and shared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from verify.errors import NotApplicable
from verify.models import DenseLayer, Model, ResidualBlock

Test = Callable[[Model, Any], "str | None"]


@dataclass(frozen=True)
class Requirement:
    """One checkable part of a setting: ``test(model, loss)`` is ``None`` when it holds."""

    name: str
    statement: str
    test: Test = field(repr=False, compare=False)
    about: str = "model"  # "model" or "loss": what the test looks at


@dataclass(frozen=True)
class Setting:
    """The model class a theorem is about: a name and its requirements."""

    name: str
    requirements: tuple[Requirement, ...]

    def violations(self, model: Model, loss: Any) -> list[tuple[str, str]]:
        """``(requirement, why)`` for every requirement the instance does not meet."""
        out = []
        for req in self.requirements:
            why = req.test(model, loss)
            if why is not None:
                out.append((req.name, why))
                if req.name in _GATES:  # later requirements assume this one
                    break
        return out

    def admits(self, model: Model, loss: Any) -> bool:
        return not self.violations(model, loss)

    def check(self, model: Model, loss: Any, theorem_id: str) -> None:
        """Raise :class:`NotApplicable` naming the first violated requirement."""
        bad = self.violations(model, loss)
        if bad:
            name, why = bad[0]
            raise NotApplicable(
                f"theorem {theorem_id} does not apply to this model: setting {self.name!r} "
                f"requires {name} ({why}); see 'resnet-verify check --list'."
            )

    def describe(self) -> list[str]:
        return [f"{r.name}: {r.statement}" for r in self.requirements]


# ---- shared requirements ------------------------------------------------------------

# requirements whose failure makes the later ones meaningless (e.g. "is a ResNet")
_GATES = {"residual_network", "fully_connected_network"}


def _blocks(model: Model) -> list[ResidualBlock]:
    return [st for st in model.stages if isinstance(st, ResidualBlock)]


def _residual(model: Model, loss: Any) -> str | None:
    if model.kind != "resnet":
        return f"the model is {model.kind!r}"
    return None


def _dense(model: Model, loss: Any) -> str | None:
    if model.kind != "fully_connected" or not all(isinstance(s, DenseLayer) for s in model.stages):
        return f"the model is {model.kind!r}"
    return None


def _scalar(model: Model, loss: Any) -> str | None:
    return None if model.d_out == 1 else f"d_out = {model.d_out}"


def _no_output_bias(model: Model, loss: Any) -> str | None:
    return "output_bias is true (use intercept: true instead)" if model.output_bias else None


def _trainable_v(model: Model, loss: Any) -> str | None:
    bad = [i for i, b in enumerate(model.stages) if isinstance(b, ResidualBlock) and not b.out]
    return f"block {bad[0]} has out: false (no V)" if bad else None


def _projections(model: Model, loss: Any) -> str | None:
    bad = [i for i, b in enumerate(model.stages) if i > 0 and getattr(b, "proj", 0) is None]
    return f"block {bad[0]} has no proj (U fixed to I, not trainable)" if bad else None


def _readout(model: Model, loss: Any) -> str | None:
    return None if model.readout else "the model has no output layer (readout: false)"


def _single(model: Model, loss: Any) -> str | None:
    return None if len(model.stages) == 1 else f"L = {len(model.stages)} blocks"


def _loss_convex(model: Model, loss: Any) -> str | None:
    return None if loss.convex else f"loss {loss.label!r} is not convex"


def _parameter_free_features(model: Model, loss: Any) -> str | None:
    st = model.stages[0] if model.stages else None
    if not isinstance(st, ResidualBlock):
        return "there is no residual block"
    if st.proj is not None or st.hidden or st.bias:
        return "the block has proj, hidden layers or a bias"
    return None


RESIDUAL = Requirement("residual_network", "the model is a residual network", _residual)
DENSE = Requirement(
    "fully_connected_network", "the model is a fully-connected network (no skips)", _dense
)
SCALAR_OUTPUT = Requirement("scalar_output", "scalar output f = w^T h_L (d_out = 1)", _scalar)
NO_OUTPUT_BIAS = Requirement("no_output_bias", "no output bias c", _no_output_bias)
TRAINABLE_V = Requirement(
    "trainable_V", "every block has a trainable V_l (out: true)", _trainable_v
)
PROJECTIONS = Requirement(
    "projections", "every block l >= 2 has a trainable projection U_l (proj set)", _projections
)
READOUT = Requirement("readout", "an output layer w / W (readout: true)", _readout)
SINGLE_BLOCK = Requirement("single_block", "exactly one residual block (L = 1)", _single)
LOSS_CONVEX = Requirement(
    "convex_loss", "the loss l(p; y) is convex in p", _loss_convex, about="loss"
)
PARAMETER_FREE = Requirement(
    "parameter_free_features",
    "features z(x) = sigma(x) without parameters (no proj, hidden layers or bias)",
    _parameter_free_features,
)

YUN = Setting(
    "Yun form (Y0)",
    (RESIDUAL, READOUT, SCALAR_OUTPUT, NO_OUTPUT_BIAS, TRAINABLE_V, PROJECTIONS, LOSS_CONVEX),
)
SINGLE_BLOCK_RESNET = Setting(
    "single-block ResNet w^T(x + V F(x)) (S0)",
    (RESIDUAL, READOUT, SINGLE_BLOCK, SCALAR_OUTPUT, NO_OUTPUT_BIAS, TRAINABLE_V, LOSS_CONVEX),
)
KAWAGUCHI_BENGIO = Setting(
    "Kawaguchi-Bengio form W(x + V z(x)) (K0), parameter-free z",
    (RESIDUAL, READOUT, SINGLE_BLOCK, TRAINABLE_V, NO_OUTPUT_BIAS, PARAMETER_FREE, LOSS_CONVEX),
)
FULLY_CONNECTED = Setting(
    "fully-connected network, scalar output",
    (DENSE, SCALAR_OUTPUT, LOSS_CONVEX),
)

ANY_MODEL = Setting("any model", ())
