r"""Propositional formulas for proof chains: atoms, ``And``/``Or``/``Not``/``Implies``, entailment.

A proof step declares what it *assumes* and what it *concludes* as formulas
over named atoms (``"critical_point"``, ``"risk_le_linear"`` …); a proof
declares its theorem's premises and conclusion the same way.
:func:`entails` decides ``premises ⊨ goal`` propositionally with z3's Boolean
sort (a SAT check of ``premises ∧ ¬goal``; propositional logic is decidable, so
z3 never answers "unknown" here).  Atoms are opaque: the chain checks only
that the *shape* of the argument (case splits, implications) reaches the
stated conclusion, while the steps' own checks establish each atom's content.

Formulas are plain data: an atom is a snake_case string; compound formulas
are built with :func:`And`, :func:`Or`, :func:`Not`, :func:`Implies` (frozen
tuples), so they can be compared, printed and mutated in tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import z3

from verify.errors import InvalidInput

__all__ = ["And", "Formula", "Implies", "Not", "Or", "atoms", "entails", "render"]

_ATOM = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Compound:
    """``op`` applied to ``args`` (op in and/or/not/implies)."""

    op: str
    args: tuple[Formula, ...]


Formula = str | Compound


def _check(f: object) -> Formula:
    if isinstance(f, str):
        if not _ATOM.match(f):
            raise InvalidInput(f"atom={f!r} must be an identifier such as 'risk_le_linear'.")
        return f
    if isinstance(f, Compound):
        return f
    raise InvalidInput(f"formula={f!r} must be an atom (str) or built with And/Or/Not/Implies.")


def And(*args: Formula) -> Compound:
    """Conjunction (``And()`` is true)."""
    return Compound("and", tuple(_check(a) for a in args))


def Or(*args: Formula) -> Compound:
    """Disjunction (``Or()`` is false)."""
    return Compound("or", tuple(_check(a) for a in args))


def Not(arg: Formula) -> Compound:
    """Negation."""
    return Compound("not", (_check(arg),))


def Implies(premise: Formula, conclusion: Formula) -> Compound:
    """``premise → conclusion``."""
    return Compound("implies", (_check(premise), _check(conclusion)))


def atoms(f: Formula) -> set[str]:
    """The atoms occurring in ``f``."""
    if isinstance(f, str):
        return {f}
    out: set[str] = set()
    for a in f.args:
        out |= atoms(a)
    return out


def render(f: Formula) -> str:
    """Readable infix text, e.g. ``(a ∧ b) → c``."""
    if isinstance(f, str):
        return f
    parts = [render(a) for a in f.args]
    if f.op == "not":
        return f"¬{parts[0]}"
    if f.op == "implies":
        return f"({parts[0]} → {parts[1]})"
    if not parts:
        return "⊤" if f.op == "and" else "⊥"
    sep = " ∧ " if f.op == "and" else " ∨ "
    return "(" + sep.join(parts) + ")"


def _z3(f: Formula, table: dict[str, z3.BoolRef]) -> z3.BoolRef:
    if isinstance(f, str):
        if f not in table:
            table[f] = z3.Bool(f)
        return table[f]
    args = [_z3(a, table) for a in f.args]
    if f.op == "and":
        return z3.And(*args) if args else z3.BoolVal(True)
    if f.op == "or":
        return z3.Or(*args) if args else z3.BoolVal(False)
    if f.op == "not":
        return z3.Not(args[0])
    if f.op == "implies":
        return z3.Implies(args[0], args[1])
    raise InvalidInput(f"formula operator {f.op!r} is unknown; use And/Or/Not/Implies.")


def entails(premises: Iterable[Formula], goal: Formula) -> tuple[bool, dict[str, bool]]:
    """Decide ``∧ premises ⊨ goal``.

    Returns ``(True, {})`` if entailed, else ``(False, assignment)`` with a truth
    assignment of the atoms that makes every premise true and the goal false.
    """
    table: dict[str, z3.BoolRef] = {}
    solver = z3.Solver()
    for p in premises:
        solver.add(_z3(_check(p), table))
    solver.add(z3.Not(_z3(_check(goal), table)))
    result = solver.check()
    if result == z3.unsat:
        return True, {}
    if result != z3.sat:  # pragma: no cover - propositional SAT is decidable
        raise RuntimeError(f"z3 returned {result} on a propositional query")
    model = solver.model()
    return False, {
        name: bool(z3.is_true(model.eval(var, model_completion=True)))
        for name, var in sorted(table.items())
    }
