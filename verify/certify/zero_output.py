r"""Critical points on the ``w = 0`` family of a ResNet with scalar output, certified.

With ``f = w^T h_L`` (no output bias) every parameter other than ``w`` acts on the
prediction only through ``h_L``, so ``dR/dtheta = E[g w^T dh_L/dtheta] = 0`` for every
such ``theta`` as soon as ``w = 0`` (an exact identity of the model), and the prediction,
hence ``g = l'(0; y)``, no longer depends on them. The critical points with ``w = 0``
therefore form the set ``{E[g h_L] = 0}``: ``d`` equations (``d`` = the width of
``h_L``) in all the other parameters, a manifold the plain Krawczyk test cannot isolate
(Shamir's ``w = 0`` saddles of S1, the points Y2's premise ``w != 0`` excludes).

The certificate fixes ``w = 0`` and every parameter except one column ``u0`` of the last
block's ``V_L`` at exact values, and runs the Krawczyk test on the square system
``F(v) = grad_w R(w = 0, ..., V_L[:, u0] = v) = 0``, whose Jacobian is ``E[g phi_u0] I``
(``phi_u0`` the last block's unit ``u0``; the column with the largest ``|E[g phi_u]|`` is
chosen). A unique zero of ``F`` in the box is a point where ``grad_w R = 0`` and, by the
identity above, every other derivative vanishes: a critical point of ``R``, unique only
within the slice. The box must be free of kinks. The identity is tested exactly
(``tests/certify/test_zero_output.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify.certify.slice import krawczyk_on_slice, newton_on_slice, slice_evidence
from verify.models import ResidualBlock
from verify.numbers.arithmetic import Arithmetic
from verify.objectives.empirical import Objective
from verify.verdict import Evidence


def zero_output_layout(objective: Objective) -> tuple[np.ndarray, np.ndarray] | None:
    """``(w indices, V_L indices (d, n_L))`` for a ResNet ``f = w^T h_L`` (readout, scalar
    output, no output bias, a trainable ``V`` in the last block); else ``None``."""
    model = objective.model
    last = model.stages[-1] if model.stages else None
    if (
        model.kind != "resnet"
        or not model.readout
        or model.d_out != 1
        or model.output_bias
        or not isinstance(last, ResidualBlock)
        or not last.out
    ):
        return None
    idx = model.unpack(np.arange(model.n_params))
    w = np.asarray(idx["w"]).reshape(-1)
    v = np.asarray(idx[f"blocks[{len(model.stages) - 1}].V"])
    return (w, v) if v.shape[0] == w.size else None


def zero_output_critical_point(
    objective: Objective, centre: Any, *, max_condition: float = 1e12, steps: int = 6,
    w_tol: float = 1e-7,
) -> Evidence | None:
    """HOLDS (CERTIFIED) with a box at ``w = 0`` if ``centre`` has ``|w| <= w_tol *
    max(1, |centre|)`` and the Krawczyk test succeeds on the slice; ``None`` otherwise (the
    caller keeps its answer)."""
    lay = zero_output_layout(objective)
    if lay is None:
        return None
    w_idx, v_idx = lay
    th = np.asarray(centre, dtype=np.float64).copy()
    cscale = max(1.0, float(np.max(np.abs(th), initial=0.0)))
    if not np.all(np.isfinite(th)) or float(np.max(np.abs(th[w_idx]))) > w_tol * cscale:
        return None
    th[w_idx] = 0.0
    land = objective.evaluate(th, Arithmetic.FLOAT)
    assert land.hessian is not None
    hess = np.asarray(land.hessian, dtype=np.float64)
    m = [abs(float(hess[w_idx[0], v_idx[0, u]])) for u in range(v_idx.shape[1])]
    u0 = int(np.argmax(m))
    free = np.asarray(v_idx[:, u0])
    if not newton_on_slice(objective, th, w_idx, free, steps):  # on F(v) = grad_w R
        return None
    land = objective.evaluate(th, Arithmetic.FLOAT)
    assert land.hessian is not None
    jac = np.asarray(land.hessian, dtype=np.float64)[np.ix_(w_idx, free)]
    sv = np.linalg.svd(jac, compute_uv=False)
    if not (np.all(np.isfinite(sv)) and sv[-1] > 0 and sv[0] / sv[-1] <= max_condition):
        return None
    cmat = np.linalg.inv(jac)
    found = krawczyk_on_slice(objective, th, w_idx, free, cmat)  # w = 0 exactly
    if found is None:
        return None
    _, ub, r = found
    block = f"blocks[{len(objective.model.stages) - 1}].V"
    reason = (
        f"Krawczyk test on the w = 0 slice (w = 0 exactly; every parameter fixed "
        f"except column {u0} of {block}): grad_w R = E[g h_L] has exactly one zero "
        f"within {ub:.3g} of the polished point (box radius {r:.3g} on that column, "
        "0 elsewhere); at w = 0 every other derivative of R is 0 identically "
        "(the prediction w^T h_L does not depend on them), so it is a critical "
        "point of R (unique within the slice, not in the full box)."
    )
    info = {"zero_output": True, "free_column_of": block, "free_column": u0}
    return slice_evidence(found, free, reason, info, float(sv[0] / sv[-1]))
