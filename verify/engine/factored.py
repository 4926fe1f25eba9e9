r"""Float64 engine over the compiled graph (:mod:`verify.engine.compiled`).

Same formulas as the direct engine in :mod:`verify.engine.graph` (edge pushing:
activation curvature, bilinear cross terms, optional Gauss--Newton term), in a
factored form that keeps the heavy work in BLAS products with inner dimension
``n`` and avoids ``(dim, P, n)`` Jacobians:

* every parameter belongs to a *slot*: a ``matmul`` ``y = M u`` or a ``bias``
  ``y = u + b``. The gradient of any node ``v`` with respect to the slot's
  parameters is the Kronecker product ``(dv/dy) ⊗ u`` (``u = 1`` for a bias),
  so nodes carry only the *reduced* Jacobian ``dv/dy`` (``dout`` columns per
  slot instead of ``dout * din``);
* blocks of ``dv/dy`` that do not depend on the sample (a linear path, e.g.
  ``p_l = U_l h_{l-1}`` with respect to ``V_{l-1}`` and ``U_l``) stay constant
  ``(dim, dout)`` matrices, and their Hessian blocks need only products with
  the slot inputs;
* the remaining ("rest") rows of ``sum_{i,r} c_{r,i} grad p_r grad p_r^T``, with
  the per-unit left rows riding along, come from :mod:`verify.engine.rank_updates`:
  one symmetric rank update per unit and sign of ``c`` on samples sorted by sign, or,
  for several units, one GEMM per pair of dense slots with the units summed first and
  the left rows in GEMMs;
* a fed matmul whose output reaches the output along a linear path (the last
  block's ``V`` under a readout) works on the ``d_out`` seed rows instead of its
  ``dim(y)`` adjoint rows (:class:`~verify.engine.scratch.Feed`);
* the bilinear term of a matmul fed by an activation is formed at the
  activation, in the same batched GEMM as the constant-slot blocks;
* a linear chain into a narrower matmul (``h_L = h_{L-1} + V_L a_L`` under the
  readout) is never formed: each term is pushed to the readout after its last
  other use (:func:`~verify.engine.compiled._lazy_nodes`, :meth:`FloatPass._push`);
* symmetric and one-sided contributions share one ``P x P`` accumulator, adjoints
  are given back after their last reader, and temporaries come from a scratch
  arena laid out once per pass shape and kept by the network between calls
  (:class:`~verify.engine.scratch.Pool`; first-touch page faults on fresh memory
  cost as much as the arithmetic here).
"""

from __future__ import annotations

import numpy as np

from verify.engine.adjoints import Adjoints
from verify.engine.compiled import Forward, Graph, Push
from verify.engine.rank_updates import RankUpdates
from verify.engine.scratch import Feed, Pool, Reduced
from verify.numbers.arithmetic import Arithmetic

__all__ = ["FloatPass", "Pool"]


class FloatPass(Adjoints, RankUpdates):
    """One float64 evaluation of the output Jacobian and the curvature term.

    Symmetric contributions ``S`` and one-sided blocks ``L`` (rows of a later slot
    against columns of an earlier one) go to one accumulator ``acc = S + 2 L`` (one
    ``P x P`` array, not two); the result is ``(acc + acc^T) / 2 = (S + S^T) / 2 + L +
    L^T``, exactly symmetric.
    """

    def __init__(self, net: Graph, fw: Forward, seed: np.ndarray | None, pool: Pool) -> None:
        self.net = net
        self.fw = fw
        self.pool = pool
        self.n = int(fw.values[0].shape[1])
        self.d1 = {
            k: op.act.d1(Arithmetic.FLOAT, fw.values[op.inputs[0]])
            for k, op in enumerate(net.ops)
            if op.act is not None
        }
        self.seed = seed
        self.adj = self._backward(seed) if seed is not None else None
        self._adj_last: list[int] = []
        self.adj_dies = self._adjoint_lifetimes()
        self.out_const = self._output_consts() if seed is not None else {}
        p = net.n_params
        self.acc: np.ndarray | None = None
        if seed is not None:
            self.acc = pool.empty((p, p))
            self.acc.fill(0.0)

    def run(
        self, weight: np.ndarray | None, jacobian: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Propagate reduced Jacobians through the ops, adding curvature on the way.

        Returns the output Jacobian (``jacobian=True``) or the gradient of
        ``sum(seed * f)``, and the curvature (``None`` without a seed; ``weight``
        adds the Gauss--Newton term ``sum_o J_o diag(weight_o) J_o^T``).
        """
        net, fw = self.net, self.fw
        red: list[Reduced | None] = [None] * len(net.dims)
        red[0] = Reduced(None, 0, {})
        grad = None if jacobian else np.empty(net.n_params)
        sinks: dict[int, Reduced] = {}  # reduced Jacobians pushed to a lazy chain's sink
        for k, op in enumerate(net.ops):
            i0 = op.inputs[0]
            ru = red[i0]
            out: Reduced | None = None
            if op.kind == "matmul":
                s = net.op_slot[k]
                if net.lazy[i0]:  # the sink of a lazy chain: its terms were pushed
                    out = sinks.pop(k)
                    out.const[s] = np.eye(net.dims[op.out])
                else:
                    assert ru is not None
                    ybar = self._adj(op.out)
                    if ybar is not None and not net.fused[k]:
                        self._cross(ru, s, ybar)
                    if not net.lazy[op.out]:
                        out = self._matmul(op.matrix(fw.theta), ru, s)
            elif op.kind == "bias":
                assert ru is not None
                ru.owned = ru.owned and net.last_use[i0] == k
                eye = np.eye(net.slots[net.op_slot[k]].dout)
                out = Reduced(ru.var, ru.nvar, {**ru.const, net.op_slot[k]: eye}, ru.owned)
            elif op.kind == "act":
                assert ru is not None
                u = fw.values[i0]
                d1 = self.d1[k]
                if self.acc is not None:
                    self._act_terms(k, ru, u, d1)
                out = self._act(d1, ru)
            elif not net.lazy[op.out]:
                i1 = op.inputs[1]
                r1 = red[i1]
                assert ru is not None and r1 is not None
                own0 = net.last_use[i0] == k and i0 != i1
                out = self._add(ru, r1, own0, net.last_use[i1] == k)
                del r1  # no reference may outlive the release below
            red[op.out] = out
            for p in net.pushes[k]:
                self._push(k, p, red, sinks)
            if grad is not None and op.param is not None:
                self._gradient(k, grad)
            self._drop_adjoints(k)
            for i in op.inputs:
                ri = red[i]
                if net.last_use[i] == k and ri is not None:
                    if ri.owned and ri.var is not None and (out is None or ri.var is not out.var):
                        self.pool.release(ri.var)
                    red[i] = None
        rf = red[-1]
        assert rf is not None  # the output has no consumer: never lazy
        jf = self._output_jacobian(rf) if grad is None else grad
        if weight is not None:
            self._unit_terms(rf, weight, [], None)
        if rf.owned:
            self.pool.release(rf.var)
        if self.acc is None:
            return jf, None
        hess = np.add(self.acc, self.acc.T)  # (S + S^T) / 2 + L + L^T, see the class
        hess *= 0.5
        self.pool.release(self.acc)
        return jf, hess

    # ---- helpers ---------------------------------------------------------------
    def _input(self, t: int) -> np.ndarray | None:
        """Input ``u_t`` of slot ``t`` (``None`` for a bias, whose input is 1)."""
        source = self.net.slots[t].source
        return None if source is None else self.fw.values[source]

    def _inputs(self, slots: list[int]) -> tuple[np.ndarray, list[int]]:
        """The inputs of ``slots`` stacked (``(sum din, n)``, 1 for a bias; from the pool:
        the caller releases it) and the first row of each."""
        ins = [self._input(t) for t in slots]
        starts = [0]
        for v in ins:
            starts.append(starts[-1] + (1 if v is None else v.shape[0]))
        stacked = self.pool.empty((starts[-1], self.n))
        np.concatenate([np.ones((1, self.n)) if v is None else v for v in ins], out=stacked)
        return stacked, starts

    def _dense(self, rv: Reduced, stop: int, dim: int) -> np.ndarray:
        """A fresh dense copy of ``rv`` for slots ``[0, stop)``."""
        cols = self.net.cols
        out = self.pool.empty((cols[stop], dim, self.n))
        if rv.var is not None:
            out[: cols[rv.nvar]] = rv.var
        for t in range(rv.nvar, stop):
            c = rv.const.get(t)
            out[cols[t] : cols[t + 1]] = 0.0 if c is None else c.T[:, :, None]
        return out

    # ---- propagation of reduced Jacobians -------------------------------------
    def _apply(self, m: np.ndarray, ru: Reduced) -> Reduced:
        """``m @ ru``: a fresh reduced Jacobian with ``m.shape[0]`` rows."""
        var = None
        if ru.var is not None:
            cols, _, n = ru.var.shape
            var = np.matmul(m, ru.var, out=self.pool.empty((cols, m.shape[0], n)))
        return Reduced(var, ru.nvar, {t: m @ c for t, c in ru.const.items()})

    def _matmul(self, m: np.ndarray, ru: Reduced, s: int) -> Reduced:
        out = self._apply(m, ru)
        out.const[s] = np.eye(m.shape[0])
        return out

    def _push(
        self, k: int, p: Push, red: list[Reduced | None], sinks: dict[int, Reduced]
    ) -> None:
        """Map a term of a lazy chain (:class:`~verify.engine.compiled.Push`) to its sink
        ``q``: the sink's bilinear term on it (formed on the term's rows, mapped by the
        chain's matmuls before ``q``) and its part ``(M_q ... M_j) R`` of the sink's
        reduced Jacobian; then the term's array is dropped."""
        net, theta = self.net, self.fw.theta
        q = p.chain[-1]
        low: np.ndarray | None = None
        for j in p.chain[:-1]:
            mj = net.ops[j].matrix(theta)
            low = mj if low is None else mj @ low
        if p.node is None:
            r = Reduced(None, 0, {net.op_slot[k]: np.eye(net.dims[net.ops[k].out])})
        else:
            rn = red[p.node]
            assert rn is not None
            r = rn
        ybar = self._adj(net.ops[q].out)
        if ybar is not None:
            self._cross(r, net.op_slot[q], ybar, low)
        mq = net.ops[q].matrix(theta)
        part = self._apply(mq if low is None else mq @ low, r)
        acc = sinks.get(q)
        if acc is None:
            sinks[q] = part
        else:
            new = self._add(acc, part, True, True)
            self.pool.release(*(x.var for x in (acc, part) if x.var is not new.var))
            sinks[q] = new
        if p.node is not None:
            if r.owned:
                self.pool.release(r.var)
            red[p.node] = None

    def _act(self, d1: np.ndarray, ru: Reduced) -> Reduced:
        stop = max([ru.nvar, *(t + 1 for t in ru.const)])
        if stop == 0:
            return Reduced(None, 0, {})
        cols = self.net.cols
        out = self.pool.empty((cols[stop], d1.shape[0], self.n))
        if ru.var is not None:
            np.multiply(ru.var, d1, out=out[: cols[ru.nvar]])
        for t in range(ru.nvar, stop):
            c = ru.const.get(t)
            dst = out[cols[t] : cols[t + 1]]
            if c is None:
                dst.fill(0.0)
            else:
                np.multiply(c.T[:, :, None], d1, out=dst)
        return Reduced(out, stop, {})

    def _add(self, r1: Reduced, r2: Reduced, own1: bool, own2: bool) -> Reduced:
        """``h = h1 + h2``, accumulating in place into an input array that dies here."""
        cols = self.net.cols
        nvar = max(r1.nvar, r2.nvar)
        if nvar and r1.nvar == nvar and own1 and r1.owned:
            base, other = r1, r2
        elif nvar and r2.nvar == nvar and own2 and r2.owned:
            base, other = r2, r1
        elif nvar:
            dim = (r1.var if r1.var is not None else r2.var).shape[1]  # type: ignore[union-attr]
            keep = {t: c for t, c in r1.const.items() if t >= nvar}
            base, other = Reduced(self._dense(r1, nvar, dim), nvar, keep), r2
        else:
            base, other = Reduced(None, 0, dict(r1.const)), r2
        out = base.var
        const = dict(base.const)
        if other.var is not None:
            assert out is not None
            out[: cols[other.nvar]] += other.var
        for t, c in other.const.items():
            if t < nvar:
                assert out is not None
                out[cols[t] : cols[t + 1]] += c.T[:, :, None]
            else:
                const[t] = const[t] + c if t in const else c
        return Reduced(out, nvar, const)

    # ---- curvature -------------------------------------------------------------
    def _cross(
        self, ru: Reduced, s: int, ybar: np.ndarray, low: np.ndarray | None = None
    ) -> None:
        """Bilinear term of slot ``s`` (``y = M u``) against each earlier slot ``t``:
        ``sum_i ybar[r,i] (du_c/dy_t)[r',i] u_t[c',i]``, as one GEMM per slot, with
        ``du/dy = low @ ru`` (``low = None``: ``ru`` itself; a pushed term of a lazy
        chain, formed on ``ru``'s rows and mapped by ``low`` afterwards)."""
        assert self.acc is not None
        slots = self.net.slots
        ks = slots[s]
        dk, ck, n = ks.dout, ks.din, self.n
        rows = self.acc[ks.offset : ks.stop]
        ybar = ybar + ybar  # one-sided blocks are added twice (S + 2 L): exact doubling
        for t in range(ru.nvar):
            ts = slots[t]
            assert ru.var is not None
            cr = ru.var.shape[1]
            rt = ru.var[ts.col : ts.col + ts.dout].reshape(ts.dout * cr, n)
            ut = self._input(t)
            if ut is None:
                yu = ybar
            else:
                yu = self.pool.empty((dk, ts.din, n))
                np.multiply(ybar[:, None], ut, out=yu)
                yu = yu.reshape(dk * ts.din, n)
            g = (rt @ yu.T).reshape(ts.dout, cr, dk * ts.din)
            if low is not None:
                g = np.matmul(low, g)
            g = g.reshape(ts.dout, ck, dk, ts.din).transpose(2, 1, 0, 3)
            rows[:, ts.offset : ts.stop] += g.reshape(dk * ck, ts.size)
            if ut is not None:
                self.pool.release(yu)
        if ru.const:
            consts = sorted(ru.const)
            ucat, starts = self._inputs(consts)
            g = ybar @ ucat.T
            for j, t in enumerate(consts):
                ts = slots[t]
                kt = ru.const[t] if low is None else low @ ru.const[t]
                blk = g[:, None, None, starts[j] : starts[j + 1]] * kt[None, :, :, None]
                rows[:, ts.offset : ts.stop] += blk.reshape(dk * ck, ts.size)
            self.pool.release(ucat)

    def _act_terms(self, k: int, ru: Reduced, u: np.ndarray, d1: np.ndarray) -> None:
        """Curvature of activation op ``k`` (input ``p = u``, reduced Jacobian ``ru``,
        weights ``c = abar * sigma''(p)``) and the bilinear terms of the matmuls it
        feeds (``d a_r = sigma'_r d p_r``)."""
        net = self.net
        op = net.ops[k]
        act = op.act
        assert act is not None
        abar = self._adj(op.out)
        c = None if abar is None or act.d2_is_zero else abar * act.d2(Arithmetic.FLOAT, u)
        feeds: list[Feed] = []
        for j in net.consumers[k]:
            ybar = self._adj(net.ops[j].out)
            if ybar is None:
                continue
            s = net.op_slot[j]
            low = self.out_const.get(s)
            if low is not None and low.shape[0] < ybar.shape[0]:
                assert self.seed is not None
                feeds.append(Feed(net.slots[s], self.seed, low))
            else:
                feeds.append(Feed(net.slots[s], ybar, None))
        if c is not None or feeds:
            self._unit_terms(ru, c, feeds, d1)

    def _unit_terms(
        self,
        ru: Reduced,
        c: np.ndarray | None,
        feeds: list[Feed],
        d1: np.ndarray | None,
    ) -> None:
        """``sum_{i,r} c[r,i] grad p_r grad p_r^T`` for a node ``p`` with reduced
        Jacobian ``ru``, plus ``sum_i ybar_j[q,i] d1[r,i] grad p_r`` for each fed
        matmul ``j`` (rows ``(q, r)`` of its parameter).

        ``grad p_r`` is ``ru ⊗ input`` on the dense slots ("rest": the first
        ``rest`` parameters) and ``K_t[r] ⊗ u_t`` on each constant slot ``t``. Per
        unit ``r`` the samples are sorted by the sign of ``c_r``, so the rest x rest
        block is one symmetric rank update per unit and sign on
        ``X_r = sqrt|c_r| grad_rest p_r``. Every other block is one batched GEMM of
        per-unit "left" rows (``ybar_j d1_r`` for the fed matmuls, ``c_r u_t`` for
        the constant slots) against the unscaled ``grad_rest p_r`` and against the
        constant slots' inputs.
        """
        net, pool = self.net, self.pool
        acc = self.acc
        assert acc is not None
        m, n = (c if c is not None else d1).shape  # type: ignore[union-attr]
        slots = net.slots
        consts = sorted(ru.const)
        rest = net.offsets[ru.nvar]
        ucat, starts = self._inputs(consts) if consts else (None, [0])
        curv_rows = starts[-1] if c is not None and consts else 0
        nfeed = sum(f.rows.shape[0] for f in feeds)
        if nfeed + curv_rows == 0 and rest == 0:
            return
        # per-unit left rows: ybar_j * sigma'_r (fed matmuls), then c_r * u_t
        left = pool.empty((m, nfeed + curv_rows, n))
        row = 0
        for f in feeds:
            assert d1 is not None
            np.multiply(f.rows[None], d1[:, None], out=left[:, row : row + f.rows.shape[0]])
            row += f.rows.shape[0]
        if curv_rows:
            assert c is not None and ucat is not None
            np.multiply(c[:, None], ucat[None], out=left[:, nfeed:])
        if ucat is not None and nfeed + curv_rows:
            # (m, left rows, sum din): against constant slots, as one GEMM over all units
            g = (left.reshape(-1, n) @ ucat.T).reshape(m, nfeed + curv_rows, -1)
            pool.release(ucat)
            ucat = None
            row = 0
            for f in feeds:
                ks = f.slot
                gk = f.expand(g[:, row : row + f.rows.shape[0]]).transpose(1, 0, 2)
                row += f.rows.shape[0]
                for j, t in enumerate(consts):
                    blk = gk[:, :, None, starts[j] : starts[j + 1]] * ru.const[t][None, :, :, None]
                    acc[ks.offset : ks.stop, slots[t].offset : slots[t].stop] += 2.0 * blk.reshape(
                        ks.size, slots[t].size
                    )
            for j, t in enumerate(consts[: len(consts) if curv_rows else 0]):
                for i, t2 in enumerate(consts[: j + 1]):
                    kt, k2 = ru.const[t], ru.const[t2]
                    kk = (kt[:, :, None] * k2[:, None, :]).reshape(m, -1)
                    wb = g[:, nfeed + starts[j] : nfeed + starts[j + 1], starts[i] : starts[i + 1]]
                    blk = (
                        (kk.T @ wb.reshape(m, -1))
                        .reshape(kt.shape[1], k2.shape[1], wb.shape[1], wb.shape[2])
                        .transpose(0, 2, 1, 3)
                    )
                    blk = blk.reshape(slots[t].size, slots[t2].size)
                    if i != j:  # one-sided: added twice
                        blk *= 2.0
                    acc[slots[t].offset : slots[t].stop, slots[t2].offset : slots[t2].stop] += blk
        pool.release(ucat)
        if rest:
            self._rest_terms(ru, rest, c, left, feeds, consts, starts)
        pool.release(left)

    def _output_jacobian(self, rf: Reduced) -> np.ndarray:
        d_out, n = self.net.dims[-1], self.n
        jf = np.empty((d_out, self.net.n_params, n))
        for t, ts in enumerate(self.net.slots):
            dst = jf[:, ts.offset : ts.stop]
            if t < rf.nvar:
                assert rf.var is not None
                rt = rf.var[ts.col : ts.col + ts.dout].transpose(1, 0, 2)
            elif t in rf.const:
                rt = rf.const[t][:, :, None]
            else:
                dst.fill(0.0)
                continue
            ut = self._input(t)
            if ut is None:
                dst[...] = rt
            else:
                np.multiply(rt[:, :, None], ut, out=dst.reshape(d_out, ts.dout, ts.din, n))
        return jf

