r"""The best linear predictor ``R_lin = inf_t E[l(t^T x; y)]`` with a certified bracket.

- :mod:`~verify.baseline.predictor`: :class:`Baseline` and :func:`best_linear_predictor`;
- :mod:`~verify.baseline.output`: the route to ``R_lin`` for one output column;
- :mod:`~verify.baseline.solve`: CVXPY, Newton polish and KKT re-check (float proposals);
- :mod:`~verify.baseline.exact`: rigorous bounds and rational linear algebra;
- :mod:`~verify.baseline.separability`: linear separability for margin losses, re-checked exactly.
"""

from verify.baseline.predictor import Baseline, best_linear_predictor
from verify.baseline.solve import SOLVERS, ProblemCache

__all__ = ["SOLVERS", "Baseline", "ProblemCache", "best_linear_predictor"]
