"""The explicit negative-curvature direction of the derived proof Y1-D step 5
(docs/claims.md §Y1-D), on a hand-built exact saddle of a two-block Yun-form ResNet.

Model: h_1 = x + V_1 (a^T x)^2, h_2 = h_1 + V_2 (U_2 h_1), f = w^T h_2, squared loss;
a = (1, 0), V_1 = 0, U_2 = (1, 0), V_2 = (-1, 0)^T, w = (1, 0). Then f = 0 identically,
g = -2y, and with x = ±e_1, ±e_2, y = (1, 1, 0, 0): E[y x] = 0, so the point is exactly
critical. N = null(U_2) = span(e_2) is orthogonal to w, and c = E[g phi^1] = E[-2y x_1^2]
= -1 != 0: case B of step 5. By hand: A = E[l'' (e_2^T h_2)^2] = 2 E[x_2^2] = 1,
B = |u|^2 |c|^2 = 1, C = 0; (alpha, beta) = (1, -1) gives v^T H v = 1 - 2 = -1.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from verify.io.instances import load_instance
from verify.numbers.arithmetic import Arithmetic
from verify.objectives.empirical import Objective
from verify.theorems.catalogue import theorem
from verify.theorems.conclusions import negative_curvature
from verify.theorems.context import Context
from verify.theorems.y1d_direction import y1d_direction
from verify.verdict import Method, Verdict

CASE = Path(__file__).resolve().parents[1] / "adversarial/cases/a19_y1d_step5_saddle.json"


def _objective() -> tuple[Objective, np.ndarray]:
    inst = load_instance(CASE)
    return Objective(inst.model, inst.loss, inst.data), np.asarray(inst.params, dtype=object)


def test_hand_values_of_the_step5_form() -> None:
    obj, theta = _objective()
    hess = obj.evaluate(theta, Arithmetic.EXACT, order=2).hessian
    ev = y1d_direction(obj, theta, hess, Method.EXACT)
    assert ev is not None and ev.verdict is Verdict.HOLDS and ev.method is Method.EXACT
    w = ev.witness
    assert w["u"] == ["0", "1"] and w["c"] == ["-1"] and w["block"] == 0
    assert w["form"] == [["1", "1"], ["1", "0"]] and w["vHv"] == "-1"
    # c = E[g phi^1] computed by hand from the data (f = 0, g = -2y, phi^1 = x_1^2)
    x = [[1, 0], [-1, 0], [0, 1], [0, -1]]
    y = [1, 1, 0, 0]
    assert sum(Fraction(-2 * yi * xi[0] ** 2) for xi, yi in zip(x, y, strict=True)) / 4 == -1


def test_direction_is_checked_against_the_full_exact_hessian() -> None:
    obj, theta = _objective()
    hess = obj.evaluate(theta, Arithmetic.EXACT, order=2).hessian
    ev = y1d_direction(obj, theta, hess, Method.EXACT)
    assert ev is not None
    idx = obj.model.unpack(np.arange(obj.n_params))
    eps = Fraction(ev.witness["epsilon"])
    u = [Fraction(s) for s in ev.witness["u"]]
    c = [Fraction(s) for s in ev.witness["c"]]
    v = [Fraction(0)] * obj.n_params
    for j, uj in enumerate(u):
        v[int(idx["w"][j])] += eps * uj
        for k, ck in enumerate(c):
            v[int(idx["blocks[0].V"][j, k])] -= uj * ck
    quad = sum(
        Fraction(int(hess[i, j].p), int(hess[i, j].q)) * v[i] * v[j]
        for i in range(obj.n_params)
        for j in range(obj.n_params)
    )
    assert quad == -1


def test_negative_curvature_reports_the_explicit_direction_first() -> None:
    obj, theta = _objective()
    ev = negative_curvature(Context(obj, theta))
    assert ev.verdict is Verdict.HOLDS and ev.method is Method.EXACT
    assert ev.reason.startswith("explicit direction of the derived proof Y1-D step 5")
    rep = theorem("Y1'").conclusion.check(Context(obj, theta))
    assert rep.witness["negative_curvature"]["witness"]["direction"] == "Y1-D step 5"


def test_no_direction_when_c_vanishes() -> None:
    # the Shamir point with a dead bias: E[g F] = 0, so step 5 gives nothing (case m = 0)
    cases = Path(__file__).resolve().parents[1] / "adversarial/cases"
    root = cases / "a02_degenerate_hessian_dead_features.json"
    inst = load_instance(root)
    obj = Objective(inst.model, inst.loss, inst.data)
    theta = np.asarray(inst.params, dtype=object)
    hess = obj.evaluate(theta, Arithmetic.EXACT, order=2).hessian
    assert y1d_direction(obj, theta, hess, Method.EXACT) is None
