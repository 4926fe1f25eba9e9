"""Containers of the float64 pass (:mod:`verify.engine.factored`): reduced Jacobians,
fed matmuls and the scratch-buffer pool."""

from __future__ import annotations

import math
from collections.abc import Hashable
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
    """Float64 scratch memory of the float pass, laid out once per pass shape.

    At these sizes, first-touch page faults on freshly allocated memory cost as much as
    the arithmetic, so temporaries are reused from one evaluation to the next; and a
    pool of separately sized buffers fragments (best fit kept ~3.5x the Jacobian alive
    at the benchmark model where at most ~1.8x was in use at once). So the pool plans:

    * between :meth:`begin` and :meth:`end` of a pass whose *key* (its sample count) has
      no plan yet, requests are served fresh and given back to the allocator when
      released (peak = what is in use), and the sequence of requests and releases is
      recorded;
    * :meth:`end` lays the recorded buffers out in one arena (:func:`layout`: buffers
      alive at the same time never overlap) and keeps only that arena;
    * a later pass with the same key is served views into the arena, each request and
      release checked against the record; at the first difference (another code path)
      the plan is dropped and the rest of the pass is served fresh, so a view is never
      handed out while the buffer it overlaps is in use.

    Outside :meth:`begin` / :meth:`end` (e.g. a pass driven by hand) every request is
    fresh. Small requests (below ``MIN_SIZE`` elements) always come straight from numpy.
    Only arrays that never leave the pass are given back; results are always fresh.
    What stays allocated between passes is the arena alone (:attr:`retained_bytes`).
    """

    MIN_SIZE = 4096  # elements
    ALIGN = 8  # elements (64 bytes) between arena buffers

    def __init__(self) -> None:
        self._key: Hashable | None = None  # the key of the pass in progress
        # key, record, offsets, arena size; the arena is allocated by the first pass using it
        self._plan: tuple[Hashable, list[tuple[int, int]], list[int], int] | None = None
        self._arena: np.ndarray | None = None
        self._log: list[tuple[int, int]] | None = None  # (size, -1) alloc, (-1, seq) release
        # recording: id(buffer) -> (seq, buffer); holding the buffer keeps its id from
        # being reused by another array while it is tracked (a buffer dropped without
        # release lives, in the record, to the end of the pass)
        self._ids: dict[int, tuple[int, np.ndarray]] = {}
        self._pos = 0  # planned: next event of the record
        self._seq = 0  # allocations so far in this pass

    @property
    def retained_bytes(self) -> int:
        """Bytes kept between passes (the arena; none between a recording pass and the
        first pass that uses its plan)."""
        return 0 if self._arena is None else self._arena.nbytes

    def begin(self, key: Hashable) -> None:
        """Start a pass; ``key`` identifies passes with the same sequence of requests
        (e.g. the sample count and the kind of pass)."""
        self._key, self._pos, self._seq, self._ids = key, 0, 0, {}
        planned = self._plan is not None and self._plan[0] == key
        self._log = None if planned else []
        if planned and self._arena is None:
            assert self._plan is not None
            self._arena = np.empty(self._plan[3])

    def end(self, completed: bool = True) -> None:
        """Finish a pass: lay out what a recording pass requested, or check that a
        planned pass used the whole record; ``completed=False`` (the pass raised) drops
        the plan."""
        if self._key is None:
            return
        if not completed:
            self._drop()
        elif self._log is not None:
            self._plan, self._arena = None, None  # free the old arena before the new one
            if self._seq:
                offsets, total = layout(self._log)
                self._plan = (self._key, self._log, offsets, total)
        elif self._plan is not None and self._pos != len(self._plan[1]):
            self._drop()
        self._key, self._log, self._ids = None, None, {}

    def _drop(self) -> None:
        """Leave planned mode for the rest of this pass (views already served stay valid:
        they keep the arena alive)."""
        self._plan, self._arena, self._log = None, None, None

    def _planned(self) -> bool:
        return self._key is not None and self._log is None and self._plan is not None

    def empty(self, shape: tuple[int, ...]) -> np.ndarray:
        size = math.prod(shape)
        if size < self.MIN_SIZE:
            return np.empty(shape)
        if self._planned():
            assert self._plan is not None and self._arena is not None
            _, log, offsets, _ = self._plan
            if self._pos < len(log) and log[self._pos] == (size, -1):
                off = offsets[self._seq]
                self._pos += 1
                self._seq += 1
                return self._arena[off : off + size].reshape(shape)
            self._drop()
        buf = np.empty(size)
        if self._log is not None:
            self._ids[id(buf)] = (self._seq, buf)
            self._log.append((size, -1))
            self._seq += 1
        return buf.reshape(shape)

    def release(self, *arrays: np.ndarray | None) -> None:
        """Give back arrays obtained from :meth:`empty` (or reshaped views of them)."""
        for a in arrays:
            if a is None:
                continue
            buf = a if a.base is None else a.base
            if self._log is not None:
                tracked = self._ids.pop(id(buf), None)
                if tracked is not None:
                    self._log.append((-1, tracked[0]))
            elif self._planned() and buf is self._arena:
                assert self._plan is not None
                _, log, offsets, _ = self._plan
                start = (a.ctypes.data - buf.ctypes.data) // buf.itemsize
                event = log[self._pos] if self._pos < len(log) else (0, -1)
                if event[0] == -1 and offsets[event[1]] == start:
                    self._pos += 1
                else:
                    self._drop()


def layout(log: list[tuple[int, int]]) -> tuple[list[int], int]:
    """Offsets (elements) of the buffers of a recorded pass in one arena, and its size.

    ``log`` holds ``(size, -1)`` for the ``j``-th request and ``(-1, j)`` for its release,
    in order; a buffer never released lives to the end. Two buffers alive at the same
    event never overlap. Greedy: largest first, each at the lowest offset free for the
    whole of its lifetime.
    """
    sizes: list[int] = []
    start: list[int] = []
    stop: list[int] = []
    for pos, (size, seq) in enumerate(log):
        if seq < 0:
            sizes.append(-(-size // Pool.ALIGN) * Pool.ALIGN)
            start.append(pos)
            stop.append(len(log))
        else:
            stop[seq] = pos
    offsets = [0] * len(sizes)
    placed: list[int] = []
    for j in sorted(range(len(sizes)), key=lambda i: (-sizes[i], start[i])):
        busy = sorted(
            (offsets[i], offsets[i] + sizes[i])
            for i in placed
            if start[i] < stop[j] and start[j] < stop[i]
        )
        off = 0
        for lo, hi in busy:
            if off + sizes[j] <= lo:
                break
            off = max(off, hi)
        offsets[j] = off
        placed.append(j)
    return offsets, max((o + s for o, s in zip(offsets, sizes, strict=True)), default=0)
