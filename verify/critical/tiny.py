r"""Forward-mode risk, gradient and Hessian for tiny networks (the search's inner loop).

For the tiny instances of the search (P <= 40, n <= 10) the general engines
(:mod:`verify.engine.factored`) spend most of their time in per-call Python
bookkeeping built for large ``n``. Here every node carries its value ``(dim, n)``,
its Jacobian ``(dim, P, n)`` and its Hessian ``(dim, P, P, n)`` (``None`` while
zero), pushed forward through the compiled graph's four operations (``matmul``,
``bias``, ``act``, ``add``) with index arrays prepared once per model:

* ``y = M u``: ``J_y = M J_u + e_i u_j`` on the columns of ``M``'s entries;
  ``H_y = M H_u`` plus the cross term ``d^2 y_i / d M_ij d theta_q = (J_u)_jq``
  and its transpose;
* ``y = u + b``: ``J_y = J_u + e_i`` on the bias entries;
* ``y = sigma(u)``: ``J_y = sigma' J_u``, ``H_y = sigma' H_u + sigma'' J_u J_u^T``.

Used only to *find* candidates (NUMERIC); every candidate is re-evaluated with
the reference engine before it is reported, and certification never sees these
numbers. ``tests/test_tiny_engine.py`` checks agreement with the reference
engine on random models.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify.numbers.arithmetic import Arithmetic

F64 = Arithmetic.FLOAT
MAX_ELEMENTS = 400_000  # largest dim * P * P * n handled here


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
        self.loss = obj.loss.float_kernels()
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
                kernels = op.act.float_kernels()
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
        hes: list[np.ndarray | None] = [None]
        for step in self.steps:
            kind, inputs = step[0], step[1]
            u, ju, hu = vals[inputs[0]], jac[inputs[0]], hes[inputs[0]]
            if kind == "matmul":
                m = theta[step[2] : step[3]].reshape(step[4], -1)
                rows, params, cols = step[5]
                y = m @ u
                jy = np.zeros((m.shape[0], p, n)) if ju is None else np.einsum(
                    "ij,jpn->ipn", m, ju)
                jy[rows, params] += u[cols]
                hy = None if hu is None else np.einsum("ij,jpqn->ipqn", m, hu)
                if ju is not None:
                    cross = np.zeros((m.shape[0], p, p, n))
                    cross[rows, params] = ju[cols]
                    cross += cross.transpose(0, 2, 1, 3)
                    hy = cross if hy is None else hy + cross
            elif kind == "bias":
                rows, params, _ = step[5]
                y = u + theta[step[2] : step[3]].reshape(step[4], -1)
                jy = np.zeros((u.shape[0], p, n)) if ju is None else ju.copy()
                jy[rows, params] += 1.0
                hy = hu
            elif kind == "act":
                value, d1, d2 = step[2]
                y = value(u)
                s1 = d1(u)
                jy = None if ju is None else s1[:, None, :] * ju
                hy = None if hu is None else s1[:, None, None, :] * hu
                if ju is not None and not step[3]:
                    s2 = d2(u)
                    curv = s2[:, None, None, :] * ju[:, :, None, :] * ju[:, None, :, :]
                    hy = curv if hy is None else hy + curv
            else:  # add
                v, jv, hv = vals[inputs[1]], jac[inputs[1]], hes[inputs[1]]
                y = u + v
                jy = jv if ju is None else ju if jv is None else ju + jv
                hy = hv if hu is None else hu if hv is None else hu + hv
            vals.append(y)
            jac.append(jy)
            hes.append(hy)
        f, jf, hf = vals[-1], jac[-1], hes[-1]
        value, d1, d2 = self.loss
        risk = float(value(f, self.y).sum() / n)
        if jf is None:
            return risk, np.zeros(p), np.zeros((p, p))
        l1 = d1(f, self.y)
        l2 = d2(f, self.y)
        grad = np.einsum("on,opn->p", l1, jf) / n
        hess = np.einsum("opn,oqn->pq", jf * l2[:, None, :], jf)
        if hf is not None:
            hess = hess + np.einsum("opqn,on->pq", hf, l1)
        return risk, grad, hess / n
