"""The chain-rule derivative engine.

- :mod:`~verify.engine.graph`: the compiled operation graph, evaluated exactly or in balls;
- :mod:`~verify.engine.factored`: the BLAS-heavy float64 pass over the same graph (with
  :mod:`~verify.engine.adjoints`, :mod:`~verify.engine.rank_updates` and the scratch arena
  of :mod:`~verify.engine.scratch`);
- :mod:`~verify.engine.symbolic`: whole-network SymPy closed forms for tiny models (reference).
"""

from verify.engine.graph import Network

__all__ = ["Network"]
