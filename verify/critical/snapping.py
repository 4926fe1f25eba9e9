r"""Snapping float critical points to nearby *exact* rational critical points.

For models whose risk can be evaluated exactly (piecewise-linear or polynomial
activations, rational loss), a float candidate from :mod:`verify.critical.finders`
is rounded to rationals with small denominators, the output layer is re-solved
by exact least squares (squared losses), and the exact gradient is tested for 0.
The positive-scaling gauge of homogeneous units is fixed first
(:func:`gauge_normalize`). A snapped point is a *different* point from the
input: callers must say so.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.critical.finders import next_matrix
from verify.errors import InvalidInput
from verify.models import DenseLayer, ResidualBlock
from verify.numbers.arithmetic import Arithmetic, fmpq_to_fraction
from verify.objectives.empirical import Objective


def snap_rational(
    obj: Objective,
    theta: np.ndarray,
    max_denominators: tuple[int, ...] = (1, 8, 64, 1000, 10**6, 10**8),
) -> Any:
    """A nearby rational point that is *exactly* critical, or ``None``.

    Only for models whose risk can be evaluated exactly (piecewise-linear or
    polynomial activations, rational loss). Each coordinate is replaced by its
    best rational approximation with bounded denominator
    (``Fraction.limit_denominator``) and the exact gradient is tested for 0.
    Critical points of such models on rational data often have small
    denominators (e.g. an output offset equal to the mean label, dead units with
    any weights), which Krawczyk boxes cannot certify because their Hessians
    are singular.
    """
    th = gauge_normalize(obj, np.asarray(theta, dtype=np.float64))
    if not np.all(np.isfinite(th)):
        return None
    g = obj.value_and_gradient(th)[1]
    if not float(np.linalg.norm(g)) <= 1e-6 * max(1.0, float(np.linalg.norm(th))):
        return None  # not even numerically critical: nothing to snap to
    for den in max_denominators:
        q = np.array([Fraction(float(v)).limit_denominator(den) for v in th], dtype=object)
        if np.max(np.abs(q.astype(np.float64) - th), initial=0.0) > 1e-6 * max(
            1.0, float(np.max(np.abs(th), initial=0.0))
        ):
            continue
        for candidate in (q, _exact_output_layer(obj, q)):
            if candidate is None or not _close(candidate, th):
                continue
            try:
                land = obj.evaluate(candidate, "exact", order=1)
            except InvalidInput:
                return None
            if all(g == 0 for g in land.gradient) and (
                land.kink_margin is None or land.kink_margin > 0
            ):
                return candidate
    return None


def _close(q: np.ndarray, th: np.ndarray, rel: float = 1e-6) -> bool:
    """Snapping may only move a point by a tiny relative amount."""
    diff = np.abs(np.asarray(q, dtype=object).astype(np.float64) - th)
    return bool(np.max(diff, initial=0.0) <= rel * max(1.0, float(np.max(np.abs(th), initial=0.0))))


def _exact_output_layer(obj: Objective, q: np.ndarray) -> np.ndarray | None:
    """``q`` with the output layer (``w``/``W`` and ``c``; the last block's ``V``
    without a readout) replaced by an exact least-squares solution for the features
    at ``q`` (squared losses only): the output layer enters linearly, so its
    gradient is then exactly 0."""
    model = obj.model
    if obj.loss.name not in ("squared", "squared_half"):
        return None
    if not model.readout:
        return _exact_last_v(obj, q)
    x, y = obj.arrays(Arithmetic.EXACT)
    theta = np.array([Fraction(v) for v in q], dtype=object)
    fw = obj.network.forward(Arithmetic.EXACT.array(theta), x, Arithmetic.EXACT)
    h = obj.network.last_state(fw)  # (width, n)
    feats = [list(row) for row in h]
    if model.output_bias:
        feats.append([flint.fmpq(1)] * h.shape[1])
    a = flint.fmpq_mat([[feats[j][i] for j in range(len(feats))] for i in range(h.shape[1])])
    at = a.transpose()
    gram, k = at * a, len(feats)
    named = model.unpack(theta)
    out_name = "w" if model.d_out == 1 else "W"
    for o in range(model.d_out):
        rhs = at * flint.fmpq_mat([[y[o, i]] for i in range(h.shape[1])])
        sol = _solve_any(gram, rhs, k)
        if sol is None:
            return None
        coef = [fmpq_to_fraction(v) for v in sol]
        if model.d_out == 1:
            named[out_name][:] = coef[: h.shape[0]]
        else:
            named[out_name][o, :] = coef[: h.shape[0]]
        if model.output_bias:
            if model.d_out == 1:
                named["c"][()] = coef[-1]
            else:
                named["c"][o] = coef[-1]
    return model.pack(named, dtype=object)


def _exact_last_v(obj: Objective, q: np.ndarray) -> np.ndarray | None:
    """Without a readout, ``f = h_{L-1} + V_L a`` is linear in the last block's ``V_L``
    (``a`` = its input features): ``V_L`` re-solved by exact least squares against the
    targets ``y - h_{L-1}``, so its gradient is exactly 0. For Hardt & Ma's linear
    ResNets with invertible lower factors this makes the product a least-squares
    solution, hence an exact global minimum."""
    model = obj.model
    ops = obj.network.graph.ops
    last = ops[-1]
    prev = ops[-2] if len(ops) > 1 else None
    if last.kind != "add" or prev is None or prev.kind != "matmul" or prev.out != last.inputs[1]:
        return None  # the last block has no trainable V
    assert prev.param is not None
    x, y = obj.arrays(Arithmetic.EXACT)
    theta = np.array([Fraction(v) for v in q], dtype=object)
    fw = obj.network.forward(Arithmetic.EXACT.array(theta), x, Arithmetic.EXACT)
    feats, skip = fw.values[prev.inputs[0]], fw.values[last.inputs[0]]  # (k, n), (d, n)
    n, k = feats.shape[1], feats.shape[0]
    a = flint.fmpq_mat([[feats[j, i] for j in range(k)] for i in range(n)])
    at = a.transpose()
    gram = at * a
    named = model.unpack(theta)
    target = y - skip
    for o in range(target.shape[0]):
        sol = _solve_any(gram, at * flint.fmpq_mat([[target[o, i]] for i in range(n)]), k)
        if sol is None:
            return None
        named[prev.param.name][o, :] = [fmpq_to_fraction(v) for v in sol]
    return model.pack(named, dtype=object)


def _solve_any(gram: Any, rhs: Any, k: int) -> list[Any] | None:
    """One exact solution of the consistent system ``gram z = rhs`` (normal equations)."""
    aug = flint.fmpq_mat([[gram[i, j] for j in range(k)] + [rhs[i, 0]] for i in range(k)])
    rref, rank = aug.rref()
    z = [flint.fmpq(0)] * k
    for r in range(rank):
        pivots = [c for c in range(k + 1) if rref[r, c] != 0]
        if not pivots or pivots[0] == k:
            return None
        z[pivots[0]] = rref[r, k] / rref[r, pivots[0]]
    return z


_HOMOGENEOUS = ("relu", "leaky_relu", "identity")


def gauge_normalize(obj: Objective, theta: np.ndarray) -> np.ndarray:
    """Fix the positive-scaling symmetry of positively homogeneous units.

    For relu/leaky_relu/identity, ``a * sigma(u^T z + b) = (a/s) * sigma(s u^T z + s b)``
    for every ``s > 0``: critical points come in rays, which Krawczyk boxes cannot
    certify. Each such unit of a dense layer, or of a single-hidden-layer residual
    block, is rescaled so that its largest incoming weight (or bias) is +-1. The
    network function, the risk and criticality are unchanged.
    """
    model = obj.model
    named = {k: np.array(v, dtype=np.float64) for k, v in model.unpack(theta).items()}
    for i, st in enumerate(model.stages):
        if st.activation.name not in _HOMOGENEOUS:
            continue
        if isinstance(st, DenseLayer):
            a, b, out = f"layers[{i}].A", f"layers[{i}].b" if st.bias else None, None
            out = next_matrix(model, i)
        elif isinstance(st, ResidualBlock) and len(st.hidden) == 1 and st.out:
            a = f"blocks[{i}].phi[0].A"
            b = f"blocks[{i}].phi[0].b" if st.bias else None
            out = f"blocks[{i}].V"
        else:
            continue
        rows = named[a] if b is None else np.column_stack([named[a], named[b]])
        scale = np.max(np.abs(rows), axis=1)
        for j, sj in enumerate(scale):
            if not sj > 0 or not np.isfinite(sj):
                continue
            named[a][j] /= sj
            if b is not None:
                named[b][j] /= sj
            if out == "w" or (out is not None and named[out].ndim == 1):
                named[out][j] *= sj
            else:
                named[out][:, j] *= sj
    return model.pack(named)
