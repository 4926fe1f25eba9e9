"""Containers of the float64 pass (:mod:`verify.engine.factored`): reduced Jacobians,
fed matmuls and the scratch-buffer pool."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from verify.engine.compiled import Slot


@dataclass
class Reduced:
    """Reduced Jacobian ``dv/dy`` of a node ``v`` with respect to the slot outputs
    ``y``: a dense part ``var`` of shape ``(cols, dim(v), n)`` for slots
    ``[0, nvar)``, constant ``(dim(v), dout)`` blocks ``const`` for some slots
    ``>= nvar`` (reached by a linear path), and zero for every other slot."""

    var: np.ndarray | None
    nvar: int
    const: dict[int, np.ndarray]
    owned: bool = True  # False while ``var`` is shared with another live node


@dataclass
class Sum:
    """A reduced Jacobian kept unevaluated: ``sum_k M_k R_k`` over ``terms`` ``(M_k, R_k)``
    (``M_k = None``: the identity). Formed for the nodes of ``Graph.lazy`` (a linear
    chain into a narrower matmul, e.g. ``h_L`` under the readout) and evaluated only by
    that matmul, term by term on its own output rows; the terms own their arrays."""

    terms: list[tuple[np.ndarray | None, Reduced]]


@dataclass
class Feed:
    """A matmul fed by an activation: its slot and the adjoint ``ybar`` of its output,
    given as ``rows`` (``k`` by ``n``) with ``ybar = low.T @ rows``. ``low`` is ``None``
    (``rows`` is ``ybar``) unless the matmul's output reaches the network output along a
    linear path with ``d f / d y = low`` of fewer rows than ``ybar``: then ``rows`` is the
    seed and the fed matmul's terms are formed on ``d_out`` rows instead of ``dim(y)``
    and mapped back by ``low.T`` (the last residual block under a readout)."""

    slot: Slot
    rows: np.ndarray
    low: np.ndarray | None

    def expand(self, block: np.ndarray) -> np.ndarray:
        """``block`` of shape ``(m, k, x)`` on ``rows`` -> ``(m, dim(y), x)`` on ``ybar``."""
        return block if self.low is None else np.matmul(self.low.T, block)


class Pool:
    """Float64 scratch buffers reused from one evaluation to the next.

    At these sizes, first-touch page faults on freshly allocated memory cost as
    much as the arithmetic, so the float path takes its temporaries from here
    (best fit) and gives them back when they are dead. Only arrays that never
    leave the pass are given back; results are always fresh arrays. Small
    arrays are left to the allocator, and at most ``MAX_BUFFERS`` are kept.
    """

    MIN_SIZE = 4096  # elements; smaller requests come straight from numpy
    MAX_BUFFERS = 32

    def __init__(self) -> None:
        self._free: list[np.ndarray] = []

    def empty(self, shape: tuple[int, ...]) -> np.ndarray:
        size = math.prod(shape)
        if size < self.MIN_SIZE:
            return np.empty(shape)
        best = -1
        for i, b in enumerate(self._free):
            if b.size >= size and (best < 0 or b.size < self._free[best].size):
                best = i
        buf = self._free.pop(best) if best >= 0 else np.empty(size)
        return buf[:size].reshape(shape)

    def release(self, *arrays: np.ndarray | None) -> None:
        for a in arrays:
            if a is None:
                continue
            buf = a if a.base is None else a.base
            if isinstance(buf, np.ndarray) and buf.ndim == 1 and buf.size >= self.MIN_SIZE:
                self._free.append(buf)
        if len(self._free) > self.MAX_BUFFERS:
            self._free.sort(key=lambda b: b.size)
            del self._free[: len(self._free) - self.MAX_BUFFERS]
