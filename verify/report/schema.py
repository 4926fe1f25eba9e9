"""The JSON schema of reports, shipped with the package, and a small validator.

``report.schema.json`` (JSON Schema 2020-12) documents the document written by
``resnet-verify all|proofs|examples --json`` / ``--out``. :func:`validate`
checks a document against it with the subset of JSON Schema the file uses
(``type``, ``enum``, ``const``, ``properties``, ``required``,
``additionalProperties``, ``items``, ``minItems``, ``minimum``, ``pattern``,
``oneOf``, ``anyOf``, local ``$ref``), so no extra dependency is needed; the
tests cross-check it with the ``jsonschema`` package when that is installed.
An unsupported keyword in the schema is an error, never silently ignored.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_FILE = "report.schema.json"
_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}
_ANNOTATIONS = {"$schema", "$id", "title", "description", "$defs"}
_KNOWN = _ANNOTATIONS | {
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "minimum",
    "pattern",
    "oneOf",
    "anyOf",
    "$ref",
}


@cache
def _load() -> str:
    return resources.files("verify.report").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def report_schema() -> dict[str, Any]:
    """The shipped report schema (a fresh copy)."""
    schema: dict[str, Any] = json.loads(_load())
    return schema


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def _check(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str) -> list[str]:
    unknown = set(schema) - _KNOWN
    if unknown:
        raise ValueError(f"schema at {path} uses unsupported keywords {sorted(unknown)}")
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"schema at {path}: only local '#/$defs/...' references are supported")
        return _check(value, root["$defs"][ref.removeprefix("#/$defs/")], root, path)
    errors: list[str] = []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, n) for n in names):
            return [f"{path}: {value!r:.60} is not of type {' or '.join(names)}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {value!r:.60} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r:.60} is not one of {schema['enum']}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {value!r:.60} does not match {schema['pattern']!r}")
    if "minimum" in schema and _is_type(value, "number") and value < schema["minimum"]:
        errors.append(f"{path}: {value!r} < minimum {schema['minimum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        errors += [f"{path}: missing {k!r}" for k in schema.get("required", []) if k not in value]
        extra = schema.get("additionalProperties", True)
        for k, v in value.items():
            if k in props:
                errors += _check(v, props[k], root, f"{path}.{k}")
            elif extra is False:
                errors.append(f"{path}: unexpected property {k!r}")
            elif isinstance(extra, dict):
                errors += _check(v, extra, root, f"{path}.{k}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if "items" in schema:
            for i, v in enumerate(value):
                errors += _check(v, schema["items"], root, f"{path}[{i}]")
    for key, need_one in (("oneOf", True), ("anyOf", False)):
        if key in schema:
            results = [_check(value, s, root, path) for s in schema[key]]
            ok = sum(not r for r in results)
            if (need_one and ok != 1) or (not need_one and ok == 0):
                best = min(results, key=len) if results else []
                errors.append(f"{path}: matches {ok} of the {key} alternatives; " + "; ".join(best))
    return errors


def validate(document: Any, schema: dict[str, Any] | None = None) -> list[str]:
    """Error messages (empty if valid) of ``document`` against ``schema`` (default: reports)."""
    root = report_schema() if schema is None else schema
    return _check(document, root, root, "$")
