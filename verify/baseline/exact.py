r"""Exact pieces of the linear baseline: rigorous bounds on ``R_lin`` and rational linear algebra.

Used by :func:`verify.baseline.best_linear_predictor` once a solver point ``t``
is known (private). Nothing here trusts a float:

* :func:`objective_bound` — the upper bound ``(1/n) sum_i l(t^T x_i; y_i)`` at
  the exact binary value of ``t``, in exact rationals for rational losses
  (``Method.EXACT``) and in Arb balls otherwise (``Method.CERTIFIED``);
* :func:`dual_bound` — the lower bound from weak Fenchel duality,
  ``R_lin >= -(1/n) sum_i l*(alpha_i; y_i)`` for any ``alpha`` with
  ``sum_i alpha_i x_i = 0`` *exactly* (Newton-weighted projection solved in
  rationals, then shrunk into the conjugate's domain);
* :func:`huber_exact` and :func:`exact_value_and_gradient` — the exact
  minimizer of the active set of a Huber solver point, accepted only if its
  gradient is exactly 0;
* exact linear algebra over ``flint.fmpq_mat`` (consistent solves, kernels,
  minimum-norm points, projections) and the conversions between floats,
  ``fmpq``, ``Fraction`` and outward-rounded float bounds.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.catalogue.losses import Loss
from verify.numbers.arithmetic import Arithmetic, ball_bounds, to_fmpq

Bound = Any  # flint.fmpq (exact) or flint.arb (ball): a rigorous bound


@dataclass(frozen=True)
class LinearData:
    """One output's problem: ``x`` float and exact, ``y`` float and exact."""

    x: np.ndarray
    xq: Any  # flint.fmpq_mat (n, d)
    y: np.ndarray
    yq: tuple[Any, ...]

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @property
    def d(self) -> int:
        return int(self.x.shape[1])


# ---------------------------------------------------------------------------
# Exact pieces: bounds, certificates, Huber active set
# ---------------------------------------------------------------------------


def objective_bound(data: LinearData, loss: Loss, tq: list[Any], mask: np.ndarray) -> Bound:
    """``(1/n) sum_{mask} l(x_i^T t; y_i)`` exactly (rational losses) or as an Arb ball."""
    p = (data.xq * flint.fmpq_mat(data.d, 1, tq)).entries()
    idx = np.flatnonzero(mask)
    arith = Arithmetic.EXACT if loss.exact_ok else Arithmetic.BALL
    if idx.size == 0:
        return flint.fmpq(0)
    pa = arith.array([p[int(i)] for i in idx])
    ya = arith.array([data.yq[int(i)] for i in idx])
    vals = loss.value(arith, pa, ya)
    total = _zero_like(arith)
    for v in vals:
        total = total + v
    return total * _recip(arith, data.n)


def dual_bound(
    data: LinearData, loss: Loss, p: np.ndarray, mask: np.ndarray
) -> tuple[Bound | None, dict[str, Any]]:
    """Fenchel dual lower bound ``-(1/n) sum l*(alpha_i; y_i)`` with ``X^T alpha = 0`` exactly."""
    with np.errstate(all="ignore"):
        alpha = np.where(mask, loss.d1(Arithmetic.FLOAT, p, data.y), 0.0)
        w = np.where(mask, loss.d2(Arithmetic.FLOAT, p, data.y), 0.0)
    if not (np.all(np.isfinite(alpha)) and np.all(np.isfinite(w))):
        return None, {"ok": False, "why": "non-finite derivatives at the solver point"}
    if loss.margin:
        # l'' underflowed: drop the sample from the dual (alpha_i = 0 is feasible).
        alpha = np.where(w > 0, alpha, 0.0)
    else:
        floor = 1e-6 * max(1.0, float(np.max(w, initial=0.0)))
        w = np.where(mask, np.maximum(w, floor), 0.0)
    info: dict[str, Any] = {}
    for attempt, cutoff in enumerate((0.0, 1e-12)):
        if cutoff:
            big = float(np.max(np.abs(alpha), initial=0.0))
            small = np.abs(alpha) <= cutoff * big
            alpha = np.where(small, 0.0, alpha)
            w = np.where(small, 0.0, w) if loss.margin else w
        bound, info = _dual_attempt(data, loss, alpha, w)
        info["attempt"] = attempt
        if bound is not None:
            return bound, info
    return None, info


def _dual_attempt(
    data: LinearData, loss: Loss, alpha: np.ndarray, w: np.ndarray
) -> tuple[Bound | None, dict[str, Any]]:
    n = data.n
    aq = [fq(v) for v in alpha]
    wq = [fq(v) for v in w]
    a1 = project_out(data.xq, aq, wq)
    if a1 is None:
        return None, {"ok": False, "why": "the weighted projection system was inconsistent"}
    resid = (data.xq.transpose() * flint.fmpq_mat(n, 1, a1)).entries()
    if any(r != 0 for r in resid):  # pragma: no cover - defensive
        return None, {"ok": False, "why": "the projected dual point is not exactly feasible"}
    c = Fraction(1)
    for i in range(n):
        lo, hi = loss.conjugate_domain(data.yq[i])
        ai = Fraction(int(a1[i].p), int(a1[i].q))
        if hi is not None and ai > hi:
            if hi <= 0:
                return None, {"ok": False, "why": f"dual variable {i} left the domain"}
            c = min(c, hi / ai)
        if lo is not None and ai < lo:
            if lo >= 0:
                return None, {"ok": False, "why": f"dual variable {i} left the domain"}
            c = min(c, lo / ai)
    cq = flint.fmpq(c.numerator, c.denominator)
    total: Any = flint.fmpq(0)
    for i in range(n):
        conj = loss.conjugate(cq * a1[i], data.yq[i])
        if conj is None:  # pragma: no cover - excluded by the scaling above
            return None, {"ok": False, "why": f"dual variable {i} is outside the domain"}
        total = total + conj
    bound = -total * flint.fmpq(1, n)
    return bound, {"ok": True, "shrink": float(c), "lower": lower_float(bound)}


def huber_exact(data: LinearData, loss: Loss, t: np.ndarray) -> tuple[list[Any], Any] | None:
    """Exact minimizer from the active set of ``t``, if its gradient is exactly zero."""
    delta = float(loss.param("delta"))
    r = data.x @ t - data.y
    inside = np.abs(r) <= delta
    sign = np.where(inside, 0, np.sign(r)).astype(int)
    dq = to_fmpq(loss.param("delta"))
    n, d = data.n, data.d
    idx = np.flatnonzero(inside)
    rows = [[data.xq[int(i), j] for j in range(d)] for i in range(n)]
    gram = flint.fmpq_mat(d, d, [flint.fmpq(0)] * (d * d))
    if idx.size:
        sub = flint.fmpq_mat(idx.size, d, [v for i in idx for v in rows[int(i)]])
        gram = sub.transpose() * sub
    rhs = [flint.fmpq(0)] * d
    for i in range(n):
        coef = data.yq[i] if inside[i] else -dq * sign[i]
        for j in range(d):
            rhs[j] += coef * rows[i][j]
    t0 = solve_consistent(gram, rhs)
    if t0 is None:
        return None
    basis = nullspace(gram)
    candidates = [min_norm(t0, basis)]
    if basis:  # the minimum-norm point may change the active set: also try near t
        nb = np.array([[float(b[j]) for b in basis] for j in range(d)])
        shift = t - np.array([float(v) for v in t0])
        coef = np.linalg.lstsq(nb, shift, rcond=None)[0]
        for simple in (True, False):
            cq = [rationalize(v, simple) for v in coef]
            candidates.append(
                [
                    t0[j] + sum((cq[k] * basis[k][j] for k in range(len(basis))), flint.fmpq(0))
                    for j in range(d)
                ]
            )
    for cand in candidates:
        value, grad = exact_value_and_gradient(data, loss, cand)
        if all(g == 0 for g in grad):
            return cand, value
    return None


def exact_value_and_gradient(data: LinearData, loss: Loss, t: list[Any]) -> tuple[Any, list[Any]]:
    p = (data.xq * flint.fmpq_mat(data.d, 1, t)).entries()
    arith = Arithmetic.EXACT
    pa, ya = arith.array(p), arith.array(list(data.yq))
    vals = loss.value(arith, pa, ya)
    g1 = [to_fmpq(v) for v in loss.d1(arith, pa, ya)]
    total = flint.fmpq(0)
    for v in vals:
        total = total + v
    grad = (data.xq.transpose() * flint.fmpq_mat(data.n, 1, g1)).entries()
    return total * flint.fmpq(1, data.n), grad


# ---------------------------------------------------------------------------
# Exact linear algebra
# ---------------------------------------------------------------------------


def solve_consistent(m: Any, b: Sequence[Any]) -> list[Any] | None:
    """A solution of ``m z = b`` (free variables 0), or ``None`` if there is none."""
    k, cols = m.nrows(), m.ncols()
    if cols == 0:
        return []
    if k == cols:
        try:
            return list(m.solve(flint.fmpq_mat(k, 1, list(b))).entries())
        except ZeroDivisionError:
            pass
    entries: list[Any] = []
    for i in range(k):
        entries.extend(m[i, j] for j in range(cols))
        entries.append(b[i])
    red, rank = flint.fmpq_mat(k, cols + 1, entries).rref()
    z = [flint.fmpq(0)] * cols
    for i in range(rank):
        piv = next(j for j in range(cols + 1) if red[i, j] != 0)
        if piv == cols:
            return None
        z[piv] = red[i, cols]
    return z


def nullspace(m: Any) -> list[list[Any]]:
    """Exact basis of ``{v : m v = 0}``."""
    cols = m.ncols()
    if m.nrows() == 0:
        return [[flint.fmpq(int(i == j)) for i in range(cols)] for j in range(cols)]
    red, rank = m.rref()
    pivots = [next(j for j in range(cols) if red[i, j] != 0) for i in range(rank)]
    basis = []
    for f in (j for j in range(cols) if j not in pivots):
        v = [flint.fmpq(0)] * cols
        v[f] = flint.fmpq(1)
        for i, piv in enumerate(pivots):
            v[piv] = -red[i, f]
        basis.append(v)
    return basis


def min_norm(t0: list[Any], basis: list[list[Any]]) -> list[Any]:
    """Project ``t0`` onto the orthogonal complement of ``span(basis)``."""
    if not basis:
        return t0
    d, k = len(t0), len(basis)
    nmat = flint.fmpq_mat(d, k, [basis[c][r] for r in range(d) for c in range(k)])
    nt = nmat.transpose()
    coef = (nt * nmat).solve(nt * flint.fmpq_mat(d, 1, t0))
    return list((flint.fmpq_mat(d, 1, t0) - nmat * coef).entries())


def project_out(xq: Any, v: list[Any], w: list[Any]) -> list[Any] | None:
    """``v - W X z`` with ``(X^T W X) z = X^T v``, so that ``X^T (v - W X z) = 0`` exactly."""
    n, d = xq.nrows(), xq.ncols()
    rhs = (xq.transpose() * flint.fmpq_mat(n, 1, v)).entries()
    if all(r == 0 for r in rhs):
        return list(v)
    wx = flint.fmpq_mat(n, d, [w[i] * xq[i, j] for i in range(n) for j in range(d)])
    z = solve_consistent(xq.transpose() * wx, rhs)
    if z is None:
        return None
    corr = (wx * flint.fmpq_mat(d, 1, z)).entries()
    return [v[i] - corr[i] for i in range(n)]


def scale_rows(xq: Any, yq: Sequence[Any]) -> Any:
    n, d = xq.nrows(), xq.ncols()
    return flint.fmpq_mat(n, d, [yq[i] * xq[i, j] for i in range(n) for j in range(d)])


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------


def fq(v: Any) -> Any:
    """Exact fmpq of a finite float (its binary value); other numbers via ``to_fmpq``."""
    if isinstance(v, float | np.floating):
        return flint.fmpq(*float(v).as_integer_ratio())
    return to_fmpq(v)


def dyadic(v: float, bits: int = 30) -> Any:
    """``v`` rounded to ``bits`` significant bits, as an fmpq with a power-of-2 denominator.

    Used for long vectors: a common denominator of many dyadic numbers stays small,
    whereas ``limit_denominator`` values have coprime denominators whose LCM explodes.
    """
    v = float(v)
    if v == 0.0:
        return flint.fmpq(0)
    k = bits - math.frexp(v)[1]
    num = round(math.ldexp(v, k))
    return flint.fmpq(num, 2**k) if k >= 0 else flint.fmpq(num * 2 ** (-k))


def rationalize(v: float, simple: bool) -> Any:
    """``v`` as an fmpq: its exact binary value, or a nearby small-denominator rational."""
    if not simple:
        return fq(float(v))
    q = Fraction(float(v)).limit_denominator(10**6)
    return flint.fmpq(q.numerator, q.denominator)


def _zero_like(arith: Arithmetic) -> Any:
    return flint.fmpq(0) if arith is Arithmetic.EXACT else flint.arb(0)


def _recip(arith: Arithmetic, n: int) -> Any:
    return flint.fmpq(1, n) if arith is Arithmetic.EXACT else flint.arb(flint.fmpq(1, n))


def as_fraction(q: Any) -> Fraction:
    return Fraction(int(q.p), int(q.q))


def lower_float(b: Bound) -> float:
    """Rigorous float lower bound of an fmpq or arb."""
    if isinstance(b, flint.fmpq):
        return float_down(as_fraction(b))
    return float(ball_bounds(np.array([b], dtype=object))[0][0])


def upper_float(b: Bound) -> float:
    """Rigorous float upper bound of an fmpq or arb."""
    if isinstance(b, flint.fmpq):
        return float_up(as_fraction(b))
    return float(ball_bounds(np.array([b], dtype=object))[1][0])


def _to_float(q: Fraction | float) -> float:
    """``float(q)``, or ±inf beyond float64's range (the caller then rounds outward)."""
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def float_down(q: Fraction | float) -> float:
    f = _to_float(q)
    if f == math.inf:  # q beyond float max: the largest float is a lower bound
        return sys.float_info.max
    if isinstance(q, Fraction) and math.isfinite(f) and Fraction(f) > q:
        f = math.nextafter(f, -math.inf)
    return f


def float_up(q: Fraction | float) -> float:
    f = _to_float(q)
    if f == -math.inf:
        return -sys.float_info.max
    if isinstance(q, Fraction) and math.isfinite(f) and Fraction(f) < q:
        f = math.nextafter(f, math.inf)
    return f


def exact_norm(t: Sequence[Any]) -> float:
    return float(np.linalg.norm([float(as_fraction(v)) for v in t]))
