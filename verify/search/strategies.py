"""Hypothesis strategies and settings profiles (public: import them in your own tests).

Strategies are constructive (no ``assume``/``filter``) and bounded, so
shrinking works and numeric code never sees NaN, infinities or subnormals:
``rationals``, ``activations``, ``residual_blocks``, ``models``, ``datasets``,
``parameter_points``. Profiles ``dev``, ``ci`` and ``deep`` are shared by the
test suite and the ``search`` command.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from verify.catalogue.activations import NAMES as ACTIVATION_NAMES
from verify.catalogue.activations import activation
from verify.models import DenseLayer, Model, ResidualBlock

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


def rationals(max_abs: int = 3, max_denominator: int = 8) -> st.SearchStrategy[Fraction]:
    """Small rationals ``p/q`` with ``|p/q| <= max_abs`` and ``q <= max_denominator``."""
    return st.builds(
        lambda q, p: Fraction(p, q),
        st.integers(1, max_denominator),
        st.integers(-max_abs * max_denominator, max_abs * max_denominator),
    ).map(lambda v: v if abs(v) <= max_abs else Fraction(max_abs) * (1 if v > 0 else -1))


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
) -> ResidualBlock:
    """One residual block for state dimension ``d_x`` (Yun form: no U in block 1)."""
    act = draw(activations(acts))
    proj = None if first else draw(st.one_of(st.none(), st.integers(1, max_width)))
    hidden = tuple(draw(st.lists(st.integers(1, max_width), max_size=max_hidden)))
    out = True
    if draw(st.booleans()) and (hidden[-1] if hidden else (proj or d_x)) == d_x:
        out = False
    return ResidualBlock(act, proj, hidden, draw(st.booleans()), out)


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
) -> Model:
    """Small model specifications; constructive (no filtering), bounded in size."""
    kind = draw(st.sampled_from(kinds))
    d_in = draw(st.integers(1, max_d_in))
    intercept = draw(st.booleans())
    d_out = draw(st.integers(1, max_d_out))
    d_x = d_in + int(intercept)
    stages: list[Any] = []
    if kind == "resnet":
        for i in range(draw(st.integers(1, max_blocks))):
            stages.append(draw(residual_blocks(d_x, first=i == 0, acts=acts, max_width=max_width)))
    elif kind == "fully_connected":
        for _ in range(draw(st.integers(1, max_blocks))):
            stages.append(
                DenseLayer(
                    draw(activations(acts)), draw(st.integers(1, max_width)), draw(st.booleans())
                )
            )
    model = Model(d_in, tuple(stages), d_out, intercept, kind != "linear" and draw(st.booleans()))
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
    from verify.data import Dataset

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


def _rows(draw: st.DrawFn, n: int, d: int, max_abs: int = 3) -> list[list[Fraction]]:
    num = rationals(max_abs, 4)
    return [[draw(num) for _ in range(d)] for _ in range(n)]


@st.composite
def search_cases(
    draw: st.DrawFn, theorem_id: str, dropped: tuple[str, ...] = ()
) -> tuple[Any, np.ndarray]:
    """``(instance, start)`` pairs for the search of one theorem.

    Built so that structural premises hold by construction: Y1 instances have
    ``sum_{l>=2} m_l < d_x`` (premise 2), single-block theorems have L = 1, K2
    instances have parameter-free features and d_y <= d_x, K3 has d_y > d_x,
    FC1 instances are small fully-connected ReLU nets with an output bias.
    For a weakened theorem the instances make the *dropped* premise fail where
    that can be arranged structurally (otherwise probing it would be vacuous):
    without ``column_space``, later blocks get full projections (``U = I``);
    without ``full_rank_hL``, there are fewer samples than dimensions.
    Sizes stay tiny (P <= 30, n <= 10) so the search is fast.
    """
    from verify.catalogue.losses import loss
    from verify.data import Dataset
    from verify.io.instances import Instance
    from verify.models import Model, fully_connected

    tid = theorem_id.upper()
    smooth = ("tanh", "softplus", "sigmoid")
    if tid in ("Y1", "Y2", "S1"):
        d_in = draw(st.integers(2, 3))
        act = activation(draw(st.sampled_from((*smooth, "relu"))))
        k = draw(st.integers(1, 2))
        blocks = [ResidualBlock(act, None, (k,), draw(st.booleans()))]
        if tid == "Y1" and "column_space" in dropped:
            blocks.append(ResidualBlock(act, None, (), False))  # U_2 = I spans R^d_x
        elif tid == "Y1":
            budget = d_in - 1
            while budget > 0 and len(blocks) < 3 and draw(st.booleans()):
                m = draw(st.integers(1, budget))
                budget -= m
                blocks.append(ResidualBlock(act, m, (), False))
        model = Model(d_in, tuple(blocks))
        if "full_rank_hL" in dropped:  # rank E[l'' h h^T] <= n < d_x
            n = draw(st.integers(1, d_in - 1))
        else:
            n = draw(st.integers(d_in + 1, 8))
        y: Any = [draw(rationals(3, 4)) for _ in range(n)]
    elif tid in ("K2", "K3"):
        d_in = 1 if tid == "K3" else draw(st.integers(1, 2))
        d_out = 2 if tid == "K3" else draw(st.integers(1, d_in))
        act = activation(draw(st.sampled_from(("square", "tanh", "softplus"))))
        model = Model(d_in, (ResidualBlock(act),), d_out)
        n = draw(st.integers(3, 7))
        y = [
            [draw(rationals(3, 4)) for _ in range(d_out)] if d_out > 1 else draw(rationals(3, 4))
            for _ in range(n)
        ]
    elif tid == "FC1":
        d_in = 1
        model = fully_connected(1, [draw(st.integers(1, 2))], "relu")
        n = draw(st.integers(3, 7))
        slope = draw(rationals(2, 2))
        y = None
    else:
        raise ValueError(f"no search strategy for theorem {theorem_id!r}")
    x = _rows(draw, n, d_in)
    if y is None:  # linear trend plus bounded noise: linear predictors are good here
        y = [slope * r[0] + draw(rationals(1, 4)) for r in x]
    data = Dataset(np.array(x, dtype=object), np.array(y, dtype=object))
    inst = Instance(loss("squared"), data, model)
    scale = draw(st.sampled_from((0.5, 1.0, 2.0)))
    start = np.array([float(draw(rationals(2, 4))) * scale for _ in range(model.n_params)])
    if tid == "FC1" and draw(st.booleans()):
        # start some units dead on the data: bias below -|u| * max|x|
        named = model.unpack(start)
        xmax = max(abs(float(v)) for row in x for v in row)
        a, b = named["layers[0].A"], named["layers[0].b"]
        b[:] = -(np.abs(a[:, 0]) * xmax + 1.0)
        start = model.pack(named)
    return inst, start
