r"""FC1: a dead-ReLU fully-connected net has a bad local minimum; the ResNet does not.

Statement
    ``f(x) = w^T relu(A x + b) + c`` (width 2, ``A = (1, 1)^T``, ``b = (-10, -10)``,
    ``w = (1, 1)``, ``c = 7/4``) on ``x = (0, 1, 2, 3)``, ``y = (0, 1, 2, 4)``, mean squared
    error without 1/2, linear baseline with intercept. Every pre-activation is
    ``x_i - 10 <= -7``: both units are dead, the net outputs ``c = mean(y)``; the point is
    an exact critical point with Hessian ``2 e_c e_c^T`` and ``R = Var(y) = 35/16 >
    R_lin = 3/40``. It is a (non-strict) local minimum: for ``|dA_j|, |db_j| < rho =
    min -(A_j x_i + b_j) / (|x_i| + 1) = 7/4`` all units stay dead and
    ``R = Var(y) + (c' - mean y)^2 >= R(theta*)`` (no second-order test can decide it:
    six zero eigenvalues). So FC1's dichotomy fails with every premise holding. The
    single-block ResNet with the same dead units keeps the skip path: at ``w`` = the
    least-squares line it is critical with ``R = R_lin``, and S1 and Y1 HOLD.

Reference
    Negative control FC1 of the toolkit [D]: Yun, Sra & Jadbabaie 2019's "R <= R_lin or
    lambda_min < 0" is false without skip connections (CLAIMS.md Y5 discusses the
    fully-connected comparison). Instance ``examples/instances/fc_dead_relu.json``.

Checked
    All asserted checks EXACT (``Fraction`` by hand and the library's ``fmpq`` engine, which
    must agree): dead units; gradient 0 and ``c = mean(y)``; Hessian and inertia;
    ``R > R_lin`` and a better point of the same net; the library's FC1 report VIOLATED;
    the dead-radius local-minimum argument; the ResNet contrast. The library's search for
    critical points of the ResNet is reported, not asserted.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from verify import (
    Claim,
    Evidence,
    Instance,
    Method,
    Verdict,
    certify_critical_point,
    certify_local_minimum,
    evidence,
    exact_hessian,
    exact_risk,
    least_squares,
    linear_risk,
    load_instance,
    matrix_inertia,
    negative_control,
    objective_of,
    run_script,
    search_summary,
    theorems_hold,
    to_fraction,
    with_params,
)

TITLE = "FC1  dead-ReLU fully-connected net: a certified bad local minimum; the ResNet has none"
FC_PATH = Path(__file__).resolve().parent / "instances" / "fc_dead_relu.json"
# The same network with one live unit (x + 1 > 0 on the data) fitting the least-squares line.
GOOD_FC_PARAMS = {"layers[0].A": [[1], [0]], "layers[0].b": [1, -1], "w": ["13/10", 0], "c": "-3/2"}
# ResNet on the same data: the same dead hidden units, w = least-squares line (slope, intercept).
RESNET_BLOCK = {"activation": "relu", "hidden": [2], "bias": True}
RESNET_MODEL = {"kind": "resnet", "d_in": 1, "intercept": True, "blocks": [RESNET_BLOCK]}
RESNET_PARAMS: dict[str, Any] = {
    "blocks[0].phi[0].A": [[1, 0], [1, 0]],
    "blocks[0].phi[0].b": [-10, -10],
    "blocks[0].V": [[1, 1], [0, 0]],
    "w": ["13/10", "-1/5"],
}
EXACT = Method.EXACT
Q = to_fraction


@dataclass(frozen=True)
class FCPoint:
    """Samples, labels, pre-activations ``pre[i][j] = A_j x_i + b_j``, ``c``, the best constant
    ``mean_y`` with risk ``var_y``, and ``r_lin`` (best line with intercept), exactly."""

    xs: list[list[Fraction]]
    ys: list[Fraction]
    pre: list[list[Fraction]]
    c: Fraction
    mean_y: Fraction
    var_y: Fraction
    r_lin: Fraction


def fc_point(inst: Instance) -> FCPoint:
    model = inst.require_model()
    if model.kind != "fully_connected" or len(model.stages) != 1 or model.intercept:
        raise ValueError("fc_point handles one hidden ReLU layer without input intercept.")
    named = model.unpack(inst.require_params())
    xs, ys = [[Q(v) for v in row] for row in inst.data.x], [Q(v) for v in inst.data.y]
    pre = np.vectorize(Q, otypes=[object])(xs @ named["layers[0].A"].T + named["layers[0].b"])
    const, r_lin = least_squares([], ys, intercept=True), linear_risk(xs, ys, intercept=True)
    c = Q(named["c"].item())
    return FCPoint(xs, ys, pre.tolist(), c, const.coef[0], const.risk, r_lin)


def dead_radius(p: FCPoint) -> Fraction | None:
    """``rho = min_{i,j} -(A_j x_i + b_j) / (|x_i|_1 + 1)`` if every pre-activation is < 0."""
    if any(v >= 0 for row in p.pre for v in row):
        return None
    scale = [sum(map(abs, x), Fraction(0)) + 1 for x in p.xs]
    return min(-v / s for s, row in zip(scale, p.pre, strict=True) for v in row)


def check_dead_units(inst: Instance) -> Evidence:
    """Every pre-activation is < 0 (all units dead), with kink margin and dead radius."""
    p = fc_point(inst)
    live = [(i, j, v) for i, row in enumerate(p.pre) for j, v in enumerate(row) if v >= 0]
    if live:
        i, j, v = live[0]
        where = f"unit {j} has pre-activation {v} >= 0 at sample {i} (x = {p.xs[i][0]})"
        kink = " (and the sample sits on its kink)" if v == 0 else ""
        return evidence(False, EXACT, f"{where}: not every unit is dead{kink}.")
    margin = min(-v for row in p.pre for v in row)
    text = f"every pre-activation is <= {-margin} < 0 (kink margin {margin}); every unit "
    text += f"stays dead while |dA_j|, |db_j| < rho = {dead_radius(p)}."
    return evidence(True, EXACT, text, margin=float(margin))


def check_critical(inst: Instance) -> Evidence:
    """Exact gradient 0 (library) and, with all units dead, ``c = mean(y)`` (hand)."""
    p = fc_point(inst)
    lib = certify_critical_point(objective_of(inst), inst.require_params(), where="at")
    text = f"library: {lib.verdict.value.upper()} [{lib.method.value}] {lib.reason}"
    if lib.verdict is not Verdict.HOLDS:
        return Evidence(lib.verdict, lib.method, text)
    if dead_radius(p) is not None and p.c != p.mean_y:
        return evidence(None, EXACT, f"{text}; but by hand c = {p.c} != mean(y): engines disagree.")
    return evidence(True, EXACT, text + f" By hand: c = mean(y) = {p.mean_y}.")


def check_hessian(inst: Instance) -> Evidence:
    """Exact Hessian ``= 2 e_c e_c^T`` (dead units) and its exact inertia has no negative part."""
    hess, ic = exact_hessian(inst), inst.require_model().param("c").offset
    ine = matrix_inertia(hess)
    text = f"exact inertia (n_pos={ine.n_pos}, n_zero={ine.n_zero}, n_neg={ine.n_neg})"
    if ine.n_neg or ine.n_unknown:
        return evidence(False, ine.method, text + ": a negative eigenvalue.")
    same = all(Q(v) == (2 if ij == (ic, ic) else 0) for ij, v in np.ndenumerate(hess))
    shape = "equals 2 e_c e_c^T" if same else "is PSD (not of the dead-unit form)"
    return evidence(True, ine.method, f"the exact Hessian {shape}; {text}: no negative eigenvalue.")


def check_bad_value(inst: Instance, good_params: dict[str, Any] | None = None) -> Evidence:
    """``R = Var(y) > R_lin`` exactly; the same net reaches ``R_lin`` at ``good_params``."""
    p, risk = fc_point(inst), exact_risk(inst)
    text = f"R = {risk} (library), Var(y) = {p.var_y}, R_lin = {p.r_lin} (exact, with intercept)"
    better = True
    if good_params is not None:
        good = exact_risk(with_params(inst, good_params))
        better, text = good < risk, text + f"; the same net at {good_params} has R = {good}"
    if risk > p.r_lin and better:
        return evidence(True, EXACT, text + "; R > R_lin.", margin=float(risk - p.r_lin))
    return evidence(False, EXACT, text + ("; R <= R_lin." if risk <= p.r_lin else "; not beaten."))


# The library's negative control FC1 is VIOLATED, with rigorous evidence.
check_fc1_violated = partial(negative_control, "FC1")


def check_local_minimum(inst: Instance) -> Evidence:
    """Non-strict local minimum, exactly: dead units in a neighbourhood + convexity in ``c``.
    Also reports the library's second-order test and exact evaluations at four points with
    ``|dA|, |db| < rho`` (consistency, not part of the proof)."""
    rho = dead_radius(p := fc_point(inst))
    if rho is None:
        return evidence(None, EXACT, "some unit is not dead on every sample: argument n/a.")
    if p.c != p.mean_y:
        return evidence(False, EXACT, f"c = {p.c} != mean(y) = {p.mean_y}: moving c lowers R.")
    model, r_star, samples = inst.require_model(), exact_risk(inst), []
    for k, (sa, sb) in enumerate([(1, 1), (1, -1), (-1, 1), (-1, -1)]):
        named = model.unpack(inst.require_params())
        named["layers[0].A"] = named["layers[0].A"] + sa * rho * Fraction(99, 100)
        named["layers[0].b"] = named["layers[0].b"] + sb * rho * Fraction(99, 100)
        named["w"] = named["w"] * (k + 2) - k
        named["c"] = np.array(c_new := p.c + Fraction(k - 1, 3), dtype=object)
        got = exact_risk(inst, model.pack(named, dtype=object))
        samples.append(got == p.var_y + (c_new - p.mean_y) ** 2 and got >= r_star)
    lib = certify_local_minimum(objective_of(inst), inst.require_params())
    text = (
        f"for |dA_j|, |db_j| < rho = {rho} every unit stays dead, so f = c' and R = Var(y) + "
        f"(c' - {p.mean_y})^2 >= {r_star} = R(theta*) for every w', c'. Consistency: library "
        f"exact risk = Var(y) + (c' - mean y)^2 >= R* at {sum(samples)}/{len(samples)} perturbed "
        f"points. Library second-order test: {lib.verdict.value.upper()} [{lib.method.value}] "
        f"{lib.reason}"
    )
    return evidence(all(samples) or None, EXACT, text)


def check_resnet_contrast(inst: Instance, params: dict[str, Any] | None = None) -> Evidence:
    """The ResNet with the same dead units at the least-squares ``w``: exact critical point,
    ``R = R_lin``, and the library's S1 and Y1 reports HOLD (rigorously, not vacuously)."""
    res = with_params(inst, RESNET_PARAMS if params is None else params, RESNET_MODEL)
    risk, r_lin = exact_risk(res), fc_point(inst).r_lin
    ok, reports = theorems_hold(("S1", "Y1"), res)
    crit = certify_critical_point(objective_of(res), res.require_params(), where="at")
    text = f"ResNet R = {risk}, R_lin = {r_lin}; critical: {crit.verdict.value}; {reports}"
    if ok is False:
        return evidence(False, EXACT, text)
    return evidence((ok and risk == r_lin and crit.verdict is Verdict.HOLDS) or None, EXACT, text)


def claims(inst: Instance | None = None, search: bool = True) -> list[Claim]:
    """Every claim; ``inst`` defaults to ``fc_dead_relu.json`` (tests override it)."""
    inst = load_instance(FC_PATH) if inst is None else inst
    resnet, fc1 = with_params(inst, RESNET_PARAMS, RESNET_MODEL), "[D] FC1"
    # fmt: off
    rows = [
        Claim("every hidden unit is dead on every sample (pre-activations < 0)", fc1,
              "exact pre-activations", check_dead_units(inst)),
        Claim("the point is an exact critical point", fc1,
              "library exact gradient; c = mean(y) by hand", check_critical(inst)),
        Claim("the Hessian has no negative eigenvalue", fc1,
              "library exact Hessian, exact inertia", check_hessian(inst)),
        Claim("R = Var(y) > R_lin (a bad value the same net can beat)", "[D] FC1, Y5",
              "exact risks; library exact risk", check_bad_value(inst, GOOD_FC_PARAMS)),
        Claim("the negative control FC1 is VIOLATED", fc1,
              "verify.check(theorem('FC1'), instance)", check_fc1_violated(inst)),
        Claim("the point is a (non-strict) local minimum", fc1,
              "exact dead-unit radius + convexity in c", check_local_minimum(inst)),
        Claim("ResNet, same data and dead units: critical with R = R_lin; S1 and Y1 hold",
              "[S] Y1, [D] S1", "verify.check(theorem('S1'/'Y1'), resnet instance)",
              check_resnet_contrast(inst)),
    ]
    if search:
        rows.append(Claim(
            "ResNet, same data: S1 at the critical points the library finds", "[D] S1",
            "verify.check(theorem('S1'), resnet, find=True, n_starts=4) -- reported, not asserted",
            search_summary("S1", resnet, n_starts=4, seed=0), asserted=False))
    # fmt: on
    return rows


def main() -> int:
    """Print every claim; exit 0 only if every asserted claim is reproduced."""
    return run_script(TITLE, claims)


if __name__ == "__main__":
    raise SystemExit(main())
