r"""Krawczyk on a slice: certified critical points that are not isolated because of the
output coupling of the last residual block.

In a ResNet with scalar output ``f = w^T h_L`` and last block
``h_L = h_{L-1} + V_L phi^L``, the risk depends on ``V_L`` only through ``w^T V_L``:
``R(w, V_L + u c^T) = R(w, V_L)`` for every ``u ⊥ w``. Critical points therefore come in
affine families of dimension ``(d_x - 1) n_L`` and the full Hessian is singular, so the
plain Krawczyk test cannot isolate them (Shamir's single block and Yun's form, the
settings of S1, Y2, Y1).

The slice fixes every row ``j != j0`` of ``V_L`` at the centre's exact values, where
``j0`` maximises ``|w_j|``. Krawczyk on the remaining coordinates proves a unique zero of
the *restricted* gradient in the box (radius 0 on the fixed coordinates). At that point
``∇_{V_L} R = w E[g phi^L]^T`` (the backpropagated signal at ``h_L`` is ``w``; an exact
identity of the model), and its row ``j0`` is 0 with ``w_{j0} != 0`` on the whole box
(checked in balls), so ``E[g phi^L] = 0`` and every row vanishes: the point is a critical
point of ``R``. The box is still a box (zero radius on the fixed coordinates), so every
later certificate evaluated over it holds at that critical point; uniqueness holds only
within the slice, and the report says so.
"""

from __future__ import annotations

import flint
import numpy as np

from verify.certify.box import Box, evaluate_box
from verify.certify.inertia import entry_bounds, upper_bound
from verify.models import ResidualBlock
from verify.numbers.arithmetic import Arithmetic, ball_bounds
from verify.objectives.empirical import Objective
from verify.verdict import Evidence, Method, Verdict


def _layout(objective: Objective) -> tuple[np.ndarray, np.ndarray] | None:
    """``(w indices, V_L indices (d_x, n_L))`` if the model has the output coupling."""
    model = objective.model
    last = model.stages[-1] if model.stages else None
    if (
        model.kind != "resnet"
        or model.d_out != 1
        or model.d_x < 2
        or not isinstance(last, ResidualBlock)
        or not last.out
    ):
        return None
    idx = model.unpack(np.arange(model.n_params))
    return np.asarray(idx["w"]).reshape(-1), np.asarray(idx[f"blocks[{len(model.stages) - 1}].V"])


def sliced_critical_point(
    objective: Objective, centre: np.ndarray, *, max_condition: float = 1e12, steps: int = 8
) -> Evidence | None:
    """HOLDS (CERTIFIED) with the slice box if Krawczyk succeeds on the slice; ``None`` if the
    model has no output coupling or the test does not succeed (the caller keeps its answer)."""
    lay = _layout(objective)
    if lay is None:
        return None
    w_idx, v_idx = lay
    th = np.asarray(centre, dtype=np.float64).copy()
    j0 = int(np.argmax(np.abs(th[w_idx])))
    if th[w_idx[j0]] == 0:
        return None
    frozen = sorted(int(v_idx[j, k]) for j in range(v_idx.shape[0]) if j != j0
                    for k in range(v_idx.shape[1]))
    free = np.array([i for i in range(th.size) if i not in set(frozen)])
    # float Newton on the slice: preconditioner and centre only, never part of the proof
    for _ in range(steps):
        land = objective.evaluate(th, Arithmetic.FLOAT)
        assert land.hessian is not None
        g = np.asarray(land.gradient, dtype=np.float64)[free]
        h = np.asarray(land.hessian, dtype=np.float64)[np.ix_(free, free)]
        if not (np.all(np.isfinite(h)) and np.all(np.isfinite(g))):
            return None
        try:
            step = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)) or float(np.max(np.abs(step))) < 1e-17:
            break
        th[free] -= step
    land = objective.evaluate(th, Arithmetic.FLOAT)
    assert land.hessian is not None
    h = np.asarray(land.hessian, dtype=np.float64)[np.ix_(free, free)]
    ev = np.linalg.eigvalsh((h + h.T) / 2)
    small, scale = float(np.min(np.abs(ev))), float(np.max(np.abs(ev)))
    if not small > 0 or scale / small > max_condition:
        return None
    cmat = np.linalg.inv(h)
    c_box = Box(th)  # exact centre (the floats' exact values)
    g0 = evaluate_box(objective, c_box, order=1).gradient
    gf = [g0[i] if isinstance(g0[i], flint.arb) else flint.arb(g0[i]) for i in free]
    ca = flint.arb_mat(cmat.tolist())
    cg = ca * flint.arb_mat([[v] for v in gf])
    off = max(upper_bound(abs(v)) for v in cg.entries())
    cscale = max(1.0, float(np.max(np.abs(th))))
    r = max(4.0 * off, 2.0**-44 * cscale)
    n = free.size
    eye = flint.arb_mat([[1 if i == j else 0 for j in range(n)] for i in range(n)])
    for _ in range(6):
        if r > 0.01 * cscale:
            return None
        radius = np.zeros(th.size)
        radius[free] = r
        box = Box(c_box.centre, radius)
        evb = evaluate_box(objective, box, order=2)
        if not evb.smooth or evb.hessian is None:
            return None
        hb = np.asarray(evb.hessian, dtype=object)[np.ix_(free, free)]
        a = eye - ca * flint.arb_mat(hb.tolist())
        balls = box.balls()
        dx = flint.arb_mat([[balls[i] - flint.arb(box.centre[i])] for i in free])
        klo, khi = entry_bounds(np.array((a * dx - cg).entries(), dtype=object))
        ub = float(np.max(np.maximum(-klo, khi)))
        wlo, whi = ball_bounds(np.array([balls[w_idx[j0]]], dtype=object))
        if ub < r and (wlo[0] > 0 or whi[0] < 0):
            enclosure = np.zeros(th.size)
            enclosure[free] = ub
            return Evidence(
                Verdict.HOLDS,
                Method.CERTIFIED,
                (
                    "Krawczyk test on the slice fixing the rows j != "
                    f"{j0} of the last block's V (R is constant along V_L + u c^T, u ⊥ w, so "
                    "critical points are not isolated): the restricted gradient has exactly one "
                    f"zero within {ub:.3g} of the polished point (box radius {r:.3g} on the free "
                    f"coordinates, 0 on the fixed ones); there grad_V R = w E[g phi]^T vanishes "
                    f"with its row {j0} (w_{j0} != 0 on the box), so it is a critical point of R "
                    "(unique within the slice, not in the full box)."
                ),
                margin=r - ub,
                tolerance=0.0,
                witness={
                    "centre": Box(c_box.centre).to_dict()["centre"],
                    "radius": [float(x) for x in radius],
                    "enclosure_radius": [float(x) for x in enclosure],
                    "slice": {"fixed_rows_of": f"blocks[{len(objective.model.stages) - 1}].V",
                              "free_row": j0},
                    "condition": scale / small,
                },
            )
        r = max(2.0 * ub, 4.0 * r) if np.isfinite(ub) else 4.0 * r
    return None

