"""The instance format: round trips, and malformed files give one-line errors
with exit code 2 (never a traceback, never evaluated as code)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from verify import InvalidInput
from verify.cli.main import main
from verify.io.instances import instance_to_json, load_instance, parse_instance

ROOT = Path(__file__).resolve().parents[2]
GOOD = json.loads((ROOT / "examples/instances/shamir_saddle.json").read_text())


def _with(path: str, value):
    doc = copy.deepcopy(GOOD)
    *keys, last = path.split(".")
    node = doc
    for k in keys:
        node = node[int(k)] if isinstance(node, list) else node[k]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return doc


_DELETE = object()

BAD = [
    ("format", "resnet-verify/instance@9", "format="),
    ("format", _DELETE, "format=None"),
    ("loss", _DELETE, "missing 'loss'"),
    ("loss", "cross_entropy_of_doom", "loss='cross_entropy_of_doom'"),
    ("data", _DELETE, "data must be an object"),
    ("data.x", [], "non-empty"),
    ("data.x", [[1, 0], [0]], "ragged"),
    ("data.x", [[1, 0], [0, 1], [1, "nan"], [2, -1]], "is not a number"),
    ("data.x", [[1, 0], [0, 1], [1, "__import__('os').system('true')"], [2, -1]],
     "is not a number"),
    ("data.x", [[1, 0], [0, 1], [1, "1+1"], [2, -1]], "is not a number"),
    ("data.x", [[1, 0], [0, 1], [1, "1/0"], [2, -1]], "zero denominator"),
    ("data.x", [[1, 0], [0, 1], [1, True], [2, -1]], "is not a number"),
    ("data.x", [[1, 0, 0], [0, 1, 0], [1, 1, 0], [2, -1, 0]], "d_in"),
    ("data.y", [1, 2], "data.y has shape"),
    ("data.y", [1, 2, 3, None], "is not a number"),
    ("data.y", [1, 2, 3, 1e400], "not finite"),
    ("model.kind", "transformer", "model.kind="),
    ("model.d_in", -2, "model.d_in=-2"),
    ("model.d_in", 10**9, "absurdly large"),
    ("model.d_in", "2", "model.d_in='2'"),
    ("model.blocks", [], "non-empty list"),
    ("model.blocks.0.activation", "gelu", "activation='gelu'"),
    ("model.blocks.0.hidden", [0], "hidden[0]=0"),
    ("model.blocks.0.hidden", [-3], "hidden[0]=-3"),
    ("model.blocks.0.proj", 0, "proj=0"),
    ("model.blocks.0.bias", "yes", "bias='yes'"),
    ("model.blocks.0.surprise", 1, "unknown keys"),
    ("params.w", [0], "params['w'] has shape"),
    ("params.w", [[0, 0]], "is not a number"),
    ("params", {"w": [0, 0]}, "missing"),
    ("params", [0, 1, 2], "params has 3 entries"),
    ("surprise", 1, "unknown top-level keys"),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD, ids=[b[0] for b in BAD])
def test_malformed_instance_is_invalid_input(path, value, message) -> None:
    with pytest.raises(InvalidInput, match=None) as info:
        parse_instance(_with(path, value))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_round_trip_is_exact() -> None:
    inst = parse_instance(GOOD)
    again = parse_instance(json.loads(json.dumps(instance_to_json(inst))))
    assert list(again.params) == list(inst.params)
    assert again.data.x.tolist() == inst.data.x.tolist()
    assert again.model == inst.model


def test_nan_constant_rejected(tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(GOOD).replace('"y": [-3', '"y": [NaN'))
    with pytest.raises(InvalidInput, match="NaN"):
        load_instance(path)


@pytest.mark.parametrize(
    "text",
    ["{", "[1, 2]", json.dumps(_with("data.x", [[1, 0], [0, 1], [1, "nan"], [2, -1]])), ""],
)
def test_cli_bad_file_exits_2_with_one_line(tmp_path: Path, capsys, text: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    assert main(["derive", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("resnet-verify: error:")
    assert "Traceback" not in err


def test_cli_usage_errors_exit_2(capsys) -> None:
    for argv in (["derive"], ["no-such-command"], ["derive", "x.json", "--arithmetic", "quad"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err


def test_cli_derive_json_as_subprocess() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "verify", "derive", "examples/instances/shamir_saddle.json",
         "--arithmetic", "exact", "--json"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    doc = json.loads(out.stdout)
    assert doc["method"] == "exact"
    assert doc["gradient"] == ["0"] * 12  # (w, V) = 0 is a critical point of this instance
    assert doc["twice_differentiable"] is True
    assert min(doc["hessian_eigenvalues"]) < 0
