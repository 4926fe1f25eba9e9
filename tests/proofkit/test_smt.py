"""Tests for verify.proofkit.smt (z3 polynomial signs), verify.proofkit.logic and bounded
identity checks."""

from __future__ import annotations

import time

import pytest
import sympy

from verify.errors import InvalidInput
from verify.proofkit.logic import And, Implies, Not, Or, entails, render
from verify.proofkit.smt import NotPolynomial, polynomial_sign
from verify.proofkit.steps import matrix_identity, sympy_identity, sympy_nonnegative
from verify.verdict import Method, Verdict

a, b, x, y = sympy.symbols("a b x y", real=True)


def test_true_polynomial_inequalities_are_proved_without_a_certificate() -> None:
    assert polynomial_sign(a**2 - a * b + b**2).verdict is Verdict.HOLDS
    assert polynomial_sign(x**4 - 2 * x**2 + 1).verdict is Verdict.HOLDS
    assert polynomial_sign(a * b - 1, [a >= 1, b >= 1]).verdict is Verdict.HOLDS
    ev = polynomial_sign(x**2 + 1, strict=True)
    assert ev.verdict is Verdict.HOLDS and ev.method is Method.EXACT
    # sympy_nonnegative now proves these without a hand-written SOS.
    assert sympy_nonnegative(a**2 - a * b + b**2).verdict is Verdict.HOLDS
    assert sympy_nonnegative((a**2 + 1) / (b**2 + 1), strict=True).verdict is Verdict.HOLDS


def test_false_inequality_has_an_exactly_rechecked_witness() -> None:
    ev = polynomial_sign(a**2 - 3 * a * b + b**2)
    assert ev.verdict is Verdict.VIOLATED and ev.method is Method.EXACT
    point = {s: sympy.Rational(ev.witness["point"][str(s)]) for s in (a, b)}
    assert (a**2 - 3 * a * b + b**2).xreplace(point) < 0
    # A violation only at an irrational point is never reported unchecked.
    ev = polynomial_sign((x**2 - 2) ** 2, strict=True)
    assert ev.verdict in (Verdict.INCONCLUSIVE, Verdict.VIOLATED)
    if ev.verdict is Verdict.VIOLATED:  # pragma: no cover - only if a rational root existed
        raise AssertionError(ev)


def test_symbol_assumptions_are_constraints() -> None:
    p = sympy.Symbol("p", positive=True)
    assert polynomial_sign(p, strict=True).verdict is Verdict.HOLDS
    assert polynomial_sign(x, strict=True).verdict is Verdict.VIOLATED


def test_non_polynomial_input_is_refused() -> None:
    with pytest.raises(NotPolynomial):
        polynomial_sign(sympy.exp(x))
    with pytest.raises(InvalidInput):
        polynomial_sign(x, [x + 1])


def test_propositional_entailment() -> None:
    assert entails(["p", Implies("p", "q")], "q") == (True, {})
    ok, model = entails([Or("p", "q")], "p")
    assert not ok and model == {"p": False, "q": True}
    assert entails([Implies("p", "r"), Implies(Not("p"), "r")], "r")[0]
    assert render(And("a", Or("b", Not("c")))) == "(a ∧ (b ∨ ¬c))"
    with pytest.raises(InvalidInput):
        And("not an atom")


def test_wrong_identity_is_refuted_in_seconds_with_a_witness() -> None:
    ell = sympy.Function("ell")
    q = sympy.Symbol("q")
    g = sympy.Subs(sympy.Derivative(ell(q, y), q), q, sympy.tanh(a * x + b))
    lhs = sympy.diff(ell(sympy.tanh(a * x + b), y), a)
    start = time.perf_counter()
    ev = sympy_identity(lhs, 2 * x * g * (1 - sympy.tanh(a * x + b) ** 2))
    assert ev.verdict is Verdict.VIOLATED and "point" in ev.witness
    assert sympy_identity(lhs, x * g * (1 - sympy.tanh(a * x + b) ** 2)).verdict is Verdict.HOLDS
    assert time.perf_counter() - start < 20


def test_simplify_is_time_bounded() -> None:
    start = time.perf_counter()
    ev = sympy_identity(sympy.sin(x) ** 2 + sympy.cos(x) ** 2, 1, time_limit=0.001)
    assert ev.verdict is Verdict.INCONCLUSIVE and "within" in ev.reason
    assert time.perf_counter() - start < 10


def test_matrix_identity_in_symbolic_dimensions() -> None:
    d, m, k = sympy.symbols("d m k", integer=True, positive=True)
    u, v = sympy.MatrixSymbol("u", d, 1), sympy.MatrixSymbol("v", d, 1)
    U, V = sympy.MatrixSymbol("U", m, d), sympy.MatrixSymbol("V", d, k)
    J = sympy.MatrixSymbol("J", k, m)
    sizes = ({d: 3, m: 2, k: 4}, {d: 5, m: 4, k: 3})
    lhs = (sympy.Identity(d) + V * J * U).T * v
    ev = matrix_identity(lhs, v + U.T * J.T * V.T * v, sizes=sizes)
    assert ev.verdict is Verdict.HOLDS and "symbolic dimensions" in ev.reason
    wrong = matrix_identity(lhs, v + V * J * U * v, sizes=sizes)
    assert wrong.verdict is Verdict.VIOLATED and wrong.witness["sizes"] == {"d": 3, "m": 2, "k": 4}
    # 1x1 transposes are not canonicalised: honest INCONCLUSIVE, not HOLDS.
    assert matrix_identity(u.T * v, v.T * u, sizes=sizes).verdict is Verdict.INCONCLUSIVE
    with pytest.raises(InvalidInput):
        matrix_identity(u, u, sizes=sizes[:1])
