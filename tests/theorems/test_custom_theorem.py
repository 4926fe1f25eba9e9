"""A user-defined theorem in a separate module runs through check, the command
line and (when the engine supports user strategies) search (issue 16)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import verify
from verify.cli.main import main
from verify.errors import InvalidInput
from verify.theorems.usermodule import load_theorem

ROOT = Path(__file__).resolve().parents[2]
USER = ROOT / "examples" / "user" / "my_claims.py"
SHAMIR = str(ROOT / "examples" / "instances" / "shamir_saddle.json")
TWO_BLOCKS = str(ROOT / "examples" / "instances" / "yun_tanh_two_blocks.json")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_loader_returns_the_modules_theorem() -> None:
    thm = load_theorem(f"{USER}:TOO_STRONG")
    assert isinstance(thm, verify.Theorem)
    assert thm.id == "TOO_STRONG" and thm.kind == "negative_control"
    assert load_theorem(f"{USER}:TOO_STRONG") is thm  # loaded once


def test_check_in_python() -> None:
    spec = importlib.util.spec_from_file_location("my_claims_for_test", USER)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    inst = verify.load_instance(SHAMIR)
    good = verify.check(mod.ZERO_PREDICTOR_BOUND, inst).reports[0]
    assert good.verdict is verify.Verdict.HOLDS and good.method is verify.Method.EXACT
    assert not good.vacuous  # the user's own premise and conclusion were decided
    bad = verify.check(mod.TOO_STRONG, inst).reports[0]
    assert bad.verdict is verify.Verdict.VIOLATED and bad.method is verify.Method.EXACT
    assert "R = 7/2 vs E[y^2]/2 = 7/4" in bad.conclusion.reason


def test_check_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "check", "--theorem-module", f"{USER}:TOO_STRONG", SHAMIR)
    assert code == 0
    assert "VIOLATED [exact]" in out and "squared_loss" in out
    code, out, _ = _run(
        capsys, "check", "--theorem-module", f"{USER}:ZERO_PREDICTOR_BOUND", SHAMIR, "--json"
    )
    doc = json.loads(out)
    assert code == 0 and doc["reports"][0]["verdict"] == "holds"
    assert doc["provenance"]["settings"]["theorem_module"].endswith(
        "my_claims.py:ZERO_PREDICTOR_BOUND"
    )
    code, _, _ = _run(capsys, "check", "--theorem-module", f"{USER}:TOO_STRONG", SHAMIR, "--strict")
    assert code == 1


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("my_claims.py", "must be PATH.py:NAME"),
        (f"{USER}:NOPE", "defines no 'NOPE'; theorems defined there: ['TOO_STRONG', "),
        (f"{USER}:SETTING", "is a Setting, not a verify.Theorem"),
        ("/no/such/file.py:T", "does not exist"),
        ("no_such_module_xyz:T", "cannot be imported"),
    ],
)
def test_bad_theorem_module_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], spec: str, needle: str
) -> None:
    code, out, err = _run(capsys, "check", "--theorem-module", spec, SHAMIR)
    assert code == 2 and out == ""
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_theorem_id_and_module_together_are_rejected() -> None:
    from verify.theorems.usermodule import resolve

    with pytest.raises(InvalidInput, match="both given"):
        resolve("Y1", f"{USER}:TOO_STRONG", None)


def test_user_theorem_outside_its_setting(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "check", "--theorem-module", f"{USER}:TOO_STRONG", TWO_BLOCKS)
    assert code == 2 and "does not apply" in err


def test_search_finds_the_user_negative_control(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "search",
        "--theorem-module",
        f"{USER}:TOO_STRONG",
        "--budget",
        "20",
        "--seed",
        "1",
        "--json",
    )
    doc = json.loads(out)
    assert code == 0 and doc["verdict"] == "violated"
    from verify.theorems.usermodule import load_theorem

    replayed = verify.replay(doc["counterexample"], theorem=load_theorem(f"{USER}:TOO_STRONG"))
    assert replayed.reproduced, replayed.differences
