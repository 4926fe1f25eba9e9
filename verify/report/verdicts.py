"""The words a report can show in its verdict column, and what each means.

A row's verdict is one of :data:`WORDS` (lower case in JSON, upper case in
tables). The README's table of verdicts is this mapping; a test keeps them in
step.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

WORDS: Mapping[str, str] = MappingProxyType(
    {
        "holds": "established, with the method shown (for a theorem at a point: "
        "premises => conclusion; vacuously if a premise is violated)",
        "violated": "false here, with EXACT or CERTIFIED evidence for every part",
        "inconclusive": "not decided (the reason says why); a search that found "
        "nothing is always INCONCLUSIVE",
        "partial": "every proof step holds rigorously, but the steps establish the "
        "claim only at the sizes or generality stated in the scope",
        "not reproduced": "a quoted statement of a paper that the toolkit could not "
        "reproduce (reported, not asserted)",
        "does not apply": "the instance is outside the theorem's setting; no verdict",
    }
)

STYLES: Mapping[str, str] = MappingProxyType(
    {
        "holds": "green",
        "violated": "bold red",
        "inconclusive": "yellow",
        "partial": "cyan",
        "not reproduced": "magenta",
        "does not apply": "dim",
    }
)


def normalise(word: str) -> str:
    """``"NOT_REPRODUCED"`` / ``"Not reproduced"`` -> ``"not reproduced"``."""
    return " ".join(str(word).replace("_", " ").lower().split())
