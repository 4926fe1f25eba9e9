"""Helpers for users' own tests (``pytest`` plugin: :mod:`verify.testing.plugin`).

* :func:`assert_not_violated` — fail with the readable report if any verdict in
  a result is VIOLATED;
* :func:`assert_holds` — fail unless every verdict in a result HOLDS;
* :func:`verdicts` and :func:`readable` — the verdicts and the text report of a
  result (a theorem ``Report``, a ``CheckResult``, a ``SearchReport``, a
  ``ProofReport``, a ``Replay`` or a single ``Evidence``).

With resnet-verify installed, pytest loads the plugin automatically (entry
point ``pytest11``); it registers the Hypothesis profiles ``dev``, ``ci`` and
``deep`` (select one with ``--hypothesis-profile``) and offers the fixtures
``assert_not_violated``, ``assert_holds`` and ``shipped_instance``.
"""

from verify.testing.asserts import assert_holds, assert_not_violated, readable, verdicts

__all__ = ["assert_holds", "assert_not_violated", "readable", "verdicts"]
