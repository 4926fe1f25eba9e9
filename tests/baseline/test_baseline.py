"""Tests for verify.baseline: known answers, certified brackets, separability, bad input."""

from __future__ import annotations

import json
import math
import warnings
from fractions import Fraction
from typing import Any

import flint
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize

import verify.baseline.predictor as bl
from verify.baseline import Baseline, ProblemCache, best_linear_predictor
from verify.catalogue.losses import loss
from verify.data import Dataset
from verify.errors import InvalidInput
from verify.tolerances import Tolerance
from verify.verdict import Method, Verdict

MARGIN = ("logistic", "exponential", "softplus_hinge")


# ------------------------------------------------------------------ helpers


def _q(v: Any) -> flint.fmpq:
    f = Fraction(v)
    return flint.fmpq(f.numerator, f.denominator)


def _phi_ball(name: str, m: flint.arb) -> flint.arb:
    """Independent Arb formulas for the margin losses phi(m), m = y t^T x."""
    if name == "logistic":
        return (1 + (-m).exp()).log()
    if name == "exponential":
        return (-m).exp()
    return (1 + (1 - m).exp()).log()  # softplus_hinge


def _phi_float(name: str, m: np.ndarray) -> np.ndarray:
    if name == "logistic":
        return np.logaddexp(0.0, -m)
    if name == "exponential":
        return np.exp(-m)
    return np.logaddexp(0.0, 1.0 - m)


def _margin_risk_ball(name: str, x: np.ndarray, y: np.ndarray, t: np.ndarray) -> flint.arb:
    """Rigorous enclosure of (1/n) sum phi(y_i t^T x_i) at the float point t."""
    total = flint.arb(0)
    tq = [_q(float(v)) for v in t]
    for xi, yi in zip(x, y, strict=True):
        m = sum((_q(a) * b for a, b in zip(xi, tq, strict=True)), flint.fmpq(0)) * _q(yi)
        total += _phi_ball(name, flint.arb(m))
    return total / len(y)


def _augment(x: list[list[Any]], intercept: bool) -> np.ndarray:
    xa = np.array([[float(v) for v in row] for row in x])
    return np.hstack([xa, np.ones((len(x), 1))]) if intercept else xa


def _scipy_margin_min(name: str, xa: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Independent minimizer: BFGS from 0 (only meaningful when the minimum is attained)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = minimize(
            lambda t: float(np.mean(_phi_float(name, y * (xa @ t)))),
            np.zeros(xa.shape[1]),
            method="BFGS",
            options={"gtol": 1e-12},
        )
    return np.asarray(res.x)


def _sympy_least_squares(x: list[list[Any]], y: list[Any], half: bool = False) -> Fraction:
    """Independent exact value via SymPy's pseudo-inverse."""
    xm = sp.Matrix([[sp.Rational(Fraction(v)) for v in row] for row in x])
    ym = sp.Matrix([sp.Rational(Fraction(v)) for v in y])
    t = xm.pinv() * ym
    r = xm * t - ym
    val = sp.Rational((r.T * r)[0, 0], len(y)) / (2 if half else 1)
    return Fraction(int(val.p), int(val.q))


def _one_line(exc: BaseException) -> str:
    msg = str(exc)
    assert "\n" not in msg
    return msg


# ------------------------------------------------------------------ known answers: squared


@pytest.mark.parametrize("rho", [Fraction(1), Fraction(1, 3), Fraction(5, 2)])
def test_yun_example_least_squares_with_intercept(rho: Fraction) -> None:
    """CLAIMS Y5: R_lin = 8 rho^2 / 15 (mean squared error without 1/2, with intercept)."""
    x = [[0], [1], [2], [3], [4], [5]]
    y = [-rho, 1 - rho, 2 + rho, 3 - rho, 4 + rho, 5 + rho]
    b = best_linear_predictor(Dataset(x, y), loss("squared"), intercept=True)
    assert b.exact and b.value == b.lower == b.upper == Fraction(8, 15) * rho**2
    assert b.evidence.verdict is Verdict.HOLDS and b.evidence.method is Method.EXACT
    assert b.attained is True and b.status == "attained"
    half = best_linear_predictor(Dataset(x, y), "squared_half", intercept=True)
    assert half.value == b.value / 2
    assert half.minimizer == b.minimizer


def test_yun_monotonicity_example_slope_and_risk() -> None:
    """CLAIMS Y6: slope 9/13 and mean squared risk 25/78."""
    b = best_linear_predictor(
        Dataset([[1], [Fraction(5, 2)], [3]], [1, 3, 2]), "squared", intercept=True
    )
    assert b.value == Fraction(25, 78)
    assert b.minimizer is not None and b.minimizer[0] == Fraction(9, 13)


def test_least_squares_without_intercept() -> None:
    # t = sum x y / sum x^2 = 7/5; residuals 2/5, -1/5 -> R = (4/25 + 1/25) / 2 = 1/10
    b = best_linear_predictor(Dataset([[1], [2]], [1, 3]), "squared")
    assert b.minimizer == [Fraction(7, 5)]
    assert b.value == Fraction(1, 10)


def test_rank_deficient_x_gets_the_minimum_norm_solution() -> None:
    x = [[1, 1], [2, 2], [3, 3]]
    y = [1, 2, 2]
    b = best_linear_predictor(Dataset(x, y), "squared")
    # 1-D fit on s = t1 + t2 against x: s = (1 + 4 + 6) / 14 = 11/14, split evenly
    assert b.minimizer == [Fraction(11, 28), Fraction(11, 28)]
    assert b.value == _sympy_least_squares(x, y)
    assert b.details["rank"] == 1


def test_fewer_samples_than_features() -> None:
    b = best_linear_predictor(Dataset([[1, 2, 3]], [6]), "squared")
    assert b.value == 0
    assert b.minimizer == [Fraction(3, 7), Fraction(6, 7), Fraction(9, 7)]


def test_duplicate_points_and_all_equal_labels() -> None:
    b = best_linear_predictor(Dataset([[1], [1]], [0, 2]), "squared")
    assert b.minimizer == [1] and b.value == 1
    const = best_linear_predictor(Dataset([[1], [2], [5]], [3, 3, 3]), "squared", intercept=True)
    assert const.value == 0 and const.minimizer == [0, 3]


def test_float_data_is_solved_exactly_and_reported_outward() -> None:
    x = [[0.1, 1.0], [0.7, -0.3], [1.3, 0.2], [2.0, 0.5]]
    y = [0.2, 1.1, 1.9, 3.3]
    b = best_linear_predictor(Dataset(x, y), "squared")
    exact = _sympy_least_squares(x, y)  # the floats' exact binary values
    assert isinstance(b.lower, float) and isinstance(b.upper, float)
    assert Fraction(b.lower) <= exact <= Fraction(b.upper)
    assert b.bracket_method is Method.EXACT and b.evidence.verdict is Verdict.HOLDS


def test_vector_labels_separate_over_outputs() -> None:
    x = [[1, 0], [0, 1], [1, 1]]
    y = [[1, 2], [3, 4], [5, 7]]
    b = best_linear_predictor(Dataset(x, y), "squared")
    parts = [best_linear_predictor(Dataset(x, [r[o] for r in y]), "squared") for o in (0, 1)]
    assert b.value == parts[0].value + parts[1].value
    assert b.minimizer == [parts[0].minimizer, parts[1].minimizer]
    assert len(b.details["outputs"]) == 2


def test_intercept_is_an_appended_constant_feature() -> None:
    x = [[1, 2], [0, 1], [3, -1], [2, 2]]
    y = [1, -1, -1, 1]
    with_icpt = best_linear_predictor(Dataset(x, y), "logistic", intercept=True)
    manual = best_linear_predictor(Dataset([[*r, 1] for r in x], y), "logistic")
    assert with_icpt.lower == manual.lower and with_icpt.upper == manual.upper
    assert with_icpt.intercept and not manual.intercept


# ------------------------------------------------------------------ known answers: margin losses


def _arb(v: Fraction | float) -> flint.arb:
    return flint.arb(_q(v)) if isinstance(v, Fraction) else flint.arb(v)


def _contains(b: Baseline, value: flint.arb) -> bool:
    """False if the ball ``value`` certainly lies outside ``[lower, upper]``."""
    lo, hi = _arb(b.lower), _arb(b.upper)
    return bool(value.upper() >= lo) and bool(value.lower() <= hi)


def test_one_dimensional_logistic_optimum() -> None:
    """x = 1, labels (+1, +1, -1): sigma(t) = 2/3, t* = log 2, R = entropy of (2/3, 1/3)."""
    b = best_linear_predictor(Dataset([[1], [1], [1]], [1, 1, -1]), "logistic")
    two_thirds = flint.arb(flint.fmpq(2, 3))
    entropy = -(two_thirds * two_thirds.log() + (1 - two_thirds) * (1 - two_thirds).log())
    assert b.evidence.verdict is Verdict.HOLDS and b.evidence.method is Method.CERTIFIED
    assert b.status == "attained" and b.attained is True
    assert _contains(b, entropy)
    assert b.width < 1e-12
    assert b.minimizer is not None and b.minimizer[0] == pytest.approx(math.log(2), abs=1e-12)


def test_one_dimensional_exponential_optimum() -> None:
    """R(t) = (2 e^-t + e^t)/3: t* = log(2)/2, R = 2 sqrt(2) / 3."""
    b = best_linear_predictor(Dataset([[1], [1], [1]], [1, 1, -1]), "exponential")
    assert _contains(b, 2 * flint.arb(2).sqrt() / 3)
    assert b.minimizer is not None and b.minimizer[0] == pytest.approx(math.log(2) / 2, abs=1e-12)


def test_symmetric_all_positive_labels_without_intercept() -> None:
    b = best_linear_predictor(Dataset([[1], [-1]], [1, 1]), "logistic")
    assert b.status == "attained"
    assert _contains(b, flint.arb(2).log())
    assert b.details["separability"]["kind"] == "none"


@pytest.mark.parametrize("name", MARGIN)
def test_separable_data_have_infimum_zero_not_attained(name: str) -> None:
    x = [[1, 0], [2, 1], [-1, 0], [-2, 1]]
    y = [1, 1, -1, -1]
    b = best_linear_predictor(Dataset(x, y), name)
    assert b.lower == b.upper == 0 and isinstance(b.lower, Fraction)
    assert b.attained is False and b.status == "infimum_not_attained" and b.minimizer is None
    assert b.evidence.verdict is Verdict.HOLDS and b.evidence.method is Method.EXACT
    # the witness direction separates every sample, re-checked here independently
    u = [Fraction(s) for s in b.details["separability"]["direction"]]
    assert all(
        yi * sum(a * c for a, c in zip(xi, u, strict=True)) > 0 for xi, yi in zip(x, y, strict=True)
    )


@pytest.mark.parametrize("name", MARGIN)
def test_all_equal_labels_with_intercept_are_separable(name: str) -> None:
    b = best_linear_predictor(Dataset([[1], [-2], [3]], [1, 1, 1]), name, intercept=True)
    assert b.status == "infimum_not_attained" and b.upper == 0


def test_fewer_samples_than_features_logistic() -> None:
    b = best_linear_predictor(Dataset([[1, 2, 3], [2, 1, 0]], [1, -1]), "logistic")
    assert b.upper == 0 and b.attained is False


def test_partially_separable_logistic() -> None:
    """Sample 3 separates along (0, 1); samples 1, 2 conflict: R_lin = (2/3) log 2, not attained."""
    x = [[1, 0], [1, 0], [0, 1]]
    y = [1, -1, 1]
    b = best_linear_predictor(Dataset(x, y), "logistic")
    assert b.attained is False and b.status == "infimum_not_attained" and b.minimizer is None
    assert _contains(b, 2 * flint.arb(2).log() / 3)
    sep = b.details["separability"]
    assert sep["kind"] == "partial" and sep["separated"] == 1 and sep["maximal"] is True


def test_partially_separable_exponential_with_rational_infimum() -> None:
    x = [[1, 0], [1, 0], [0, 1]]
    y = [1, -1, 1]
    b = best_linear_predictor(Dataset(x, y), "exponential")
    assert _contains(b, flint.arb(flint.fmpq(2, 3)))  # (e^-t + e^t)/3 at t = 0
    assert b.evidence.verdict is Verdict.HOLDS


def test_duplicate_points_with_conflicting_labels_logistic() -> None:
    b = best_linear_predictor(Dataset([[2], [2], [2], [2]], [1, 1, 1, -1]), "logistic")
    # sigma(2t) = 3/4: R = entropy(3/4)
    q = flint.arb(flint.fmpq(3, 4))
    assert _contains(b, -(q * q.log() + (1 - q) * (1 - q).log()))
    assert b.minimizer is not None and b.minimizer[0] == pytest.approx(math.log(3) / 2, abs=1e-12)


def test_rank_deficient_logistic() -> None:
    x = [[1, 2], [2, 4], [-1, -2], [3, 6]]
    y = [1, -1, 1, -1]
    b = best_linear_predictor(Dataset(x, y), "logistic")
    xa = _augment(x, False)
    t = _scipy_margin_min("logistic", xa, np.array(y, float))
    assert b.status == "attained"
    assert float(b.upper) <= float(np.mean(_phi_float("logistic", np.array(y) * (xa @ t)))) + 1e-9
    assert _margin_risk_ball("logistic", xa, np.array(y, float), t).upper() >= _arb(b.lower)


def test_vector_labels_mixing_separable_and_not() -> None:
    x = [[1], [2], [-1]]
    y = [[1, 1], [1, -1], [-1, 1]]
    b = best_linear_predictor(Dataset(x, y), "logistic")
    first = best_linear_predictor(Dataset(x, [1, 1, -1]), "logistic")
    second = best_linear_predictor(Dataset(x, [1, -1, 1]), "logistic")
    assert first.upper == 0 and second.attained is True
    assert b.attained is False and b.status == "infimum_not_attained" and b.minimizer is None
    assert b.lower == pytest.approx(second.lower, abs=1e-15)
    assert b.upper == pytest.approx(second.upper, abs=1e-15)


# ------------------------------------------------------------------ known answers: Huber


def test_huber_exact_minimizer() -> None:
    """x = 1, y = (0, 0, 10), delta = 1: t = 1/2, R = (2 * 1/8 + 9) / 3 = 37/12."""
    b = best_linear_predictor(Dataset([[1], [1], [1]], [0, 0, 10]), loss("huber"))
    assert b.value == Fraction(37, 12) and b.minimizer == [Fraction(1, 2)]
    assert b.evidence.method is Method.EXACT
    icpt = best_linear_predictor(Dataset([[1], [1], [1]], [0, 0, 10]), "huber", intercept=True)
    assert icpt.value == Fraction(37, 12)
    assert icpt.minimizer == [Fraction(1, 4), Fraction(1, 4)]  # minimum-norm point


def test_huber_parameter_changes_the_answer() -> None:
    # delta = 1/2: t in the quadratic zone of the two zeros: 2t - 1/2 = 0 -> t = 1/4,
    # R = (2 * (1/4)^2 / 2 + (1/2)(10 - 1/4 - 1/4)) / 3 = (1/16 + 19/4) / 3 = 77/48
    b = best_linear_predictor(Dataset([[1], [1], [1]], [0, 0, 10]), loss("huber", delta="1/2"))
    assert b.value == Fraction(77, 48)
    assert b.loss == "huber(delta=1/2)"


# ------------------------------------------------------------------ property tests


small_int = st.integers(min_value=-3, max_value=3)


@st.composite
def regression_data(draw: st.DrawFn) -> tuple[list[list[Fraction]], list[Fraction]]:
    n = draw(st.integers(1, 6))
    d = draw(st.integers(1, 3))
    vals = st.fractions(min_value=-3, max_value=3, max_denominator=4)
    x = [[draw(vals) for _ in range(d)] for _ in range(n)]
    y = [draw(vals) for _ in range(n)]
    return x, y


@st.composite
def classification_data(draw: st.DrawFn) -> tuple[list[list[int]], list[int]]:
    n = draw(st.integers(1, 7))
    d = draw(st.integers(1, 3))
    x = [[draw(small_int) for _ in range(d)] for _ in range(n)]
    y = [draw(st.sampled_from([-1, 1])) for _ in range(n)]
    return x, y


@given(regression_data(), st.booleans(), st.sampled_from(["squared", "squared_half"]))
def test_closed_form_equals_independent_exact_pseudo_inverse(data, intercept, name) -> None:
    x, y = data
    b = best_linear_predictor(Dataset(x, y), name, intercept=intercept)
    xa = [[*r, 1] for r in x] if intercept else x
    assert b.value == _sympy_least_squares(xa, y, half=name == "squared_half")
    assert b.exact and b.evidence.verdict is Verdict.HOLDS


@given(regression_data(), st.booleans())
def test_cvxpy_bracket_contains_the_exact_least_squares_value(data, intercept) -> None:
    x, y = data
    exact = best_linear_predictor(Dataset(x, y), "squared", intercept=intercept)
    b = best_linear_predictor(Dataset(x, y), "squared", intercept=intercept, method="cvxpy")
    assert b.solver in ("clarabel", "scs")
    assert Fraction(b.lower) <= exact.value <= Fraction(b.upper)  # rigorous, always
    if b.evidence.verdict is Verdict.HOLDS:
        assert b.width <= 1e-8 * (1 + abs(float(exact.value)))


@given(classification_data(), st.booleans(), st.sampled_from(MARGIN))
def test_margin_bracket_is_consistent_with_an_independent_solver(data, intercept, name) -> None:
    x, y = data
    b = best_linear_predictor(Dataset(x, y), name, intercept=intercept)
    xa, ya = _augment(x, intercept), np.array(y, float)
    t = _scipy_margin_min(name, xa, ya)
    # R(t) >= R_lin >= lower for every t: rigorous, whatever the status
    assert _margin_risk_ball(name, xa, ya, t).upper() >= _arb(b.lower)
    assert b.status in bl.STATUSES
    if b.status == "attained":
        v = float(np.mean(_phi_float(name, ya * (xa @ t))))
        assert float(b.upper) <= v + 1e-9  # BFGS is not better than the certified point ...
        assert float(b.lower) >= v - 1e-6  # ... and converges to the same minimum
    if b.status == "infimum_not_attained":
        sep = b.details["separability"]
        u = [Fraction(s) for s in sep["direction"]]
        margins = [
            yi * sum(Fraction(a) * c for a, c in zip(xi, u, strict=True))
            for xi, yi in zip(xa.tolist(), y, strict=True)
        ]
        assert all(m >= 0 for m in margins) and sum(m > 0 for m in margins) == sep["separated"]


@st.composite
def partially_separable_data(draw: st.DrawFn) -> tuple[list[list[int]], list[int], list[int]]:
    """Core samples on the x1 axis with one conflicting pair (not separable), plus
    samples with x2 >= 1 and label +1 (separated by u = (0, 1))."""
    a = draw(st.integers(1, 3))
    core = [(a, 1), (a, -1)]
    core += draw(st.lists(st.tuples(st.integers(-3, 3), st.sampled_from([-1, 1])), max_size=4))
    extra = draw(st.lists(st.tuples(st.integers(-3, 3), st.integers(1, 3)), min_size=1, max_size=3))
    x = [[c, 0] for c, _ in core] + [[c, e] for c, e in extra]
    y = [lab for _, lab in core] + [1] * len(extra)
    return x, y, [c for c, _ in core]


@given(partially_separable_data(), st.sampled_from(MARGIN))
def test_partial_separability_infimum_matches_the_restricted_problem(data, name) -> None:
    x, y, core = data
    b = best_linear_predictor(Dataset(x, y), name)
    sep = b.details["separability"]
    assert sep["kind"] == "partial" and sep["maximal"] is True
    assert sep["separated"] == len(x) - len(core)
    assert b.attained is False and b.status == "infimum_not_attained"
    # independent: minimize the core samples' loss over t1 (1-D), scaled by 1/n
    xc, yc = np.array(core, float)[:, None], np.array(y[: len(core)], float)
    t = _scipy_margin_min(name, xc, yc)
    v = float(np.sum(_phi_float(name, yc * (xc @ t)))) / len(y)
    assert float(b.lower) - 1e-12 <= v <= float(b.upper) + 1e-9


@given(regression_data(), st.fractions(min_value=Fraction(1, 4), max_value=3, max_denominator=4))
def test_huber_bracket_against_an_independent_solver(data, delta) -> None:
    x, y = data
    b = best_linear_predictor(Dataset(x, y), loss("huber", delta=delta))
    xa, ya, dl = _augment(x, False), np.array([float(v) for v in y]), float(delta)

    def risk(t: np.ndarray) -> float:
        r = np.abs(xa @ t - ya)
        return float(np.mean(np.where(r <= dl, r**2 / 2, dl * (r - dl / 2))))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = minimize(
            risk,
            np.zeros(xa.shape[1]),
            method="Nelder-Mead",
            options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 20000},
        )
    assert float(b.lower) <= risk(res.x) + 1e-12
    assert float(b.upper) <= risk(res.x) + 1e-12
    assert b.evidence.verdict is Verdict.HOLDS


# ------------------------------------------------------------------ solver distrust


def _perturbing(delta: float):
    original = bl.cvx_solve

    def fake(data, loss_, mask, solver, cache):
        t, info = original(data, loss_, mask, solver, cache)
        return (None if t is None else t + delta), info

    return fake


@given(st.floats(min_value=-2.0, max_value=2.0, allow_subnormal=False))
def test_failed_recheck_is_inconclusive_and_the_bracket_stays_rigorous(delta) -> None:
    data = Dataset([[1], [1], [1]], [1, 1, -1])
    truth = best_linear_predictor(data, "logistic")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bl, "cvx_solve", _perturbing(delta))
        b = best_linear_predictor(data, "logistic", polish=False)
    # both brackets are rigorous, so they must overlap (each contains R_lin)
    assert float(b.lower) <= float(truth.upper) and float(truth.lower) <= float(b.upper)
    if b.evidence.verdict is Verdict.HOLDS:  # only when the perturbation is harmless
        assert abs(delta) < 1e-6 and b.value == pytest.approx(truth.value, abs=1e-8)
    else:
        assert b.status == "inconclusive" and b.minimizer is None
        assert "KKT re-check" in b.evidence.reason or "not tight" in b.evidence.reason


def test_large_perturbation_without_polish_gives_no_value() -> None:
    data = Dataset([[1], [1], [1]], [1, 1, -1])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bl, "cvx_solve", _perturbing(0.5))
        b = best_linear_predictor(data, "logistic", polish=False)
    assert b.value is None and b.evidence.verdict is Verdict.INCONCLUSIVE
    assert b.evidence.method is Method.NUMERIC
    assert b.kkt_residual is not None and b.kkt_residual > 1e-3


def test_polish_repairs_an_inaccurate_solver_point() -> None:
    data = Dataset([[1], [1], [1]], [1, 1, -1])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bl, "cvx_solve", _perturbing(0.5))
        b = best_linear_predictor(data, "logistic")
    assert b.evidence.verdict is Verdict.HOLDS
    assert b.minimizer is not None and b.minimizer[0] == pytest.approx(math.log(2), abs=1e-12)


def test_every_solver_failing_is_inconclusive_with_a_trivial_rigorous_bracket() -> None:
    data = Dataset([[1], [1], [1]], [1, 1, -1])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bl, "cvx_solve", lambda *a: (None, {"status": "error", "error": "boom"}))
        b = best_linear_predictor(data, "logistic")
    assert b.status == "inconclusive" and b.value is None
    assert b.upper == pytest.approx(math.log(2), rel=1e-12)  # the objective at t = 0
    truth = best_linear_predictor(data, "logistic")
    assert float(b.lower) <= float(truth.upper)  # the dual bound at t = 0 is still valid
    assert "every solver failed" in b.evidence.reason


def test_scs_is_the_fallback_when_clarabel_fails() -> None:
    original = bl.cvx_solve

    def clarabel_breaks(data, loss_, mask, solver, cache):
        if solver == "clarabel":
            return None, {"status": "error", "error": "simulated"}
        return original(data, loss_, mask, solver, cache)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bl, "cvx_solve", clarabel_breaks)
        b = best_linear_predictor(Dataset([[1], [1], [1]], [1, 1, -1]), "logistic")
    assert b.solver == "scs" and b.evidence.verdict is Verdict.HOLDS
    assert [a["solver"] for a in b.details["solve"]["attempts"]] == ["clarabel", "scs"]


def test_solver_warnings_are_recorded_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    import cvxpy as cp

    original = cp.Problem.solve

    def noisy(self, *args, **kwargs):
        warnings.warn("Solution may be inaccurate.", UserWarning, stacklevel=2)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cp.Problem, "solve", noisy)
    b = best_linear_predictor(Dataset([[1], [1], [1]], [1, 1, -1]), "logistic")
    attempt = b.details["solve"]["attempts"][0]
    assert attempt["warnings"] == ["Solution may be inaccurate."]
    assert b.evidence.verdict is Verdict.HOLDS  # the re-check, not the status, decides


def test_cross_check_records_agreement() -> None:
    b = best_linear_predictor(Dataset([[1], [1], [1]], [1, 1, -1]), "logistic", cross_check=True)
    cc = b.details["solve"]["cross_check"]
    assert cc["solvers"] == ["clarabel", "scs"] and cc["agree"] is True


def test_cross_check_disagreement_is_inconclusive() -> None:
    original = bl.cvx_solve

    def scs_is_off(data, loss_, mask, solver, cache):
        t, info = original(data, loss_, mask, solver, cache)
        return (t + 1.0 if solver == "scs" and t is not None else t), info

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bl, "cvx_solve", scs_is_off)
        b = best_linear_predictor(
            Dataset([[1], [1], [1]], [1, 1, -1]), "logistic", cross_check=True
        )
    assert b.evidence.verdict is Verdict.INCONCLUSIVE and "disagree" in b.evidence.reason
    assert b.value is not None  # the bracket itself is still tight and rigorous


def test_tight_tolerance_makes_the_bracket_inconclusive() -> None:
    b = best_linear_predictor(
        Dataset([[1], [1], [1]], [1, 1, -1]), "logistic", tol=Tolerance(atol=0.0, rtol=0.0)
    )
    assert b.evidence.verdict is Verdict.INCONCLUSIVE and "not tight" in b.evidence.reason


# ------------------------------------------------------------------ reuse


def test_problem_cache_reuses_compiled_problems_and_gives_the_same_answers() -> None:
    cache = ProblemCache(maxsize=2)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.standard_normal((8, 2))
        y = np.where(x[:, 0] + rng.standard_normal(8) > 0, 1.0, -1.0)
        data = Dataset(x, y)
        with_cache = best_linear_predictor(data, "logistic", cache=cache)
        fresh = best_linear_predictor(data, "logistic")
        assert with_cache.lower == pytest.approx(fresh.lower, abs=1e-13)
        assert with_cache.status == fresh.status
    best_linear_predictor(Dataset([[1.0], [2.0]], [0.5, 1.0]), "huber", cache=cache)
    best_linear_predictor(Dataset([[1.0], [2.0], [0.0]], [0.5, 1.0, 0.0]), "huber", cache=cache)
    assert len(cache) == 2  # evicted beyond maxsize


# ------------------------------------------------------------------ comparison and output


def test_compare_uses_the_bracket() -> None:
    b = best_linear_predictor(Dataset([[1], [2]], [1, 3]), "squared")  # R_lin = 1/10 exactly
    assert b.compare(Fraction(1, 10)).verdict is Verdict.HOLDS
    assert b.compare(Fraction(1, 10)).method is Method.EXACT
    assert b.compare(Fraction(1, 9)).verdict is Verdict.VIOLATED
    assert b.compare(0.1).verdict is Verdict.INCONCLUSIVE  # float inside the band
    assert b.compare(0.05).verdict is Verdict.HOLDS
    assert b.compare(0.05).method is Method.NUMERIC
    assert b.compare(flint.arb("0.2 +/- 0.01")).verdict is Verdict.VIOLATED
    lg = best_linear_predictor(Dataset([[1], [1], [1]], [1, 1, -1]), "logistic")
    assert lg.compare(lg.value).verdict is Verdict.INCONCLUSIVE
    assert lg.compare((0.1, 0.2)).verdict is Verdict.HOLDS
    with pytest.raises(InvalidInput, match="risk="):
        b.compare("0.1")


def test_to_dict_is_json_ready_with_exact_strings() -> None:
    b = best_linear_predictor(Dataset([[1], [2]], [1, 3]), "squared")
    d = json.loads(json.dumps(b.to_dict()))
    assert d["value_exact"] == "1/10" and d["minimizer_exact"] == ["7/5"]
    assert d["lower"] <= 0.1 <= d["upper"]
    assert d["evidence"]["verdict"] == "holds"
    sep = best_linear_predictor(Dataset([[1], [-1]], [1, -1]), "logistic").to_dict()
    assert json.loads(json.dumps(sep))["status"] == "infimum_not_attained"
    lg = best_linear_predictor(Dataset([[1], [1], [1]], [1, 1, -1]), "logistic").to_dict()
    # a transcendental optimum has no exact value, and the document is strict JSON
    assert "value_exact" not in lg
    assert json.loads(json.dumps(lg, allow_nan=False)) == lg


def test_to_dict_is_strict_json_even_when_the_cross_check_solver_failed() -> None:
    original = bl.cvx_solve

    def scs_fails(data, loss_, mask, solver, cache):
        if solver == "scs":
            return None, {"status": "error", "error": "simulated"}
        return original(data, loss_, mask, solver, cache)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bl, "cvx_solve", scs_fails)
        b = best_linear_predictor(
            Dataset([[1], [1], [1]], [1, 1, -1]), "logistic", cross_check=True
        )
    assert b.evidence.verdict is Verdict.INCONCLUSIVE
    assert "returned no solution" in b.evidence.reason
    d = json.loads(json.dumps(b.to_dict(), allow_nan=False))
    assert d["details"]["solve"]["cross_check"]["objectives"][1] is None


def test_format_is_readable() -> None:
    text = best_linear_predictor(Dataset([[1], [1], [1]], [1, 1, -1]), "logistic").format()
    assert "R_lin in" in text and "attained" in text and "verdict   holds" in text
    text = best_linear_predictor(Dataset([[1], [2]], [1, 3]), "squared").format()
    assert "R_lin     = 1/10" in text


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"loss": "hinge"}, "loss='hinge'"),
        ({"solver": "ecos"}, "solver='ecos'"),
        ({"method": "newton"}, "method='newton'"),
        ({"method": "closed_form", "loss": "logistic"}, "closed_form"),
        ({"intercept": 1}, "intercept=1"),
        ({"cache": {}}, "cache={}"),
        ({"tol": 1e-8}, "tol=1e-08"),
    ],
)
def test_bad_arguments_give_one_line_errors(kwargs: dict[str, Any], needle: str) -> None:
    args = {"loss": "logistic", **kwargs}
    with pytest.raises(InvalidInput) as info:
        best_linear_predictor(Dataset([[1], [2]], [1, -1]), **args)
    assert needle in _one_line(info.value)


@pytest.mark.parametrize("name", MARGIN)
def test_labels_that_do_not_fit_the_loss(name: str) -> None:
    with pytest.raises(InvalidInput) as info:
        best_linear_predictor(Dataset([[1], [2]], [1, 0]), name)
    assert "0" in _one_line(info.value)


@pytest.mark.parametrize(
    ("x", "y"),
    [([[1.0], [math.nan]], [1, 2]), ([[1.0]], [math.inf]), ([], []), ([[]], [1])],
)
def test_non_finite_or_empty_data_is_rejected(x: list[Any], y: list[Any]) -> None:
    with pytest.raises(InvalidInput) as info:
        best_linear_predictor(Dataset(x, y), "squared")
    _one_line(info.value)


def test_data_must_be_a_dataset() -> None:
    with pytest.raises(InvalidInput) as info:
        best_linear_predictor([[1], [2]], "squared")  # type: ignore[arg-type]
    assert "Dataset" in _one_line(info.value)


def test_bad_cache_size() -> None:
    with pytest.raises(InvalidInput, match="maxsize=0"):
        ProblemCache(maxsize=0)


# ------------------------------------------------------------------ slow


@pytest.mark.slow
@pytest.mark.parametrize("name", [*MARGIN, "huber"])
@pytest.mark.parametrize("noise", [0.0, 0.05, 1.0])
@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_larger_float_problems_are_settled(name: str, noise: float, scale: float) -> None:
    rng = np.random.default_rng(12345)
    x = rng.standard_normal((200, 3)) * scale
    score = x @ np.array([1.0, -2.0, 0.5]) + noise * scale * rng.standard_normal(200)
    y = score if name == "huber" else np.where(score > 0, 1.0, -1.0)
    b = best_linear_predictor(Dataset(x, y), name, intercept=True, cross_check=True)
    assert b.evidence.verdict is Verdict.HOLDS, b.format()
    if name != "huber" and noise == 0.0:
        assert b.upper == 0
