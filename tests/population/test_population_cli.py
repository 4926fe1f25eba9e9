"""``resnet-verify classify`` / ``derive`` on population instances, the shipped example
instances, and one-line exit-2 errors for malformed population instances."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import verify
from verify.cli.main import main

INSTANCES = Path(__file__).resolve().parents[2] / "examples" / "instances"
KEYS = {"critical", "kind", "method", "value", "point", "certified_point", "direction",
        "spurious", "reason"}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _classify(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, Any]:
    code, out, err = _run(capsys, "classify", str(path), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) >= KEYS and doc["command"] == "classify"
    return doc


def test_shipped_safran_shamir_point_is_a_certified_spurious_strict_minimum(capsys) -> None:
    """Acceptance: k >= 6, found by the toolkit's own GD, certified strict and spurious."""
    path = INSTANCES / "safran_shamir_k7_spurious.json"
    spec = json.loads(path.read_text())
    assert spec["model"]["d_in"] >= 6 and spec["model"]["width"] >= 6
    doc = _classify(capsys, path)
    assert doc["kind"] == "strict_local_minimum" and doc["spurious"] is True
    assert doc["critical"] == "holds" and doc["method"] == "certified"
    assert doc["value"][0] > 1e-3 and doc["certified_point"]["uniqueness_radius"] > 0
    code, text, _ = _run(capsys, "classify", str(path))
    assert code == 0 and "STRICT LOCAL MINIMUM, SPURIOUS" in text and "certified" in text


def test_rounded_point_is_polished_and_both_points_are_named(capsys, tmp_path) -> None:
    """Published floats (8 digits, gradient ~1e-9): the certificate is for the unique critical
    point in a stated box near the input, and the report gives both."""
    spec = json.loads((INSTANCES / "safran_shamir_k7_spurious.json").read_text())
    spec["params"]["W"] = [[round(x, 8) for x in row] for row in spec["params"]["W"]]
    path = tmp_path / "rounded.json"
    path.write_text(json.dumps(spec))
    doc = _classify(capsys, path)
    assert doc["kind"] == "strict_local_minimum" and doc["spurious"] is True
    cp = doc["certified_point"]
    assert 0 < cp["distance_from_input"] < 1e-6 and cp["enclosure_radius"] < 1e-9
    assert doc["point"] == pytest.approx(np.ravel(spec["params"]["W"]).tolist())
    _, text, _ = _run(capsys, "classify", str(path))
    assert "input" in text and "certified" in text and "from the input" in text


@pytest.mark.parametrize(
    ("name", "kind", "critical"),
    [
        ("planted_saddle_k3", "strict_saddle", "holds"),
        ("planted_non_critical_k3", "not_critical", "violated"),
        ("du_conv_relu_spurious", "local_minimum", "holds"),
    ],
)
def test_shipped_instances_have_the_right_kind(capsys, name, kind, critical) -> None:
    doc = _classify(capsys, INSTANCES / f"{name}.json")
    assert doc["kind"] == kind and doc["critical"] == critical, doc["reason"]
    assert doc["method"] == "certified"
    if kind == "strict_saddle":
        assert doc["direction"] and doc["certified_point"]["distance_from_input"] > 0
    if name.startswith("du"):
        assert doc["spurious"] is True and "profile-loss" in doc["reason"]


def test_classify_empirical_instance_reports_r_lin(capsys) -> None:
    doc = _classify(capsys, INSTANCES / "shamir_saddle.json")
    assert "r_lin" in doc and doc["r_lin"]["risk_vs_r_lin"] in ("below", "above", "undecided")
    assert "label" not in doc


def test_reconstruction_label(capsys, tmp_path) -> None:
    m = {"kind": "conv_relu_shortcut", "patches": 3, "patch_size": 2}
    doc = {"format": "resnet-verify/instance@1", "loss": "squared_half", "model": m,
           "data": {"distribution": "standard_gaussian",
                    "teacher": {"model": m, "params": {"w": [1, 0], "a": [1, 2, 3]}}},
           "params": {"w": [1, 0.5], "a": [0.1, 0.2, 0.3]}}
    path = tmp_path / "liu.json"
    path.write_text(json.dumps(doc))
    out = _classify(capsys, path)
    assert out["label"] == "reconstruction"
    code, text, _ = _run(capsys, "classify", str(path))
    assert code == 0 and "reconstruction" in text
    code, text, _ = _run(capsys, "derive", str(path))
    assert code == 0 and "reconstruction" in text


def test_derive_population_float_and_ball(capsys) -> None:
    path = INSTANCES / "planted_non_critical_k3.json"
    code, out, _ = _run(capsys, "derive", str(path), "--json", "--arithmetic", "ball")
    assert code == 0
    ball = json.loads(out)
    assert ball["method"] == "certified" and ball["population"] is True
    assert len(ball["gradient"]) == 9 and ball["twice_differentiable"] is True
    code, out, _ = _run(capsys, "derive", str(path), "--json")
    flt = json.loads(out)
    assert flt["method"] == "numeric"
    assert flt["hessian_eigenvalues"] == pytest.approx(ball["hessian_eigenvalues"], abs=1e-12)
    code, text, _ = _run(capsys, "derive", str(path))
    assert code == 0 and "risk F" in text and "smoothness margin" in text
    code, _, err = _run(capsys, "derive", str(path), "--arithmetic", "exact")
    assert code == 2 and err.count("\n") == 1 and "ball" in err


BASE = json.loads((INSTANCES / "planted_non_critical_k3.json").read_text())


def _broken(change) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    change(doc)
    return doc


def _teacher_shape(d: dict[str, Any]) -> None:
    d["data"]["teacher"]["params"]["W"] = [[1, 0], [0, 1], [0, 0]]


def _teacher_d_in(d: dict[str, Any]) -> None:
    d["data"]["teacher"]["model"] = {"kind": "two_layer_relu", "d_in": 4, "width": 3}


def _zero_column(d: dict[str, Any]) -> None:
    for row in d["params"]["W"]:
        row[1] = 0


def _zero_teacher_column(d: dict[str, Any]) -> None:
    d["data"]["teacher"]["params"]["W"] = [[1, 0, 0], [0, 0, 0], [0, 0, 1]]


def _unknown_kind(d: dict[str, Any]) -> None:
    d["model"]["kind"] = "three_layer_relu"


def _unknown_teacher_kind(d: dict[str, Any]) -> None:
    d["data"]["teacher"]["model"]["kind"] = "resnet"


def _unknown_distribution(d: dict[str, Any]) -> None:
    d["data"]["distribution"] = "uniform"


def _no_params(d: dict[str, Any]) -> None:
    del d["params"]


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (_teacher_shape, "data.teacher.params.W"),
        (_teacher_d_in, "d_in"),
        (_zero_column, "column 1"),
        (_zero_teacher_column, "data.teacher.params.W column 1"),
        (_unknown_kind, "three_layer_relu"),
        (_unknown_teacher_kind, "data.teacher.model.kind"),
        (_unknown_distribution, "uniform"),
        (_no_params, "params"),
    ],
)
@pytest.mark.parametrize("command", ["classify", "derive"])
def test_malformed_population_instances_exit_2_with_one_line(
    capsys, tmp_path, change, needle, command
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_broken(change)))
    code, out, err = _run(capsys, command, str(path))
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert needle in err and "Traceback" not in err


@pytest.mark.parametrize("where", ["student", "teacher"])
def test_nan_exits_2_with_one_line(capsys, tmp_path, where) -> None:
    text = json.dumps(BASE)
    if where == "student":
        text = text.replace('"1/10"', "NaN", 1)
    else:
        text = text.replace('"W": [[1, 0, 0]', '"W": [[NaN, 0, 0]', 1)
    assert "NaN" in text
    path = tmp_path / "nan.json"
    path.write_text(text)
    code, out, err = _run(capsys, "classify", str(path))
    assert code == 2 and out == "" and err.count("\n") == 1 and "NaN" in err


def test_facade_exports_classify() -> None:
    assert "classify" in verify.__all__ and "Classification" in verify.__all__
    from verify.classification import Classification, classify

    assert verify.Classification is Classification and verify.classify is classify


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [("kind", [], "is not a population model"), ("width", 10**16, "at most 4096"),
     ("d_in", 10**9, "at most 4096")],
)
def test_fuzzer_findings_are_one_line_errors(tmp_path: Path, key: str, value: Any, words: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Found by the long fuzz run: a list as kind (TypeError) and huge widths (numpy's
    maximum dimension) were internal errors; both are bad input (exit 2, one line)."""
    doc = json.loads((INSTANCES / "safran_shamir_k7_spurious.json").read_text())
    doc["model"][key] = value
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    assert main(["derive", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err
