r"""A model compiled once into a graph of primitive operations (public, read by both engines).

:func:`compile_model` turns a :class:`~verify.models.Model` into a :class:`Graph`:
a short list of :class:`Op` (``matmul`` by a parameter matrix, ``bias``,
elementwise ``act`` and residual ``add``) in topological order, with the
bookkeeping the engines share: node dimensions, the parameter prefix every node
depends on, the last use of every node, the parameter :class:`Slot` of every
parameter operation, and which matmuls are fed by an activation (their bilinear
term is formed at the activation). The direct engine (:mod:`verify.engine.graph`)
and the factored float64 engine (:mod:`verify.engine.factored`) both read only
this public structure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.catalogue.activations import Activation
from verify.models import DenseLayer, Model, ParamBlock, ResidualBlock
from verify.numbers.arithmetic import Arithmetic


@dataclass(frozen=True)
class Slot:
    """A parameter operation (``matmul`` ``y = M u`` or ``bias`` ``y = u + b``)."""

    offset: int
    stop: int
    dout: int
    din: int  # 1 for a bias (its "input" is the constant 1)
    col: int  # first column of this slot in a reduced Jacobian
    source: int | None  # input node of a matmul; None for a bias

    @property
    def size(self) -> int:
        return self.stop - self.offset


@dataclass(frozen=True)
class Op:
    kind: str  # "matmul" | "bias" | "act" | "add"
    out: int
    inputs: tuple[int, ...]
    param: ParamBlock | None = None
    act: Activation | None = None
    lo: int = 0  # parameter slice theta[lo:hi] as a (rows, -1) matrix
    hi: int = 0
    rows: int = 1

    def matrix(self, theta: np.ndarray) -> np.ndarray:
        return theta[self.lo : self.hi].reshape(self.rows, -1)


@dataclass
class Forward:
    """Values of every node for one parameter point and dataset."""

    arith: Arithmetic
    theta: np.ndarray
    values: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        """Network output, shape ``(d_out, n)``."""
        return self.values[-1]



@dataclass(frozen=True)
class Push:
    """A term of a lazy chain's sink (see :func:`_lazy_nodes`): after op ``k`` the float
    pass maps node ``node``'s reduced Jacobian (``None``: the identity block of op ``k``'s
    own slot) by the matmuls ``chain`` (the last one the sink), adds the sink's bilinear
    term on it and drops it."""

    node: int | None
    chain: tuple[int, ...]


@dataclass(frozen=True)
class Graph:
    """The compiled operation graph of one model (see the module docstring)."""

    model: Model
    n_params: int
    ops: tuple[Op, ...]
    dims: tuple[int, ...]
    prefix: tuple[int, ...]
    last_use: tuple[int, ...]
    slots: tuple[Slot, ...]
    op_slot: dict[int, int]
    cols: tuple[int, ...]
    offsets: tuple[int, ...]
    consumers: tuple[tuple[int, ...], ...]
    fused: tuple[bool, ...]
    lazy: tuple[bool, ...]
    pushes: tuple[tuple[Push, ...], ...]  # per op, done right after it


def compile_model(model: Model) -> Graph:
    """Compile ``model`` into its operation graph."""
    ops: list[Op] = []
    dims: list[int] = [model.d_x]
    prefix: list[int] = [0]

    def new(kind: str, inputs: tuple[int, ...], dim: int, pre: int, **kw: Any) -> int:
        p = kw.get("param")
        if p is not None:
            kw.update(lo=p.offset, hi=p.offset + p.size, rows=dim)
        ops.append(Op(kind, len(dims), inputs, **kw))
        dims.append(dim)
        prefix.append(pre)
        return len(dims) - 1

    def matmul(name: str, node: int) -> int:
        p = model.param(name)
        dout = p.shape[0] if len(p.shape) == 2 else 1
        return new("matmul", (node,), dout, p.stop, param=p)

    def bias(name: str, node: int) -> int:
        p = model.param(name)
        return new("bias", (node,), dims[node], p.stop, param=p)

    def act(a: Activation, node: int) -> int:
        return new("act", (node,), dims[node], prefix[node], act=a)

    h = 0
    for i, st in enumerate(model.stages):
        if isinstance(st, DenseLayer):
            p = matmul(f"layers[{i}].A", h)
            if st.bias:
                p = bias(f"layers[{i}].b", p)
            h = act(st.activation, p)
            continue
        assert isinstance(st, ResidualBlock)
        z = matmul(f"blocks[{i}].U", h) if st.proj is not None else h
        if st.hidden:
            a = z
            for j in range(len(st.hidden)):
                p = matmul(f"blocks[{i}].phi[{j}].A", a)
                if st.bias:
                    p = bias(f"blocks[{i}].phi[{j}].b", p)
                a = act(st.activation, p)
        else:
            p = bias(f"blocks[{i}].b", z) if st.bias else z
            a = act(st.activation, p)
        r = matmul(f"blocks[{i}].V", a) if st.out else a
        h = new("add", (h, r), dims[h], max(prefix[h], prefix[r]))
    if model.readout:  # without a readout the output is h_L itself (the last node)
        f = matmul("w" if model.d_out == 1 else "W", h)
        if model.output_bias:
            bias("c", f)
    ops_final = tuple(ops)
    dims_final = tuple(dims)
    prefix_final = tuple(prefix)
    last_use = [-1] * len(dims)
    for k, op in enumerate(ops):
        for i in op.inputs:
            last_use[i] = k
    last_use_final = tuple(last_use)
    slots: list[Slot] = []
    op_slot: dict[int, int] = {}
    col = 0
    for k, op in enumerate(ops):
        if op.param is None:
            continue
        pb = op.param
        dout = dims[op.out]
        if pb.offset != (slots[-1].stop if slots else 0):
            raise AssertionError("parameter layout must follow the operation order")
        op_slot[k] = len(slots)
        source = op.inputs[0] if op.kind == "matmul" else None
        slots.append(Slot(pb.offset, pb.stop, dout, (pb.stop - pb.offset) // dout, col, source))
        col += dout
    slots_final = tuple(slots)
    op_slot_final = op_slot
    cols_final = (*(s.col for s in slots), col)
    offsets_final = (*(s.offset for s in slots), model.n_params)
    # matmuls fed by an activation: their bilinear term is formed at the activation
    producer = {op.out: k for k, op in enumerate(ops)}
    consumers: list[list[int]] = [[] for _ in ops]
    fused = [False] * len(ops)
    for k, op in enumerate(ops):
        src = producer.get(op.inputs[0])
        if op.kind == "matmul" and src is not None and ops[src].kind == "act":
            consumers[src].append(k)
            fused[k] = True
    consumers_final = tuple(tuple(c) for c in consumers)
    fused_final = tuple(fused)
    lazy_final, pushes_final = _lazy_nodes(ops_final, dims_final, last_use_final)
    return Graph(
        model,
        model.n_params,
        ops_final,
        dims_final,
        prefix_final,
        last_use_final,
        slots_final,
        op_slot_final,
        cols_final,
        offsets_final,
        consumers_final,
        fused_final,
        lazy_final,
        pushes_final,
    )


def _lazy_nodes(
    ops: tuple[Op, ...], dims: tuple[int, ...], last_use: tuple[int, ...]
) -> tuple[tuple[bool, ...], tuple[tuple[Push, ...], ...]]:
    """Nodes whose reduced Jacobian the float pass never forms, and the pushes that
    replace them (see :class:`Push`).

    A node is *lazy* when it is the output of a ``matmul`` or an ``add`` that is the last
    use of its inputs (distinct inputs for an add; a non-lazy input for a matmul), it has
    a single consumer, and that consumer is an ``add`` whose output is lazy or a non-lazy
    ``matmul`` with fewer output rows than the node has (the chain's *sink*; so a lazy
    matmul's input is never lazy, and a chain is a matmul or an add, then adds): e.g.
    ``h_L = h_{L-1} + V_L a_L`` under the readout ``w``. Every non-lazy node feeding a
    lazy op is pushed to the sink right after its last other use (``h_{L-1}`` after the
    matmul ``U_L``, before the last block's curvature terms), and each lazy matmul's own
    slot right after the matmul.
    """
    uses: list[list[int]] = [[] for _ in dims]
    for k, op in enumerate(ops):
        for i in op.inputs:
            uses[i].append(k)
    lazy = [False] * len(dims)
    for k in range(len(ops) - 1, -1, -1):
        op = ops[k]
        v = op.out
        if op.kind not in ("matmul", "add") or len(uses[v]) != 1:
            continue
        if len(set(op.inputs)) != len(op.inputs) or any(last_use[i] != k for i in op.inputs):
            continue
        nxt = ops[uses[v][0]]
        if (nxt.kind == "add" and lazy[nxt.out]) or (
            nxt.kind == "matmul" and dims[nxt.out] < dims[v] and not lazy[nxt.out]
        ):
            lazy[v] = True

    def sink(j: int) -> int:
        """The non-lazy matmul at the end of the lazy chain through op ``j``."""
        while lazy[ops[j].out]:
            j = uses[ops[j].out][0]
        return j

    pushes: list[list[Push]] = [[] for _ in ops]
    for k, op in enumerate(ops):
        if not lazy[op.out]:
            continue
        q = sink(k)
        chain = (k, q) if op.kind == "matmul" else (q,)
        if op.kind == "matmul":
            pushes[k].append(Push(None, (q,)))  # its slot's identity block lives on its output
        for i in set(op.inputs):
            if not lazy[i]:
                pushes[max([j for j in uses[i] if j != k], default=k)].append(Push(i, chain))
    return tuple(lazy), tuple(tuple(p) for p in pushes)
