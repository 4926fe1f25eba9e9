r"""Case generation that does not depend on which modules happen to be imported.

Since Hypothesis 6.131 its provider draws, with probability 0.05 per integer (0.15
per float), a *constant* from a pool that includes every literal found in the
source of the **local** modules in ``sys.modules`` at the time (modules outside
site-packages and the standard library: a source checkout, test files, a user's
script). The same seed then generates different instances depending on what the
process imported before: a search run after other work, in a command-line client,
or in a Dask worker that imported less, could try different cases and shrink to a
different counterexample. (Found in this project: a K3 search shrank to a
``softplus`` model in the test-suite process and to a ``square`` one in a fresh
process, with the same seed.)

:func:`stable_generation` makes Hypothesis's own provider skip those constant
draws for the duration of one search, so a search is a function of its
arguments and the library versions only. It swaps the registered ``"hypothesis"``
provider class for the duration (the runner resolves it once, when the search
starts) and restores it afterwards; nothing else of Hypothesis changes (the
engine, its data tree, mutations, targeting and shrinking stay those of the
default backend). ``tests/search/test_generation.py`` checks that a pool of
local constants no longer changes the generated cases.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from hypothesis.internal.conjecture.providers import AVAILABLE_PROVIDERS, HypothesisProvider


class StableProvider(HypothesisProvider):
    """Hypothesis's provider without its draws of source-code constants."""

    def _maybe_draw_constant(self, choice_type: Any, constraints: Any, *, p: float = 0.05
                             ) -> None:
        return None


@contextlib.contextmanager
def stable_generation() -> Iterator[None]:
    """Within the block, Hypothesis runs started use :class:`StableProvider`."""
    saved = AVAILABLE_PROVIDERS["hypothesis"]
    AVAILABLE_PROVIDERS["hypothesis"] = StableProvider
    try:
        yield
    finally:
        AVAILABLE_PROVIDERS["hypothesis"] = saved


__all__ = ["StableProvider", "stable_generation"]
