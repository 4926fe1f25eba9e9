r"""Krawczyk on a slice: certified critical points that are not isolated because of exact
continuous symmetries of the risk.

Two symmetries make the Hessian singular at every critical point, so the plain
Krawczyk test cannot isolate one:

* **Output coupling.** In a ResNet with scalar output ``f = w^T h_L`` and last block
  ``h_L = h_{L-1} + V_L phi^L``, the risk depends on ``V_L`` only through ``w^T V_L``:
  ``R(w, V_L + u c^T) = R(w, V_L)`` for every ``u ⊥ w``; critical points come in affine
  families of dimension ``(d_x - 1) n_L`` (Shamir's single block and Yun's form, the
  settings of S1, Y2, Y1). The slice fixes every row ``j != j0`` of ``V_L`` at the
  centre's exact values, where ``j0`` maximises ``|w_j|``.
* **Positive scaling of homogeneous units.** If a residual block's last nonlinearity
  is positively homogeneous of degree ``p`` (``sigma(c z) = c^p sigma(z)`` for ``c > 0``:
  relu, leaky_relu, identity with ``p = 1``; square with ``p = 2``) and its output feeds
  the block's ``V``, then unit ``u`` (row ``u`` of its incoming weights ``a_u``, with its
  bias) and column ``u`` of ``V`` satisfy ``R(c a_u, V_{:,u} / c^p) = R`` for every
  ``c > 0``: a ray of critical points. Differentiating at ``c = 1`` gives the exact
  Euler identity ``sum_k a_{u,k} dR/da_{u,k} = p sum_j V_{j,u} dR/dV_{j,u}`` wherever
  ``R`` is differentiable. The slice fixes the coordinate ``a_{u,k0}`` of largest
  ``|a_{u,k}|`` (nonzero) at its exact value.

Krawczyk on the remaining (free) coordinates proves a unique zero of the *restricted*
gradient in the box (radius 0 on the fixed coordinates; the box must be free of
kinks, so ``R`` is twice differentiable on it). At that point:

1. ``∇_{V_L} R = w E[g phi^L]^T`` (the backpropagated signal at ``h_L`` is ``w``; an
   exact identity of the model); its row ``j0`` is 0 and ``w_{j0} != 0`` on the whole
   box (checked in balls), so ``E[g phi^L] = 0`` and every row of ``∇_{V_L} R`` vanishes;
2. then every ``V`` coordinate has zero derivative (free, or handled by 1.), and so has
   every incoming weight of unit ``u`` except ``a_{u,k0}``; the Euler identity leaves
   ``a_{u,k0} dR/da_{u,k0} = 0`` with ``a_{u,k0}`` a nonzero exact number, so that
   derivative vanishes too.

So the point is a critical point of ``R``. The box is still a box (zero radius on the
fixed coordinates), so every later certificate evaluated over it holds at that
critical point; uniqueness holds only within the slice, and the report says so.
The identities are tested at random rational points in exact arithmetic
(``tests/certify/test_slice_certificate.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flint
import numpy as np

from verify.certify.box import Box, evaluate_box
from verify.certify.inertia import entry_bounds, upper_bound
from verify.models import ResidualBlock
from verify.numbers.arithmetic import Arithmetic, ball_bounds
from verify.objectives.empirical import Objective
from verify.verdict import Evidence, Method, Verdict

# degree p of positive homogeneity: sigma(c z) = c^p sigma(z) for every c > 0
HOMOGENEITY = {"relu": 1, "leaky_relu": 1, "identity": 1, "square": 2}


@dataclass(frozen=True)
class ScalingOrbit:
    """One homogeneous unit: its incoming coordinates (weights and bias), the coordinates
    of its column of ``V``, and the degree ``p``: ``R(c a, V_col / c^p) = R`` for ``c > 0``."""

    block: int
    unit: int
    incoming: tuple[int, ...]
    outgoing: tuple[int, ...]
    degree: int


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


def newton_on_slice(objective: Objective, th: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                    steps: int) -> bool:
    """Float Newton steps on ``grad R[rows] = 0`` in the coordinates ``cols`` (``th`` is
    updated in place): the centre and preconditioner of a Krawczyk test, never part of a
    proof. False if a step is not finite or the Jacobian is singular."""
    for _ in range(steps):
        land = objective.evaluate(th, Arithmetic.FLOAT)
        assert land.hessian is not None
        g = np.asarray(land.gradient, dtype=np.float64)[rows]
        jac = np.asarray(land.hessian, dtype=np.float64)[np.ix_(rows, cols)]
        if not (np.all(np.isfinite(jac)) and np.all(np.isfinite(g))):
            return False
        try:
            step = np.linalg.solve(jac, g)
        except np.linalg.LinAlgError:
            return False
        if not np.all(np.isfinite(step)) or float(np.max(np.abs(step))) < 1e-17:
            break
        th[cols] -= step
    return True


def krawczyk_on_slice(
    objective: Objective,
    th: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    cmat: np.ndarray,
    accept: Callable[[np.ndarray], bool] | None = None,
) -> tuple[Box, float, float] | None:
    """Krawczyk tests of ``grad R[rows] = 0`` in the coordinates ``cols`` around the exact
    values of the floats ``th``, with the float preconditioner ``cmat``: boxes of
    radius ``r`` on ``cols`` (0 elsewhere), starting at ``4 |C g(c)|`` (at least ``2^-44
    max(1, |th|)``) and grown to ``max(2 ub, 4 r)`` up to six times while ``r <= 0.01
    max(1, |th|)``. Returns ``(box, ub, r)`` of the first test with ``ub < r`` (``ub`` an
    upper bound of ``|K(X) - c|``: a unique zero in the box) whose balls ``accept`` also
    passes, or ``None`` (a box meets a kink, or no test succeeds)."""
    c_box = Box(th)  # exact centre (the floats' exact values)
    g0 = evaluate_box(objective, c_box, order=1).gradient
    ca = flint.arb_mat(cmat.tolist())
    cg = ca * flint.arb_mat([[g0[i] if isinstance(g0[i], flint.arb) else flint.arb(g0[i])]
                             for i in rows])
    cscale = max(1.0, float(np.max(np.abs(th))))
    r = max(4.0 * max(upper_bound(abs(v)) for v in cg.entries()), 2.0**-44 * cscale)
    n = cols.size
    eye = flint.arb_mat([[1 if i == j else 0 for j in range(n)] for i in range(n)])
    for _ in range(6):
        if r > 0.01 * cscale:
            return None
        radius = np.zeros(len(c_box.centre))
        radius[cols] = r
        box = Box(c_box.centre, radius)
        evb = evaluate_box(objective, box, order=2)
        if not evb.smooth or evb.hessian is None:
            return None
        jb = np.asarray(evb.hessian, dtype=object)[np.ix_(rows, cols)]
        a = eye - ca * flint.arb_mat(jb.tolist())
        balls = box.balls()
        dx = flint.arb_mat([[balls[i] - flint.arb(box.centre[i])] for i in cols])
        klo, khi = entry_bounds(np.array((a * dx - cg).entries(), dtype=object))
        ub = float(np.max(np.maximum(-klo, khi)))
        if ub < r and (accept is None or accept(balls)):
            return box, ub, r
        r = max(2.0 * ub, 4.0 * r) if np.isfinite(ub) else 4.0 * r
    return None


def scaling_orbits(objective: Objective) -> list[ScalingOrbit]:
    """The positive-scaling orbits of the residual blocks' homogeneous units.

    A block qualifies when its activation is in :data:`HOMOGENEITY`, it has a ``V``
    (``out``) and its last nonlinearity has trainable incoming weights: the last hidden
    layer ``sigma(A_r a + b_r)``, or ``sigma(U h + b)`` for a block with a projection and
    no hidden layers. Other stages (dense layers, parameter-free features) have none.
    """
    model = objective.model
    if model.kind != "resnet":
        return []
    idx = model.unpack(np.arange(model.n_params))
    out: list[ScalingOrbit] = []
    for i, st in enumerate(model.stages):
        if not isinstance(st, ResidualBlock) or not st.out:
            continue
        degree = HOMOGENEITY.get(st.activation.name)
        if degree is None:
            continue
        if st.hidden:
            r = len(st.hidden) - 1
            a_name, b_name = f"blocks[{i}].phi[{r}].A", f"blocks[{i}].phi[{r}].b"
        elif st.proj is not None:
            a_name, b_name = f"blocks[{i}].U", f"blocks[{i}].b"
        else:
            continue
        a = np.asarray(idx[a_name])
        b = np.asarray(idx[b_name]).reshape(-1) if b_name in idx else None
        v = np.asarray(idx[f"blocks[{i}].V"])
        for u in range(a.shape[0]):
            inc = [int(k) for k in a[u]] + ([int(b[u])] if b is not None else [])
            out.append(ScalingOrbit(i, u, tuple(inc), tuple(int(k) for k in v[:, u]), degree))
    return out


def _fixed(objective: Objective, th: np.ndarray
           ) -> tuple[list[int], int | None, list[tuple[ScalingOrbit, int]]]:
    """Coordinates to fix: the rows ``j != j0`` of ``V_L`` (output coupling, ``j0`` the row
    of largest ``|w_j|``, if ``w_{j0} != 0``) and, per scaling orbit, its incoming
    coordinate of largest magnitude (if nonzero)."""
    fixed: set[int] = set()
    j0: int | None = None
    lay = _layout(objective)
    if lay is not None:
        w_idx, v_idx = lay
        j = int(np.argmax(np.abs(th[w_idx])))
        if th[w_idx[j]] != 0:
            j0 = j
            fixed |= {int(v_idx[r, k]) for r in range(v_idx.shape[0]) if r != j
                      for k in range(v_idx.shape[1])}
    scaled: list[tuple[ScalingOrbit, int]] = []
    for orb in scaling_orbits(objective):
        k0 = max(orb.incoming, key=lambda k: abs(th[k]))
        if th[k0] != 0 and k0 not in fixed:
            fixed.add(k0)
            scaled.append((orb, k0))
    return sorted(fixed), j0, scaled


def sliced_critical_point(
    objective: Objective, centre: np.ndarray, *, max_condition: float = 1e12, steps: int = 8
) -> Evidence | None:
    """HOLDS (CERTIFIED) with the slice box if Krawczyk succeeds on the slice; ``None`` if the
    model has neither symmetry or the test does not succeed (the caller keeps its answer)."""
    th = np.asarray(centre, dtype=np.float64).copy()
    if not np.all(np.isfinite(th)):
        return None
    frozen, j0, scaled = _fixed(objective, th)
    if not frozen:
        return None
    frozen_set = set(frozen)
    free = np.array([i for i in range(th.size) if i not in frozen_set])
    if not newton_on_slice(objective, th, free, free, steps):
        return None
    land = objective.evaluate(th, Arithmetic.FLOAT)
    assert land.hessian is not None
    h = np.asarray(land.hessian, dtype=np.float64)[np.ix_(free, free)]
    ev = np.linalg.eigvalsh((h + h.T) / 2)
    small, scale = float(np.min(np.abs(ev))), float(np.max(np.abs(ev)))
    if not small > 0 or scale / small > max_condition:
        return None
    cmat = np.linalg.inv(h)
    if any(th[k] == 0 for _, k in scaled):  # fixed scaling coordinates must be != 0
        return None
    lay = _layout(objective)

    def w_nonzero(balls: np.ndarray) -> bool:  # the kept row of V_L needs w_{j0} != 0
        if j0 is None:
            return True
        assert lay is not None
        wlo, whi = ball_bounds(np.array([balls[lay[0][j0]]], dtype=object))
        return bool(wlo[0] > 0 or whi[0] < 0)

    found = krawczyk_on_slice(objective, th, free, free, cmat, w_nonzero)
    if found is None:
        return None
    _, ub, r = found
    return slice_evidence(
        found, free, _reason(objective, j0, scaled, ub, r),
        _slice_witness(objective, j0, scaled), scale / small,
    )


def slice_evidence(found: tuple[Box, float, float], cols: np.ndarray, reason: str,
                   slice_info: dict[str, Any], condition: float) -> Evidence:
    """HOLDS (CERTIFIED) for a successful :func:`krawczyk_on_slice` ``(box, ub, r)`` on the
    coordinates ``cols``: the box, the enclosure radius ``ub`` on ``cols``, the slice."""
    box, ub, r = found
    enclosure = np.zeros(len(box.centre))
    enclosure[cols] = ub
    return Evidence(
        Verdict.HOLDS,
        Method.CERTIFIED,
        reason,
        margin=r - ub,
        tolerance=0.0,
        witness={
            "centre": Box(box.centre).to_dict()["centre"],
            "radius": [float(x) for x in box.radius],
            "enclosure_radius": [float(x) for x in enclosure],
            "slice": slice_info,
            "condition": condition,
        },
    )


def _slice_witness(objective: Objective, j0: int | None,
                   scaled: list[tuple[ScalingOrbit, int]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if j0 is not None:
        out["fixed_rows_of"] = f"blocks[{len(objective.model.stages) - 1}].V"
        out["free_row"] = j0
    if scaled:
        out["scaling"] = [
            {"block": o.block, "unit": o.unit, "degree": o.degree, "fixed_coordinate": k}
            for o, k in scaled
        ]
    return out


def _reason(objective: Objective, j0: int | None, scaled: list[tuple[ScalingOrbit, int]],
            ub: float, r: float) -> str:
    parts, why = [], []
    if j0 is not None:
        parts.append(f"the rows j != {j0} of the last block's V")
        why.append(
            "R is constant along V_L + u c^T (u ⊥ w); grad_V R = w E[g phi]^T vanishes with "
            f"its row {j0} (w_{j0} != 0 on the box)"
        )
    if scaled:
        units = ", ".join(f"block {o.block} unit {o.unit}" for o, _ in scaled)
        parts.append(f"one incoming coordinate (nonzero) per homogeneous unit ({units})")
        why.append(
            "R is invariant under a -> c a, V_col -> V_col / c^p (c > 0); the Euler identity "
            "sum a dR/da = p sum V dR/dV makes the fixed coordinate's derivative vanish"
        )
    return (
        f"Krawczyk test on the slice fixing {' and '.join(parts)} (critical points are not "
        f"isolated): the restricted gradient has exactly one zero within {ub:.3g} of the "
        f"polished point (box radius {r:.3g} on the free coordinates, 0 on the fixed ones); "
        f"there {'; '.join(why)}, so it is a critical point of R (unique within the slice, "
        "not in the full box)."
    )
