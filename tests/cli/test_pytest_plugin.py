"""The pytest plugin: profiles, fixtures and readable failures, exercised with
pytester on a user's test file (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

import verify
from verify.testing import assert_holds, assert_not_violated, readable, verdicts

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
USER = ROOT / "examples" / "user"
SHAMIR = ROOT / "examples" / "instances" / "shamir_saddle.json"


PLUGINS = ("-p", "_hypothesis_pytestplugin", "-p", "verify.testing.plugin")

USER_FAILING = f"""
import verify
import my_claims

def test_strong(assert_not_violated):
    inst = verify.load_instance({str(SHAMIR)!r})
    assert_not_violated(verify.check(my_claims.TOO_STRONG, inst))
"""

USER_PROFILE = """
from hypothesis import given, settings
from hypothesis import strategies as st

def test_profile_loaded():
    assert settings().derandomize is True  # the 'ci' profile, registered by the plugin

@given(st.integers())
def test_prop(n):
    assert isinstance(n, int)
"""


def test_entry_point_is_declared() -> None:
    cfg = (ROOT / "setup.cfg").read_text()
    assert "pytest11 =\n    resnet_verify = verify.testing.plugin" in cfg


def test_plugin_on_a_users_test_files(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One pytest run (a subprocess, so profiles do not leak into this session) on the
    user's example test file, a failing user test and a Hypothesis test."""
    # the plugin is named explicitly, as from this checkout; an installed package
    # loads it through the pytest11 entry point instead
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile(my_claims=(USER / "my_claims.py").read_text())
    pytester.makepyfile(test_my_claims=(USER / "test_my_claims.py").read_text())
    pytester.makepyfile(test_fails=USER_FAILING, test_prop=USER_PROFILE)
    result = pytester.runpytest_subprocess(
        *PLUGINS, "-p", "no:cacheprovider", "--hypothesis-profile=ci"
    )
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(["resnet-verify *: Hypothesis profiles dev, ci, deep registered"])
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: a verdict is VIOLATED:",
            "*TOO_STRONG: NEGATIVE CONTROL*",
            "*conclusion risk_le_half_zero_predictor VIOLATED*",
            "*verdict    VIOLATED [[]exact[]]*",
        ]
    )


def test_helpers_on_every_result_type() -> None:
    inst = verify.load_instance(SHAMIR)
    result = verify.check(verify.theorem("S1"), inst)
    assert verdicts(result) == [verify.Verdict.HOLDS]
    assert_holds(result)
    assert_not_violated(result.reports[0])
    ev = verify.Evidence(verify.Verdict.VIOLATED, verify.Method.EXACT, "2 < 1 is false")
    with pytest.raises(AssertionError, match=r"VIOLATED \[exact\]: 2 < 1 is false"):
        assert_not_violated(ev)
    soft = verify.Evidence(verify.Verdict.INCONCLUSIVE, verify.Method.NUMERIC, "band")
    assert_not_violated(soft)  # INCONCLUSIVE is not a violation
    with pytest.raises(AssertionError, match="expected HOLDS, got INCONCLUSIVE"):
        assert_holds(soft)
    empty = verify.CheckResult(result.theorem, (), ())
    with pytest.raises(AssertionError, match="got none"):
        assert_holds(empty)
    assert "nothing was decided" in readable(empty)
    with pytest.raises(verify.InvalidInput, match="has no verdict"):
        assert_not_violated(object())
