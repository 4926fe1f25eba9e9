"""The resnet-verify pytest plugin (entry point ``pytest11``: ``resnet_verify``).

Loaded automatically when resnet-verify is installed (or explicitly with
``-p verify.testing.plugin``). On import it registers the Hypothesis profiles
``dev``, ``ci`` (derandomized) and ``deep`` shared with the toolkit's own
tests, so ``pytest --hypothesis-profile=ci`` works in a user's project. It
offers the fixtures:

* ``assert_not_violated`` — :func:`verify.testing.assert_not_violated`;
* ``assert_holds`` — :func:`verify.testing.assert_holds`;
* ``shipped_instance`` — ``shipped_instance("shamir_saddle")`` loads an instance
  file shipped with the papers' examples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from verify.search.strategies import register_profiles
from verify.testing.asserts import assert_holds as _assert_holds
from verify.testing.asserts import assert_not_violated as _assert_not_violated

register_profiles()  # before Hypothesis' own plugin loads --hypothesis-profile


def pytest_report_header(config: pytest.Config) -> str:
    from verify.report.provenance import tool_version

    return f"resnet-verify {tool_version()}: Hypothesis profiles dev, ci, deep registered"


@pytest.fixture
def assert_not_violated() -> Callable[[Any], None]:
    """Fail with the readable report if a result has a VIOLATED verdict."""
    return _assert_not_violated


@pytest.fixture
def assert_holds() -> Callable[[Any], None]:
    """Fail with the readable report unless every verdict of a result HOLDS."""
    return _assert_holds


@pytest.fixture
def shipped_instance() -> Callable[[str], Any]:
    """Load an instance shipped with the examples by name, e.g. ``"shamir_saddle"``."""
    from verify.bundled import data_path
    from verify.errors import InvalidInput
    from verify.io.instances import load_instance

    def load(name: str) -> Any:
        path = data_path("instances", f"{name.removesuffix('.json')}.json")
        if not path.is_file():
            known = sorted(p.stem for p in path.parent.glob("*.json"))
            raise InvalidInput(f"name={name!r} is not a shipped instance; use one of {known}.")
        return load_instance(path)

    return load
