r"""The explicit negative-curvature direction of the derived proof Y1-D, step 5
(``docs/claims.md`` §Y1-D [D]; Yun, Sra & Jadbabaie 2019, model Y0).

Let ``N = ∩_{l>=2} null(U_l)`` (all of ``R^{d_x}`` when ``L = 1``). For ``u in N`` and a
block ``l``, the parameters ``(w + α u, V_l + β u c^T)`` change the output by
``f' = f + α u^T h_L + β (w^T u) c^T φ^l + α β ‖u‖² c^T φ^l`` (step 2). When ``w ⊥ N``
the Hessian restricted to that plane is ``[[A, B], [B, C]]`` with
``A = E[l'' (u^T h_L)^2] >= 0``, ``B = ‖u‖² c^T E[g φ^l]`` and ``C = 0``; with
``c = E[g φ^l] != 0`` it is indefinite, and ``(α, β) = (ε, -1)`` gives
``v^T ∇²R v = ε² A - 2 ε B + C < 0`` for small ``ε > 0`` (``ε = B / A`` is the best).

The check does not trust the derivation: ``A``, ``B``, ``C`` are read off the objective's
own Hessian (exact at an exact point, Arb balls over a certified box), ``c`` is taken as
the vector ``b_k = ∂²R/∂(w: u)∂(V_l: u e_k^T)`` (which equals ``‖u‖² E[g φ^l]_k`` by step 3),
and the quadratic form ``Q = v^T H v`` of the explicit ``v`` is evaluated rigorously.
``Q < 0`` (exactly, or for every point of the box) proves ``λ_min < 0`` at the certified
critical point whatever the derivation says; otherwise nothing is claimed.
"""

from __future__ import annotations

from typing import Any

import flint
import numpy as np

from verify.models import ResidualBlock
from verify.numbers.arithmetic import ball_bounds, to_fmpq
from verify.numbers.format import fmt_number, safe_float
from verify.verdict import Evidence, Method, Verdict


def _null_basis(rows: list[list[Any]], d: int) -> list[list[Any]]:
    """An exact basis of ``{u : M u = 0}`` for the rational ``M`` (all of ``Q^d`` if empty)."""
    if not rows:
        return [[flint.fmpq(int(i == j)) for i in range(d)] for j in range(d)]
    rref, rank = flint.fmpq_mat(rows).rref()
    pivots: list[int] = []
    for r in range(rank):
        pivots.append(next(c for c in range(d) if rref[r, c] != 0))
    basis = []
    for free in (c for c in range(d) if c not in pivots):
        u = [flint.fmpq(0)] * d
        u[free] = flint.fmpq(1)
        for r, p in enumerate(pivots):
            u[p] = -rref[r, free] / rref[r, p]
        basis.append(u)
    return basis


def _quad(h: np.ndarray, a: dict[int, Any], b: dict[int, Any]) -> Any:
    """``a^T H b`` for sparse coefficient maps (index -> exact rational)."""
    total: Any = 0
    for i, ai in a.items():
        for j, bj in b.items():
            hij = h[i, j]
            if isinstance(hij, flint.arb):
                total = total + hij * flint.arb(ai) * flint.arb(bj)
            else:
                total = total + hij * ai * bj
    return total


def _negative(value: Any) -> bool:
    if isinstance(value, flint.arb):
        return bool(ball_bounds(np.array([value], dtype=object))[1][0] < 0)
    return bool(value < 0)


def y1d_direction(objective: Any, centre: np.ndarray, hessian: np.ndarray, method: Method
                  ) -> Evidence | None:
    """HOLDS with the explicit direction of Y1-D step 5 if its quadratic form is proved
    negative; ``None`` when the model is not of Yun form or no such direction is found.

    ``centre`` is the exact point (or box centre) used to build ``N`` and ``v``;
    ``hessian`` the exact Hessian there or its ball enclosure over the box, and
    ``method`` the method of that Hessian.
    """
    model = objective.model
    blocks = list(model.stages)
    if (
        model.kind != "resnet"
        or model.d_out != 1
        or not blocks
        or not all(isinstance(b, ResidualBlock) and b.out for b in blocks)
        or any(b.proj is None for b in blocks[1:])
    ):
        return None
    p = model.n_params
    idx = model.unpack(np.arange(p))
    named = model.unpack(np.asarray(centre, dtype=object))
    d = model.d_x
    rows = [
        [to_fmpq(v) for v in row]
        for i in range(1, len(blocks))
        for row in np.asarray(named[f"blocks[{i}].U"], dtype=object)
    ]
    basis = _null_basis(rows, d)
    w_idx = [int(k) for k in np.asarray(idx["w"]).reshape(-1)]
    best: tuple[Any, dict[str, Any]] | None = None
    for u in basis:
        e_w = {w_idx[j]: u[j] for j in range(d) if u[j] != 0}
        a = _quad(hessian, e_w, e_w)
        for l_, _ in enumerate(blocks):
            v_idx = np.asarray(idx[f"blocks[{l_}].V"])  # (d_x, n_l)
            n_l = v_idx.shape[1]
            # b_k = e_w^T H e_V(u e_k^T) = |u|^2 E[g phi^l]_k by steps 2-3
            b = [
                _quad(hessian, e_w, {int(v_idx[j, k]): u[j] for j in range(d) if u[j] != 0})
                for k in range(n_l)
            ]
            c = [_rational(x) for x in b]
            if all(x == 0 for x in c):
                continue
            e_v = {
                int(v_idx[j, k]): u[j] * c[k]
                for j in range(d)
                for k in range(n_l)
                if u[j] != 0 and c[k] != 0
            }
            bb = _quad(hessian, e_w, e_v)
            cc = _quad(hessian, e_v, e_v)
            a_r, b_r = _rational(a), _rational(bb)
            eps = b_r / a_r if a_r > 0 and b_r > 0 else flint.fmpq(1)
            if b_r <= 0:
                continue
            q = eps * eps * a - 2 * eps * bb + cc
            if not _negative(q):
                continue
            nu = sum((x * x for x in u), flint.fmpq(0))
            vv = eps * eps * nu + nu * sum((x * x for x in c), flint.fmpq(0))
            info = {
                "vv": vv,
                "block": l_,
                "u": [str(x) for x in u],
                "c": [str(x) for x in c],
                "epsilon": str(eps),
                "form": [[fmt_number(a), fmt_number(bb)], [fmt_number(bb), fmt_number(cc)]],
                "vHv": fmt_number(q),
                "alpha_beta": [str(eps), "-1"],
            }
            if best is None or safe_float(q) < safe_float(best[0]):
                best = (q, info)
    if best is None:
        return None
    q, info = best
    vv = info.pop("vv")
    rayleigh = q / (flint.arb(vv) if isinstance(q, flint.arb) else vv)
    return Evidence(
        Verdict.HOLDS,
        method,
        (
            "explicit direction of the derived proof Y1-D step 5: u in N = "
            f"∩ null(U_l), block l = {info['block'] + 1}, v = (w: eps u, V_l: -u c^T) with "
            f"eps = {info['epsilon']}; the 2x2 form on the plane is {info['form']} and "
            f"v^T H v = {info['vHv']} < 0"
        ),
        margin=-safe_float(rayleigh),
        tolerance=0.0,
        witness={"direction": "Y1-D step 5", **info},
    )


def _rational(value: Any) -> Any:
    """An exact rational for a coefficient: the value itself, or a ball's midpoint."""
    if isinstance(value, flint.arb):
        return to_fmpq(float(value.mid()))
    return to_fmpq(value)
