r"""The versioned JSON instance format ``resnet-verify/instance@1``.

An instance is a model, a loss, a dataset and optionally a parameter point::

    {
      "format": "resnet-verify/instance@1",
      "model": {"kind": "resnet", "d_in": 2,
                "blocks": [{"activation": "relu", "hidden": [2], "bias": true}]},
      "loss": "squared",
      "data": {"x": [[0, 1], ["1/2", -1], [2, "3/4"]], "y": [1, 0, "-1/3"]},
      "params": {"blocks[0].phi[0].A": [[1, 0], [0, 1]], "blocks[0].phi[0].b": [0, 0],
                 "blocks[0].V": [[1, 0], [0, 1]], "w": ["1/2", 1]}
    }

Numbers are JSON numbers or strings. Integers and strings of the form
``"p/q"``, ``"p"`` or a decimal such as ``"0.25"`` (ASCII digits, an optional
sign, nothing else) are exact rationals; JSON numbers with a fraction or
exponent are IEEE floats (and in exact arithmetic stand for their exact binary
value). ``NaN``/``Infinity``, booleans and values of magnitude above
:data:`MAX_MAGNITUDE` are rejected (the float64 boundary: see README, Limits).
``params`` is either an object keyed by parameter name (see
``Model.layout``) or a flat list in layout order.

Validation is strict and every mistake gives one :class:`InvalidInput` whose
message names the field. Nothing read from a file is ever evaluated as code:
numbers are parsed with a regular expression and ``fractions.Fraction``.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from verify.catalogue import losses
from verify.catalogue.losses import Loss
from verify.data import Dataset, Instance
from verify.errors import InvalidInput
from verify.io import reading
from verify.io.budget import check_model_size
from verify.models import Model, model_from_spec
from verify.numbers.parse import json_number, number, short

FORMAT = "resnet-verify/instance@1"
MAX_SAMPLES = 100_000
MAX_FILE_BYTES = reading.MAX_FILE_BYTES
# README grammar, literally: "p/q" or "p" (integers) or a decimal "0.25"; ASCII only.
_TOP_KEYS = {"format", "model", "loss", "data", "params", "name", "description", "record"}


def _array(where: str, value: Any, ndim: int) -> np.ndarray:
    """Parse a rectangular nested list of numbers with exactly ``ndim`` dimensions."""

    def rec(path: str, v: Any, depth: int) -> Any:
        if depth == 0:
            return number(path, v)
        if not isinstance(v, list):
            raise InvalidInput(
                f"{path}={short(v)} must be a list ({ndim}-dimensional array expected)."
            )
        return [rec(f"{path}[{i}]", item, depth - 1) for i, item in enumerate(v)]

    parsed = rec(where, value, ndim)
    arr = np.empty(_shape(where, parsed, ndim), dtype=object)
    if ndim == 0:
        arr[()] = parsed
    else:
        for idx in np.ndindex(arr.shape):
            item = parsed
            for i in idx:
                item = item[i]
            arr[idx] = item
    return arr


def _shape(where: str, v: Any, ndim: int) -> tuple[int, ...]:
    if ndim == 0:
        return ()
    inner = {_shape(where, item, ndim - 1) for item in v}
    if len(inner) > 1:
        raise InvalidInput(f"{where} is ragged: rows have different lengths {sorted(inner)}.")
    return (len(v), *(inner.pop() if inner else (0,) * (ndim - 1)))


def parse_instance(doc: Any) -> Instance:
    """Validate a decoded JSON document and build an :class:`Instance`."""
    if not isinstance(doc, Mapping):
        raise InvalidInput("the instance must be a JSON object.")
    fmt = doc.get("format")
    if fmt != FORMAT:
        raise InvalidInput(f"format={fmt!r} is not supported; expected {FORMAT!r}.")
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise InvalidInput(
            f"unknown top-level keys {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}."
        )
    if "loss" not in doc:
        raise InvalidInput('the instance is missing \'loss\'; add e.g. "loss": "squared".')
    lss = loss_from_spec(doc["loss"])
    data = parse_data(doc.get("data"))
    model = _model(doc["model"]) if doc.get("model") is not None else None
    if model is not None:
        check_model_size(model, data.n)
        if model.d_in != data.d_in:
            raise InvalidInput(
                f"model.d_in={model.d_in} but data.x has {data.d_in} columns; make them agree."
            )
        if model.d_out != data.d_out:
            raise InvalidInput(f"model.d_out={model.d_out} but data.y has {data.d_out} outputs.")
    lss.check_labels(data.y)
    params = None
    if doc.get("params") is not None:
        if model is None:
            raise InvalidInput("'params' needs a 'model' to say what they are.")
        params = parse_params(model, doc["params"])
    for key in ("name", "description"):
        if key in doc and not isinstance(doc[key], str):
            raise InvalidInput(f"{key}={short(doc[key])} must be a string.")
    return Instance(
        lss,
        data,
        model,
        params,
        doc.get("name", ""),
        doc.get("description", ""),
        {"record": doc["record"]} if "record" in doc else {},
    )


def _model(spec: Any) -> Model:
    """``model_from_spec`` after parsing every ``alpha`` with the instance number grammar."""
    if isinstance(spec, Mapping):
        spec = dict(spec)
        for key in ("blocks", "layers"):
            stages = spec.get(key)
            if isinstance(stages, list):
                spec[key] = [_stage_numbers(f"model.{key}[{i}]", st) for i, st in enumerate(stages)]
    return model_from_spec(spec)


def _stage_numbers(where: str, stage: Any) -> Any:
    if not isinstance(stage, Mapping) or not isinstance(stage.get("activation"), Mapping):
        return stage
    act = dict(stage["activation"])
    if "alpha" in act:
        alpha = number(f"{where}.activation.alpha", act["alpha"])
        act["alpha"] = alpha if isinstance(alpha, Fraction) else Fraction(alpha)
    return {**stage, "activation": act}


def parse_data(value: Any) -> Dataset:
    if not isinstance(value, Mapping) or "x" not in value or "y" not in value:
        raise InvalidInput("data must be an object with 'x' (rows are samples) and 'y'.")
    if set(value) - {"x", "y"}:
        raise InvalidInput(f"data has unknown keys {sorted(set(value) - {'x', 'y'})}.")
    if not isinstance(value["x"], list) or not value["x"]:
        raise InvalidInput("data.x must be a non-empty list of rows.")
    if len(value["x"]) > MAX_SAMPLES:
        raise InvalidInput(f"data.x has {len(value['x'])} rows; the limit is {MAX_SAMPLES}.")
    x = _array("data.x", value["x"], 2)
    y_raw = value["y"]
    ndim = 2 if isinstance(y_raw, list) and y_raw and isinstance(y_raw[0], list) else 1
    y = _array("data.y", y_raw, ndim)
    return Dataset(x, y)


def parse_params(model: Model, value: Any) -> np.ndarray:
    if isinstance(value, list):
        flat = _array("params", value, 1)
        if flat.shape != (model.n_params,):
            raise InvalidInput(
                f"params has {flat.shape[0]} entries; the model has {model.n_params} "
                f"({', '.join(f'{p.name}{list(p.shape)}' for p in model.layout)})."
            )
        return flat
    if not isinstance(value, Mapping):
        raise InvalidInput("params must be an object keyed by parameter name, or a flat list.")
    named = {}
    for p in model.layout:
        if p.name not in value:
            raise InvalidInput(
                f"params is missing {p.name!r} (shape {list(p.shape)}); "
                f"expected keys: {', '.join(q.name for q in model.layout)}."
            )
        arr = _array(f"params[{p.name!r}]", value[p.name], len(p.shape))
        if arr.shape != p.shape:
            raise InvalidInput(
                f"params[{p.name!r}] has shape {list(arr.shape)}; expected {list(p.shape)}."
            )
        named[p.name] = arr
    extra = sorted(set(value) - set(named))
    if extra:
        raise InvalidInput(f"params has unknown names {extra}; the model has {sorted(named)}.")
    return model.pack(named, dtype=object)


def loss_from_spec(spec: Any) -> Loss:
    """A loss from its JSON form; parameter values are parsed as instance numbers."""
    if isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
        spec = {k: (v if k == "name" else number(f"loss.{k}", v)) for k, v in spec.items()}
    elif not isinstance(spec, str):
        raise InvalidInput(f"loss={short(spec)} must be a loss name or an object with 'name'.")
    return losses.loss_from_spec(spec)


def load_instance(path: str | Path) -> Instance:
    """Read and validate an instance file."""
    return parse_instance(load_json(path))


def load_json(path: str | Path) -> Any:
    """Read a JSON file strictly (see :mod:`verify.io.reading`)."""
    return reading.load_json(path)


def instance_to_json(inst: Instance) -> dict[str, Any]:
    """Serialise an instance back to the JSON format (exact numbers stay exact)."""
    out: dict[str, Any] = {"format": FORMAT}
    if inst.name:
        out["name"] = inst.name
    if inst.description:
        out["description"] = inst.description
    if inst.model is not None:
        out["model"] = inst.model.spec()
    out["loss"] = inst.loss.spec()
    out["data"] = {
        "x": [[json_number(v) for v in row] for row in inst.data.x],
        "y": [
            [json_number(v) for v in row] if inst.data.y.ndim == 2 else json_number(row)
            for row in inst.data.y
        ],
    }
    if inst.params is not None and inst.model is not None:
        named = inst.model.unpack(np.asarray(inst.params, dtype=object))
        out["params"] = {k: _nested(v) for k, v in named.items()}
    return out


def _nested(arr: Any) -> Any:
    if not isinstance(arr, np.ndarray):
        return json_number(arr)
    if arr.ndim == 0:
        return json_number(arr[()])
    return [_nested(a) for a in arr]
