r"""The derivative engine: values, Jacobians and Hessians by the chain rule.

A :class:`Network` compiles a :class:`~verify.models.Model` once into a short
list of primitive operations (``matmul`` by a parameter matrix, ``bias``,
elementwise ``act`` and residual ``add``), in topological order. Because the
parameter layout follows the same order, every intermediate node depends on a
*prefix* ``theta[:p]`` of the parameters.

Second derivatives use the exact decomposition of the Hessian of a composite
function into node-local curvature terms (edge pushing): for
``Phi(theta) = sum_i sum_o s_{o,i} f_o(x_i; theta)`` with fixed weights ``s``,

* every activation node ``a = sigma(p)`` contributes
  ``sum_{i,u} abar_{u,i} sigma''(p_{u,i}) grad p_{u,i} grad p_{u,i}^T``;
* every bilinear node ``y = M u`` (``M`` a parameter, ``u`` depending on
  earlier parameters) contributes the cross block
  ``d^2 Phi / dM_{rc} d theta = sum_i ybar_{r,i} d u_{c,i} / d theta``;

where ``abar``, ``ybar`` are adjoints from one backward pass seeded with ``s``.
Nothing else in the network has curvature. With ``s = l'(f; y)`` and the
Gauss--Newton term ``J^T diag(l'') J`` this is the exact Hessian of the
empirical risk.

Two implementations of the same formulas:

* exact (``fmpq``) and ball (``arb``) object arrays use the direct one below:
  dense ``(dim, p, n)`` Jacobians pushed through every node, using only ``+``,
  ``*`` and ``@`` (EXACT / CERTIFIED results);
* float64 uses a factored one (:mod:`verify.engine.factored`): reduced Jacobians
  with respect to the outputs of the parameter operations, Kronecker products
  with their inputs, and one symmetric rank update per activation unit and
  sign, so the heavy work is BLAS products with inner dimension ``n``.

:meth:`Network.gradient_and_hessian` adds the Gauss--Newton term inside the
engine (the float path then never forms the ``(d_out, P, n)`` Jacobian).
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Iterator
from typing import Any, cast

import flint
import numpy as np

from verify.catalogue.activations import Activation
from verify.engine.compiled import Forward, Graph, compile_model
from verify.engine.factored import FloatPass, Pool
from verify.models import Model
from verify.numbers.arithmetic import Arithmetic, ball_bounds

CHUNK_BYTES = 48 << 20  # budget for one float Hessian pass's temporaries; more samples are chunked
MIN_CHUNK = 256  # never fewer samples per pass (each pass has a fixed cost of ~0.8 ms at P = 200)


def chunk_samples(graph: Graph) -> int:
    """Samples per float Hessian pass: ``CHUNK_BYTES`` over an estimate of the pass's
    temporaries per sample, at least ``MIN_CHUNK``.

    The estimate, ``8 * (3 * C * D + 2 * sum(dims))`` bytes with ``C`` the reduced-Jacobian
    columns (total output rows of the parameter operations) and ``D`` the widest node,
    counts the live reduced Jacobians and the forward values and adjoints; the pass
    keeps about half of that live (its scratch arena, :class:`~verify.engine.scratch.Pool`,
    is 3.1 KB per sample at the benchmark model, P = 200, ``C * D = 224``, where the
    estimate says 6.7 KB), hence the 48 MiB budget: a chunk of 5990 samples there, n = 1000
    in one pass (peak 2.7-2.8x the Jacobian's bytes) and n = 10,000 in two (1.8x). Passes
    have a fixed cost (~0.8 ms there), so smaller chunks trade time for memory: at
    n = 10,000, four passes measured 4.6x the ``J.T @ J`` floor, two 4.25x, one 4.2x
    (memory 1.3x, 1.8x, 2.5x; ``benchmarks/README.md``).
    """
    per_sample = 8 * (3 * graph.cols[-1] * max(graph.dims) + 2 * sum(graph.dims))
    return max(MIN_CHUNK, CHUNK_BYTES // per_sample)


class Network:
    """A compiled model: forward values, gradients and Hessians in any arithmetic.

    ``chunk`` is the number of samples per float Hessian pass (:func:`chunk_samples`).
    """

    def __init__(self, model: Model) -> None:
        self.model = model
        self.n_params = model.n_params
        self.graph = compile_model(model)
        self._ops = self.graph.ops
        self._dims = self.graph.dims
        self._last_use = self.graph.last_use
        self._lock = threading.Lock()
        self._pool = Pool()
        self.chunk = chunk_samples(self.graph)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"], state["_pool"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._pool = Pool()

    # ---- passes ------------------------------------------------------------
    def forward(self, theta: np.ndarray, x: np.ndarray, arith: Arithmetic) -> Forward:
        """Evaluate every node. ``x`` has shape ``(d_x, n)`` (samples are columns)."""
        values: list[np.ndarray] = [x]
        for op in self._ops:
            u = values[op.inputs[0]]
            if op.kind == "matmul":
                values.append(op.matrix(theta) @ u)
            elif op.kind == "bias":
                values.append(u + op.matrix(theta))
            elif op.kind == "act":
                values.append(cast(Activation, op.act).value(arith, u))
            else:
                values.append(u + values[op.inputs[1]])
        return Forward(arith, theta, values)

    def backward(self, fw: Forward, seed: np.ndarray) -> list[np.ndarray | None]:
        """Adjoints of every node for ``Phi = sum(seed * output)``."""
        adj: list[np.ndarray | None] = [None] * len(self._dims)
        adj[-1] = seed
        for op in reversed(self._ops):
            ybar = adj[op.out]
            if ybar is None:
                continue
            if op.kind == "matmul":
                contrib = [op.matrix(fw.theta).T @ ybar]
            elif op.kind == "act":
                contrib = [cast(Activation, op.act).d1(fw.arith, fw.values[op.inputs[0]]) * ybar]
            elif op.kind == "bias":
                contrib = [ybar]
            else:
                contrib = [ybar, ybar]
            for i, c in zip(op.inputs, contrib, strict=True):
                adj[i] = c if adj[i] is None else adj[i] + c
        return adj

    def gradient(self, fw: Forward, seed: np.ndarray) -> np.ndarray:
        """Gradient of ``Phi = sum(seed * output)`` by one backward pass."""
        adj = self.backward(fw, seed)
        grad = fw.arith.zeros((self.n_params,))
        for op in self._ops:
            ybar = adj[op.out]
            if ybar is None or op.param is None:
                continue
            if op.kind == "matmul":
                grad[op.lo : op.hi] = (ybar @ fw.values[op.inputs[0]].T).reshape(-1)
            else:
                grad[op.lo : op.hi] = ybar.sum(axis=1)
        return grad

    def jacobian_and_curvature(
        self, fw: Forward, seed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None, Any]:
        """Output Jacobian ``(d_out, P, n)`` and, if ``seed`` is given, the curvature
        term ``sum_{o,i} seed[o, i] * Hessian_theta f_o(x_i)`` (a ``P × P`` array).

        Also returns the kink margin: the smallest |pre-activation| over samples and
        units of kinked activations (``None`` if the model has none).
        """
        if fw.arith is Arithmetic.FLOAT:
            return self._float_pass(fw, seed, None, jacobian=True)
        return self._generic_jacobian_and_curvature(fw, seed)

    def gradient_and_hessian(
        self, fw: Forward, seed: np.ndarray, weight: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, Any]:
        """Gradient and Hessian of ``Phi = sum(seed * f)`` plus a Gauss--Newton term.

        Returns ``(g, H, kink)`` with ``g = sum_{o,i} seed[o,i] grad f_o(x_i)``,
        ``H = sum_{o,i} seed[o,i] Hessian f_o(x_i) + sum_o J_o diag(weight[o]) J_o^T``
        (``P × P``) and the kink margin. With ``seed = l'(f; y)`` and
        ``weight = l''(f; y)`` these are ``n`` times the gradient and Hessian of the
        empirical risk: the same values as assembling them from
        :meth:`jacobian_and_curvature`, but the float path never materialises the
        ``(d_out, P, n)`` Jacobian (the Gauss--Newton term is one more rank update of
        the same factored form as the activation curvature).
        """
        if fw.arith is Arithmetic.FLOAT:
            grad, hess, kink = self._float_pass(fw, seed, weight, jacobian=False)
            assert hess is not None
            return grad, hess, kink
        jf, hess, kink = self._generic_jacobian_and_curvature(fw, seed)
        assert hess is not None
        for o in range(jf.shape[0]):
            hess = hess + (jf[o] * weight[o]) @ jf[o].T
        return self.gradient(fw, seed), hess, kink

    def _float_pass(
        self, fw: Forward, seed: np.ndarray | None, weight: np.ndarray | None, jacobian: bool
    ) -> tuple[np.ndarray, np.ndarray | None, Any]:
        with self._lock:  # one scratch pool per concurrent evaluation
            pool, self._pool = self._pool, Pool()
        try:
            n = fw.values[0].shape[1]
            if jacobian or seed is None or n <= self.chunk:
                with _planned(pool, (n, jacobian, seed is None, weight is None)):
                    first, hess = FloatPass(self.graph, fw, seed, pool).run(weight, jacobian)
            else:
                first, hess = self._chunked(fw, seed, weight, pool, n)
        finally:
            self._pool = pool
        return first, hess, self.kink_margin(fw)

    def _chunked(
        self, fw: Forward, seed: np.ndarray, weight: np.ndarray | None, pool: Pool, n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and Hessian as sums over chunks of at most ``self.chunk`` samples, so
        the pass's temporaries scale with the chunk, not with ``n`` (equal to the one-pass
        result up to the order of floating-point summation)."""
        k = -(-n // self.chunk)
        bounds = [round(i * n / k) for i in range(k + 1)]
        first: np.ndarray | None = None
        hess: np.ndarray | None = None
        for lo, hi in itertools.pairwise(bounds):
            with _planned(pool, (hi - lo, False, False, weight is None)):
                # the chunk's copies live in the pool's arena for the pass
                part = [_copy(pool, v[:, lo:hi]) for v in fw.values]
                sub = Forward(fw.arith, fw.theta, part)
                w = None if weight is None else _copy(pool, weight[:, lo:hi])
                g, h = FloatPass(self.graph, sub, _copy(pool, seed[:, lo:hi]), pool).run(
                    w, False
                )
            assert h is not None
            if first is None or hess is None:
                first, hess = g, h
            else:
                first += g
                hess += h
        assert first is not None and hess is not None
        return first, hess

    def kink_margin(self, fw: Forward) -> Any:
        """Smallest |pre-activation| of kinked activations over samples and units."""
        kink: Any = None
        for op in self._ops:
            if op.kind == "act" and cast(Activation, op.act).kinked:
                kink = _min_abs(fw.values[op.inputs[0]], kink)
        return kink

    def pre_activations(self, fw: Forward) -> list[tuple[Activation, np.ndarray]]:
        """Every activation node's input, in order (for kink and pattern analysis)."""
        return [
            (cast(Activation, op.act), fw.values[op.inputs[0]])
            for op in self._ops
            if op.kind == "act"
        ]

    def last_state(self, fw: Forward) -> np.ndarray:
        """The state ``h_L`` fed to the output layer, shape ``(width, n)`` (the output
        itself for a model without a readout)."""
        if not self.model.readout:
            return fw.values[-1]
        out = next(op for op in reversed(self._ops) if op.kind == "matmul")
        return fw.values[out.inputs[0]]

    # ---- exact / ball: dense Jacobians through every node ----------------------
    def _generic_jacobian_and_curvature(
        self, fw: Forward, seed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None, Any]:
        arith = fw.arith
        n = fw.values[0].shape[1]
        big_p = self.n_params
        adj = self.backward(fw, seed) if seed is not None else None
        hess = arith.zeros((big_p, big_p)) if seed is not None else None
        jac: list[np.ndarray | None] = [None] * len(self._dims)
        jac[0] = arith.zeros((self._dims[0], 0, n))
        kink: Any = None
        for k, op in enumerate(self._ops):
            u = fw.values[op.inputs[0]]
            ju = jac[op.inputs[0]]
            assert ju is not None
            pu = ju.shape[1]
            ybar = adj[op.out] if adj is not None else None
            if op.kind == "matmul":
                m = op.matrix(fw.theta)
                dout, din = m.shape
                jy = arith.zeros((dout, op.hi, n))
                if pu:
                    jy[:, :pu, :] = (m @ ju.reshape(din, pu * n)).reshape(dout, pu, n)
                for r in range(dout):
                    jy[r, op.lo + r * din : op.lo + (r + 1) * din, :] = u
                if hess is not None and pu and ybar is not None:
                    # cross block d2/dM_rc dtheta = sum_i ybar[r,i] du[c,i]/dtheta
                    cross = (ju.reshape(din * pu, n) @ ybar.T).reshape(din, pu, dout)
                    cross = cross.transpose(2, 0, 1).reshape(dout * din, pu)
                    hess[op.lo : op.hi, :pu] += cross
                    hess[:pu, op.lo : op.hi] += cross.T
            elif op.kind == "bias":
                jy = arith.zeros((u.shape[0], op.hi, n))
                jy[:, :pu, :] = ju
                for r in range(u.shape[0]):
                    jy[r, op.lo + r, :] = arith.scalar(1)
            elif op.kind == "act":
                a = cast(Activation, op.act)
                if a.kinked:
                    kink = _min_abs(u, kink)
                jy = a.d1(arith, u)[:, None, :] * ju
                if hess is not None and ybar is not None and pu and not a.d2_is_zero:
                    c = ybar * a.d2(arith, u)
                    for r in range(u.shape[0]):
                        hess[:pu, :pu] += (ju[r] * c[r]) @ ju[r].T
            else:
                jv = jac[op.inputs[1]]
                assert jv is not None
                ib, js = (op.inputs[1], ju) if jv.shape[1] >= pu else (op.inputs[0], jv)
                big = jac[ib]
                assert big is not None
                jy = big if self._last_use[ib] == k else big.copy()
                jy[:, : js.shape[1], :] += js
            jac[op.out] = jy
            for i in op.inputs:
                if self._last_use[i] == k:
                    jac[i] = None
        jf = jac[-1]
        assert jf is not None
        if jf.shape[1] < big_p:
            full = arith.zeros((jf.shape[0], big_p, n))
            full[:, : jf.shape[1], :] = jf
            jf = full
        return jf, hess, kink


def _copy(pool: Pool, a: np.ndarray) -> np.ndarray:
    """A contiguous copy of ``a`` in ``pool``'s memory."""
    out = pool.empty(a.shape)
    np.copyto(out, a)
    return out


@contextlib.contextmanager
def _planned(pool: Pool, key: tuple[int, bool, bool, bool]) -> Iterator[None]:
    """One float pass between ``pool.begin(key)`` and ``pool.end()`` (plan dropped if
    the pass raises)."""
    pool.begin(key)
    try:
        yield
    except BaseException:
        pool.end(completed=False)
        raise
    pool.end()


def _min_abs(values: np.ndarray, current: Any) -> Any:
    """Running minimum of |values|: float in float mode, fmpq in exact mode and a
    rigorous float lower bound in ball mode."""
    if values.size == 0:
        return current
    if values.dtype != object:
        m: Any = float(np.min(np.abs(values)))
    elif isinstance(values.flat[0], flint.arb):
        lo, _ = ball_bounds(np.abs(values))
        m = max(0.0, float(np.min(lo)))
    else:
        m = min(abs(v) for v in values.flat)
    return m if current is None or m < current else current
