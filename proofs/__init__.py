"""Machine-checked proof steps, one module per theorem (see ``proofs/README.md``).

Each module in :data:`ALL` exposes ``PROOF: verify.proofkit.steps.Proof``, a
``build_proof(**inputs)`` function that rebuilds it from its inputs (sizes and
the claimed formulas or constants), and runs as a script
(``python -m proofs.<name>``), exiting 0 only if every step HOLDS.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from verify import (
    InvalidInput,
    Proof,
)

ALL: tuple[str, ...] = (
    "resnet_block_no_bad_local_minima",
    "single_block_resnet_critical_points_no_worse_than_linear",
    "deep_resnet_critical_points_no_worse_than_linear_or_saddle",
    "deep_resnet_dichotomy_without_premise_1",
    "resnet_block_approximate_stationary_risk_bound",
    "resnet_local_minima_no_worse_than_basis_model",
    "near_identity_resnet_risk_bound",
    "linear_resnet_near_identity_global_minima",
)


def load(name: str) -> ModuleType:
    """Import the proof module ``proofs.<name>`` (``name`` must be listed in :data:`ALL`)."""
    if name not in ALL:
        raise InvalidInput(f"name={name!r} is not a proof module; choose one of {list(ALL)}.")
    return importlib.import_module(f"{__name__}.{name}")


def all_proofs() -> tuple[Proof, ...]:
    """The ``PROOF`` of every module in :data:`ALL`, in order."""
    return tuple(load(name).PROOF for name in ALL)
