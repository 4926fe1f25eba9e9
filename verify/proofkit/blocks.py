r"""Exact first- and second-order quantities of a single-block ReLU ResNet, by hand.

For ``f(x) = w^T (x + V F(x))``, ``F(x) = relu(A x + b)`` under the squared loss
``l(p; y) = (p - y)^2`` (mean over samples, no 1/2, no intercept or output bias) put
``g = l'(f; y) = 2 (f - y)``, ``h = x + V F``. Then ``grad_w R = E[g h] = E[g x] + V m``
and ``grad_V R = w m^T`` with ``m = E[g F]``; the ``(w, w)`` Hessian block is
``A_w = E[l'' h h^T] = 2 E[h h^T]`` and ``d^2 R / dw_a dV_bc = delta_ab m_c`` at ``w = 0``
(Shamir, NeurIPS 2018; CLAIMS.md S1 [D], steps D1/D2; the same identities as the proof
module ``resnet_block_no_bad_local_minima``). :func:`single_block_point` computes them in
``Fraction`` arithmetic from an instance, independently of the library's derivative engine,
so an example can compare the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from verify.errors import InvalidInput
from verify.io.instances import Instance
from verify.proofkit.exact import exact_array


@dataclass(frozen=True)
class SingleBlockPoint:
    """Hand-computed quantities at the point of ``w^T (x + V relu(A x + b))`` (squared loss):
    ``m = E[g F]``, ``g_x = E[g x]``, ``a_w = E[2 h h^T]`` with ``h = x + V F`` and
    ``g = 2 (f - y)`` (``= -2 y`` at ``w = 0``), ``margin = min_i |A x_i + b|`` (0: a sample
    sits on a kink)."""

    xs: np.ndarray
    ys: np.ndarray
    v_mat: np.ndarray
    w: list[Fraction]
    m: list[Fraction]
    g_x: list[Fraction]
    a_w: np.ndarray
    margin: Fraction


def single_block_point(inst: Instance) -> SingleBlockPoint:
    """Read ``x, y, A, b, V, w`` from a single-block ReLU ResNet instance (squared loss, no
    intercept or output bias) and compute :class:`SingleBlockPoint` exactly."""
    model = inst.require_model()
    named = {k: exact_array(v) for k, v in model.unpack(inst.require_params()).items()}
    wanted = {"w", "blocks[0].V", "blocks[0].phi[0].A", "blocks[0].phi[0].b"}
    if inst.loss.name != "squared" or model.intercept or model.output_bias or set(named) != wanted:
        raise InvalidInput(
            f"inst={inst.name!r} is not a single-block ReLU ResNet w^T (x + V relu(A x + b)) "
            "with the squared loss and no intercept or output bias; pass such an instance."
        )
    xs, ys, v_mat = exact_array(inst.data.x), exact_array(inst.data.y), named["blocks[0].V"]
    pre = xs @ named["blocks[0].phi[0].A"].T + named["blocks[0].phi[0].b"]
    feats = np.vectorize(lambda p: max(p, Fraction(0)), otypes=[object])(pre)
    hs, n = xs + feats @ v_mat.T, len(ys)
    g = 2 * (hs @ named["w"] - ys.reshape(n))
    m, g_x, a_w = list(g @ feats / n), list(g @ xs / n), 2 * hs.T @ hs / n
    return SingleBlockPoint(
        xs, ys, v_mat, list(named["w"]), m, g_x, a_w, min(abs(p) for p in pre.flat)
    )
