"""The input boundary: safe reading, strict JSON, the number grammar, budgets, float64 bounds."""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import flint
import pytest

from verify.errors import InvalidInput
from verify.io import budget, reading
from verify.io.instances import load_instance
from verify.models import fully_connected, model_from_spec
from verify.numbers.bounds import finite_float_array, fmt6, saturating_float, to_float
from verify.numbers.parse import MAX_MAGNITUDE, number

ROOT = Path(__file__).resolve().parents[2]
FC = ROOT / "examples/instances/fc_dead_relu.json"


@pytest.mark.parametrize("path", sorted((ROOT / "examples/instances").glob("*.json")))
def test_example_instances_still_load(path: Path) -> None:
    from verify.io.documents import load_document

    assert load_document(path) is not None


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInput, match="is a FIFO; give the path of a regular file"):
        reading.load_json(fifo)


@pytest.mark.parametrize(("path", "kind"), [("/dev/zero", "a device"), ("/", "a directory")])
def test_devices_and_directories_are_refused(path: str, kind: str) -> None:
    with pytest.raises(InvalidInput, match=kind):
        reading.read_bytes(path)


def test_byte_cap_counts_bytes_read(tmp_path: Path) -> None:
    p = tmp_path / "big.json"
    p.write_bytes(b" " * 101)
    with pytest.raises(InvalidInput, match="larger than the limit of 100 bytes"):
        reading.read_bytes(p, cap=100)
    assert reading.read_bytes(p, cap=101) == b" " * 101


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ('{"a": NaN}', "constant NaN"),
        ('{"a": -Infinity}', "constant -Infinity"),
        ('{"a": 1e999}', "1e999 overflows float64"),
        ('{"a": ' + "7" * 4301 + "}", "4301 digits; the limit is 400"),
        ('{"a": ' + "7" * 401 + "}", "401 digits"),
        ("[" * 50_000 + "]" * 50_000, "nested too deeply"),
        ('{"a": 1', "not valid JSON"),
        (b'{"a": "\xff"}', "not UTF-8"),
    ],
)
def test_strict_json(text: str | bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        reading.loads_strict(text)
    assert "\n" not in str(info.value)


def test_strict_json_keeps_valid_documents() -> None:
    doc = reading.loads_strict(FC.read_bytes())
    assert doc == json.loads(FC.read_text())
    assert reading.loads_strict('{"n": ' + "9" * 400 + "}")["n"] == int("9" * 400)


@pytest.mark.parametrize(
    "value",
    [
        "١/٢",
        "１",
        "1e-1",
        "1E2",
        " 1",
        "1 ",
        "1/ 2",
        "0x10",
        "1_000",
        "½",
        "--1",
        "1.",
        ".5",
        "1.5/2",
        True,
        False,
        None,
        [1],
        {"a": 1},
        "nan",
        "inf",
    ],
)
def test_number_grammar_is_literal(value) -> None:
    with pytest.raises(InvalidInput, match="number"):
        number("x", value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1/3", Fraction(1, 3)),
        ("-3", -3),
        ("+3", 3),
        ("0.25", Fraction(1, 4)),
        (7, 7),
        (0.5, 0.5),
        ("10/5", 2),
        (10**15, 10**15),
        ("-1000000000000000", -(10**15)),
    ],
)
def test_number_grammar_accepts(value, expected) -> None:
    assert number("x", value) == expected


@pytest.mark.parametrize(
    "value", [10**15 + 1, 1e16, "1000000000000001", "2000000000000001/2", -1e300, 10**399]
)
def test_magnitude_limit(value) -> None:
    with pytest.raises(InvalidInput, match="magnitude limit 1e15"):
        number("x", value)
    assert MAX_MAGNITUDE == 10**15


@pytest.mark.parametrize("alpha", ["1e999", "[1]", '{"a": 1}', "false", '"1e-1"', '"١/١٠"'])
def test_leaky_relu_alpha_uses_the_number_grammar(tmp_path: Path, alpha: str) -> None:
    doc = json.loads(FC.read_text())
    doc["model"]["layers"][0]["activation"] = {"name": "leaky_relu", "alpha": "ALPHA"}
    p = tmp_path / "a.json"
    p.write_text(json.dumps(doc).replace('"ALPHA"', alpha), encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"alpha|1e999 overflows"):
        load_instance(p)


def test_parameter_count_hard_limit() -> None:
    spec = {
        "kind": "fully_connected",
        "d_in": 1,
        "layers": [{"width": 4096, "activation": "relu", "bias": True}] * 200,
    }
    with pytest.raises(InvalidInput, match="hard limit is 1000000"):
        budget.check_model_size(model_from_spec(spec), 1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda a: budget.check_derive(1001, 1, False, allow_large=a), "parameters=1001"),
        (lambda a: budget.check_derive(101, 1, True, allow_large=a), "parameters=101"),
        (lambda a: budget.check_derive(1000, 2001, False, allow_large=a), "samples"),
        (lambda a: budget.check_baseline(2, 1001, allow_large=a), "columns=1001"),
        (lambda a: budget.check_baseline(600, 1000, allow_large=a), "samples"),
        (
            lambda a: budget.check_check(fully_connected(1, [100]), 1, 0, allow_large=a),
            "parameters=301",
        ),
        (
            lambda a: budget.check_check(fully_connected(1, [10]), 1, 1001, allow_large=a),
            "--starts=1001",
        ),
    ],
)
def test_budget_names_the_limit_and_the_override(call, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        call(False)
    assert "--allow-large" in str(info.value)
    call(True)  # lifted by the override


def test_flint_hard_limit_has_no_override() -> None:
    with pytest.raises(InvalidInput, match="FLINT aborts"):
        budget.check_baseline(2, 20_000, allow_large=True)
    with pytest.raises(InvalidInput, match="FLINT aborts"):
        budget.check_derive(9000, 1, True, allow_large=True)


def test_float64_boundary() -> None:
    huge = Fraction(10**400, 3)
    assert saturating_float(huge) == float("inf")
    assert saturating_float(-huge) == float("-inf")
    assert saturating_float(Fraction(1, 3)) == 1 / 3
    assert fmt6(huge) == "3.33333e+399 (beyond float64)"
    assert fmt6(flint.fmpq(10**400)) == "1.00000e+400 (beyond float64)"
    assert fmt6(0.25) == "0.25"
    with pytest.raises(InvalidInput, match="float64 overflow"):
        to_float("R", huge)
    with pytest.raises(InvalidInput, match=r"H\[1\] is not representable"):
        finite_float_array("H", [flint.fmpq(1), flint.fmpq(10**400)])
    import numpy as np

    with pytest.raises(InvalidInput, match="non-finite"):
        finite_float_array("H", np.array([1.0, np.inf]))
