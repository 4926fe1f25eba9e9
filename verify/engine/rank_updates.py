r"""Rank updates of the float64 pass on the dense ("rest") slots.

For a node ``p`` with reduced Jacobian ``ru`` (:class:`~verify.engine.scratch.Reduced`)
the curvature ``sum_{i,r} c[r,i] grad p_r grad p_r^T`` restricted to the slots whose
block of ``dp/dy`` depends on the sample (the first ``rest`` parameters), and the
products of per-unit "left" rows (fed matmuls, constant slots) with ``grad p_r``,
are the dominant cost of the float Hessian (``O(rest^2 n)`` per unit). Two ways to
the same sums, chosen per node by a multiplication count (:data:`SORT_COST`): one
symmetric product per unit and sign on samples sorted by the sign of ``c``, or one
unsorted GEMM over all units. The methods are mixed into
:class:`~verify.engine.factored.FloatPass`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from verify.engine.compiled import Graph
from verify.engine.scratch import Feed, Pool, Reduced

SORT_COST = 32  # multiplications one gathered element is worth (see RankUpdates._rest_terms)
GROUP_ROWS = 64  # rows of the Kronecker-expanded gradients per group in RankUpdates._rest_batched
BLOCK_ELEMS = 1 << 16  # elements of RankUpdates._rest_sorted's ordered buffer (512 KiB)
SEGMENT_SLACK = 1.5  # a sign segment up to this many BLOCK_ELEMS is taken in one piece


class RankUpdates:
    """The rest-slot terms of :class:`~verify.engine.factored.FloatPass` (a mixin)."""

    net: Graph
    pool: Pool
    acc: np.ndarray | None  # S + 2 L (see FloatPass)

    def _inputs(self, slots: list[int]) -> tuple[np.ndarray, list[int]]:
        raise NotImplementedError  # provided by FloatPass

    def _rest_terms(
        self,
        ru: Reduced,
        rest: int,
        c: np.ndarray | None,
        left: np.ndarray,
        feeds: list[Feed],
        consts: list[int],
        starts: list[int],
    ) -> None:
        """Blocks of :meth:`_unit_terms` that involve the dense ("rest") slots: the
        curvature ``sum_{i,r} c[r,i] grad p_r grad p_r^T`` on them and the left rows
        against ``grad p_r`` (``prod``, distributed to the fed matmuls' and the
        constant slots' rows).

        Two ways to the same sums: :meth:`_rest_sorted` (one symmetric product per unit
        and sign, samples sorted) and :meth:`_rest_batched` (no sorting: all units in
        one GEMM of twice the symmetric product's multiplications). The batched one is
        taken without curvature, and when its multiplications per unit and sample,
        ``rest * (rest + nleft)``, are within those of the sorted one,
        ``(rest + nleft)^2 / 2``, plus ``SORT_COST`` per element the sorted one gathers
        (its per-unit gathers and calls cost more than the extra multiplications for a
        small ``rest``, e.g. the second block of a ResNet).
        """
        assert ru.var is not None
        m, nleft, _ = left.shape
        width = rest + nleft
        gathered = ru.var.shape[0] + sum(self.net.slots[t].din for t in range(ru.nvar)) + nleft
        if c is None or rest * width <= width * width / 2 + SORT_COST * gathered:
            prod = self._rest_batched(ru, rest, c, left)
        else:
            prod = self._rest_sorted(ru, rest, c, left)
        if prod is None:
            return
        acc, slots = self.acc, self.net.slots
        assert acc is not None
        row = 0
        for f in feeds:
            k = f.rows.shape[0]
            blk = f.expand(prod[:, row : row + k]).transpose(1, 0, 2).reshape(f.slot.size, rest)
            acc[f.slot.offset : f.slot.stop, :rest] += 2.0 * blk  # one-sided: twice
            row += k
        for j, t in enumerate(consts if row < nleft else []):
            z = prod[:, row + starts[j] : row + starts[j + 1]]
            blk = (ru.const[t].T @ z.reshape(m, -1)).reshape(slots[t].size, rest)
            acc[slots[t].offset : slots[t].stop, :rest] += 2.0 * blk
        self.pool.release(prod)

    def _rest_batched(
        self, ru: Reduced, rest: int, c: np.ndarray | None, left: np.ndarray
    ) -> np.ndarray | None:
        """Units in groups of ``k`` (``k * rest <= GROUP_ROWS``, at least one unit),
        samples unsorted: ``X`` of shape ``(rest, k, n)`` holds ``grad_rest p_r`` of the
        group's units; the curvature is one GEMM ``(X * c) X^T`` with inner dimension
        ``k * n`` per group, and ``prod[r] = left[r] X_r^T`` one batched GEMM (groups
        bound the two ``X``-sized temporaries: all four units of the benchmark's second
        block at once were the pass's largest live set)."""
        pool, slots = self.pool, self.net.slots
        acc = self.acc
        assert acc is not None and ru.var is not None
        m, nleft, n = left.shape
        var = ru.var
        ucat, ustarts = self._inputs(list(range(ru.nvar)))
        prod = pool.empty((m, nleft, rest)) if nleft else None
        group = max(1, GROUP_ROWS // rest)
        for r0 in range(0, m, group):
            r1 = min(m, r0 + group)
            k = r1 - r0
            x = pool.empty((rest, k, n))
            for t in range(ru.nvar):
                ts = slots[t]
                dst = x[ts.offset : ts.stop].reshape(ts.dout, ts.din, k, n)
                ut = ucat[ustarts[t] : ustarts[t + 1], None, :]
                np.multiply(var[ts.col : ts.col + ts.dout, None, r0:r1], ut, out=dst)
            if c is not None:
                xc = np.multiply(x, c[r0:r1], out=pool.empty((rest, k, n)))
                acc[:rest, :rest] += xc.reshape(rest, k * n) @ x.reshape(rest, k * n).T
                pool.release(xc)
                del xc  # no reference may outlive the release (the next group's request)
            if prod is not None:
                np.matmul(left[r0:r1], x.transpose(1, 2, 0), out=prod[r0:r1])
            pool.release(x)
            del x
        pool.release(ucat)
        return prod

    def _rest_sorted(
        self, ru: Reduced, rest: int, c: np.ndarray, left: np.ndarray
    ) -> np.ndarray | None:
        """One unit ``r`` at a time, into one buffer ``X_r``: rows ``[0, rest)`` hold
        ``grad_rest p_r`` and the rows below hold the unit's left rows. The samples are
        ordered positive ``c_r``, negative ``c_r``, then negligible ``c_r`` (``|c_r| <=
        2^-200 max|c|``: below float resolution, left out of the rank updates); the
        gradient rows are scaled by ``w_r = sqrt|c_r|`` and the left rows by ``1 / w_r``
        (``-1 / w_r`` on the negative segment, ``w_r = 1`` on the negligible one), so
        that one symmetric product per sign segment ``X_r X_r^T`` gives both ``sum_i c_r
        grad p_r grad p_r^T`` (its leading block) and the left rows against the unscaled
        gradient (the block below it); the negligible segment adds only the latter.

        ``X_r`` holds at most ``BLOCK_ELEMS`` elements: each sign segment is taken in
        pieces of at most ``ceil(n / k)`` columns for the smallest ``k`` that fits (one
        piece per segment, i.e. no extra product, unless a segment is longer; at the
        benchmark model the last block's 109 rows by 1000 samples were the largest
        array of the pass), except that every segment is taken in one piece when the
        longest one fits in ``SEGMENT_SLACK * BLOCK_ELEMS`` (benchmark, n = 1000: 8
        instead of 12 products for the last block, peak memory unchanged). A single
        unit with every weight positive (the output node of a convex loss) is scaled
        through its inputs in place (``ucat *= w``: no scaled copy of the gradient
        factor) and taken whole, in one product.
        """
        pool, acc = self.pool, self.acc
        assert acc is not None and ru.var is not None
        m, nleft, n = left.shape
        var = ru.var
        ucat, ustarts = self._inputs(list(range(ru.nvar)))
        order = sign_order(c)
        rows = rest + nleft
        # one unit, every weight positive (e.g. the output node of a convex loss): scale
        # the inputs in place by w, no scaled copy of the gradient factor (vbuf)
        prescaled = m == 1 and bool(order.npos[0] == n)
        if prescaled:
            ucat *= order.w[0]
        budget = rows * n if prescaled else BLOCK_ELEMS
        nblocks = max(1, -(-rows * n // budget))
        width = -(-n // nblocks)
        longest = int(max(order.npos.max(), order.nneg.max(), (n - order.npos - order.nneg).max()))
        if rows * longest <= SEGMENT_SLACK * budget:  # every segment in one piece
            width = max(width, longest)
        buf = pool.empty((rows, width))
        vbuf = None if prescaled else pool.empty((var.shape[0], width))
        ubuf = pool.empty((ucat.shape[0], width)) if np.any(order.npos < n) else None
        gbuf = pool.empty((rows, rows))
        prod = pool.empty((m, nleft, rest)) if nleft else None
        hrr = acc[:rest, :rest]
        for r in range(m):
            a, b = int(order.npos[r]), int(order.npos[r] + order.nneg[r])
            pr = None if prod is None else prod[r]
            fresh = True  # pr not yet written for this unit
            # each sign segment in pieces of at most `width` columns (one piece each unless
            # a segment is longer than the buffer); the negligible one only for the left rows
            for lo, hi, sign in ((0, a, 1.0), (a, b, -1.0), (b, n if pr is not None else b, 0.0)):
                for c0 in range(lo, hi, width):
                    c1 = min(hi, c0 + width)
                    x = _front(buf, c1 - c0)
                    self._sorted_block(ru, r, order, ucat, ustarts, left, x, vbuf, ubuf, c0, c1)
                    if sign == 0.0:
                        assert pr is not None
                        np.matmul(x[rest:], x[:rest].T, out=gbuf[rest:, :rest])
                        gl = gbuf[rest:, :rest]
                        if fresh:
                            pr[...] = gl
                        else:
                            pr += gl
                        fresh = False
                        continue
                    # symmetric rank update (numpy calls syrk for A @ A.T, also with out=)
                    g = np.matmul(x, x.T, out=gbuf)
                    if sign > 0:
                        hrr += g[:rest, :rest]
                    else:
                        hrr -= g[:rest, :rest]
                    if pr is not None:
                        gl = g[rest:, :rest]
                        if fresh:
                            np.multiply(gl, sign, out=pr)
                        elif sign > 0:
                            pr += gl
                        else:
                            pr -= gl
                    fresh = False
            if pr is not None and fresh:
                pr.fill(0.0)
        pool.release(buf, vbuf, ubuf, ucat, gbuf)
        return prod

    def _sorted_block(
        self,
        ru: Reduced,
        r: int,
        order: SignOrder,
        ucat: np.ndarray,
        ustarts: list[int],
        left: np.ndarray,
        x: np.ndarray,
        vbuf: np.ndarray | None,
        ubuf: np.ndarray | None,
        c0: int,
        c1: int,
    ) -> None:
        """Columns ``[c0, c1)`` of unit ``r``'s ordered, scaled ``X_r`` into ``x``."""
        assert ru.var is not None
        slots, n, rest = self.net.slots, left.shape[2], self.net.offsets[ru.nvar]
        w = c1 - c0
        if vbuf is None:  # ucat already scaled by w (see _rest_sorted)
            v = ru.var[:, r, c0:c1]
            u = ucat[:, c0:c1]
        elif order.npos[r] == n:  # every weight positive: the order is the identity
            v = _front(vbuf, w)
            np.multiply(ru.var[:, r, c0:c1], order.w[r, c0:c1], out=v)
            u = ucat[:, c0:c1]
        else:
            assert ubuf is not None
            v = _front(vbuf, w)
            perm = order.perm[r, c0:c1]
            # mode="clip": the indices are in range, and the default mode buffers `out`
            np.take(ru.var[:, r], perm, axis=1, out=v, mode="clip")
            u = np.take(ucat, perm, axis=1, out=_front(ubuf, w), mode="clip")
            v *= order.w[r, c0:c1]
        for t in range(ru.nvar):
            ts = slots[t]
            dst = x[ts.offset : ts.stop].reshape(ts.dout, ts.din, w)
            np.multiply(v[ts.col : ts.col + ts.dout, None], u[ustarts[t] : ustarts[t + 1]], out=dst)
        if x.shape[0] > rest:
            lr = x[rest:]
            if order.npos[r] == n:
                np.multiply(left[r, :, c0:c1], order.inv[r, c0:c1], out=lr)
            else:
                np.take(left[r], order.perm[r, c0:c1], axis=1, out=lr, mode="clip")
                lr *= order.inv[r, c0:c1]


def _front(buf: np.ndarray, width: int) -> np.ndarray:
    """The first ``rows * width`` elements of the 2-D buffer ``buf`` as a contiguous
    ``(rows, width)`` array (``buf[:, :width]`` would be strided)."""
    return buf.reshape(-1)[: buf.shape[0] * width].reshape(buf.shape[0], width)


@dataclass
class SignOrder:
    """Samples of every unit ordered positive, negative, negligible weight ``c``."""

    perm: np.ndarray  # (m, n) sample order of each unit
    npos: np.ndarray  # (m,) samples with c > tiny
    nneg: np.ndarray  # (m,) samples with c < -tiny
    w: np.ndarray  # (m, n) sqrt|c| in that order, 1 on the negligible segment
    inv: np.ndarray  # (m, n) 1/w, negated on the negative segment


def sign_order(c: np.ndarray) -> SignOrder:
    """:class:`SignOrder` of ``c`` (shape ``(m, n)``); ``|c| <= 2^-200 max|c|`` is negligible.

    A NaN weight (overflow upstream) sorts as positive, so it reaches the result."""
    m, n = c.shape
    absc = np.abs(c)
    tiny = float(np.max(absc, initial=0.0)) * 2.0**-200
    nonpos = c <= tiny
    if not nonpos.any():  # every weight positive (e.g. a convex loss's l''): no sorting
        w = np.sqrt(absc)
        perm = np.broadcast_to(np.arange(n), (m, n))
        return SignOrder(perm, np.full(m, n), np.zeros(m, dtype=np.intp), w, np.divide(1.0, w))
    negligible = absc <= tiny
    key = nonpos.view(np.int8) + negligible.view(np.int8)  # 0 positive, 1 negative, 2 negligible
    perm = np.argsort(key, axis=1, kind="stable")
    nz = nonpos.sum(axis=1)
    npos = n - nz
    nneg = nz - negligible.sum(axis=1)
    w = np.take(absc.ravel(), perm + np.arange(0, m * n, n)[:, None])  # rows gathered by perm
    np.sqrt(w, out=w)
    stops = npos + nneg
    for r in range(m):  # segments are contiguous after sorting
        w[r, stops[r] :] = 1.0
    inv = np.divide(1.0, w)
    for r in range(m):
        np.negative(inv[r, npos[r] : stops[r]], out=inv[r, npos[r] : stops[r]])
    return SignOrder(perm, npos, nneg, w, inv)
