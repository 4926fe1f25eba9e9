"""The one definition of tolerance bands.

Every numeric predicate computes a signed margin ``m`` (``m > 0`` means the
property is satisfied).  With a tolerance ``tol >= 0``:

* ``m > tol``  gives HOLDS,
* ``m < -tol`` gives VIOLATED,
* otherwise the answer is INCONCLUSIVE (a sign is never decided inside the band).

Exact and certified margins use ``tol = 0`` and, for certified enclosures, an
interval ``[lo, hi]``: HOLDS needs ``lo > 0``, VIOLATED needs ``hi < 0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from verify.errors import InvalidInput
from verify.verdict import Verdict


@dataclass(frozen=True)
class Tolerance:
    """Tolerances used for float (NUMERIC) decisions.

    Attributes:
        atol: absolute band for signed margins.
        rtol: relative band, scaled by a reference magnitude.
        grad: largest gradient norm accepted as "critical" in float.
    """

    atol: float = 1e-8
    rtol: float = 1e-8
    grad: float = 1e-8

    def __post_init__(self) -> None:
        for name in ("atol", "rtol", "grad"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise InvalidInput(
                    f"Tolerance.{name}={value!r} must be a finite number >= 0; "
                    f"pass e.g. {name}=1e-8."
                )

    def band(self, scale: float = 1.0) -> float:
        """Width of the band for a quantity of magnitude ``scale``."""
        return self.atol + self.rtol * abs(scale)


DEFAULT = Tolerance()


def verdict_from_margin(margin: float, tol: float) -> Verdict:
    """Map a signed float margin to a verdict through the band ``[-tol, tol]``.

    >>> verdict_from_margin(1.0, 1e-8).name, verdict_from_margin(1e-9, 1e-8).name
    ('HOLDS', 'INCONCLUSIVE')
    """
    if not math.isfinite(margin):
        return Verdict.INCONCLUSIVE
    if margin > tol:
        return Verdict.HOLDS
    if margin < -tol:
        return Verdict.VIOLATED
    return Verdict.INCONCLUSIVE


def verdict_from_interval(lo: float, hi: float) -> Verdict:
    """Map a rigorous enclosure ``[lo, hi]`` of a margin to a verdict.

    >>> verdict_from_interval(0.1, 0.2).name, verdict_from_interval(-0.1, 0.2).name
    ('HOLDS', 'INCONCLUSIVE')
    """
    if lo > 0:
        return Verdict.HOLDS
    if hi < 0:
        return Verdict.VIOLATED
    return Verdict.INCONCLUSIVE
