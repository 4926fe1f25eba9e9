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

:func:`stable_generation` makes Hypothesis's own provider draw only its
built-in constants (fixed by the Hypothesis version) for the duration of one
search, so a search is a function of its arguments and the library versions
only. It swaps the registered ``"hypothesis"`` provider class for the duration
(the runner resolves it once, when the search starts) and restores it afterwards;
nothing else of Hypothesis changes (the engine, its data tree, mutations,
targeting and shrinking stay those of the default backend). Searches in several
threads of one process at once may see the default provider (the swap is
process-wide): use processes, as ``--workers`` does.
``tests/search/test_generation.py`` checks that a pool of local constants no
longer changes the generated cases.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

try:  # Hypothesis internals (>= 6.131); older releases draw no source-code constants
    from hypothesis.internal.conjecture.choice import choice_permitted
    from hypothesis.internal.conjecture.providers import (
        AVAILABLE_PROVIDERS,
        GLOBAL_CONSTANTS,
        HypothesisProvider,
    )
    HAVE_PROVIDERS = True
except ImportError:  # pragma: no cover - depends on the installed Hypothesis
    HAVE_PROVIDERS = False


if HAVE_PROVIDERS:

    class StableProvider(HypothesisProvider):
        """Hypothesis's provider drawing only its built-in constants (``GLOBAL_CONSTANTS``,
        fixed by the Hypothesis version), never those of the imported local modules: the
        same choices, with the same probabilities and random numbers, as the default
        provider in a process without local constants. (Its constant cache is shared with
        the default provider and holds local constants, so it is not used here.)"""

        def _maybe_draw_constant(self, choice_type: Any, constraints: Any, *,
                                 p: float = 0.05) -> Any:
            assert self._random is not None
            if self._random.random() > p:
                return None
            pool = tuple(c for c in GLOBAL_CONSTANTS.set_for_type(choice_type)
                         if choice_permitted(c, constraints))
            if not pool:
                return None
            return self._random.choice(self._random.choice([pool]))


@contextlib.contextmanager
def stable_generation() -> Iterator[None]:
    """Within the block, Hypothesis runs started use :class:`StableProvider` (with a
    Hypothesis older than the constant draws: nothing to change)."""
    if not HAVE_PROVIDERS:
        yield
        return
    saved = AVAILABLE_PROVIDERS["hypothesis"]
    AVAILABLE_PROVIDERS["hypothesis"] = StableProvider
    try:
        yield
    finally:
        AVAILABLE_PROVIDERS["hypothesis"] = saved


__all__ = ["stable_generation"]
