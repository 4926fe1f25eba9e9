r"""Population instances: the JSON contract for Gaussian-input, teacher-student landscapes.

Shape (an already-decoded JSON document)::

    {"format": "resnet-verify/instance@1", "loss": "squared_half",
     "model": {"kind": "two_layer_relu", "d_in": 6, "width": 6},
     "data": {"distribution": "standard_gaussian",
              "teacher": {"model": {"kind": "two_layer_relu", "d_in": 6, "width": 6},
                          "params": {"W": [[1, 0, 0, 0, 0, 0], ...]}}},
     "params": {"W": [...]}}

Model kinds and keys:

* ``two_layer_relu``: ``d_in``, ``width``; optional ``train_output`` (bool),
  ``output`` (fixed output weights, default all 1), ``skip`` (bool, learned
  linear skip). Parameters ``W`` (``d_in`` rows of ``width`` numbers; **columns are
  neurons**), then ``a`` if ``train_output``, ``b`` if ``skip``.
* ``conv_relu`` (Du et al.): ``patches`` (k), ``patch_size`` (p), optional
  ``normalise`` (bool, default false), optional ``d_in`` (must be k·p).
  Parameters ``w`` (p), ``a`` (k).
* ``conv_relu_shortcut`` (Liu et al., **reconstruction**): as ``conv_relu`` plus
  ``shortcut`` (``"avg_pool"`` default, or ``"none"``); ``normalise`` defaults to true.

``params`` (student point, optional) and ``teacher.params`` are objects keyed by
parameter name or flat lists in layout order. Numbers are parsed by
:func:`verify.io.instances.number` (JSON numbers or ``"p/q"`` strings; NaN and
infinities rejected; nothing is evaluated). Every mistake — unknown keys, a
teacher whose shape does not match its model, a zero neuron / filter, a
non-finite number — raises one :class:`~verify.errors.InvalidInput` line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.errors import InvalidInput
from verify.numbers.parse import json_number, number
from verify.population.models import (
    ConvReLU,
    PopulationModel,
    conv_relu,
    conv_relu_shortcut,
    two_layer_relu,
)
from verify.population.objective import PopulationRisk

FORMAT = "resnet-verify/instance@1"
LOSS = "squared_half"
DISTRIBUTION = "standard_gaussian"
_TOP = {"format", "loss", "model", "data", "params", "name", "description"}
_DATA = {"distribution", "teacher"}
_TEACHER = {"model", "params"}
_KEYS = {
    "two_layer_relu": {"kind", "d_in", "width", "train_output", "output", "skip"},
    "conv_relu": {"kind", "d_in", "patches", "patch_size", "normalise"},
    "conv_relu_shortcut": {"kind", "d_in", "patches", "patch_size", "normalise", "shortcut"},
}


@dataclass(frozen=True)
class PopulationInstance:
    """A population objective and an optional student point (exact numbers as given)."""

    objective: PopulationRisk
    params: np.ndarray | None
    name: str = ""
    description: str = ""

    @property
    def reconstruction(self) -> bool:
        return self.objective.reconstruction


def is_population(doc: Any) -> bool:
    """True if ``doc`` looks like a population instance (``data.distribution`` present)."""
    return (
        isinstance(doc, Mapping)
        and isinstance(doc.get("data"), Mapping)
        and "distribution" in doc["data"]
    )


def _obj(where: str, v: Any, keys: set[str]) -> Mapping[str, Any]:
    if not isinstance(v, Mapping):
        raise InvalidInput(f"{where}={_short(v)} must be a JSON object.")
    unknown = sorted(set(v) - keys)
    if unknown:
        raise InvalidInput(f"{where} has unknown keys {unknown}; allowed: {sorted(keys)}.")
    return v


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


#: the largest width, input dimension, patch count or patch size of a population model,
#: and the largest number of parameters (the same work budget as empirical models)
MAX_SIZE = 4096
MAX_POPULATION_PARAMS = 100_000


def _int(where: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v <= 0 or v > MAX_SIZE:
        raise InvalidInput(
            f"{where}={_short(v)} must be a positive integer at most {MAX_SIZE}, e.g. 6."
        )
    return v


def _check_size(where: str, n_params: int) -> None:
    if n_params > MAX_POPULATION_PARAMS:
        raise InvalidInput(
            f"{where} has {n_params} parameters, more than the limit {MAX_POPULATION_PARAMS} "
            "of population models; use a smaller model."
        )


def _bool(where: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise InvalidInput(f"{where}={_short(v)} must be true or false.")
    return v


def parse_model(where: str, spec: Any) -> PopulationModel:
    """A population model from its JSON object."""
    kind_ok = isinstance(spec, Mapping) and isinstance(spec.get("kind"), str)
    if not kind_ok or spec.get("kind") not in _KEYS:
        kind = spec.get("kind") if isinstance(spec, Mapping) else spec
        raise InvalidInput(
            f"{where}.kind={_short(kind)} is not a population model; use one of {sorted(_KEYS)}."
        )
    kind = spec["kind"]
    _obj(where, spec, _KEYS[kind])
    for key in ("d_in", "width") if kind == "two_layer_relu" else ("patches", "patch_size"):
        if key not in spec:
            raise InvalidInput(f"{where} is missing {key!r}; add e.g. \"{key}\": 6.")
    if kind == "two_layer_relu":
        d, n = _int(f"{where}.d_in", spec["d_in"]), _int(f"{where}.width", spec["width"])
        _check_size(where, d * n + 2 * n + d)
        output = None
        if "output" in spec:
            if not isinstance(spec["output"], list) or len(spec["output"]) != n:
                raise InvalidInput(
                    f"{where}.output={_short(spec['output'])} must be a list of width={n} numbers."
                )
            output = [number(f"{where}.output[{i}]", x) for i, x in enumerate(spec["output"])]
        return two_layer_relu(
            d,
            n,
            train_output=_bool(f"{where}.train_output", spec.get("train_output", False)),
            output=output,
            skip=_bool(f"{where}.skip", spec.get("skip", False)),
        )
    k = _int(f"{where}.patches", spec["patches"])
    p = _int(f"{where}.patch_size", spec["patch_size"])
    _check_size(where, k * p + k)
    if "d_in" in spec and _int(f"{where}.d_in", spec["d_in"]) != k * p:
        raise InvalidInput(
            f"{where}.d_in={spec['d_in']!r} must equal patches·patch_size = {k * p}."
        )
    if kind == "conv_relu":
        return conv_relu(k, p, normalise=_bool(f"{where}.normalise", spec.get("normalise", False)))
    sc = spec.get("shortcut", "avg_pool")
    if sc not in ("avg_pool", "none"):
        raise InvalidInput(f"{where}.shortcut={_short(sc)} must be 'avg_pool' or 'none'.")
    return conv_relu_shortcut(
        k, p, normalise=_bool(f"{where}.normalise", spec.get("normalise", True)), shortcut=sc
    )


def _array(where: str, v: Any, shape: tuple[int, ...]) -> np.ndarray:
    def rec(path: str, x: Any, depth: int) -> Any:
        if depth == len(shape):
            return number(path, x)
        if not isinstance(x, list) or len(x) != shape[depth]:
            n = len(x) if isinstance(x, list) else None
            raise InvalidInput(
                f"{path} has {n if n is not None else 'no list of'} entries; expected a list of "
                f"{shape[depth]} (shape {list(shape)})."
            )
        return [rec(f"{path}[{i}]", y, depth + 1) for i, y in enumerate(x)]

    out = np.empty(shape, dtype=object)
    nested = rec(where, v, 0)
    for idx in np.ndindex(*shape):
        item = nested
        for i in idx:
            item = item[i]
        out[idx] = item
    return out


def parse_params(where: str, model: PopulationModel, value: Any) -> np.ndarray:
    """Flat object array of exact numbers in layout order; rejects zero neurons/filters."""
    if isinstance(value, list):
        flat = _array(where, value, (model.n_params,))
    elif isinstance(value, Mapping):
        names = {p.name for p in model.layout}
        unknown = sorted(set(value) - names)
        if unknown:
            raise InvalidInput(
                f"{where} has unknown names {unknown}; the model has {sorted(names)}."
            )
        parts = []
        for p in model.layout:
            if p.name not in value:
                raise InvalidInput(
                    f"{where} is missing {p.name!r} (shape {list(p.shape)}); add it."
                )
            parts.append(_array(f"{where}.{p.name}", value[p.name], p.shape).reshape(-1))
        flat = np.concatenate(parts)
    else:
        raise InvalidInput(f"{where}={_short(value)} must be an object keyed by name or a list.")
    blocks = model.unpack(flat)
    if isinstance(model, ConvReLU):
        if all(x == 0 for x in blocks["w"]):
            raise InvalidInput(f"{where}.w is the zero filter; the kernel is not smooth there.")
    else:
        w = blocks["W"]
        for j in range(w.shape[1]):
            if all(x == 0 for x in w[:, j]):
                raise InvalidInput(
                    f"{where}.W column {j} (neuron {j}) is zero; every neuron needs a nonzero "
                    "weight vector (columns are neurons)."
                )
    return flat


def parse_population_instance(doc: Any) -> PopulationInstance:
    """Validate a decoded population instance document (see the module docstring)."""
    top = _obj("instance", doc, _TOP)
    if top.get("format") != FORMAT:
        raise InvalidInput(f"format={_short(top.get('format'))} is not supported; use {FORMAT!r}.")
    if top.get("loss") != LOSS:
        raise InvalidInput(
            f"loss={_short(top.get('loss'))} is not supported for population instances; "
            f"use {LOSS!r} (½ E[(f − f_teacher)²])."
        )
    for key in ("model", "data"):
        if key not in top:
            raise InvalidInput(f"the instance is missing {key!r}.")
    model = parse_model("model", top["model"])
    data = _obj("data", top["data"], _DATA)
    if data.get("distribution") != DISTRIBUTION:
        raise InvalidInput(
            f"data.distribution={_short(data.get('distribution'))} is not supported; "
            f"use {DISTRIBUTION!r}."
        )
    if "teacher" not in data:
        raise InvalidInput("data is missing 'teacher' (an object with 'model' and 'params').")
    teacher = _obj("data.teacher", data["teacher"], _TEACHER)
    if "model" not in teacher or "params" not in teacher:
        raise InvalidInput("data.teacher needs both 'model' and 'params'.")
    tmodel = parse_model("data.teacher.model", teacher["model"])
    if tmodel.d_in != model.d_in:
        raise InvalidInput(
            f"data.teacher.model has d_in={tmodel.d_in} but model has d_in={model.d_in}; "
            "make them agree."
        )
    tparams = parse_params("data.teacher.params", tmodel, teacher["params"])
    params = parse_params("params", model, top["params"]) if top.get("params") is not None else None
    for key in ("name", "description"):
        if key in top and not isinstance(top[key], str):
            raise InvalidInput(f"{key}={_short(top[key])} must be a string.")
    return PopulationInstance(
        PopulationRisk(model, tmodel, tparams),
        params,
        top.get("name", ""),
        top.get("description", ""),
    )


def population_instance_to_json(inst: PopulationInstance) -> dict[str, Any]:
    """Inverse of :func:`parse_population_instance` (flat param lists; exact as "p/q")."""
    obj = inst.objective
    doc: dict[str, Any] = {
        "format": FORMAT,
        "loss": LOSS,
        "model": obj.model.to_spec(),
        "data": {
            "distribution": DISTRIBUTION,
            "teacher": {
                "model": obj.teacher.to_spec(),
                "params": [json_number(x) for x in obj.teacher_params],
            },
        },
    }
    if inst.params is not None:
        doc["params"] = [json_number(x) for x in inst.params]
    return doc
