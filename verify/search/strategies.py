"""Hypothesis strategies and settings profiles (public: import them in your own tests).

Strategies are constructive (no ``assume``/``filter``) and bounded, so
shrinking works and numeric code never sees NaN, infinities or subnormals:
``rationals``, ``activations``, ``residual_blocks``, ``models``, ``datasets``,
``parameter_points``. Profiles ``dev``, ``ci`` and ``deep`` are shared by the
test suite and the ``search`` command.
"""

from __future__ import annotations

import os
from typing import Any, cast

import numpy as np
from hypothesis import HealthCheck, reject, settings
from hypothesis import strategies as st

from verify.catalogue.activations import NAMES as ACTIVATION_NAMES
from verify.catalogue.activations import activation
from verify.data import Dataset
from verify.errors import InvalidInput
from verify.models import DenseLayer, Model, ResidualBlock
from verify.theorems.cases import rationals
from verify.theorems.core import Theorem
from verify.theorems.setting import Setting

PROFILES = ("dev", "ci", "deep")


def register_profiles() -> None:
    """Register the ``dev``, ``ci`` and ``deep`` profiles (does not load one).

    Registering twice is harmless (the definitions are identical). Loading is
    the test suite's choice (``tests/conftest.py``, ``--hypothesis-profile``);
    the ``search`` command reads a profile with ``settings.get_profile``.
    """
    common = settings(
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )
    settings.register_profile("dev", common, max_examples=25)
    settings.register_profile("ci", common, max_examples=30, derandomize=True, database=None)
    settings.register_profile("deep", common, max_examples=2000)


def default_profile() -> str:
    """``ci`` when the environment variable ``CI`` is set, else ``dev``."""
    return "ci" if os.environ.get("CI") else "dev"


# ---- building blocks: numbers, models, data, parameter points ---------------


EXACT_ACTIVATIONS = ("relu", "leaky_relu", "identity", "square")
SMOOTH_ACTIVATIONS = ("tanh", "sigmoid", "softplus", "identity", "square")


def activations(names: tuple[str, ...] = ACTIVATION_NAMES) -> st.SearchStrategy[Any]:
    """Activation objects drawn from ``names`` (leaky slope 1/10)."""
    return st.sampled_from(names).map(
        lambda n: activation(n, "1/10") if n == "leaky_relu" else activation(n)
    )


@st.composite
def residual_blocks(
    draw: st.DrawFn,
    d_x: int,
    *,
    first: bool,
    acts: tuple[str, ...] = ACTIVATION_NAMES,
    max_width: int = 3,
    max_hidden: int = 2,
    out: bool | None = None,
    proj: bool | None = None,
    hidden: bool | None = None,
    bias: bool | None = None,
) -> ResidualBlock:
    """One residual block for state dimension ``d_x``.

    The block form is drawn unless fixed: ``out`` (a trainable V), ``proj`` (a
    trainable U; never in the first block of the Yun form, whatever is asked),
    ``hidden`` (hidden layers in phi) and ``bias``. ``None`` draws the choice.
    """
    act = draw(activations(acts))
    want_proj = draw(st.booleans()) if proj is None else proj
    p = None if first or not want_proj else draw(st.integers(1, max_width))
    want_hidden = draw(st.booleans()) if hidden is None else hidden
    widths = (
        tuple(draw(st.lists(st.integers(1, max_width), min_size=1, max_size=max_hidden)))
        if want_hidden
        else ()
    )
    b = draw(st.booleans()) if bias is None else bias
    last = widths[-1] if widths else (p or d_x)
    # without V the block's output must already have d_x rows
    o = not (last == d_x and draw(st.booleans())) if out is None else out
    if not o and last != d_x:
        widths = (*widths[:-1], d_x) if widths else widths
        if not widths and p is not None:
            p = d_x
    return ResidualBlock(act, p, widths, b, o)


# what each known requirement of a setting means for generation
_KNOBS: dict[str, dict[str, Any]] = {
    "residual_network": {"kinds": ("resnet",)},
    "fully_connected_network": {"kinds": ("fully_connected",)},
    "scalar_output": {"max_d_out": 1},
    "no_output_bias": {"output_bias": False},
    "trainable_V": {"out": True},
    "projections": {"proj": True},
    "single_block": {"max_blocks": 1},
    "parameter_free_features": {"proj": False, "hidden": False, "bias": False},
}


@st.composite
def models(
    draw: st.DrawFn,
    *,
    kinds: tuple[str, ...] = ("resnet", "fully_connected", "linear"),
    acts: tuple[str, ...] = ACTIVATION_NAMES,
    max_d_in: int = 3,
    max_blocks: int = 3,
    max_width: int = 3,
    max_d_out: int = 1,
    max_params: int = 40,
    setting: Setting | None = None,
) -> Model:
    """Small model specifications; constructive (no filtering), bounded in size.

    With ``setting`` (e.g. ``theorem.setting``) every model drawn lies inside it:
    the setting's known requirements fix the kind and the block form (trainable
    V, projections, parameter-free features, scalar output, no output bias, one
    block). Requirements the strategy does not know are enforced by filtering.
    """
    knobs: dict[str, Any] = {}
    for req in setting.requirements if setting is not None else ():
        knobs.update(_KNOBS.get(req.name, {}))
    kinds = knobs.get("kinds", kinds)
    max_d_out = min(max_d_out, knobs.get("max_d_out", max_d_out))
    max_blocks = min(max_blocks, knobs.get("max_blocks", max_blocks))
    form = {k: knobs[k] for k in ("out", "proj", "hidden", "bias") if k in knobs}
    kind = draw(st.sampled_from(kinds))
    d_in = draw(st.integers(1, max_d_in))
    intercept = draw(st.booleans())
    d_out = draw(st.integers(1, max_d_out))
    d_x = d_in + int(intercept)
    stages: list[Any] = []
    if kind == "resnet":
        for i in range(draw(st.integers(1, max_blocks))):
            block = residual_blocks(d_x, first=i == 0, acts=acts, max_width=max_width, **form)
            stages.append(draw(block))
    elif kind == "fully_connected":
        for _ in range(draw(st.integers(1, max_blocks))):
            stages.append(
                DenseLayer(
                    draw(activations(acts)), draw(st.integers(1, max_width)), draw(st.booleans())
                )
            )
    bias = knobs.get("output_bias", kind != "linear" and draw(st.booleans()))
    model = Model(d_in, tuple(stages), d_out, intercept, bias)
    while model.n_params > max_params and len(model.stages) > 1:
        model = Model(d_in, model.stages[:-1], d_out, intercept, model.output_bias)
    if model.n_params > max_params and model.stages:
        first = model.stages[0]
        small: Any = (
            ResidualBlock(first.activation)
            if isinstance(first, ResidualBlock)
            else DenseLayer(first.activation, 1, False)
        )
        model = Model(d_in, (small,), d_out, intercept, model.output_bias)
    if setting is not None:
        unknown = [r for r in setting.requirements if r.about == "model" and r.name not in _KNOBS]
        bad = [r.name for r in unknown if r.test(model, None) is not None]
        if bad:
            reject()  # a user's requirement this strategy cannot construct for
    return model


@st.composite
def datasets(
    draw: st.DrawFn,
    d_in: int,
    d_out: int = 1,
    *,
    min_n: int = 1,
    max_n: int = 6,
    max_abs: int = 3,
) -> Any:
    """Rational datasets: a :class:`verify.Dataset` (``.x`` rows are samples, ``.y`` labels)."""
    n = draw(st.integers(min_n, max_n))
    num = rationals(max_abs)
    x = [[draw(num) for _ in range(d_in)] for _ in range(n)]
    y = [draw(num) if d_out == 1 else [draw(num) for _ in range(d_out)] for _ in range(n)]
    return Dataset(np.array(x, dtype=object), np.array(y, dtype=object))


def parameter_points(model: Model, max_abs: int = 2) -> st.SearchStrategy[np.ndarray]:
    """Rational parameter vectors for ``model``."""
    return st.lists(rationals(max_abs), min_size=model.n_params, max_size=model.n_params).map(
        lambda v: np.array(v, dtype=object)
    )


# ---- instances for the search ---------------------------------------------------


def search_cases(theorem: Theorem) -> st.SearchStrategy[tuple[Any, np.ndarray]]:
    """``(instance, start)`` pairs for the search of ``theorem``: its own cases.

    Every theorem declares the strategy of its search (:attr:`Theorem.cases`),
    inside its setting by construction; for a weakened theorem the cases make
    the dropped premise fail where that can be arranged structurally.
    """
    if theorem.cases is None:
        raise InvalidInput(
            f"theorem {theorem.label!r} has no search cases; build it with "
            "Theorem(..., cases=my_strategy) where my_strategy(theorem) returns a Hypothesis "
            "strategy of (instance, start) pairs."
        )
    return cast(st.SearchStrategy[tuple[Any, np.ndarray]], theorem.cases(theorem))
