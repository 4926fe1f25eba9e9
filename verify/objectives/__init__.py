"""Objectives: risk, gradient and Hessian at a point, in an arithmetic.

- :mod:`~verify.objectives.empirical`: empirical risk over a finite :class:`~verify.data.Dataset`.
"""

from verify.objectives.empirical import Landscape, Objective

__all__ = ["Landscape", "Objective"]
