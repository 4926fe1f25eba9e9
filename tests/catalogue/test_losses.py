"""Tests for verify.catalogue.losses: catalogue, flags, derivatives, conjugates, CVXPY atoms,
errors."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import flint
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from verify.catalogue.losses import LOSS_NAMES, Loss, P, loss, loss_from_spec
from verify.errors import InvalidInput
from verify.numbers.arithmetic import Arithmetic

MARGIN = ("logistic", "exponential", "softplus_hinge")
REGRESSION = ("squared", "squared_half", "huber")

# Independent closed forms (written from the definitions, not from the module).
FORMULAS = {
    "squared": lambda p, y: (p - y) ** 2,
    "squared_half": lambda p, y: (p - y) ** 2 / 2,
    "logistic": lambda p, y: math.log1p(math.exp(-y * p)),
    "exponential": lambda p, y: math.exp(-y * p),
    "softplus_hinge": lambda p, y: math.log1p(math.exp(1 - y * p)),
    "huber": lambda p, y: (p - y) ** 2 / 2 if abs(p - y) <= 1 else abs(p - y) - 0.5,
}

small = st.fractions(min_value=-6, max_value=6, max_denominator=16)
pm1 = st.sampled_from([-1, 1])


def _label(name: str, draw_y: Fraction) -> Fraction:
    return Fraction(1 if draw_y >= 0 else -1) if name in MARGIN else draw_y


def _ball(v: Fraction) -> np.ndarray:
    return Arithmetic.BALL.array([v])


def _q(v: Fraction) -> flint.fmpq:
    return flint.fmpq(v.numerator, v.denominator)


def _enclose(fn, lo: Loss, p: Fraction, y: Fraction) -> flint.arb:
    """Rigorous value of ``fn`` (value/d1/d2): exact for rational losses, else a ball."""
    arith = Arithmetic.EXACT if lo.exact_ok else Arithmetic.BALL
    v = fn(arith, arith.array([p]), arith.array([y]))[0]
    return flint.arb(v if isinstance(v, flint.arb) else flint.fmpq(v))


# ---------------------------------------------------------------- catalogue


def test_catalogue_names_and_flags() -> None:
    assert set(LOSS_NAMES) == {*MARGIN, *REGRESSION}
    flags = {name: loss(name) for name in LOSS_NAMES}
    assert all(f.convex for f in flags.values())
    assert [n for n, f in flags.items() if not f.twice_differentiable] == ["huber"]
    assert flags["logistic"].lipschitz == 1
    assert flags["softplus_hinge"].lipschitz == 1
    assert flags["huber"].lipschitz == 1
    assert loss("huber", delta="1/3").lipschitz == Fraction(1, 3)
    assert flags["squared"].lipschitz is None
    assert flags["exponential"].lipschitz is None
    assert {n for n, f in flags.items() if f.labels == "pm1"} == set(MARGIN)
    assert {n for n, f in flags.items() if f.margin} == set(MARGIN)
    assert {n for n, f in flags.items() if f.exact_ok} == set(REGRESSION)


def test_loss_is_built_once_per_name_and_parameters() -> None:
    assert loss("logistic") is loss("logistic")
    assert loss("huber", delta="1/2") is loss("huber", delta=Fraction(1, 2))
    assert loss("huber", delta="1/2") != loss("huber")


def test_parameters_label_and_spec_round_trip() -> None:
    h = loss("huber", delta="1/2")
    assert h.param("delta") == Fraction(1, 2)
    assert h.label == "huber(delta=1/2)"
    assert h.spec() == {"name": "huber", "delta": "1/2"}
    assert loss_from_spec(h.spec()) == h
    assert loss_from_spec("logistic") == loss("logistic")
    assert loss_from_spec(h) is h
    assert loss("huber").param("delta") == 1
    assert loss("huber", delta=0.25).param("delta") == Fraction(1, 4)


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: loss("hinge"), "loss='hinge'"),
        (lambda: loss("logistic", delta=1), "delta=1"),
        (lambda: loss("huber", eps=1), "eps=1"),
        (lambda: loss("huber", delta=0), "delta=0"),
        (lambda: loss("huber", delta="-1/2"), "delta='-1/2'"),
        (lambda: loss("huber", delta="abc"), "delta='abc'"),
        (lambda: loss("huber", delta=True), "delta=True"),
        (lambda: loss(3), "loss=3"),  # type: ignore[arg-type]
        (lambda: loss_from_spec({"delta": 1}), "'delta': 1"),
        (lambda: loss_from_spec(5), "loss=5"),  # type: ignore[arg-type]
        (lambda: loss("huber").param("eps"), "'eps'"),
        (lambda: Loss("x", P, labels="binary"), "labels='binary'"),
    ],
)
def test_bad_input_gives_one_line_error_naming_the_value(call, needle: str) -> None:
    with pytest.raises(InvalidInput) as info:
        call()
    msg = str(info.value)
    assert "\n" not in msg
    assert needle in msg


def test_label_validation() -> None:
    for name in MARGIN:
        lo = loss(name)
        lo.check_labels(np.array([1, -1, 1.0, Fraction(-1)], dtype=object))
        for bad in (0, 2, Fraction(1, 2), -1.5):
            with pytest.raises(InvalidInput, match="labels -1 or \\+1"):
                lo.check_labels(np.array([1, bad], dtype=object))
    for name in REGRESSION:
        loss(name).check_labels(np.array([0, 2.5, Fraction(-7, 3)], dtype=object))


def test_sympy_substitution() -> None:
    a, b = sp.symbols("a b", real=True)
    assert sp.simplify(loss("squared").sympy(a, b) - (a - b) ** 2) == 0
    assert sp.simplify(loss("exponential").sympy(a, b) - sp.exp(-a * b)) == 0


# ---------------------------------------------------------------- evaluation


@pytest.mark.parametrize("name", LOSS_NAMES)
@given(p=small, y=small)
def test_float_value_matches_independent_formula(name: str, p: Fraction, y: Fraction) -> None:
    y = _label(name, y)
    got = loss(name).value(Arithmetic.FLOAT, np.array([float(p)]), np.array([float(y)]))[0]
    assert got == pytest.approx(FORMULAS[name](float(p), float(y)), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("name", LOSS_NAMES)
@given(p=small, y=small)
def test_float_derivatives_lie_in_the_ball_enclosures(name: str, p: Fraction, y: Fraction) -> None:
    """Float (possibly from the overflow-free rewrite) and exact/ball (from expr) agree."""
    y = _label(name, y)
    lo = loss(name)
    pf, yf = np.array([float(p)]), np.array([float(y)])
    arith = Arithmetic.EXACT if lo.exact_ok else Arithmetic.BALL
    at_kink = name == "huber" and abs(p - y) == 1  # float p - y may round across it
    for fn in (lo.value, lo.d1) if at_kink else (lo.value, lo.d1, lo.d2):
        f = float(fn(Arithmetic.FLOAT, pf, yf)[0])
        b = flint.arb(fn(arith, arith.array([p]), arith.array([y]))[0])
        tol = 1e-13 * max(1.0, abs(f))
        assert (b - f).abs_upper() <= tol, (fn.__name__, f, b)


@pytest.mark.parametrize("name", LOSS_NAMES)
@given(p=small, y=small)
def test_derivatives_match_finite_differences(name: str, p: Fraction, y: Fraction) -> None:
    y = _label(name, y)
    lo = loss(name)
    h = 1e-6
    f = FORMULAS[name] if name != "huber" else None
    pf, yf = float(p), float(y)
    if name == "huber" and abs(abs(pf - yf) - 1) < 1e-3:
        return  # kink of l'': finite differences of l' are meaningless there
    d1 = lo.d1(Arithmetic.FLOAT, np.array([pf]), np.array([yf]))[0]
    d2 = lo.d2(Arithmetic.FLOAT, np.array([pf]), np.array([yf]))[0]
    g = f if f is not None else FORMULAS["huber"]
    fd1 = (g(pf + h, yf) - g(pf - h, yf)) / (2 * h)
    h2 = 1e-4  # larger step: the second difference loses ~eps/h^2 to cancellation
    fd2 = (g(pf + h2, yf) - 2 * g(pf, yf) + g(pf - h2, yf)) / h2**2
    assert d1 == pytest.approx(fd1, rel=1e-6, abs=1e-6)
    assert d2 == pytest.approx(fd2, rel=1e-3, abs=1e-3)


@pytest.mark.parametrize("name", LOSS_NAMES)
@given(p=small, y=small)
def test_convexity_and_lipschitz_flags_hold(name: str, p: Fraction, y: Fraction) -> None:
    y = _label(name, y)
    lo = loss(name)
    d1 = _enclose(lo.d1, lo, p, y)
    d2 = _enclose(lo.d2, lo, p, y)
    assert d2.upper() >= 0
    if lo.lipschitz is not None:
        assert d1.abs_lower() <= flint.arb(_q(lo.lipschitz))


def test_ball_square_of_a_ball_around_zero_is_finite() -> None:
    """Regression: python-flint 0.9 gives nan for ``arb**2`` when the ball straddles 0."""
    third = Arithmetic.BALL.array([Fraction(1, 3)])  # 1/3 is not dyadic: a proper ball
    val = flint.arb(loss("squared").value(Arithmetic.BALL, third, third)[0])
    assert val.is_finite() and val.contains(0)


def test_exact_evaluation_of_rational_losses() -> None:
    p = Arithmetic.EXACT.array([Fraction(1, 3), Fraction(5, 2), Fraction(-4)])
    y = Arithmetic.EXACT.array([0, 1, 0])
    sq = loss("squared").value(Arithmetic.EXACT, p, y)
    assert [Fraction(int(v.p), int(v.q)) for v in sq] == [Fraction(1, 9), Fraction(9, 4), 16]
    hub = loss("huber", delta="1/2").value(Arithmetic.EXACT, p, y)
    # r = 1/3 inside: r^2/2; r = 3/2 and -4 outside: delta(|r| - delta/2)
    expect = [Fraction(1, 18), Fraction(1, 2) * (Fraction(3, 2) - Fraction(1, 4)), Fraction(15, 8)]
    assert [Fraction(int(v.p), int(v.q)) for v in hub] == expect


def test_huber_is_c1_but_not_c2_at_the_kink() -> None:
    hub = loss("huber", delta="1/2")
    ex = Arithmetic.EXACT
    for r in (Fraction(1, 2), Fraction(-1, 2)):
        eps = Fraction(1, 10**9)
        left = hub.d1(ex, ex.array([r - eps]), ex.array([0]))[0]
        right = hub.d1(ex, ex.array([r + eps]), ex.array([0]))[0]
        assert abs(Fraction(int(right.p), int(right.q)) - Fraction(int(left.p), int(left.q))) <= eps
        d2l = hub.d2(ex, ex.array([r - eps]), ex.array([0]))[0]
        d2r = hub.d2(ex, ex.array([r + eps]), ex.array([0]))[0]
        assert {int(d2l), int(d2r)} == {0, 1}
    assert hub.twice_differentiable is False


@pytest.mark.parametrize("name", ["logistic", "softplus_hinge", "exponential"])
def test_float_evaluation_does_not_overflow_into_nan(name: str) -> None:
    lo = loss(name)
    p = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    y = np.ones(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vals = [lo.value(Arithmetic.FLOAT, p, y), lo.d1(Arithmetic.FLOAT, p, y)]
        vals.append(lo.d2(Arithmetic.FLOAT, p, y))
    for v in vals:
        assert not np.any(np.isnan(v))
    if name != "exponential":  # exp(800) overflows honestly to inf
        assert vals[0][0] == pytest.approx(800.0 + (1.0 if name == "softplus_hinge" else 0.0))
        assert vals[1][0] == pytest.approx(-1.0)


def test_stable_rewrite_equals_the_expression_symbolically() -> None:
    for name in ("logistic", "softplus_hinge"):
        lo = loss(name)
        assert lo.float_expr is not None
        for value, _cond in lo.float_expr.args:
            assert sp.simplify(sp.expand_log(sp.exp(value) - sp.exp(lo.expr), force=True)) == 0


# ---------------------------------------------------------------- conjugates


@pytest.mark.parametrize("name", LOSS_NAMES)
@given(p=small, y=small)
def test_fenchel_young_equality_at_the_derivative(name: str, p: Fraction, y: Fraction) -> None:
    """l(p) + l*(l'(p)) = p l'(p): checks the hand-derived conjugate formulas."""
    y = _label(name, y)
    lo = loss(name)
    if lo.exact_ok:
        ex = Arithmetic.EXACT
        a = lo.d1(ex, ex.array([p]), ex.array([y]))[0]
        val = lo.value(ex, ex.array([p]), ex.array([y]))[0]
        assert val + lo.conjugate(a, y) == a * _q(p)
        return
    # transcendental: use a rational alpha near l'(p) and the exact maximizer for it
    a_float = float(lo.d1(Arithmetic.FLOAT, np.array([float(p)]), np.array([float(y)]))[0])
    a = Fraction(a_float)
    lo_dom, hi_dom = lo.conjugate_domain(y)
    if (lo_dom is not None and a <= lo_dom) or (hi_dom is not None and a >= hi_dom):
        return  # on the boundary in float: nothing to check
    conj = flint.arb(lo.conjugate(a, y))
    # sup_p (a p - l(p)) >= a p - l(p) for every p (Fenchel–Young inequality) ...
    gap = conj + _enclose(lo.value, lo, p, y) - flint.arb(_q(a) * _q(p))
    assert gap.upper() >= 0
    # ... with near-equality because a is l'(p) up to rounding
    assert gap.lower() <= 1e-9


@pytest.mark.parametrize("name", LOSS_NAMES)
@given(p=small, y=small, a=st.fractions(min_value=-3, max_value=3, max_denominator=64))
def test_fenchel_young_inequality_everywhere(
    name: str, p: Fraction, y: Fraction, a: Fraction
) -> None:
    y = _label(name, y)
    lo = loss(name)
    conj = lo.conjugate(a, y)
    lo_dom, hi_dom = lo.conjugate_domain(y)
    outside = (lo_dom is not None and a < lo_dom) or (hi_dom is not None and a > hi_dom)
    assert (conj is None) == outside
    if conj is None:
        return
    gap = flint.arb(conj) + _enclose(lo.value, lo, p, y) - flint.arb(_q(a) * _q(p))
    assert gap.upper() >= 0


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_conjugate_domain_contains_zero(name: str) -> None:
    for y in (-1, 1):
        lo, hi = loss(name).conjugate_domain(y)
        assert lo is None or lo <= 0
        assert hi is None or hi >= 0
        assert loss(name).conjugate(0, y) is not None


# ---------------------------------------------------------------- CVXPY


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_cvxpy_atom_matches_the_loss(name: str) -> None:
    import cvxpy as cp

    lo = loss(name)
    p = np.array([-1.5, 0.0, 0.25, 2.0])
    y = np.array([1.0, -1.0, 1.0, -1.0]) if lo.margin else np.array([0.5, -2.0, 0.0, 3.0])
    expr = lo.cvxpy(cp.Constant(p), y)
    assert expr.is_dcp()
    np.testing.assert_allclose(expr.value, lo.value(Arithmetic.FLOAT, p, y), rtol=1e-12)
    if lo.margin:
        m = lo.cvxpy_margin(cp.Constant(y * p))
        np.testing.assert_allclose(m.value, lo.value(Arithmetic.FLOAT, p, y), rtol=1e-12)
    else:
        with pytest.raises(InvalidInput, match="not a margin loss"):
            lo.cvxpy_margin(cp.Constant(p))


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_atoms_are_dpp_with_parameters(name: str) -> None:
    import cvxpy as cp

    x = cp.Parameter((3, 2))
    y = cp.Parameter(3)
    t = cp.Variable(2)
    prob = cp.Problem(cp.Minimize(cp.sum(loss(name).cvxpy(x @ t, y))))
    assert prob.is_dcp(dpp=True)
