r"""Adjoints of the float64 pass (a mixin of :class:`~verify.engine.factored.FloatPass`).

The backward pass for ``Phi = sum(seed * f)`` (the direct engine's, reusing the
activations' first derivatives, with its arrays from the pass's scratch arena), the
lifetimes of the adjoints (each given back to the arena after its last reader), the
gradient blocks read at their ops, and the constant blocks ``d f / d y_t`` of the
output's reduced Jacobian.
"""

from __future__ import annotations

import numpy as np

from verify.engine.compiled import Forward, Graph
from verify.engine.scratch import Pool


class Adjoints:
    """Backward pass, adjoint lifetimes and gradient of :class:`FloatPass` (a mixin)."""

    net: Graph
    fw: Forward
    pool: Pool
    d1: dict[int, np.ndarray]
    seed: np.ndarray | None
    adj: list[np.ndarray | None] | None
    adj_dies: dict[int, list[np.ndarray]]
    _adj_last: list[int]

    def _backward(self, seed: np.ndarray) -> list[np.ndarray | None]:
        """The direct engine's backward pass, reusing the activations' first derivatives
        (the adjoints live in the pool's arena for the pass)."""
        net, theta, pool = self.net, self.fw.theta, self.pool
        adj: list[np.ndarray | None] = [None] * len(net.dims)
        adj[-1] = seed
        for k in range(len(net.ops) - 1, -1, -1):
            op = net.ops[k]
            ybar = adj[op.out]
            if ybar is None:
                continue
            if op.kind == "matmul":
                m = op.matrix(theta)
                ybar = np.matmul(m.T, ybar, out=pool.empty((m.shape[1], ybar.shape[1])))
            elif op.kind == "act":
                ybar = np.multiply(self.d1[k], ybar, out=pool.empty(ybar.shape))
            for i in op.inputs:
                prev = adj[i]
                adj[i] = ybar if prev is None else np.add(prev, ybar, out=pool.empty(ybar.shape))
                if prev is not None and prev is not seed and all(a is not prev for a in adj):
                    pool.release(prev)
        return adj

    def _output_consts(self) -> dict[int, np.ndarray]:
        """The constant blocks ``d f / d y_t`` of the output's reduced Jacobian: the
        slots joined to the output by a linear path, found by running the propagation
        rules of :meth:`_matmul`, :meth:`_act` and :meth:`_add` on the constant parts
        only (``nvar``: slots below it have a sample-dependent block)."""
        net, theta = self.net, self.fw.theta
        part: list[tuple[int, dict[int, np.ndarray]] | None] = [None] * len(net.dims)
        part[0] = (0, {})
        for k, op in enumerate(net.ops):
            p0 = part[op.inputs[0]]
            assert p0 is not None
            nvar, const = p0
            s = net.op_slot.get(k)
            if op.kind == "matmul":
                m = op.matrix(theta)
                const = {t: m @ c for t, c in const.items()}
                const[s] = np.eye(m.shape[0])  # type: ignore[index]
            elif op.kind == "bias":
                const = {**const, s: np.eye(net.dims[op.out])}  # type: ignore[dict-item]
            elif op.kind == "act":
                nvar, const = max([nvar, *(t + 1 for t in const)]), {}
            else:
                p1 = part[op.inputs[1]]
                assert p1 is not None
                nvar = max(nvar, p1[0])
                merged: dict[int, np.ndarray] = {}
                for t, c in [*const.items(), *p1[1].items()]:
                    if t >= nvar:
                        merged[t] = merged[t] + c if t in merged else c
                const = merged
            part[op.out] = (nvar, const)
        last = part[-1]
        assert last is not None
        return last[1]

    def _adjoint_lifetimes(self) -> dict[int, list[np.ndarray]]:
        """The adjoints to give back to the pool after each op (key ``-1``: right away).

        The adjoint of an op's output is read at that op (bilinear term, gradient,
        activation weights) and, for a matmul fed by an activation, at the activation;
        several nodes can share one array (an ``add`` passes its adjoint to both
        inputs), which is given back after the last of them."""
        if self.adj is None:
            return {}
        net = self.net
        last = [-1] * len(net.dims)
        for k, op in enumerate(net.ops):
            if op.kind != "add":
                last[op.out] = max(last[op.out], k)
            for j in net.consumers[k]:
                last[net.ops[j].out] = max(last[net.ops[j].out], k)
        self._adj_last = last
        dies: dict[int, tuple[int, np.ndarray]] = {}
        for v, a in enumerate(self.adj):
            if a is not None and a is not self.seed:  # the seed is the caller's
                k0 = dies.get(id(a), (-1, a))[0]
                dies[id(a)] = (max(k0, last[v]), a)
            if last[v] < 0:
                self.adj[v] = None
        out: dict[int, list[np.ndarray]] = {}
        for k, a in dies.values():
            out.setdefault(k, []).append(a)
        self.pool.release(*out.pop(-1, []))
        return out

    def _drop_adjoints(self, k: int) -> None:
        """Give back the adjoints read for the last time at op ``k``."""
        dies = self.adj_dies.get(k)
        if dies is None or self.adj is None:
            return
        for v, kv in enumerate(self._adj_last):
            if kv == k:
                self.adj[v] = None
        self.pool.release(*dies)

    def _gradient(self, k: int, grad: np.ndarray) -> None:
        """The gradient block of parameter op ``k`` (read at the op, before its adjoint
        is given back)."""
        op = self.net.ops[k]
        ybar = self._adj(op.out)
        dst = grad[op.lo : op.hi]
        if ybar is None:
            dst.fill(0.0)
        elif op.kind == "matmul":
            dst[:] = (ybar @ self.fw.values[op.inputs[0]].T).reshape(-1)
        else:
            dst[:] = ybar.sum(axis=1)

    def _adj(self, node: int) -> np.ndarray | None:
        return None if self.adj is None else self.adj[node]
