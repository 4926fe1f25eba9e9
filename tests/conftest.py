"""Shared test configuration: Hypothesis profiles and the slow marker.

Profiles (select with ``--hypothesis-profile NAME``; ``ci`` is the default
under ``CI=true``, ``dev`` otherwise):

* ``dev``  – few examples, random, for local edit-run loops;
* ``ci``   – derandomized and small, so CI is reproducible;
* ``deep`` – many examples, for ``-m slow`` runs by hand.

Every profile sets ``deadline=None``: lambdify first calls and BLAS warm-up make
wall-clock deadlines flaky for numeric tests.
"""

from __future__ import annotations

from hypothesis import settings

from verify.search.strategies import default_profile, register_profiles

register_profiles()
settings.load_profile(default_profile())  # --hypothesis-profile overrides this
