r"""Y3 at full critical points: the derived bound with the Lipschitz constant *measured*.

Companion of :mod:`verify.experiments.near_identity` (same data, losses, model
``h <- h + V relu(U h)``, ``f = w^T h_L``; CLAIMS.md §Y3 [S] + [D]). Instead of drawing
the blocks, all parameters are trained from a near-identity start (float64 L-BFGS on the
engine's ``Objective.value_and_gradient``) to an approximate critical point of the full
risk. The point is rounded to a dyadic rational ``theta``, and the lemma is checked there
with

* ``alpha = L max_l ||V_l||_F ||U_l||_F`` (an Arb enclosure of the exact rational
  ``||V_l||_F^2 ||U_l||_F^2``), which makes every block provably ``(alpha/L)``-Lipschitz;
* the epsilon version of the lemma with ``grad_w R`` enclosed (exact for Huber, balls for
  logistic): ``R <= E l(t*^T x) + G (e^alpha - 1) E||x|| ||t*|| + ||g_w|| (||t*|| + ||w||)``.

The full gradient norm is reported (float, NUMERIC): "critical" here means the optimizer
stopped there; the lemma itself needs only (approximate) stationarity in ``w``.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import flint
import numpy as np
import scipy.optimize as so

from verify.experiments.common import (
    arb_of,
    check_budget,
    check_depths,
    check_seed,
    dyadic,
    interval,
    mid,
)
from verify.experiments.near_identity import (
    D_X,
    PROJ,
    NearIdentityResult,
    Y3Row,
    compare,
    datasets,
    prepare,
)
from verify.models import resnet
from verify.objectives.empirical import Objective
from verify.verdict import Method

_CONFIG: dict[str, dict[str, Any]] = {
    "quick": {"depths": (1, 2, 4, 8), "draws": 1, "n": 24, "maxiter": 200},
    "deep": {"depths": tuple(range(1, 17)), "draws": 4, "n": 80, "maxiter": 2000},
}


def _alpha(model: Any, theta: np.ndarray, depth: int) -> flint.arb:
    """Ball for ``L max_l ||V_l||_F ||U_l||_F`` (the max is taken exactly on squares)."""
    p = model.unpack(theta)
    worst = max(sum(v * v for v in p[f"blocks[{i}].U"].flat)
                * sum(v * v for v in p[f"blocks[{i}].V"].flat) for i in range(depth))
    return arb_of(Fraction(worst)).sqrt() * depth


def run(budget: str = "quick", seed: int = 0, *, depths: Any = None) -> NearIdentityResult:
    """Train, round, check; rows have ``kind = "full critical point (trained)"``."""
    check_budget(budget)
    check_seed(seed)
    cfg = _CONFIG[budget]
    Ls = check_depths(depths if depths is not None else cfg["depths"])
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    rows: list[Y3Row] = []
    skipped: list[str] = []
    for name, ds in datasets(rng, cfg["n"]).items():
        prep = prepare(name, ds)
        if isinstance(prep, str):
            skipped.append(prep)
            continue
        the_loss, t, r_t, r_lin = prep
        for depth in Ls:
            model = resnet(D_X, [{"activation": "relu", "proj": PROJ}] * depth)
            obj = Objective(model, the_loss, ds)
            for draw in range(cfg["draws"]):
                th0 = rng.normal(0.0, 0.3 / np.sqrt(depth), size=model.n_params)
                w = model.param("w")
                th0[w.offset:w.stop] = rng.normal(size=D_X)
                res = so.minimize(obj.value_and_gradient, th0, jac=True, method="L-BFGS-B",
                                  options={"maxiter": cfg["maxiter"], "gtol": 1e-10})
                if not np.all(np.isfinite(res.x)):
                    skipped.append(f"{name} L={depth} draw={draw}: training diverged")
                    continue
                theta = dyadic(res.x, 40)
                gnorm = float(np.linalg.norm(obj.value_and_gradient(res.x)[1]))
                alpha = _alpha(model, theta, depth)
                arith = "exact" if name == "huber" else "ball"
                gap, bound, eps, verdict, exact = compare(obj, theta, alpha, t, r_t, arith)
                rows.append(Y3Row(
                    depth, the_loss.label, draw, False, True,
                    "exact" if exact else "approximate (ball-enclosed gradient)",
                    interval(gap), interval(bound), interval(eps),
                    mid(gap) / mid(bound) if mid(bound) > 0 else 0.0,
                    verdict, Method.CERTIFIED, r_lin,
                    kind="full critical point (trained)", alpha=interval(alpha),
                    full_grad_norm=gnorm,
                ))
    return NearIdentityResult(rows, seed, budget, None, cfg["n"],
                              time.perf_counter() - start, skipped)
