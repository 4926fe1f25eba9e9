"""Small, exact-where-possible statistics for experiment reports."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from verify.errors import InvalidInput

#: two-sided 95 % normal quantile
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Rate:
    """``successes`` out of ``trials`` with a 95 % Wilson score interval."""

    successes: int
    trials: int
    low: float
    high: float

    @property
    def value(self) -> float:
        return self.successes / self.trials

    def to_dict(self) -> dict[str, Any]:
        return {
            "successes": self.successes,
            "trials": self.trials,
            "rate": self.value,
            "wilson95": [self.low, self.high],
        }

    def __str__(self) -> str:
        return (
            f"{self.successes}/{self.trials} = {self.value:.3f} "
            f"(95% Wilson [{self.low:.3f}, {self.high:.3f}])"
        )


def wilson(successes: int, trials: int, z: float = Z95) -> Rate:
    """The Wilson score interval for a binomial proportion (default 95 %)."""
    if not isinstance(trials, int) or trials <= 0:
        raise InvalidInput(f"trials={trials!r} must be a positive integer.")
    if not isinstance(successes, int) or not 0 <= successes <= trials:
        raise InvalidInput(f"successes={successes!r} must be an integer in [0, trials={trials}].")
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return Rate(successes, trials, max(0.0, centre - half), min(1.0, centre + half))


def mean_and_se(values: list[float]) -> tuple[float, float]:
    """Sample mean and its standard error (0 for a single value)."""
    if not values:
        raise InvalidInput("values=[] must hold at least one number.")
    n = len(values)
    m = math.fsum(values) / n
    if n == 1:
        return m, 0.0
    var = math.fsum((v - m) ** 2 for v in values) / (n - 1)
    return m, math.sqrt(var / n)
