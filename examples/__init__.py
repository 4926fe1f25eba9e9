"""The papers' hand-built examples, one runnable script each (see ``examples/README.md``).

Every module in :data:`ALL` exposes ``TITLE``, ``claims() -> list[verify.Claim]``
(one typed claim per statement it reproduces) and ``main() -> int``
(``verify.run_script(TITLE, claims)``), which exits 0 only if every asserted
claim is reproduced.
"""

from __future__ import annotations

import importlib
from types import ModuleType

ALL: tuple[str, ...] = (
    "y5_fully_connected_no_better",
    "y5_resnet_strictly_better",
    "y6_nonmonotone_representations",
    "s1_d2_strict_saddle",
    "k3_vector_output_counterexample",
    "k3_generic_certified_minimum",
    "k3_library_search",
    "fc_dead_relu_bad_minimum",
)


def load(name: str) -> ModuleType:
    """Import ``examples.<name>`` (``name`` must be listed in :data:`ALL`)."""
    if name not in ALL:
        from verify import InvalidInput

        raise InvalidInput(f"name={name!r} is not an example; choose one of {list(ALL)}.")
    return importlib.import_module(f"{__name__}.{name}")
