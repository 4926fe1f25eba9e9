r"""A decision procedure for polynomial real-arithmetic claims via z3 (nonlinear real arithmetic).

:func:`polynomial_sign` decides ``∀x ∈ ℝⁿ. (constraints(x) ⇒ p(x) ≥ 0)`` (or
``> 0`` with ``strict=True``) for SymPy polynomials ``p`` and polynomial
constraints (``≥ > ≤ < = ≠``), by asking z3 whether the negation
``constraints ∧ p < 0`` is satisfiable.  z3 decides quantifier-free nonlinear
real arithmetic with its nlsat procedure (cylindrical algebraic decomposition
based; complete for this fragment, though it may run out of time).

* unsat → HOLDS, ``Method.EXACT`` (a decision procedure over the reals, no
  floating point involved);
* sat → z3's model is re-checked **exactly** with SymPy ``Rational`` arithmetic
  before VIOLATED (EXACT) is reported; an algebraic (irrational) model is
  replaced by nearby rational points, each re-checked exactly; if none
  satisfies the constraints the answer is INCONCLUSIVE (never an unchecked
  VIOLATED);
* unknown / timeout → INCONCLUSIVE.

SymPy expressions are converted by walking the expression tree (symbols,
rationals, ``+``, ``*``, non-negative integer powers); nothing is parsed, and
anything else (undefined functions, radicals, division by a non-constant)
raises :class:`NotPolynomial`.  Symbol assumptions (``positive=True``,
``nonnegative=True`` …) are added as constraints.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import sympy
import z3
from sympy.core.relational import Relational

from verify.errors import InvalidInput
from verify.verdict import Evidence, Method, Verdict

__all__ = ["NotPolynomial", "polynomial_sign", "to_z3"]

DEFAULT_TIMEOUT_MS = 5000


class NotPolynomial(InvalidInput):
    """The expression is outside the polynomial fragment z3 decides here."""


def to_z3(expr: sympy.Basic, table: dict[sympy.Symbol, z3.ArithRef]) -> z3.ArithRef:
    """Convert a SymPy polynomial to a z3 real term (symbols are added to ``table``)."""
    if isinstance(expr, sympy.Symbol):
        if expr not in table:
            table[expr] = z3.Real(expr.name)
        return table[expr]
    if expr.is_Rational:
        return z3.RealVal(Fraction(int(expr.p), int(expr.q)))
    if isinstance(expr, sympy.Add):
        terms = [to_z3(a, table) for a in expr.args]
        return z3.Sum(*terms)
    if isinstance(expr, sympy.Mul):
        factors = [to_z3(a, table) for a in expr.args]
        return z3.Product(*factors)
    if isinstance(expr, sympy.Pow) and expr.exp.is_Integer:
        if expr.exp >= 0:
            base = to_z3(expr.base, table)
            return z3.Product(*([base] * int(expr.exp))) if expr.exp > 0 else z3.RealVal(1)
        if expr.base.is_Rational and expr.base != 0:
            return to_z3(sympy.Rational(expr.base) ** expr.exp, table)
    raise NotPolynomial(
        f"expr contains {sympy.srepr(expr)[:80]!r}, which is not a polynomial term; "
        "smt handles symbols, rationals, +, * and non-negative integer powers "
        "(multiply out denominators and name radicals as new symbols with constraints)."
    )


_OPS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _constraint(rel: object, table: dict[sympy.Symbol, z3.ArithRef]) -> z3.BoolRef:
    if rel is sympy.true or rel is sympy.false:  # a relation SymPy already decided
        return z3.BoolVal(rel is sympy.true)
    if not isinstance(rel, Relational) or rel.rel_op not in _OPS:
        raise InvalidInput(
            f"constraint {rel!r} must be a SymPy relation (>=, >, <=, <, Eq, Ne) "
            "between polynomials, e.g. `a*b >= 1`."
        )
    return _OPS[rel.rel_op](to_z3(rel.lhs, table), to_z3(rel.rhs, table))


def _assumption_constraints(symbols: Iterable[sympy.Symbol]) -> list[Relational]:
    out: list[Relational] = []
    for s in symbols:
        if s.is_positive:
            out.append(sympy.Gt(s, 0, evaluate=False))
        elif s.is_nonnegative:
            out.append(sympy.Ge(s, 0, evaluate=False))
        elif s.is_negative:
            out.append(sympy.Lt(s, 0, evaluate=False))
        elif s.is_nonpositive:
            out.append(sympy.Le(s, 0, evaluate=False))
        if s.is_nonzero and not (s.is_positive or s.is_negative):
            out.append(sympy.Ne(s, 0, evaluate=False))
    return out


def _rational(value: Any, digits: int) -> sympy.Rational | None:
    if z3.is_rational_value(value):
        return sympy.Rational(value.numerator_as_long(), value.denominator_as_long())
    if z3.is_algebraic_value(value):
        approx = value.approx(digits)
        return sympy.Rational(approx.numerator_as_long(), approx.denominator_as_long())
    return None


def _holds_at(rel: Any, point: dict[sympy.Symbol, sympy.Rational]) -> bool:
    if rel is sympy.true or rel is sympy.false:
        return rel is sympy.true
    value = rel.xreplace(point)
    return bool(value) if isinstance(value, (bool, sympy.logic.boolalg.BooleanAtom)) else False


def polynomial_sign(
    expr: object,
    constraints: Iterable[object] = (),
    *,
    strict: bool = False,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> Evidence:
    """Decide ``constraints ⇒ expr ≥ 0`` (``> 0`` if ``strict``) over the reals with z3."""
    if isinstance(expr, int) and not isinstance(expr, bool):
        expr = sympy.Integer(expr)
    if not isinstance(expr, sympy.Expr):
        raise InvalidInput(f"expr={expr!r} must be a scalar SymPy polynomial.")
    e: sympy.Expr = expr
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or timeout_ms <= 0:
        raise InvalidInput(f"timeout_ms={timeout_ms!r} must be a positive int (milliseconds).")
    rels = [c for c in constraints]
    for c in rels:
        if not isinstance(c, Relational) and c not in (sympy.true, sympy.false):
            raise InvalidInput(f"constraint {c!r} must be a SymPy relation such as `a >= 0`.")
    symbols = set(e.free_symbols)
    for c in rels:
        symbols |= getattr(c, "free_symbols", set())
    rels += _assumption_constraints(sorted(symbols, key=sympy.default_sort_key))
    table: dict[sympy.Symbol, z3.ArithRef] = {}
    goal = to_z3(e, table)
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    for c in rels:
        solver.add(_constraint(c, table))
    solver.add(goal <= 0 if strict else goal < 0)
    relation = ">" if strict else ">="
    answer = solver.check()
    if answer == z3.unsat:
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            f"expr {relation} 0 under {len(rels)} constraint(s): z3 (nonlinear real "
            "arithmetic) proved the negation unsatisfiable",
        )
    if answer == z3.unknown:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            f"z3 returned unknown ({solver.reason_unknown()}) within {timeout_ms} ms",
        )
    model = solver.model()
    bad = e < 0 if not strict else e <= 0
    for digits in (0, 10, 30, 60):
        point: dict[sympy.Symbol, sympy.Rational] = {}
        for s, var in table.items():
            value = model.eval(var, model_completion=True)
            r = _rational(value, max(digits, 1))
            if r is None:
                break
            point[s] = r
        else:
            if all(_holds_at(c, point) for c in rels) and _holds_at(bad, point):
                algebraic = digits > 0 and any(
                    z3.is_algebraic_value(model.eval(v, model_completion=True))
                    for v in table.values()
                )
                return Evidence(
                    Verdict.VIOLATED,
                    Method.EXACT,
                    f"expr {'<=' if strict else '<'} 0 at a rational point satisfying the "
                    "constraints (z3 model"
                    + (", rounded from algebraic numbers" if algebraic else "")
                    + ", re-checked exactly)",
                    witness={
                        "point": {str(s): str(v) for s, v in point.items()},
                        "value": str(e.xreplace(point)),
                    },
                )
        if not any(
            z3.is_algebraic_value(model.eval(v, model_completion=True)) for v in table.values()
        ):
            break
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.EXACT,
        "z3 found a model of the negation, but no rational point near it re-checked "
        "exactly (algebraic or boundary model); not reported as a violation",
        witness={"z3_model": str(model)},
    )
