r"""SymPy step checks for proofs: :func:`sympy_identity` and :func:`sympy_nonnegative`.

Both return :class:`~verify.verdict.Evidence` and are re-exported by
:mod:`verify.proofkit.steps`, where the proof machinery that runs them lives. Symbols
and the values of undefined functions are treated as real.

* A proof (HOLDS) is always ``Method.EXACT``: ``lhs - rhs`` reduced to 0 by
  ``expand``/``cancel``/``simplify``; or ``expr >= 0`` from a sum-of-squares
  certificate checked exactly, or from a structural sign argument (sums and
  products of evidently non-negative terms) on ``expr`` and its
  expanded/factored/cancelled/simplified forms.
* A refutation (VIOLATED) needs a concrete witness: a random rational point
  (with random polynomials substituted for undefined functions) at which the
  claim fails exactly (``Method.EXACT``) or in an Arb ball that excludes the
  boundary value (``Method.CERTIFIED``, for closed transcendental values).
* Anything else is INCONCLUSIVE. Floats are refused as input: exact checks
  need ``sympy.Rational``.
"""

from __future__ import annotations

import multiprocessing
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import flint
import sympy
from sympy.core.function import AppliedUndef
from sympy.core.relational import Relational
from sympy.polys.polyerrors import BasePolynomialError

from verify.errors import InvalidInput
from verify.verdict import Evidence, Method, Verdict

# ----------------------------------------------------------------------------- SymPy helpers

_SYMPY_FAILURES = (BasePolynomialError, NotImplementedError)


def _as_expr(value: object, name: str) -> Any:
    if isinstance(value, (bool, float)):
        raise InvalidInput(
            f"{name}={value!r} must be a SymPy expression or an int; floats are inexact, "
            "use sympy.Rational."
        )
    if isinstance(value, int):
        return sympy.Integer(value)
    if not isinstance(value, (sympy.Basic, sympy.MatrixBase)):
        raise InvalidInput(f"{name}={value!r} must be a SymPy expression or matrix.")
    if value.atoms(sympy.Float):
        raise InvalidInput(
            f"{name}={value!r} contains floating-point numbers; exact checks need sympy.Rational."
        )
    return value


def _entries(lhs: object, rhs: object) -> list[tuple[tuple[int, int], sympy.Expr, sympy.Expr]]:
    a, b = _as_expr(lhs, "lhs"), _as_expr(rhs, "rhs")
    a_mat, b_mat = isinstance(a, sympy.MatrixBase), isinstance(b, sympy.MatrixBase)
    if a_mat != b_mat or (a_mat and a.shape != b.shape):
        shape_a = a.shape if a_mat else "scalar"
        shape_b = b.shape if b_mat else "scalar"
        raise InvalidInput(
            f"lhs has shape {shape_a!r} and rhs has shape {shape_b!r}; both sides of an "
            "identity must be scalars or matrices of the same shape."
        )
    if not a_mat:
        return [((0, 0), a, b)]
    return [((i, j), a[i, j], b[i, j]) for i in range(a.rows) for j in range(a.cols)]


def _zero_by(diff: sympy.Expr, *, slow: bool) -> str | None:
    """Name of the transformation that reduces ``diff`` to 0, else None (unbounded time)."""
    if diff == 0:
        return "structure"
    transforms: list[tuple[str, Callable[[sympy.Expr], sympy.Expr]]] = [
        ("expand", sympy.expand),
        ("cancel", lambda e: sympy.cancel(sympy.together(e))),
    ]
    if slow:
        transforms.append(("simplify", sympy.simplify))
    for label, fn in transforms:
        try:
            if fn(diff) == 0:
                return label
        except _SYMPY_FAILURES:
            continue
    return None


def _child(conn: Any, fn: Callable[[], Any]) -> None:  # pragma: no cover - runs in the child
    try:
        conn.send(("ok", fn()))
    except BaseException as err:
        conn.send(("error", f"{type(err).__name__}: {err}"))
    finally:
        conn.close()


def run_bounded(fn: Callable[[], Any], time_limit: float) -> tuple[bool, Any]:
    """Run ``fn()`` in a forked child process killed after ``time_limit`` seconds.

    Returns ``(True, result)`` or ``(False, why)``.  The child inherits ``fn`` and
    its data by ``fork`` (nothing is serialised to it); only the result, which
    must be picklable and small (labels, booleans), comes back.
    """
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn), daemon=True)
    proc.start()
    child.close()
    try:
        if parent.poll(time_limit):
            status, value = parent.recv()
            return (True, value) if status == "ok" else (False, f"SymPy raised {value}")
        return False, f"SymPy did not finish within {time_limit:g} s"
    except EOFError:
        return False, "the SymPy child process died without an answer"
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)


def _zero_by_bounded(
    diffs: Sequence[sympy.Expr], *, slow: bool, time_limit: float
) -> list[str | None] | str:
    """:func:`_zero_by` for every diff, time-bounded; the labels or why there are none."""
    if all(d == 0 for d in diffs):
        return ["structure"] * len(diffs)
    ok, value = run_bounded(lambda: [_zero_by(d, slow=slow) for d in diffs], time_limit)
    return value if ok else str(value)


def _random_rational(rng: random.Random, sym: sympy.Symbol) -> sympy.Rational:
    if sym.is_integer:
        value = sympy.Integer(rng.randint(-6, 6))
    else:
        scale = rng.choice([1, 1, 1, 10, 100])
        value = sympy.Rational(rng.randint(-9, 9) * scale, rng.randint(1, 7))
    if sym.is_nonnegative or sym.is_positive:
        value = abs(value)
    if sym.is_nonpositive or sym.is_negative:
        value = -abs(value)
    if value == 0 and (sym.is_positive or sym.is_negative or sym.is_nonzero):
        value = sympy.Integer(-1 if sym.is_negative else 1)
    return value


def _random_function(rng: random.Random, arity: int) -> sympy.Lambda:
    args = sympy.symbols(f"a0:{arity}", real=True)
    poly = sympy.Rational(rng.randint(-5, 5), rng.randint(1, 3))
    for i, a in enumerate(args):
        poly += sympy.Rational(rng.randint(-5, 5), rng.randint(1, 3)) * a
        poly += sympy.Rational(rng.randint(1, 5), rng.randint(1, 3)) * a**2
        poly += sympy.Rational(rng.randint(-3, 3), rng.randint(1, 4)) * a**3
        if i + 1 < arity:
            poly += sympy.Rational(rng.randint(-3, 3), 2) * a * args[i + 1]
    return sympy.Lambda(args, poly)


def _arb(expr: sympy.Basic) -> flint.arb | None:
    """Rigorous Arb enclosure of a closed real expression, or None if unsupported."""
    if expr.is_Rational:
        return flint.arb(flint.fmpq(int(expr.p), int(expr.q)))
    if expr is sympy.pi:
        return flint.arb.pi()
    if expr is sympy.E:
        return flint.arb(1).exp()
    args: list[flint.arb] = []
    for sub in expr.args:
        ball = _arb(sub)
        if ball is None:
            return None
        args.append(ball)
    if isinstance(expr, sympy.Add):
        return sum(args[1:], args[0])
    if isinstance(expr, sympy.Mul):
        out = args[0]
        for a in args[1:]:
            out = out * a
        return out
    if isinstance(expr, sympy.Pow):
        base, ex = args
        if expr.exp.is_Integer:
            return base ** int(expr.exp)
        return (base.log() * ex).exp() if base > 0 else None
    if isinstance(expr, sympy.exp):
        return args[0].exp()
    unary = {
        sympy.tanh: "tanh",
        sympy.sinh: "sinh",
        sympy.cosh: "cosh",
        sympy.sin: "sin",
        sympy.cos: "cos",
        sympy.atan: "atan",
        sympy.Abs: "__abs__",
    }
    for cls, method in unary.items():
        if isinstance(expr, cls):
            return getattr(args[0], method)()
    if isinstance(expr, sympy.log):
        return args[0].log() if args[0] > 0 else None
    return None


def _certified_sign(value: sympy.Basic) -> tuple[int, Method] | None:
    """Sign of a closed real number, exactly for rationals, else via an Arb ball."""
    if value.free_symbols or value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return None
    if value.is_Rational:
        return (1 if value > 0 else -1 if value < 0 else 0), Method.EXACT
    if value.has(sympy.I) or value.atoms(AppliedUndef, sympy.Derivative, sympy.Subs):
        return None
    with flint.ctx.workprec(256):
        ball = _arb(value)
        if ball is None or not ball.is_finite():
            return None
        if ball > 0:
            return 1, Method.CERTIFIED
        if ball < 0:
            return -1, Method.CERTIFIED
    return None


@dataclass(frozen=True)
class _Point:
    functions: Mapping[sympy.Basic, sympy.Lambda]
    values: Mapping[sympy.Symbol, sympy.Rational]

    def apply(self, expr: sympy.Basic) -> sympy.Basic:
        out = expr
        if self.functions:
            out = out.subs(dict(self.functions)).doit()
        return out.xreplace(dict(self.values))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"point": {str(s): str(v) for s, v in self.values.items()}}
        if self.functions:
            out["functions"] = {str(f): str(lam) for f, lam in self.functions.items()}
        return out


def _draw_point(exprs: Sequence[sympy.Basic], rng: random.Random) -> _Point:
    arity = {f.func: len(f.args) for e in exprs for f in e.atoms(AppliedUndef)}
    functions = {f: _random_function(rng, arity[f]) for f in sorted(arity, key=str)}
    # Substituting polynomials for undefined functions adds no free symbols (the Lambda
    # arguments and derivative variables are bound), so the point needs only these:
    symbols = sorted({s for e in exprs for s in e.free_symbols}, key=sympy.default_sort_key)
    return _Point(functions, {s: _random_rational(rng, s) for s in symbols})


def sympy_identity(
    lhs: object,
    rhs: object,
    *,
    seed: int = 0,
    trials: int = 6,
    use_simplify: bool = True,
    time_limit: float = 30.0,
) -> Evidence:
    """Decide ``lhs == rhs`` for all values of the symbols (and undefined functions).

    1. Both sides are evaluated exactly at ``trials`` random rational points (with
       random polynomials substituted for undefined functions; points where a side
       is undefined are skipped).  A point where some entry differs is a witness:
       VIOLATED, EXACT for rational values, CERTIFIED for an Arb ball excluding 0.
    2. Only then ``expand``, ``cancel`` and (if ``use_simplify``) ``simplify`` try
       to reduce ``lhs - rhs`` to 0 entrywise, in a child process killed after
       ``time_limit`` seconds: reduced → HOLDS (EXACT); time-out or no reduction →
       INCONCLUSIVE.
    """
    entries = _entries(lhs, rhs)
    if trials < 0:
        raise InvalidInput(f"trials={trials!r} must be >= 0.")
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or time_limit <= 0:
        raise InvalidInput(f"time_limit={time_limit!r} must be a positive number of seconds.")
    if not entries:
        return Evidence(Verdict.HOLDS, Method.EXACT, "both sides are empty matrices")
    open_entries = [(idx, a, b) for idx, a, b in entries if (a - b) != 0]
    if not open_entries:
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            f"lhs - rhs is 0 in all {len(entries)} entries (by structure)",
        )
    rng = random.Random(seed)
    diffs = [a - b for _, a, b in open_entries]
    for _ in range(trials):
        point = _draw_point(diffs, rng)
        for (idx, a, b), d in zip(open_entries, diffs, strict=True):
            sign = _certified_sign(point.apply(d))
            if sign is not None and sign[0] != 0:
                return Evidence(
                    Verdict.VIOLATED,
                    sign[1],
                    f"lhs != rhs at entry {idx} for a concrete point",
                    witness={
                        "entry": list(idx),
                        **point.to_dict(),
                        "lhs_value": str(point.apply(a)),
                        "rhs_value": str(point.apply(b)),
                    },
                )
    labels = _zero_by_bounded(diffs, slow=use_simplify, time_limit=time_limit)
    if isinstance(labels, str):
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            f"{labels}; {trials} random rational points gave no witness",
        )
    still_open = [idx for (idx, _, _), lab in zip(open_entries, labels, strict=True) if lab is None]
    if still_open:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            f"SymPy could not reduce lhs - rhs to 0 at entries {still_open} and "
            f"{trials} random rational points gave no witness",
            witness={"entries": [list(i) for i in still_open]},
        )
    how = sorted({lab for lab in labels if lab is not None})
    return Evidence(
        Verdict.HOLDS,
        Method.EXACT,
        f"lhs - rhs reduces to 0 in all {len(entries)} entries (by {', '.join(how)}; "
        f"{trials} random rational points checked first)",
    )


# ------------------------------------------------------------------------ sign reasoning

_POS, _NONNEG = "pos", "nonneg"


def _sign(e: sympy.Basic) -> str | None:
    """'pos' if e > 0, 'nonneg' if e >= 0 is evident from its structure, else None.

    Symbols without assumptions and undefined-function values are real.
    """
    if e.is_Number:
        if e.is_Rational:
            return _POS if e > 0 else (_NONNEG if e == 0 else None)
        return None
    if e.is_NumberSymbol or (e.is_number and not e.free_symbols):
        sign = _certified_sign(e)
        return _POS if sign is not None and sign[0] > 0 else None
    if isinstance(e, sympy.Symbol):
        return _POS if e.is_positive else (_NONNEG if e.is_nonnegative else None)
    if isinstance(e, sympy.Add):
        signs = [_sign(a) for a in e.args]
        if None in signs:
            return None
        return _POS if _POS in signs else _NONNEG
    if isinstance(e, sympy.Mul):
        signs = [_sign(a) for a in e.args]
        if None in signs:
            return None
        return _POS if all(s == _POS for s in signs) else _NONNEG
    if isinstance(e, sympy.Pow):
        base, ex = e.args
        sb = _sign(base)
        if ex.is_Integer and ex.is_even:
            if ex > 0:
                return _POS if sb == _POS else _NONNEG
            return _POS if sb == _POS else None
        if sb == _POS:
            return _POS
        if sb == _NONNEG and ex.is_positive:
            return _NONNEG
        return None
    if isinstance(e, sympy.exp):
        return _POS
    if isinstance(e, sympy.Abs):
        return _NONNEG
    return None


def _bounds(assumptions: Iterable[object]) -> dict[sympy.Symbol, sympy.Expr]:
    """Map each bounded symbol to ``c + t`` or ``c - t`` with a fresh t >= 0 (or > 0)."""
    out: dict[sympy.Symbol, sympy.Expr] = {}
    for rel in assumptions:
        if not isinstance(rel, Relational) or rel.rel_op not in (">", ">=", "<", "<="):
            raise InvalidInput(
                f"assumption {rel!r} must be a strict or weak inequality like `a >= 0`."
            )
        lhs, rhs, op = rel.lhs, rel.rhs, rel.rel_op
        if isinstance(rhs, sympy.Symbol) and lhs.is_Rational:
            lhs, rhs, op = rhs, lhs, {">": "<", ">=": "<=", "<": ">", "<=": ">="}[op]
        if not (isinstance(lhs, sympy.Symbol) and rhs.is_Rational):
            raise InvalidInput(
                f"assumption {rel!r} must bound one symbol by a rational number, "
                "e.g. `a >= 0` or `s <= 1`; substitute compound bounds yourself."
            )
        if lhs in out:
            raise InvalidInput(
                f"symbol {lhs!r} has more than one bound; give at most one per symbol."
            )
        kind = "positive" if op in (">", "<") else "nonnegative"
        slack = sympy.Symbol(lhs.name if rhs == 0 else f"{lhs.name}_slack", **{kind: True})
        out[lhs] = rhs + slack if op in (">", ">=") else rhs - slack
    return out


def sympy_nonnegative(
    expr: object,
    assumptions: Iterable[object] = (),
    *,
    strict: bool = False,
    sos: Sequence[tuple[object, object]] | None = None,
    seed: int = 0,
    trials: int = 24,
    time_limit: float = 30.0,
) -> Evidence:
    r"""Decide ``expr >= 0`` (``> 0`` if ``strict``) for all real values of its symbols.

    ``assumptions`` are bounds ``sym >= c``, ``sym > c``, ``sym <= c``, ``sym < c``
    with rational ``c`` (one per symbol); symbol assumptions such as
    ``positive=True`` are honoured as well.  HOLDS (EXACT) when

    * ``sos = [(w_i, b_i), ...]`` is a certificate: ``expr == sum w_i b_i**2``
      exactly and every weight ``w_i`` is evidently >= 0 (not with ``strict``); or
    * ``expr``, ``expand(expr)``, ``factor(expr)``, ``cancel(expr)`` or
      ``simplify(expr)`` is evidently >= 0 (> 0) term by term: sums and products of
      non-negative factors, even powers, ``exp``, ``Abs``, non-negative symbols.

    VIOLATED only with a rational witness point that satisfies the assumptions
    and makes ``expr < 0`` (``<= 0``) exactly or in a certified Arb ball.
    Otherwise INCONCLUSIVE.
    """
    e0 = _as_expr(expr, "expr")
    if isinstance(e0, sympy.MatrixBase):
        raise InvalidInput(f"expr has shape {e0.shape!r}; sympy_nonnegative needs a scalar.")
    if strict and sos is not None:
        raise InvalidInput("strict=True cannot be combined with sos=...: a SOS proves only >= 0.")
    subs = _bounds(assumptions)
    e = e0.xreplace(subs)
    want = {_POS} if strict else {_POS, _NONNEG}
    relation = ">" if strict else ">="

    if sos is not None:
        total = sympy.Integer(0)
        weights = []
        for w, b in sos:
            w_e = _as_expr(w, "sos weight").xreplace(subs)
            total += w_e * _as_expr(b, "sos base").xreplace(subs) ** 2
            weights.append(w_e)
        labels = _zero_by_bounded([e - total], slow=True, time_limit=time_limit)
        if (
            isinstance(labels, list)
            and labels[0] is not None
            and all(_sign(w) in want for w in weights)
        ):
            return Evidence(
                Verdict.HOLDS,
                Method.EXACT,
                f"expr = sum of {len(weights)} weighted squares with weights >= 0 "
                "(SOS certificate checked exactly)",
            )

    def forms() -> Iterable[tuple[str, sympy.Expr]]:
        yield "the expression", e
        for label, fn in (
            ("its expanded form", sympy.expand),
            ("its factored form", sympy.factor),
            ("its cancelled form", lambda x: sympy.cancel(sympy.together(x))),
        ):
            try:
                yield label, fn(e)
            except _SYMPY_FAILURES:
                continue

    for label, form in forms():
        if _sign(form) in want:
            return Evidence(
                Verdict.HOLDS,
                Method.EXACT,
                f"expr {relation} 0: {label} is a sum/product of evidently non-negative terms",
            )

    violated = _search_negative(e, subs, strict=strict, seed=seed, trials=trials)
    if violated is not None:
        return violated

    decided = _decide_with_smt(e, strict=strict, time_limit=time_limit)
    if decided is not None:
        return decided

    ok, simplified_sign = run_bounded(lambda: _sign(sympy.simplify(e)), time_limit)
    if ok and simplified_sign in want:
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            f"expr {relation} 0: its simplified form is a sum/product of evidently "
            "non-negative terms",
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.EXACT,
        f"no proof that expr {relation} 0 found (structural forms, z3, bounded simplify"
        f"{'' if ok else ': ' + str(simplified_sign)}) and {trials} random rational points "
        "gave no witness",
    )


def _decide_with_smt(e: sympy.Expr, *, strict: bool, time_limit: float) -> Evidence | None:
    """z3's decision for ``e >= 0`` (``> 0``) when ``e`` is a polynomial over an evidently
    positive denominator; None when z3 does not apply or does not decide."""
    from verify.proofkit.smt import NotPolynomial, polynomial_sign

    try:
        num, den = sympy.fraction(sympy.cancel(sympy.together(e)))
    except _SYMPY_FAILURES:
        return None
    if _sign(den) != _POS:
        return None
    try:
        ev = polynomial_sign(num, strict=strict, timeout_ms=int(1000 * min(time_limit, 10.0)))
    except NotPolynomial:
        return None
    if ev.verdict is Verdict.HOLDS:
        return Evidence(
            Verdict.HOLDS,
            ev.method,
            f"numerator over an evidently positive denominator: {ev.reason}",
        )
    if ev.verdict is Verdict.VIOLATED:
        point = {sympy.Symbol(k): v for k, v in ev.witness["point"].items()}
        exact = {
            s: sympy.Rational(point[sympy.Symbol(s.name)])
            for s in e.free_symbols
            if sympy.Symbol(s.name) in point
        }
        value = e.xreplace(exact)
        if value.is_Rational and (value < 0 or (strict and value == 0)):
            return Evidence(
                Verdict.VIOLATED,
                Method.EXACT,
                f"expr {'<=' if strict else '<'} 0 at a z3 model re-checked exactly",
                witness={"point": {str(k): str(v) for k, v in exact.items()}, "value": str(value)},
            )
    return None


def _search_negative(
    e: sympy.Expr,
    subs: Mapping[sympy.Symbol, sympy.Expr],
    *,
    strict: bool,
    seed: int,
    trials: int,
) -> Evidence | None:
    rng = random.Random(seed)
    for _ in range(trials):
        point = _draw_point([e], rng)
        sign = _certified_sign(point.apply(e))
        if sign is None or sign[0] > 0 or (sign[0] == 0 and not strict):
            continue
        original = {str(s): str(v.xreplace(dict(point.values))) for s, v in subs.items()}
        witness = point.to_dict()
        witness["point"] = {**witness["point"], **original}
        witness["value"] = str(point.apply(e))
        return Evidence(
            Verdict.VIOLATED,
            sign[1],
            f"expr {'<=' if strict else '<'} 0 at a concrete point satisfying the assumptions",
            witness=witness,
        )
    return None


# ----------------------------------------------------------------- general-dimension identities


def _explicit(
    expr: sympy.Basic, sizes: Mapping[sympy.Symbol, int], rng: random.Random
) -> tuple[Any, dict[str, str]]:
    """``expr`` at concrete sizes, every MatrixSymbol and scalar symbol a random rational;
    also the point used (name -> value)."""
    concrete = expr.subs(dict(sizes))
    values: dict[sympy.Basic, Any] = {}
    for ms in sorted(concrete.atoms(sympy.MatrixSymbol), key=str):
        rows, cols = (int(v) for v in ms.shape)
        values[ms] = sympy.ImmutableMatrix(
            rows,
            cols,
            lambda i, j: sympy.Rational(rng.randint(-9, 9), rng.randint(1, 5)),
        )
    out = concrete.xreplace(values)
    scalars = sorted(out.free_symbols, key=sympy.default_sort_key)
    scalar_values = {s: _random_rational(rng, s) for s in scalars}
    out = out.xreplace(scalar_values).doit()
    if isinstance(out, sympy.MatrixExpr):
        out = out.as_explicit()
    point = {str(k.name): str(v.tolist()) for k, v in values.items()}
    point.update({str(k): str(v) for k, v in scalar_values.items()})
    result = sympy.Matrix(out) if isinstance(out, sympy.MatrixBase) else sympy.Matrix([[out]])
    return result, point


def matrix_identity(
    lhs: sympy.Basic,
    rhs: sympy.Basic,
    *,
    sizes: Sequence[Mapping[sympy.Symbol, int]],
    seed: int = 0,
    time_limit: float = 30.0,
) -> Evidence:
    """Decide ``lhs == rhs`` for matrix expressions in symbolic dimensions.

    ``lhs``/``rhs`` are SymPy matrix expressions built from ``MatrixSymbol`` of
    symbolic shape (e.g. ``d × 1``), ``Identity``, ``+``, ``*``, transposes and
    scalar symbols.  First, at every size assignment in ``sizes`` (give at least
    two, all sizes distinct), every matrix symbol is replaced by a random rational
    matrix and both sides are compared exactly: a difference is VIOLATED (EXACT)
    with the sizes as witness.  Then SymPy's canonical form of ``(lhs - rhs).doit()``
    (non-commutative expansion) is tested for 0 under ``time_limit``: 0 → HOLDS
    (EXACT, valid in all dimensions); otherwise INCONCLUSIVE.
    """
    if len(sizes) < 2:
        raise InvalidInput(
            f"sizes={sizes!r} must give at least two size assignments for the concrete "
            "cross-check (SymPy's matrix calculus is not trusted alone)."
        )
    rng = random.Random(seed)
    for assignment in sizes:
        left, point = _explicit(lhs - rhs, assignment, rng)
        if left != sympy.zeros(*left.shape):
            return Evidence(
                Verdict.VIOLATED,
                Method.EXACT,
                "lhs != rhs at concrete sizes with random rational matrices",
                witness={
                    "sizes": {str(k): int(v) for k, v in assignment.items()},
                    "point": point,
                    "difference": str(left.tolist()),
                },
            )

    def canonical() -> bool:
        diff = sympy.expand((lhs - rhs).doit())
        return bool(diff == 0 or getattr(diff, "is_ZeroMatrix", False))

    ok, zero = run_bounded(canonical, time_limit)
    checked = ", ".join("(" + ", ".join(f"{k}={v}" for k, v in a.items()) + ")" for a in sizes)
    if ok and zero:
        return Evidence(
            Verdict.HOLDS,
            Method.EXACT,
            "lhs - rhs is 0 as a non-commutative matrix polynomial in symbolic dimensions "
            f"(SymPy canonical form; cross-checked exactly at {checked})",
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.EXACT,
        f"equal at {checked} but SymPy did not reduce lhs - rhs to 0 symbolically"
        + ("" if ok else f" ({zero})"),
    )
