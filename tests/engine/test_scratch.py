"""The float pass's scratch pool (verify.engine.scratch): one arena laid out per pass shape.

The layout must never let two buffers that are alive at the same time overlap; a
replayed pass must get views of one arena; a pass that departs from the record (another
request size, another release order) must drop the plan before any view could alias a
buffer still in use; and the engine's results must not depend on the pool's mode.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.catalogue.losses import loss
from verify.data import Dataset
from verify.engine.scratch import Pool, layout
from verify.models import resnet
from verify.objectives.empirical import Objective


@st.composite
def logs(draw: Any) -> list[tuple[int, int]]:
    """A random record: requests of random sizes, each released later or never."""
    events: list[tuple[int, int]] = []
    live: list[int] = []
    seq = 0
    for _ in range(draw(st.integers(1, 30))):
        if live and draw(st.booleans()):
            j = live.pop(draw(st.integers(0, len(live) - 1)))
            events.append((-1, j))
        else:
            events.append((draw(st.integers(1, 5000)), -1))
            live.append(seq)
            seq += 1
    return events


@settings(max_examples=200, deadline=None)
@given(logs())
def test_layout_never_overlaps_buffers_alive_together(log: list[tuple[int, int]]) -> None:
    offsets, total = layout(log)
    sizes, start, stop = [], [], []
    for pos, (size, seq) in enumerate(log):
        if seq < 0:
            sizes.append(size)
            start.append(pos)
            stop.append(len(log))
        else:
            stop[seq] = pos
    peak = 0
    for pos in range(len(log)):
        peak = max(peak, sum(s for s, a, b in zip(sizes, start, stop, strict=True) if a <= pos < b))
    assert total >= peak
    for i in range(len(sizes)):
        assert offsets[i] % Pool.ALIGN == 0 and offsets[i] + sizes[i] <= total
        for j in range(i):
            if start[i] < stop[j] and start[j] < stop[i]:  # alive together
                assert offsets[i] + sizes[i] <= offsets[j] or offsets[j] + sizes[j] <= offsets[i]


def test_layout_reuses_memory_of_dead_buffers() -> None:
    log = [(8000, -1), (-1, 0), (8000, -1), (-1, 1), (4096, -1)]
    offsets, total = layout(log)
    assert total == 8000 and offsets == [0, 0, 0]


def _pass(pool: Pool, second: tuple[int, int] = (64, 70)) -> tuple[np.ndarray, ...]:
    pool.begin("k")
    a = pool.empty((100, 50))
    b = pool.empty(second)
    a.fill(1.0)
    pool.release(a)
    c = pool.empty((100, 50))
    c.fill(2.0)
    b.fill(3.0)
    out = (b.copy(), c.copy(), b, c)
    pool.release(b, c)
    pool.end()
    return out


def test_pool_replays_the_record_in_one_arena() -> None:
    pool = Pool()
    _pass(pool)  # recording: fresh buffers, then the plan (arena allocated when used)
    assert pool.retained_bytes == 0
    b_copy, c_copy, b, c = _pass(pool)
    assert pool.retained_bytes > 0
    assert b.base is c.base  # views of the arena
    assert not np.shares_memory(b, c)  # alive together
    assert np.all(b_copy == 3.0) and np.all(c_copy == 2.0)
    arena = b.base
    assert isinstance(arena, np.ndarray)
    _, _, b2, _ = _pass(pool)
    assert b2.base is arena  # the same arena every later pass
    assert pool.retained_bytes == arena.nbytes


def test_pool_drops_the_plan_when_a_pass_departs_from_the_record() -> None:
    pool = Pool()
    _pass(pool)
    _pass(pool)
    assert pool.retained_bytes > 0
    # another request size: served fresh, never a view that overlaps a live one
    pool.begin("k")
    a = pool.empty((100, 50))
    b = pool.empty((64, 71))
    assert not np.shares_memory(a, b)
    assert pool.retained_bytes == 0  # plan dropped
    pool.release(a, b)
    pool.end()
    # a release in another order also drops the plan
    _pass(pool)  # records again
    _pass(pool)
    pool.begin("k")
    a = pool.empty((100, 50))
    b = pool.empty((64, 70))
    pool.release(b)  # the record released a first
    assert pool.retained_bytes == 0
    c = pool.empty((64, 70))
    assert not np.shares_memory(a, c)
    pool.end()


def test_pool_outside_a_pass_and_after_an_error_serves_fresh_memory() -> None:
    pool = Pool()
    a, b = pool.empty((100, 50)), pool.empty((100, 50))
    pool.release(a)
    assert not np.shares_memory(a, b) and pool.retained_bytes == 0
    _pass(pool)
    pool.begin("k")
    pool.empty((100, 50))
    pool.end(completed=False)  # the pass raised: plan dropped
    assert pool.retained_bytes == 0
    _pass(pool)
    _pass(pool)
    assert pool.retained_bytes > 0


def test_hessian_does_not_depend_on_the_pool_mode() -> None:
    """Recording pass, first and later planned passes, chunked passes and a fresh
    objective agree; results never alias the arena."""
    rng = np.random.default_rng(3)
    model = resnet(4, [{"activation": "tanh", "proj": 3}] * 3)
    n = 700
    x = rng.standard_normal((n, 4))
    y = rng.standard_normal(n)
    theta = 0.5 * rng.standard_normal(model.n_params)
    obj = Objective(model, loss("squared"), Dataset(x, y))
    hs = [obj.evaluate(theta, "float").hessian for _ in range(4)]
    pool = obj.network._pool
    assert pool.retained_bytes > 0
    arena = pool._arena
    assert arena is not None
    ref = Objective(model, loss("squared"), Dataset(x, y)).evaluate(theta, "float").hessian
    assert ref is not None
    for h in hs:
        assert h is not None and not np.shares_memory(h, arena)
        assert np.max(np.abs(h - ref)) <= 1e-14 * np.max(np.abs(ref))
    obj.evaluate(theta, "float")
    assert pool._arena is arena  # every pass follows the record: the plan is never dropped
    obj.network.chunk = 256  # three chunks of one shape key each: re-recorded, replayed
    for _ in range(3):
        h = obj.evaluate(theta, "float").hessian
        assert h is not None
        assert np.max(np.abs(h - ref)) <= 1e-13 * np.max(np.abs(ref))
