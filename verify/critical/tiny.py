r"""Forward-mode risk, gradient and Hessian for tiny networks (the search's inner loop).

For the tiny instances of the search (P <= 40, n <= 10) the general engines
(:mod:`verify.engine.factored`) spend most of their time in per-call Python
bookkeeping built for large ``n``. Here every node carries its value ``(dim, n)``
and its Jacobian ``(dim, P, n)`` (``None`` while zero), pushed forward through the
compiled graph's four operations (``matmul``, ``bias``, ``act``, ``add``) with index
arrays prepared once per model:

* ``y = M u``: ``J_y = M J_u + e_i u_j`` on the columns of ``M``'s entries;
* ``y = u + b``: ``J_y = J_u + e_i`` on the bias entries;
* ``y = sigma(u)``: ``J_y = sigma' J_u``;

then the Gauss--Newton term ``sum_n l'' J_f J_f^T`` and the second-order term
``sum_n l' Hess f`` by one backward pass of adjoints (second-order chain rule:
each operation's own second derivatives between the Jacobians of its inputs), so no
``(dim, P, P, n)`` array is formed.

Used only to *find* candidates (NUMERIC); every candidate is re-evaluated with
the reference engine before it is reported, and certification never sees these
numbers. ``tests/critical/test_tiny_engine.py`` checks agreement with the reference
engine on random models.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify.numbers.arithmetic import Arithmetic

F64 = Arithmetic.FLOAT
MAX_ELEMENTS = 400_000  # largest dim * P * P * n handled here (the search's tiny models)


class TinyEngine:
    """Risk, gradient and Hessian of ``obj``'s float64 empirical risk by forward mode.

    Everything the inner loop needs is prepared once: index arrays of the parameter
    operations and the float64 kernels of the activations and the loss (SymPy-derived,
    see :meth:`Activation.float_kernels`), called under one error context per pass.
    """

    def __init__(self, obj: Any) -> None:
        self.obj = obj
        self.graph = obj.network.graph
        self.x, self.y = obj.arrays(F64)
        self.n = int(self.x.shape[1])
        self.p = int(obj.n_params)
        dims = self.graph.dims
        self.loss = obj.loss.float_kernels((dims[-1], self.n))
        self.steps: list[tuple[Any, ...]] = []
        for op in self.graph.ops:
            if op.kind == "matmul":
                r = op.rows
                c = (op.hi - op.lo) // r
                rows = np.repeat(np.arange(r), c)
                cols = np.tile(np.arange(c), r)
                index = (rows, op.lo + np.arange(r * c), cols)
                self.steps.append((op.kind, op.inputs, op.lo, op.hi, r, index))
            elif op.kind == "bias":
                r = op.rows
                index = (np.arange(r), op.lo + np.arange(r), np.zeros(r, dtype=int))
                self.steps.append((op.kind, op.inputs, op.lo, op.hi, r, index))
            elif op.kind == "act":
                assert op.act is not None
                kernels = op.act.float_kernels((dims[op.out], self.n))
                self.steps.append((op.kind, op.inputs, kernels, op.act.d2_is_zero))
            else:
                self.steps.append((op.kind, op.inputs))

    @staticmethod
    def fits(obj: Any) -> bool:
        """True if the model is small enough for dense forward-mode Hessians."""
        dims = obj.network.graph.dims
        p = int(obj.n_params)
        return max(dims) * p * p * int(obj.data.n) <= MAX_ELEMENTS

    def risk(self, theta: np.ndarray) -> float:
        """Float64 risk alone (one forward pass)."""
        th = np.asarray(theta, dtype=np.float64)
        vals: list[np.ndarray] = [self.x]
        with np.errstate(all="ignore"):
            for step in self.steps:
                kind, inputs = step[0], step[1]
                u = vals[inputs[0]]
                if kind == "matmul":
                    vals.append(th[step[2] : step[3]].reshape(step[4], -1) @ u)
                elif kind == "bias":
                    vals.append(u + th[step[2] : step[3]].reshape(step[4], -1))
                elif kind == "act":
                    vals.append(step[2][0](u))
                else:
                    vals.append(u + vals[inputs[1]])
            return float(self.loss[0](vals[-1], self.y).sum() / self.n)

    def evaluate(self, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``(risk, gradient, Hessian)`` at ``theta`` in float64."""
        with np.errstate(all="ignore"):
            return self._evaluate(np.asarray(theta, dtype=np.float64))

    def _evaluate(self, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        p, n = self.p, self.n
        vals: list[np.ndarray] = [self.x]
        jac: list[np.ndarray | None] = [None]
        slopes: list[np.ndarray | None] = []  # sigma'(u) at every act, for the backward pass
        for step in self.steps:
            kind, inputs = step[0], step[1]
            u, ju = vals[inputs[0]], jac[inputs[0]]
            slope = None
            if kind == "matmul":
                m = theta[step[2] : step[3]].reshape(step[4], -1)
                rows, params, cols = step[5]
                y = m @ u
                jy = np.zeros((m.shape[0], p, n)) if ju is None else (
                    m @ ju.reshape(ju.shape[0], -1)).reshape(m.shape[0], p, n)
                jy[rows, params] += u[cols]
            elif kind == "bias":
                rows, params, _ = step[5]
                y = u + theta[step[2] : step[3]].reshape(step[4], -1)
                jy = np.zeros((u.shape[0], p, n)) if ju is None else ju.copy()
                jy[rows, params] += 1.0
            elif kind == "act":
                y = step[2][0](u)
                slope = step[2][1](u)
                jy = None if ju is None else slope[:, None, :] * ju
            else:  # add
                jv = jac[inputs[1]]
                y = u + vals[inputs[1]]
                jy = jv if ju is None else ju if jv is None else ju + jv
            vals.append(y)
            jac.append(jy)
            slopes.append(slope)
        f, jf = vals[-1], jac[-1]
        value, d1, d2 = self.loss
        risk = float(value(f, self.y).sum() / n)
        if jf is None:
            return risk, np.zeros(p), np.zeros((p, p))
        l1 = d1(f, self.y)
        flat = _samples_last(jf)  # (P, d_out * n): one GEMM per term
        grad = flat @ l1.reshape(-1) / n
        hess = (flat * d2(f, self.y).reshape(1, -1)) @ flat.T
        self._second_order(theta, vals, jac, slopes, l1, hess)
        return risk, grad, hess / n

    def _second_order(
        self,
        theta: np.ndarray,
        vals: list[np.ndarray],
        jac: list[np.ndarray | None],
        slopes: list[np.ndarray | None],
        l1: np.ndarray,
        hess: np.ndarray,
    ) -> None:
        """Add ``sum_n l'_n Hess f_n`` to ``hess``: backpropagate the adjoints ``ybar`` of
        ``sum_n l'_n f_n`` and add every operation's own second derivatives, weighted by
        its output adjoint, between the Jacobians of its inputs (second-order chain rule):
        a matmul ``y = M u`` has ``d^2 y_i / dM_ij du_j = 1`` (the block
        ``sum_n ybar_i J_u[j]`` and its transpose), an activation ``sigma''(u) J_u J_u^T``;
        biases and additions are linear. No ``(dim, P, P, n)`` array is formed."""
        adj: list[np.ndarray | None] = [None] * len(vals)
        adj[-1] = l1
        for k in range(len(self.steps) - 1, -1, -1):
            step = self.steps[k]
            kind, inputs = step[0], step[1]
            ybar = adj[k + 1]
            if ybar is None:
                continue
            ju = jac[inputs[0]]
            if kind == "matmul":
                m = theta[step[2] : step[3]].reshape(step[4], -1)
                if ju is not None:
                    j, q = ju.shape[0], ju.shape[1]  # block[i, j, q] = sum_n ybar[i, n] ju[j, q, n]
                    block = (ju.reshape(j * q, -1) @ ybar.T).reshape(j, q, -1)
                    block = block.transpose(2, 0, 1).reshape(step[3] - step[2], q)
                    hess[step[2] : step[3]] += block
                    hess[:, step[2] : step[3]] += block.T
                _accumulate(adj, inputs[0], m.T @ ybar)
            elif kind == "act":
                slope = slopes[k]
                assert slope is not None
                if ju is not None and not step[3]:
                    w = ybar * step[2][2](vals[inputs[0]])
                    flat = _samples_last(ju)
                    hess += (flat * w.reshape(1, -1)) @ flat.T
                _accumulate(adj, inputs[0], slope * ybar)
            elif kind == "bias":
                _accumulate(adj, inputs[0], ybar)
            else:  # add
                _accumulate(adj, inputs[0], ybar)
                _accumulate(adj, inputs[1], ybar)


def _samples_last(j: np.ndarray) -> np.ndarray:
    """A Jacobian ``(dim, P, n)`` as ``(P, dim * n)``."""
    return j.transpose(1, 0, 2).reshape(j.shape[1], -1)


def _accumulate(adj: list[np.ndarray | None], node: int, contrib: np.ndarray) -> None:
    adj[node] = contrib if adj[node] is None else adj[node] + contrib
