"""Theorems as data: premises, conclusion, setting and reference, and the catalogue.

- :mod:`~verify.theorems.core`: :class:`Condition`, :class:`Theorem`, ``decide``, ``evaluate``;
- :mod:`~verify.theorems.premises`: the certified premise and conclusion checks;
- :mod:`~verify.theorems.screening`: their float64 screens for the search;
- :mod:`~verify.theorems.catalogue`: the theorems of the seed papers and the negative controls.
"""

from verify.theorems.catalogue import THEOREMS, theorem
from verify.theorems.core import Condition, Report, Theorem, evaluate

__all__ = ["THEOREMS", "Condition", "Report", "Theorem", "evaluate", "theorem"]
