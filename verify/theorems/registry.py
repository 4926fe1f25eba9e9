"""Every named theorem in one lookup: the catalogue, the planted false theorems and their
true controls (:mod:`verify.theorems.planted`) and the open probes
(:mod:`verify.theorems.probes`).

``check``, ``search``, ``replay``, campaigns and Dask shards all resolve an id here, so a
record of a planted theorem replays and ``resnet-verify search P-S1`` works like
``search Y1``. The catalogue (:data:`verify.theorems.catalogue.THEOREMS`) stays the list
``resnet-verify all`` and ``check --list`` show.
"""

from __future__ import annotations

from verify.errors import InvalidInput
from verify.theorems.catalogue import THEOREMS
from verify.theorems.core import Theorem
from verify.theorems.planted import PLANTED, TRUE_CONTROLS
from verify.theorems.probes import PROBES

#: The groups ``check --list`` shows: the catalogue (what ``all`` runs), the planted false
#: theorems of the power suite (FC1 and K3 are catalogue controls and listed there), true
#: controls searched beside them, and open probes.
GROUPS: dict[str, dict[str, Theorem]] = {
    "catalogue": dict(THEOREMS),
    "planted": {k: t for k, t in PLANTED.items() if k.upper() not in THEOREMS},
    "true control": dict(TRUE_CONTROLS),
    "probe": dict(PROBES),
}


def _table() -> dict[str, Theorem]:
    table: dict[str, Theorem] = {}
    for group in GROUPS.values():
        for key, thm in group.items():
            table.setdefault(key.upper(), thm)
    return table


NAMED: dict[str, Theorem] = _table()


def named(spec: str, without: tuple[str, ...] | list[str] = ()) -> Theorem:
    """The theorem called ``spec`` (case-insensitive), optionally weakened by ``without``."""
    if not isinstance(spec, str):
        raise InvalidInput(f"theorem={spec!r} must be a theorem id such as 'Y1'.")
    key = spec.strip().upper()
    if key not in NAMED:
        extra = [k for k in NAMED if k not in THEOREMS]
        raise InvalidInput(
            f"theorem={spec!r} is unknown; use one of {', '.join(THEOREMS)} or a planted "
            f"theorem, control or probe: {', '.join(extra)} (see 'resnet-verify check --list')."
        )
    return NAMED[key].without(*without)


__all__ = ["GROUPS", "NAMED", "named"]
