r"""FC1: a dead-ReLU fully-connected net has a bad local minimum; the ResNet does not.

Statement (negative control FC1 of the toolkit: Yun, Sra & Jadbabaie 2019's
dichotomy "R <= R_lin or lambda_min < 0" is *false* for fully-connected ReLU
networks without skip connections [D]; CLAIMS.md Y5 discusses the
fully-connected comparison). Instance ``examples/instances/fc_dead_relu.json``:
``f(x) = w^T relu(A x + b) + c`` with width 2, ``A = (1, 1)^T``,
``b = (-10, -10)``, ``w = (1, 1)``, ``c = 7/4`` on ``x = (0, 1, 2, 3)``,
``y = (0, 1, 2, 4)``, mean squared error without 1/2; the linear baseline has an
intercept (the net has an output bias).

Every pre-activation is ``x_i - 10 <= -7``: both units are dead on every
sample, the net outputs the constant ``c = mean(y)``, and

* the point is an exact critical point, twice differentiable (kink margin 7);
* its Hessian is ``2 e_c e_c^T``: PSD, no negative eigenvalue;
* ``R = Var(y) = 35/16 > R_lin = 3/40``,

so FC1's conclusion fails with every premise holding: FC1 is VIOLATED (EXACT).

Local minimum, exactly [D]. If ``|A'_j - A_j|, |b'_j - b_j| < rho`` for every unit
``j`` (``w', c'`` arbitrary), every pre-activation moves by less than
``rho (|x_i| + 1)``, so with ``rho = min_{i,j} -(A_j x_i + b_j) / (|x_i| + 1) = 7/4``
all units stay dead, the output is the constant ``c'`` and
``R(theta') = Var(y) + (c' - mean y)^2 >= R(theta*)``. So ``theta*`` is a
(non-strict) local minimum -- proved without a second-order test, which cannot
decide here (the Hessian has six zero eigenvalues). It is a *bad* one: the same
net reaches ``R_lin`` at an explicit point with one live unit.

Contrast (same data). The single-block ResNet ``w^T (x~ + V relu(A x~ + b))``
(``x~ = (x, 1)``, intercept) with the *same* dead hidden units keeps the skip
path: at ``w`` = the least-squares line it is an exact critical point with
``R = R_lin``, so Shamir's S1 and Yun's Y1 HOLD there (EXACT). The library's
search for critical points of that ResNet is reported (not asserted).

Every asserted check is EXACT (``Fraction`` by hand and the library's ``fmpq``
engine, which must agree). ``main()`` returns 0 only if every asserted check HOLDS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from verify import (
    Claim,
    Evidence,
    Instance,
    Method,
    Objective,
    Verdict,
    certify_critical_point,
    certify_local_minimum,
    check,
    load_instance,
    matrix_inertia,
    parse_instance,
    run_script,
    theorem,
)

HERE = Path(__file__).resolve().parent
FC_PATH = HERE / "instances" / "fc_dead_relu.json"

# The same network with one live unit (x + 1 > 0 on the data) fitting the least-squares line.
GOOD_FC_PARAMS: dict[str, Any] = {
    "layers[0].A": [[1], [0]],
    "layers[0].b": [1, -1],
    "w": ["13/10", 0],
    "c": "-3/2",
}

# ResNet on the same data: the same dead hidden units, w = least-squares line (slope, intercept).
RESNET_MODEL: dict[str, Any] = {
    "kind": "resnet",
    "d_in": 1,
    "intercept": True,
    "blocks": [{"activation": "relu", "hidden": [2], "bias": True}],
}
RESNET_PARAMS: dict[str, Any] = {
    "blocks[0].phi[0].A": [[1, 0], [1, 0]],
    "blocks[0].phi[0].b": [-10, -10],
    "blocks[0].V": [[1, 1], [0, 0]],
    "w": ["13/10", "-1/5"],
}


def _q(v: Any) -> Fraction:
    """An int, Fraction, float or python-flint ``fmpq`` as a ``Fraction``."""
    if isinstance(v, int | Fraction | float):
        return Fraction(v)
    return Fraction(int(v.p), int(v.q))


def _objective(inst: Instance) -> Objective:
    return Objective(inst.require_model(), inst.loss, inst.data)


def with_params(
    inst: Instance, params: dict[str, Any], model: dict[str, Any] | None = None
) -> Instance:
    """The instance's data and loss with other parameters (and optionally another model)."""
    m = inst.require_model()
    doc = {
        "format": "resnet-verify/instance@1",
        "model": m.spec() if model is None else model,
        "loss": "squared",
        "data": {
            "x": [[str(_q(v)) for v in row] for row in inst.data.x],
            "y": [str(_q(v)) for v in inst.data.y],
        },
        "params": params,
    }
    return parse_instance(doc)


def _risk(inst: Instance, theta: Any = None) -> Fraction:
    point = inst.require_params() if theta is None else theta
    return _q(_objective(inst).evaluate(point, "exact", order=1).risk)


# ---- by hand -------------------------------------------------------------------


@dataclass(frozen=True)
class FCPoint:
    """``x``, ``y`` and the parameters of a one-hidden-layer ReLU net, as Fractions."""

    xs: list[list[Fraction]]
    ys: list[Fraction]
    a_mat: list[list[Fraction]]
    bias: list[Fraction]
    w: list[Fraction]
    c: Fraction

    @property
    def pre(self) -> list[list[Fraction]]:
        """``pre[i][j] = A_j x_i + b_j``."""
        return [
            [
                sum((a * x for a, x in zip(row, xi, strict=True)), Fraction(0)) + b
                for row, b in zip(self.a_mat, self.bias, strict=True)
            ]
            for xi in self.xs
        ]

    @property
    def mean_y(self) -> Fraction:
        return sum(self.ys, Fraction(0)) / len(self.ys)

    @property
    def var_y(self) -> Fraction:
        return sum(((y - self.mean_y) ** 2 for y in self.ys), Fraction(0)) / len(self.ys)


def fc_point(inst: Instance) -> FCPoint:
    model = inst.require_model()
    if model.kind != "fully_connected" or len(model.stages) != 1 or model.intercept:
        raise ValueError("fc_point handles one hidden ReLU layer without input intercept.")
    named = model.unpack(inst.require_params())
    return FCPoint(
        xs=[[_q(v) for v in row] for row in inst.data.x],
        ys=[_q(v) for v in inst.data.y],
        a_mat=[[_q(v) for v in row] for row in named["layers[0].A"]],
        bias=[_q(v) for v in named["layers[0].b"]],
        w=[_q(v) for v in named["w"]],
        c=_q(named["c"].item()),
    )


def linear_risk(xs: Sequence[Sequence[Fraction]], ys: Sequence[Fraction]) -> Fraction:
    """``R_lin`` with intercept, for scalar ``x`` (exact least squares)."""
    n = len(ys)
    x1 = [row[0] for row in xs]
    mx, my = sum(x1, Fraction(0)) / n, sum(ys, Fraction(0)) / n
    sxx = sum(((x - mx) ** 2 for x in x1), Fraction(0))
    sxy = sum(((x - mx) * (y - my) for x, y in zip(x1, ys, strict=True)), Fraction(0))
    syy = sum(((y - my) ** 2 for y in ys), Fraction(0))
    return (syy - (sxy * sxy / sxx if sxx else Fraction(0))) / n


# ---- checks ----------------------------------------------------------------------


def dead_radius(p: FCPoint) -> Fraction | None:
    """``rho = min_{i,j} -(A_j x_i + b_j) / (|x_i|_1 + 1)`` if every pre-activation is < 0."""
    pre = p.pre
    if any(v >= 0 for row in pre for v in row):
        return None
    return min(
        -v / (sum((abs(x) for x in xi), Fraction(0)) + 1)
        for xi, row in zip(p.xs, pre, strict=True)
        for v in row
    )


def check_dead_units(inst: Instance) -> Evidence:
    """Every pre-activation is < 0 (all units dead), with kink margin and dead radius."""
    p = fc_point(inst)
    pre = p.pre
    live = [(i, j, v) for i, row in enumerate(pre) for j, v in enumerate(row) if v >= 0]
    if live:
        i, j, v = live[0]
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            f"unit {j} has pre-activation {v} >= 0 at sample {i} (x = "
            f"{[str(x) for x in p.xs[i]]}): not every unit is dead"
            + (" (and the sample sits on its kink)." if v == 0 else "."),
        )
    margin = min(-v for row in pre for v in row)
    rho = dead_radius(p)
    return Evidence(
        Verdict.HOLDS,
        Method.EXACT,
        f"every pre-activation is <= {-margin} < 0 (kink margin {margin}); every unit "
        f"stays dead while |dA_j|, |db_j| < rho = {rho}.",
        margin=float(margin),
    )


def check_critical(inst: Instance) -> Evidence:
    """Exact gradient 0 (library) and, with all units dead, ``c = mean(y)`` (hand)."""
    p = fc_point(inst)
    lib = certify_critical_point(_objective(inst), inst.require_params(), where="at")
    text = f"library: {lib.verdict.value.upper()} [{lib.method.value}] {lib.reason}"
    if lib.verdict is not Verdict.HOLDS:
        return Evidence(lib.verdict, lib.method, text)
    if dead_radius(p) is not None and p.c != p.mean_y:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            text + f"; but by hand c = {p.c} != mean(y) = {p.mean_y}: engines disagree.",
        )
    return Evidence(Verdict.HOLDS, Method.EXACT, text + f" By hand: c = mean(y) = {p.mean_y}.")


def check_hessian(inst: Instance) -> Evidence:
    """Exact Hessian ``= 2 e_c e_c^T`` (dead units) and its exact inertia has no negative part."""
    obj = _objective(inst)
    land = obj.evaluate(inst.require_params(), "exact", order=2)
    assert land.hessian is not None
    h = [[_q(v) for v in row] for row in land.hessian]
    ic = inst.require_model().param("c").offset
    expected = [
        [Fraction(2) if i == j == ic else Fraction(0) for j in range(len(h))] for i in range(len(h))
    ]
    inertia = matrix_inertia(land.hessian)
    text = (
        f"exact inertia (n_pos={inertia.n_pos}, n_zero={inertia.n_zero}, "
        f"n_neg={inertia.n_neg}) [{inertia.method.value}]"
    )
    if inertia.n_neg or inertia.n_unknown:
        return Evidence(Verdict.VIOLATED, inertia.method, text + ": a negative eigenvalue.")
    shape = "equals 2 e_c e_c^T" if h == expected else "is PSD (not of the dead-unit form)"
    return Evidence(
        Verdict.HOLDS, inertia.method, f"the exact Hessian {shape}; {text}: no negative eigenvalue."
    )


def check_bad_value(inst: Instance, good_params: dict[str, Any] | None = None) -> Evidence:
    """``R = Var(y) > R_lin`` exactly; the same net reaches ``R_lin`` at ``good_params``."""
    p = fc_point(inst)
    risk, r_lin = _risk(inst), linear_risk(p.xs, p.ys)
    text = f"R = {risk} (library), Var(y) = {p.var_y}, R_lin = {r_lin} (exact, with intercept)"
    better = True
    if good_params is not None:
        good = _risk(with_params(inst, good_params))
        better = good < risk
        shown = ", ".join(f"{k} = {v}" for k, v in good_params.items())
        text += f"; the same net at ({shown}) has R = {good}"
    if risk > r_lin and better:
        return Evidence(
            Verdict.HOLDS, Method.EXACT, text + "; R > R_lin.", margin=float(risk - r_lin)
        )
    return Evidence(
        Verdict.VIOLATED,
        Method.EXACT,
        text + ("; R <= R_lin." if risk <= r_lin else "; not beaten there."),
    )


def check_fc1_violated(inst: Instance) -> Evidence:
    """The library's negative control FC1 is VIOLATED, with rigorous evidence."""
    rep = check(theorem("FC1"), inst).reports[0]
    text = f"library FC1 report: {rep.verdict.value.upper()} [{rep.method.value}]; {rep.reason}"
    if rep.verdict is Verdict.VIOLATED and rep.method.rigorous:
        return Evidence(Verdict.HOLDS, rep.method, text)
    if rep.verdict is Verdict.HOLDS:
        return Evidence(Verdict.VIOLATED, rep.method, text)
    return Evidence(Verdict.INCONCLUSIVE, rep.method, text)


def _perturbations(inst: Instance, rho: Fraction) -> list[np.ndarray]:
    """Deterministic exact points with ``|dA|, |db| < rho`` and arbitrary ``w, c``."""
    model = inst.require_model()
    base = model.unpack(inst.require_params())
    step = rho * Fraction(99, 100)
    out = []
    for k, (sa, sb) in enumerate([(1, 1), (1, -1), (-1, 1), (-1, -1)]):
        named = {name: np.array(v, dtype=object) for name, v in base.items()}
        named["layers[0].A"] = named["layers[0].A"] + sa * step
        named["layers[0].b"] = named["layers[0].b"] + sb * step
        named["w"] = named["w"] * (k + 2) - k
        named["c"] = np.array(_q(named["c"].item()) + Fraction(k - 1, 3), dtype=object)
        out.append(model.pack(named, dtype=object))
    return out


def check_local_minimum(inst: Instance) -> Evidence:
    """Non-strict local minimum, exactly: dead units in a neighbourhood + convexity in ``c``.

    Also reports (for information) the library's second-order test and a few exact
    consistency evaluations inside the neighbourhood (not part of the proof).
    """
    p = fc_point(inst)
    rho = dead_radius(p)
    if rho is None:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            "some unit is not dead on every sample; the dead-unit argument does not apply.",
        )
    if p.c != p.mean_y:
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            f"c = {p.c} != mean(y) = {p.mean_y}: moving c towards mean(y) lowers R "
            "(not a local minimum).",
        )
    r_star = _risk(inst)
    samples = []
    for theta in _perturbations(inst, rho):
        c_new = _q(inst.require_model().unpack(theta)["c"].item())
        got, want = _risk(inst, theta), p.var_y + (c_new - p.mean_y) ** 2
        samples.append(got == want and got >= r_star)
    lib = certify_local_minimum(_objective(inst), inst.require_params())
    text = (
        f"for |dA_j|, |db_j| < rho = {rho} every unit stays dead, so f = c' and "
        f"R = Var(y) + (c' - {p.mean_y})^2 >= {r_star} = R(theta*) for every w', c'. "
        f"Consistency: library exact risk = Var(y) + (c' - mean y)^2 >= R* at "
        f"{sum(samples)}/{len(samples)} perturbed points. Library second-order test: "
        f"{lib.verdict.value.upper()} [{lib.method.value}] {lib.reason}"
    )
    if not all(samples):
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            text + " -- the consistency evaluations disagree with the argument.",
        )
    return Evidence(Verdict.HOLDS, Method.EXACT, text)


def check_resnet_contrast(inst: Instance, params: dict[str, Any] | None = None) -> Evidence:
    """The ResNet with the same dead units at the least-squares ``w``: exact critical point,
    ``R = R_lin``, and the library's S1 and Y1 reports HOLD (rigorously, not vacuously)."""
    p = fc_point(inst)
    res = with_params(inst, RESNET_PARAMS if params is None else params, RESNET_MODEL)
    risk, r_lin = _risk(res), linear_risk(p.xs, p.ys)
    reps = [check(theorem(t), res).reports[0] for t in ("S1", "Y1")]
    parts = [
        f"{r.theorem.id} {r.verdict.value.upper()} [{r.method.value}]"
        f"{' (vacuous)' if r.vacuous else ''}: {r.reason}"
        for r in reps
    ]
    crit = certify_critical_point(_objective(res), res.require_params(), where="at")
    text = (
        f"ResNet R = {risk}, R_lin = {r_lin}; critical: {crit.verdict.value} "
        f"[{crit.method.value}]; " + "; ".join(parts)
    )
    if any(r.verdict is Verdict.VIOLATED for r in reps):
        return Evidence(Verdict.VIOLATED, Method.EXACT, text)
    ok = (
        risk == r_lin
        and crit.verdict is Verdict.HOLDS
        and all(r.verdict is Verdict.HOLDS and not r.vacuous and r.method.rigorous for r in reps)
    )
    return Evidence(Verdict.HOLDS if ok else Verdict.INCONCLUSIVE, Method.EXACT, text)


def resnet_search(inst: Instance, n_starts: int = 4, seed: int = 0) -> Evidence:
    """``verify.check(theorem("S1"), resnet, find=True)``: a summary of what the search finds."""
    p = fc_point(inst)
    res = with_params(inst, RESNET_PARAMS, RESNET_MODEL)
    out = check(theorem("S1"), res, find=True, n_starts=n_starts, seed=seed)
    counts: dict[str, int] = {}
    for r in out.reports:
        key = f"{r.verdict.value} [{r.method.value}]"
        counts[key] = counts.get(key, 0) + 1
    risks = [_q(r.point["risk"][1]) for r in out.reports if "risk" in r.point]
    violated = any(r.verdict is Verdict.VIOLATED for r in out.reports)
    verdict = (
        Verdict.VIOLATED
        if violated
        else (
            Verdict.HOLDS
            if all(r.verdict is Verdict.HOLDS for r in out.reports) and out.reports
            else Verdict.INCONCLUSIVE
        )
    )
    method = max((r.method for r in out.reports), key=lambda m: m.rank, default=Method.NUMERIC)
    lowest = f"{float(min(risks)):.6g}" if risks else "n/a"
    return Evidence(
        verdict,
        method,
        f"{len(out.reports)} critical point(s) from {n_starts} seeded starts "
        f"(R_lin = {float(linear_risk(p.xs, p.ys)):.6g}, lowest risk found "
        f"{lowest}): " + ", ".join(f"{k} x{v}" for k, v in counts.items()) + ".",
    )


# ---- report -------------------------------------------------------------------


TITLE = "FC1  dead-ReLU fully-connected net: a certified bad local minimum; the ResNet has none"


def claims(inst: Instance | None = None, search: bool = True) -> list[Claim]:
    """Run every check; ``inst`` defaults to ``fc_dead_relu.json`` (tests override it)."""
    inst = load_instance(FC_PATH) if inst is None else inst
    rows = [
        Claim(
            "every hidden unit is dead on every sample (pre-activations < 0)",
            "[D] FC1",
            "exact pre-activations",
            check_dead_units(inst),
        ),
        Claim(
            "the point is an exact critical point",
            "[D] FC1",
            "library exact gradient; c = mean(y) by hand",
            check_critical(inst),
        ),
        Claim(
            "the Hessian has no negative eigenvalue",
            "[D] FC1",
            "library exact Hessian, exact inertia",
            check_hessian(inst),
        ),
        Claim(
            "R = Var(y) > R_lin (a bad value the same net can beat)",
            "[D] FC1, Y5",
            "exact risks; library exact risk",
            check_bad_value(inst, GOOD_FC_PARAMS),
        ),
        Claim(
            "the negative control FC1 is VIOLATED",
            "[D] FC1",
            "verify.check(theorem('FC1'), instance)",
            check_fc1_violated(inst),
        ),
        Claim(
            "the point is a (non-strict) local minimum",
            "[D] FC1",
            "exact dead-unit radius + convexity in c",
            check_local_minimum(inst),
        ),
        Claim(
            "ResNet, same data and dead units: critical with R = R_lin; S1 and Y1 hold",
            "[S] Y1, [D] S1",
            "verify.check(theorem('S1'/'Y1'), resnet instance)",
            check_resnet_contrast(inst),
        ),
    ]
    if search:
        rows.append(
            Claim(
                "ResNet, same data: S1 at the critical points the library finds",
                "[D] S1",
                "verify.check(theorem('S1'), resnet, find=True, n_starts=4)"
                " -- reported, not asserted",
                resnet_search(inst),
                asserted=False,
            )
        )
    return rows


def main() -> int:
    """Print every claim; exit 0 only if every asserted claim is reproduced."""
    return run_script(TITLE, claims)


if __name__ == "__main__":
    raise SystemExit(main())
