r"""Rank updates of the float64 pass on the dense ("rest") slots.

For a node ``p`` with reduced Jacobian ``ru`` (:class:`~verify.engine.scratch.Reduced`)
the curvature ``sum_{i,r} c[r,i] grad p_r grad p_r^T`` restricted to the slots whose
block of ``dp/dy`` depends on the sample (the first ``rest`` parameters), and the
products of per-unit "left" rows (fed matmuls, constant slots) with ``grad p_r``,
are the dominant cost of the float Hessian. Two ways to the same sums, chosen per
node by a multiplication count (:data:`SORT_COST`, :data:`BUILD_COST`): one symmetric
product per unit and sign on samples sorted by the sign of ``c`` (``O(m rest^2 n)``
for ``m`` units, the left rows riding along), or the curvature by pairs of slots with
the units summed first (``O(rest^2 n)``, unsorted) and the left rows in GEMMs. The
methods are mixed into :class:`~verify.engine.factored.FloatPass`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg.blas import dsyrk

from verify.engine.compiled import Graph
from verify.engine.scratch import Feed, Pool, Reduced

SORT_COST = 32  # multiplications one gathered element is worth (see RankUpdates._rest_terms)
BUILD_COST = 8  # multiplications one element of _rest_batched's elementwise work is worth
PAIR_ELEMS = 1 << 17  # elements of RankUpdates._pair_curvature's buffers (1 MiB)
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
        and sign, samples sorted) and :meth:`_rest_batched` (no sorting: the curvature
        by slot pairs, the left rows in GEMMs). The batched one is taken without
        curvature, and when its multiplications per sample (:meth:`_batched_cost`)
        are within those of the sorted one, ``m (rest + nleft)^2 / 2``, plus
        ``SORT_COST`` per element the sorted one gathers. At the benchmark model
        (P = 200) that is every node but the output's single unit: the last block's
        four units took 1.5 ms in sorted products at n = 1000, 1.05 ms by pairs.
        """
        assert ru.var is not None
        m, nleft, _ = left.shape
        width = rest + nleft
        gathered = ru.var.shape[0] + sum(self.net.slots[t].din for t in range(ru.nvar)) + nleft
        sorted_cost = m * (width * width / 2 + SORT_COST * gathered)
        if c is None or self._batched_cost(ru, m, nleft) <= sorted_cost:
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

    def _batched_cost(self, ru: Reduced, m: int, nleft: int) -> float:
        """Multiplications per sample of :meth:`_rest_batched` with curvature, its
        elementwise work (``v * c``, ``A``, ``u_t ⊗ u_t'`` and ``X``) at ``BUILD_COST``
        each."""
        slots = [self.net.slots[t] for t in range(ru.nvar)]
        rest = sum(s.size for s in slots)
        pairs = built = 0
        for i, s in enumerate(slots):
            for s2 in slots[i:]:
                pairs += s.size * s2.size
                built += m * s.dout * s2.dout + s.din * s2.din
        built += m * (rest + sum(s.dout for s in slots))
        return pairs + m * nleft * rest + BUILD_COST * built

    def _rest_batched(
        self, ru: Reduced, rest: int, c: np.ndarray | None, left: np.ndarray
    ) -> np.ndarray | None:
        """Samples unsorted. The curvature by slot pairs (:meth:`_pair_curvature`), and
        ``prod[r] = left[r] X_r^T`` one batched GEMM per group of ``k`` units (``k * rest
        <= GROUP_ROWS``, at least one unit), ``X`` of shape ``(rest, k, n)`` holding
        ``grad_rest p_r`` of the group's units (groups bound ``X``)."""
        pool, slots = self.pool, self.net.slots
        assert ru.var is not None
        m, nleft, n = left.shape
        var = ru.var
        ucat, ustarts = self._inputs(list(range(ru.nvar)))
        if c is not None:
            self._pair_curvature(ru, c, ucat, ustarts)
        if not nleft:
            pool.release(ucat)
            return None
        prod = pool.empty((m, nleft, rest))
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
                del dst
            np.matmul(left[r0:r1], x.transpose(1, 2, 0), out=prod[r0:r1])
            pool.release(x)
            del x  # no view may outlive the release (the next group's request)
        pool.release(ucat)
        return prod

    def _pair_curvature(
        self, ru: Reduced, c: np.ndarray, ucat: np.ndarray, ustarts: list[int]
    ) -> None:
        """``sum_{i,r} c[r,i] grad_rest p_r grad_rest p_r^T`` one pair of dense slots
        ``t <= t'`` at a time, without forming ``grad p_r``: with ``v_t = (dp/dy_t)`` (rows
        ``ts.col ...`` of ``ru.var``) and inputs ``u_t``, the ``(t, t')`` block is
        ``sum_i A_i ⊗ (u_t,i u_t',i^T)`` for ``A_i = sum_r c[r,i] v_t[:,r,i] v_t'[:,r,i]^T``:
        one GEMM of ``A`` (``dout_t dout_t'`` rows) against ``u_t ⊗ u_t'`` (``din_t
        din_t'`` rows) with inner dimension ``n``. The units are summed before the
        GEMM, so its multiplications do not grow with their number (one symmetric
        product per unit does). Samples in chunks of at most ``PAIR_ELEMS`` elements of
        one slot's ``v * c`` and one pair's ``A`` and ``u_t ⊗ u_t'`` together."""
        pool, slots, acc = self.pool, self.net.slots, self.acc
        assert acc is not None and ru.var is not None
        var = ru.var
        m, n = c.shape
        dense = range(ru.nvar)
        vc_rows = max(slots[t].dout for t in dense) * m
        aw_rows = max(
            slots[t].dout * slots[t2].dout + slots[t].din * slots[t2].din
            for t in dense
            for t2 in range(t, ru.nvar)
        )
        width = max(1, min(n, PAIR_ELEMS // (vc_rows + aw_rows)))
        vc_buf = pool.empty((vc_rows, width))
        aw_buf = pool.empty((aw_rows, width))
        for c0 in range(0, n, width):
            c1 = min(n, c0 + width)
            w = c1 - c0
            aw = _front(aw_buf, w)
            for t in dense:
                ts = slots[t]
                vc = _front(vc_buf, w)[: ts.dout * m].reshape(ts.dout, m, w)
                np.multiply(var[ts.col : ts.col + ts.dout, :, c0:c1], c[:, c0:c1], out=vc)
                for t2 in range(t, ru.nvar):
                    ts2 = slots[t2]
                    na, nw = ts.dout * ts2.dout, ts.din * ts2.din
                    amat, wmat = aw[:na], aw[na : na + nw]
                    np.einsum(
                        "arn,brn->abn",
                        vc,
                        var[ts2.col : ts2.col + ts2.dout, :, c0:c1],
                        out=amat.reshape(ts.dout, ts2.dout, w),
                    )
                    np.multiply(
                        ucat[ustarts[t] : ustarts[t + 1], None, c0:c1],
                        ucat[ustarts[t2] : ustarts[t2 + 1], c0:c1],
                        out=wmat.reshape(ts.din, ts2.din, w),
                    )
                    g = (amat @ wmat.T).reshape(ts.dout, ts2.dout, ts.din, ts2.din)
                    blk = g.transpose(0, 2, 1, 3).reshape(ts.size, ts2.size)
                    if t != t2:  # one-sided: added twice (S + 2 L, see FloatPass)
                        blk = blk * 2.0
                    acc[ts.offset : ts.stop, ts2.offset : ts2.stop] += blk
        pool.release(vc_buf, aw_buf)

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

        The products go to one Fortran-ordered ``rows x rows`` Gram matrix through BLAS
        ``dsyrk`` (``alpha = +-1``, ``beta = 1``: lower triangle only, in place): its
        ``rest x rest`` block sums over units and signs and is added to ``acc`` once per
        node; the left rows' block is the unit's and is taken (and cleared) after it.

        ``X_r`` holds at most ``BLOCK_ELEMS`` elements: each sign segment is taken in
        pieces of at most ``ceil(n / k)`` columns for the smallest ``k`` that fits (one
        piece per segment unless a segment is longer), except that every segment is
        taken in one piece when the longest one fits in ``SEGMENT_SLACK * BLOCK_ELEMS``.
        A single unit with every weight positive (the output node of a convex loss) is
        scaled through its inputs in place (``ucat *= w``: no scaled copy of the
        gradient factor).
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
        nblocks = max(1, -(-rows * n // BLOCK_ELEMS))
        width = -(-n // nblocks)
        longest = int(max(order.npos.max(), order.nneg.max(), (n - order.npos - order.nneg).max()))
        if rows * longest <= SEGMENT_SLACK * BLOCK_ELEMS:  # every segment in one piece
            width = max(width, longest)
        buf = pool.empty((rows, width))
        vbuf = None if prescaled else pool.empty((var.shape[0], width))
        ubuf = pool.empty((ucat.shape[0], width)) if np.any(order.npos < n) else None
        gbuf = pool.empty((rows, rows))
        gram = gbuf.T  # Fortran order: updated in place by dsyrk, lower triangle only
        gram.fill(0.0)
        prod = pool.empty((m, nleft, rest)) if nleft else None
        for r in range(m):
            a, b = int(order.npos[r]), int(order.npos[r] + order.nneg[r])
            pr = None if prod is None else prod[r]
            loose: list[np.ndarray] = []  # left rows against the negligible segment
            # each sign segment in pieces of at most `width` columns (one piece each unless
            # a segment is longer than the buffer); the negligible one only for the left rows
            for lo, hi, sign in ((0, a, 1.0), (a, b, -1.0), (b, n if pr is not None else b, 0.0)):
                for c0 in range(lo, hi, width):
                    c1 = min(hi, c0 + width)
                    x = _front(buf, c1 - c0)
                    self._sorted_block(ru, r, order, ucat, ustarts, left, x, vbuf, ubuf, c0, c1)
                    if sign == 0.0:
                        loose.append(x[rest:] @ x[:rest].T)
                    else:
                        # gram += sign * x x^T (lower triangle): the rest x rest block sums
                        # over units, the left rows' block is this unit's (taken below)
                        out = dsyrk(sign, x.T, beta=1.0, c=gram, trans=1, lower=1, overwrite_c=1)
                        if out is not gram:  # f2py copied (not expected: gram is Fortran)
                            gram[...] = out
            if pr is not None:
                np.copyto(pr, gram[rest:, :rest])
                gram[rest:, :rest] = 0.0
                for g in loose:
                    pr += g
        # the rest x rest block: only its lower triangle T was formed; acc is symmetrised
        # as (acc + acc^T) / 2 (see FloatPass), so adding 2T - diag(T) adds T + T^T - diag(T)
        hrr, trr = acc[:rest, :rest], gram[:rest, :rest]
        hrr += trr
        hrr += trr
        diag = acc.reshape(-1)[: rest * (acc.shape[0] + 1) : acc.shape[0] + 1]
        diag -= np.diagonal(trr)
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
