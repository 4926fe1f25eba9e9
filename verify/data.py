"""Datasets (finite samples ``(x_i, y_i)``, rows are samples, kept exactly as given) and
instances (a loss, a dataset, optionally a model and a parameter point)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from verify.errors import InvalidInput

if TYPE_CHECKING:
    from verify.catalogue.losses import Loss
    from verify.models import Model


@dataclass(frozen=True)
class Dataset:
    """Samples ``x`` (n × d_in, rows are samples) and labels ``y`` (n or n × d_out).

    Values are stored as given (``Fraction`` for exact input, floats otherwise)
    and converted to each arithmetic on demand.
    """

    x: np.ndarray
    y: np.ndarray

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=object)
        y = np.asarray(self.y, dtype=object)
        if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
            raise InvalidInput(
                f"data.x has shape {x.shape}; expected a non-empty n × d list of rows."
            )
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
            raise InvalidInput(
                f"data.y has shape {y.shape}; expected ({x.shape[0]},) or ({x.shape[0]}, d_out)."
            )
        for name, arr in (("x", x), ("y", y)):
            for idx, v in np.ndenumerate(arr):
                if isinstance(v, bool) or not isinstance(v, int | float | Fraction | np.number):
                    raise InvalidInput(f"data.{name}{list(idx)}={v!r} is not a number.")
                if isinstance(v, float | np.floating) and not np.isfinite(v):
                    raise InvalidInput(f"data.{name}{list(idx)}={v!r} is not finite.")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @property
    def d_in(self) -> int:
        return int(self.x.shape[1])

    @property
    def d_out(self) -> int:
        return 1 if self.y.ndim == 1 else int(self.y.shape[1])

    @property
    def exact(self) -> bool:
        """True if every number is an int or Fraction (given exactly)."""
        return all(not isinstance(v, float | np.floating) for v in (*self.x.flat, *self.y.flat))


@dataclass(frozen=True)
class Instance:
    """A model, a loss, data and an optional parameter point."""

    loss: Loss
    data: Dataset
    model: Model | None = None
    params: np.ndarray | None = None
    name: str = ""
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def require_model(self) -> Model:
        if self.model is None:
            raise InvalidInput("the instance has no 'model'; add one (see README, Instance files).")
        return self.model

    def require_params(self) -> np.ndarray:
        if self.params is None:
            raise InvalidInput("the instance has no 'params'; add the parameter point to check.")
        return self.params
