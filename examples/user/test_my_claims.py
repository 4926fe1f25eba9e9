"""Testing your own theorems with the resnet-verify pytest plugin: a file to copy.

With resnet-verify installed, pytest loads the plugin by itself (no conftest
needed): the fixtures ``assert_not_violated``, ``assert_holds`` and
``shipped_instance`` are available, and ``--hypothesis-profile dev|ci|deep``
selects one of the toolkit's Hypothesis profiles. Run it with::

    python -m pytest test_my_claims.py        # next to my_claims.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import verify
from verify.testing import assert_not_violated as plain_assert_not_violated

sys.path.insert(0, str(Path(__file__).resolve().parent))  # import my_claims next to this file
import my_claims

Fixture = Callable[..., Any]


def test_zero_predictor_bound_holds(shipped_instance: Fixture, assert_holds: Fixture) -> None:
    result = verify.check(my_claims.ZERO_PREDICTOR_BOUND, shipped_instance("shamir_saddle"))
    assert_holds(result)  # on failure, pytest shows the toolkit's readable report


def test_too_strong_is_caught(shipped_instance: Fixture, assert_not_violated: Fixture) -> None:
    result = verify.check(my_claims.TOO_STRONG, shipped_instance("shamir_saddle"))
    with pytest.raises(AssertionError, match="VIOLATED"):
        assert_not_violated(result)


def test_helpers_are_importable_without_the_fixture(shipped_instance: Fixture) -> None:
    result = verify.check(verify.theorem("S1"), shipped_instance("shamir_saddle"))
    plain_assert_not_violated(result)
