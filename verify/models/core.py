r"""Architectures as data: specifications, validation and parameter layout.

Every supported model is a stack of *stages* acting on a state ``h`` (starting
at ``h_0 = x``, with a constant 1 appended when ``intercept=True``), followed
by a linear output:

* residual block (Yun et al. Y0, Shamir S0, Kawaguchi--Bengio K0):
  ``h <- h + V phi(U h)``; ``U`` is present only when ``proj`` (= m_l) is set
  (Yun's block 1 has none), ``V`` only when ``out=True`` (the near-identity form
  ``h <- h + phi(h)`` has none). ``phi`` is a feed-forward network: with hidden
  widths ``(k_1, ..., k_r)``, ``a_j = sigma(A_j a_{j-1} + b_j)``; with no hidden
  widths ``phi(z) = sigma(z + b)`` (``b`` only if ``bias``);
* dense layer (fully-connected network without skips): ``h <- sigma(A h + b)``;
* output: ``f = w^T h`` (``d_out = 1``) or ``f = W h`` (``d_out > 1``), plus a
  scalar/vector offset ``c`` when ``output_bias=True``; or, with
  ``readout=False`` (residual networks only), no output layer at all: ``f = h_L``
  (``d_out = d_in``, no intercept, no output bias), e.g. Hardt & Ma's linear
  ResNets ``h = (I + V_L) ... (I + V_1) x`` (identity blocks).

A linear predictor is the model with no stages.

Parameter layout (stable, documented): stages in order, then the output.
Within a residual block: ``U``, then for each hidden layer ``A_j`` and ``b_j``
(or the single ``b`` if there are no hidden widths), then ``V``. Within a dense
layer: ``A``, ``b``. Output: ``w``/``W``, then ``c`` (none without a readout).
Matrices are flattened row-major. Parameter names look like ``blocks[1].U``, ``blocks[0].phi[0].A``,
``layers[0].b``, ``w``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from verify.catalogue.activations import Activation, activation
from verify.errors import InvalidInput

MAX_WIDTH = 4096
MAX_STAGES = 256


@dataclass(frozen=True)
class ResidualBlock:
    """``h <- h + V phi(U h)``; see the module docstring."""

    activation: Activation
    proj: int | None = None
    hidden: tuple[int, ...] = ()
    bias: bool = False
    out: bool = True


@dataclass(frozen=True)
class DenseLayer:
    """``h <- sigma(A h + b)``."""

    activation: Activation
    width: int
    bias: bool = True


Stage = ResidualBlock | DenseLayer


@dataclass(frozen=True)
class ParamBlock:
    """One named parameter array inside the flat vector."""

    name: str
    shape: tuple[int, ...]
    offset: int

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def stop(self) -> int:
        return self.offset + self.size


@dataclass(frozen=True)
class Model:
    """A network specification. Build it with :func:`resnet`, :func:`fully_connected`,
    :func:`linear_predictor` or :func:`model_from_spec`; it validates on construction.

    Attributes:
        d_in: input dimension of the data (before the optional intercept).
        stages: residual blocks or dense layers, in order.
        d_out: output dimension (1: ``f = w^T h``; > 1: ``f = W h``).
        intercept: append a constant 1 to every input.
        output_bias: add a trainable offset ``c`` to the output.
        readout: ``False``: no output layer, ``f = h_L`` (residual networks with
            ``d_out = d_in``, no intercept and no output bias).
    """

    d_in: int
    stages: tuple[Stage, ...] = ()
    d_out: int = 1
    intercept: bool = False
    output_bias: bool = False
    readout: bool = True
    layout: tuple[ParamBlock, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_int("d_in", self.d_in)
        _check_int("d_out", self.d_out)
        if len(self.stages) > MAX_STAGES:
            raise InvalidInput(f"len(stages)={len(self.stages)} exceeds {MAX_STAGES}.")
        kinds = {type(s) for s in self.stages}
        if len(kinds) > 1:
            raise InvalidInput(
                "stages mix residual blocks and dense layers; use one kind per model."
            )
        width = self.d_x
        for i, st in enumerate(self.stages):
            width = _check_stage(i, st, width, self.d_x)
        if not isinstance(self.readout, bool):
            raise InvalidInput(f"readout={self.readout!r} must be true or false.")
        if not self.readout:
            _check_no_readout(self)
        object.__setattr__(self, "layout", tuple(_layout(self)))

    # ---- derived facts -------------------------------------------------
    @property
    def d_x(self) -> int:
        """Dimension of the network input (``d_in`` + 1 with an intercept)."""
        return self.d_in + (1 if self.intercept else 0)

    @property
    def kind(self) -> str:
        """``"resnet"``, ``"fully_connected"`` or ``"linear"``."""
        if not self.stages:
            return "linear"
        return "resnet" if isinstance(self.stages[0], ResidualBlock) else "fully_connected"

    @property
    def width_out(self) -> int:
        """Dimension of the last state ``h_L`` fed to the output layer."""
        if self.kind == "fully_connected":
            return self.stages[-1].width  # type: ignore[union-attr]
        return self.d_x

    @property
    def n_params(self) -> int:
        return self.layout[-1].stop if self.layout else 0

    def param(self, name: str) -> ParamBlock:
        """The parameter block called ``name``."""
        for p in self.layout:
            if p.name == name:
                return p
        raise InvalidInput(
            f"parameter {name!r} does not exist; "
            f"available: {', '.join(p.name for p in self.layout)}."
        )

    # ---- pack / unpack -------------------------------------------------
    def unpack(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Split a flat parameter vector into named arrays (views)."""
        theta = np.asarray(theta)
        if theta.shape != (self.n_params,):
            raise InvalidInput(
                f"theta has shape {theta.shape}; expected ({self.n_params},) for this model."
            )
        return {p.name: theta[p.offset : p.stop].reshape(p.shape) for p in self.layout}

    def pack(self, params: Mapping[str, Any], dtype: Any = np.float64) -> np.ndarray:
        """Flatten named arrays into one vector; every parameter must be given."""
        missing = [p.name for p in self.layout if p.name not in params]
        extra = sorted(set(params) - {p.name for p in self.layout})
        if missing or extra:
            raise InvalidInput(
                f"params must name exactly the model's parameters; missing {missing}, "
                f"unexpected {extra}."
            )
        out = np.empty(self.n_params, dtype=dtype)
        for p in self.layout:
            arr = np.asarray(params[p.name], dtype=dtype)
            if arr.shape != p.shape:
                raise InvalidInput(f"params[{p.name!r}] has shape {arr.shape}; expected {p.shape}.")
            out[p.offset : p.stop] = arr.reshape(-1)
        return out

    def augment(self, x: np.ndarray, one: Any = 1.0) -> np.ndarray:
        """Append the intercept column (if enabled) to data rows ``x`` (n × d_in)."""
        if not self.intercept:
            return x
        col = np.empty((x.shape[0], 1), dtype=x.dtype)
        col.fill(one)
        return np.concatenate([x, col], axis=1)

    def spec(self) -> dict[str, Any]:
        """JSON form accepted by :func:`model_from_spec`."""
        return _spec(self)


def _check_int(name: str, value: Any, low: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise InvalidInput(f"{name}={value!r} must be an integer >= {low}.")
    if value > MAX_WIDTH:
        raise InvalidInput(f"{name}={value!r} is absurdly large; the limit is {MAX_WIDTH}.")


def _check_stage(i: int, st: Stage, width: int, d_x: int) -> int:
    if isinstance(st, DenseLayer):
        _check_int(f"layers[{i}].width", st.width)
        return st.width
    if not isinstance(st, ResidualBlock):
        raise InvalidInput(f"stages[{i}]={st!r} must be a ResidualBlock or DenseLayer.")
    if st.proj is not None:
        _check_int(f"blocks[{i}].proj", st.proj)
    for j, k in enumerate(st.hidden):
        _check_int(f"blocks[{i}].hidden[{j}]", k)
    n_l = st.hidden[-1] if st.hidden else (st.proj if st.proj is not None else d_x)
    if not st.out and n_l != d_x:
        raise InvalidInput(
            f"blocks[{i}] has no V (out=false), so phi must return {d_x} values, "
            f"but it returns {n_l}; set out=true or make the last hidden width {d_x}."
        )
    return d_x


def _check_no_readout(model: Model) -> None:
    """``readout=False``: ``f = h_L`` must be a residual network's state of width d_out."""
    if model.kind != "resnet":
        raise InvalidInput(
            f"readout=False is only for residual networks, but the model is {model.kind!r}; "
            "add residual blocks or set readout=true."
        )
    if model.intercept or model.output_bias:
        raise InvalidInput(
            f"readout=False with intercept={model.intercept!r}, "
            f"output_bias={model.output_bias!r}: without an output layer f = h_L, so neither "
            "is allowed; set both to false."
        )
    if model.d_out != model.d_in:
        raise InvalidInput(
            f"readout=False with d_out={model.d_out!r}: f = h_L has d_in = {model.d_in} "
            f"entries; set d_out to {model.d_in}."
        )


def _layout(model: Model) -> list[ParamBlock]:
    out: list[ParamBlock] = []

    def add(name: str, shape: tuple[int, ...]) -> None:
        offset = out[-1].stop if out else 0
        out.append(ParamBlock(name, shape, offset))

    width = model.d_x
    for i, st in enumerate(model.stages):
        if isinstance(st, DenseLayer):
            add(f"layers[{i}].A", (st.width, width))
            if st.bias:
                add(f"layers[{i}].b", (st.width,))
            width = st.width
            continue
        z = width
        if st.proj is not None:
            add(f"blocks[{i}].U", (st.proj, width))
            z = st.proj
        for j, k in enumerate(st.hidden):
            add(f"blocks[{i}].phi[{j}].A", (k, z))
            if st.bias:
                add(f"blocks[{i}].phi[{j}].b", (k,))
            z = k
        if not st.hidden and st.bias:
            add(f"blocks[{i}].b", (z,))
        if st.out:
            add(f"blocks[{i}].V", (width, z))
    if not model.readout:
        return out
    if model.d_out == 1:
        add("w", (width,))
        if model.output_bias:
            add("c", ())
    else:
        add("W", (model.d_out, width))
        if model.output_bias:
            add("c", (model.d_out,))
    return out


# ---- constructors ---------------------------------------------------------


def resnet(
    d_in: int,
    blocks: Sequence[Mapping[str, Any] | ResidualBlock],
    *,
    d_out: int = 1,
    intercept: bool = False,
    output_bias: bool = False,
    readout: bool = True,
) -> Model:
    """A residual network (Yun et al. Y0; L = 1 is Shamir's S0 / Kawaguchi--Bengio K0).

    Each block is a :class:`ResidualBlock` or a mapping with keys ``activation``,
    ``proj``, ``hidden``, ``bias``, ``out``. ``readout=False``: no output layer,
    ``f = h_L`` (``d_out`` must equal ``d_in``).

    >>> blocks = [{"activation": "tanh", "hidden": [2]}, {"activation": "tanh", "proj": 2}]
    >>> resnet(3, blocks).n_params
    27
    """
    stages = tuple(
        b if isinstance(b, ResidualBlock) else _block_from_spec(i, b) for i, b in enumerate(blocks)
    )
    return Model(d_in, stages, d_out, intercept, output_bias, readout)


def fully_connected(
    d_in: int,
    widths: Sequence[int],
    act: str | Activation = "relu",
    *,
    bias: bool = True,
    d_out: int = 1,
    intercept: bool = False,
    output_bias: bool = True,
) -> Model:
    """A fully-connected network without skips (the comparison model of Y5)."""
    a = act if isinstance(act, Activation) else activation(act)
    stages = tuple(DenseLayer(a, int(k), bias) for k in widths)
    return Model(d_in, stages, d_out, intercept, output_bias)


def linear_predictor(d_in: int, *, d_out: int = 1, intercept: bool = False) -> Model:
    """The linear predictor ``f = t^T x`` (``t`` is the output parameter ``w``)."""
    return Model(d_in, (), d_out, intercept, False)


# ---- JSON specs -------------------------------------------------------------

_BLOCK_KEYS = {"activation", "proj", "hidden", "bias", "out"}
_MODEL_KEYS = {"kind", "d_in", "d_out", "intercept", "output_bias", "readout", "blocks", "layers"}


def _activation_from_spec(where: str, spec: Any) -> Activation:
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str):
        return activation(spec)
    if isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
        unknown = set(spec) - {"name", "alpha"}
        if unknown:
            raise InvalidInput(f"{where} has unknown keys {sorted(unknown)}; allowed: name, alpha.")
        return activation(spec["name"], spec.get("alpha"))
    raise InvalidInput(
        f"{where}={spec!r} must be an activation name or {{'name': ..., 'alpha': ...}}."
    )


def _bool(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{where}={value!r} must be true or false.")
    return value


def _block_from_spec(i: int, spec: Any) -> ResidualBlock:
    where = f"blocks[{i}]"
    if not isinstance(spec, Mapping):
        raise InvalidInput(f"{where}={spec!r} must be an object.")
    unknown = set(spec) - _BLOCK_KEYS
    if unknown:
        raise InvalidInput(
            f"{where} has unknown keys {sorted(unknown)}; allowed: {sorted(_BLOCK_KEYS)}."
        )
    if "activation" not in spec:
        raise InvalidInput(f'{where} is missing \'activation\'; add e.g. "activation": "relu".')
    hidden = spec.get("hidden", [])
    if not isinstance(hidden, list | tuple):
        raise InvalidInput(f"{where}.hidden={hidden!r} must be a list of widths.")
    proj = spec.get("proj")
    if proj is not None:
        _check_int(f"{where}.proj", proj)
    for j, k in enumerate(hidden):
        _check_int(f"{where}.hidden[{j}]", k)
    return ResidualBlock(
        _activation_from_spec(f"{where}.activation", spec["activation"]),
        proj,
        tuple(hidden),
        _bool(f"{where}.bias", spec.get("bias", False)),
        _bool(f"{where}.out", spec.get("out", True)),
    )


def model_from_spec(spec: Any) -> Model:
    """Build a model from its JSON form (see README, "Instance files")."""
    if not isinstance(spec, Mapping):
        raise InvalidInput(f"model={spec!r} must be an object.")
    unknown = set(spec) - _MODEL_KEYS
    if unknown:
        raise InvalidInput(
            f"model has unknown keys {sorted(unknown)}; allowed: {sorted(_MODEL_KEYS)}."
        )
    kind = spec.get("kind")
    if kind not in ("resnet", "fully_connected", "linear"):
        raise InvalidInput(f"model.kind={kind!r} must be 'resnet', 'fully_connected' or 'linear'.")
    if "d_in" not in spec:
        raise InvalidInput("model is missing 'd_in' (the input dimension); add e.g. \"d_in\": 2.")
    _check_int("model.d_in", spec["d_in"])
    d_out = spec.get("d_out", 1)
    _check_int("model.d_out", d_out)
    intercept = _bool("model.intercept", spec.get("intercept", False))
    output_bias = _bool("model.output_bias", spec.get("output_bias", False))
    readout = _bool("model.readout", spec.get("readout", True))
    if not readout and kind != "resnet":
        raise InvalidInput(
            f"model.readout=false is only for kind 'resnet', not {kind!r}; remove it."
        )
    if kind == "resnet":
        blocks = spec.get("blocks")
        if not isinstance(blocks, list) or not blocks:
            raise InvalidInput("model.blocks must be a non-empty list for kind 'resnet'.")
        if "layers" in spec:
            raise InvalidInput("model.layers is not allowed for kind 'resnet'; use blocks.")
        return resnet(
            spec["d_in"], blocks, d_out=d_out, intercept=intercept, output_bias=output_bias,
            readout=readout,
        )
    if "blocks" in spec:
        raise InvalidInput(f"model.blocks is not allowed for kind {kind!r}.")
    if kind == "linear":
        if "layers" in spec or output_bias:
            raise InvalidInput("a linear model takes no layers and no output_bias; use intercept.")
        return linear_predictor(spec["d_in"], d_out=d_out, intercept=intercept)
    layers = spec.get("layers")
    if not isinstance(layers, list) or not layers:
        raise InvalidInput("model.layers must be a non-empty list for kind 'fully_connected'.")
    stages = []
    for i, lay in enumerate(layers):
        if not isinstance(lay, Mapping) or set(lay) - {"width", "activation", "bias"}:
            raise InvalidInput(
                f"layers[{i}]={lay!r} must be an object with keys width, activation, bias."
            )
        if "width" not in lay or "activation" not in lay:
            raise InvalidInput(f"layers[{i}] needs 'width' and 'activation'.")
        _check_int(f"layers[{i}].width", lay["width"])
        stages.append(
            DenseLayer(
                _activation_from_spec(f"layers[{i}].activation", lay["activation"]),
                lay["width"],
                _bool(f"layers[{i}].bias", lay.get("bias", True)),
            )
        )
    return Model(spec["d_in"], tuple(stages), d_out, intercept, output_bias)


def _spec(model: Model) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": model.kind, "d_in": model.d_in}
    if model.d_out != 1:
        out["d_out"] = model.d_out
    if model.intercept:
        out["intercept"] = True
    if model.output_bias:
        out["output_bias"] = True
    if not model.readout:
        out["readout"] = False
    if model.kind == "resnet":
        out["blocks"] = [
            {
                "activation": b.activation.spec()
                if b.activation.name == "leaky_relu"
                else b.activation.name,
                **({"proj": b.proj} if b.proj is not None else {}),
                **({"hidden": list(b.hidden)} if b.hidden else {}),
                **({"bias": True} if b.bias else {}),
                **({} if b.out else {"out": False}),
            }
            for b in model.stages
            if isinstance(b, ResidualBlock)
        ]
    elif model.kind == "fully_connected":
        out["layers"] = [
            {
                "width": s.width,
                "activation": s.activation.spec()
                if s.activation.name == "leaky_relu"
                else s.activation.name,
                "bias": s.bias,
            }
            for s in model.stages
            if isinstance(s, DenseLayer)
        ]
    return out
