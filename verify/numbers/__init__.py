"""Number systems: float64, exact rationals (python-flint ``fmpq``) and Arb balls.

- :mod:`~verify.numbers.arithmetic`: :class:`Arithmetic` and conversions;
- :mod:`~verify.numbers.expressions`: SymPy expressions compiled to evaluators for each arithmetic.
"""

from verify.numbers.arithmetic import Arithmetic

__all__ = ["Arithmetic"]
