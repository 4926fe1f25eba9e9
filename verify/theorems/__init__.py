"""Theorems as data: premises, conclusion, setting and reference, and the catalogue.

- :mod:`~verify.theorems.core`: :class:`Condition`, :class:`Theorem`, ``decide``, ``evaluate``,
  ``screen``;
- :mod:`~verify.theorems.setting`: settings (the model classes theorems are about), as data;
- :mod:`~verify.theorems.context`: the certified point (``Context``) and the float one;
- :mod:`~verify.theorems.premises`, :mod:`~verify.theorems.conclusions`: conditions, each
  with its certified check and float screen side by side;
- :mod:`~verify.theorems.yun`, :mod:`~verify.theorems.shamir`,
  :mod:`~verify.theorems.kawaguchi_bengio`, :mod:`~verify.theorems.controls`: one module per
  paper, each theorem with its setting and search cases;
- :mod:`~verify.theorems.near_identity`: the Y3 near-identity bound (derived constant);
- :mod:`~verify.theorems.catalogue`: the catalogue (what ``all`` runs);
- :mod:`~verify.theorems.planted`, :mod:`~verify.theorems.probes`: planted false theorems
  (the search's power suite) with their true controls, and open probes;
- :mod:`~verify.theorems.registry`: one lookup of every named theorem;
- :mod:`~verify.theorems.usermodule`: a user's theorem loaded from ``PATH.py:NAME``.
"""

from verify.theorems.catalogue import THEOREMS, theorem
from verify.theorems.core import Condition, Report, Theorem, evaluate
from verify.theorems.setting import Requirement, Setting

__all__ = [
    "THEOREMS",
    "Condition",
    "Report",
    "Requirement",
    "Setting",
    "Theorem",
    "evaluate",
    "theorem",
]
