r"""Matrix-level certificates: the inertia and smallest eigenvalue of a symmetric matrix.

Every answer here is rigorous. :func:`exact_inertia` is ``Method.EXACT``: exact
rational rank and deflation (FLINT ``fmpq_mat``), then the characteristic
polynomial and Descartes' rule of signs, or exact symmetric elimination.
:func:`certified_inertia` and :func:`certified_lambda_min_interval` are
``Method.CERTIFIED``: a float eigenbasis is used only as a congruence
(Sylvester's law of inertia), and Gershgorin discs of the Arb enclosure of the
congruent matrix decide the signs. Float64 never decides a sign; what cannot be
decided is counted in ``Inertia.n_unknown``. :func:`matrix_inertia` picks the
fastest rigorous route for a matrix.

The objective-level certificates (Hessian definiteness, local minima) in
:mod:`verify.certify` are built on these functions, and re-export them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import flint
import numpy as np

from verify.errors import BackendError, InvalidInput
from verify.numbers.arithmetic import ball_bounds, to_float_array, to_fmpq
from verify.verdict import Method

__all__ = [
    "Inertia",
    "certified_inertia",
    "certified_lambda_min_interval",
    "exact_inertia",
    "matrix_inertia",
]


@dataclass(frozen=True)
class Inertia:
    """Numbers of positive, zero and negative eigenvalues of a symmetric matrix.

    ``n_unknown`` counts eigenvalues whose sign a ball enclosure could not decide
    (always 0 for exact results); the true counts satisfy
    ``n_pos <= true_pos <= n_pos + n_unknown`` and likewise for the others.
    """

    n_pos: int
    n_zero: int
    n_neg: int
    n_unknown: int = 0
    method: Method = Method.EXACT

    @property
    def size(self) -> int:
        return self.n_pos + self.n_zero + self.n_neg + self.n_unknown

    @property
    def determined(self) -> bool:
        """True if every eigenvalue's sign is known."""
        return self.n_unknown == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_pos": self.n_pos,
            "n_zero": self.n_zero,
            "n_neg": self.n_neg,
            "n_unknown": self.n_unknown,
            "method": self.method.value,
        }


# ---------------------------------------------------------------------------
# Exact inertia
# ---------------------------------------------------------------------------


def exact_inertia(
    matrix: Any,
    *,
    algorithm: Literal["charpoly", "ldl"] = "charpoly",
    deflate: bool = True,
) -> Inertia:
    r"""Exact inertia of a symmetric rational matrix.

    ``charpoly`` (default): the exact rank ``r`` and pivot columns ``S`` come from
    FLINT's rational reduced row echelon form. Because ``H`` is symmetric, the
    principal submatrix ``H[S, S]`` is nonsingular and, for the nonsingular
    ``T = [e_S, N]`` (``N`` a kernel basis), ``T^T H T = diag(H[S,S], 0)``; by
    Sylvester's law of inertia ``H`` has ``P - r`` zero eigenvalues and the signs
    of ``H[S, S]``. Its characteristic polynomial (FLINT, multimodular) is
    real-rooted with a nonzero constant term, so Descartes' rule of signs is
    exact: the number of sign changes of the coefficients is the number of
    positive eigenvalues, and that of ``p(-x)`` the number of negative ones.
    With ``deflate=False`` the zero eigenvalues are instead counted as the
    vanishing low-order coefficients of the full characteristic polynomial.

    ``ldl``: exact symmetric Gaussian elimination with diagonal pivots, and
    ``[[0, b], [b, 0]]`` block pivots (inertia (1, 0, 1)) when the remaining
    diagonal is zero; Sylvester's law again. Much slower on dyadic (float-valued)
    entries because of coefficient growth; kept as an independent cross-check.

    Args:
        matrix: square array of ``fmpq``, ``Fraction``, ints or floats (exact values).
        algorithm: ``"charpoly"`` or ``"ldl"``.
        deflate: remove the exact kernel before the characteristic polynomial.
    """
    a = _exact_matrix("matrix", matrix)
    n = a.shape[0]
    if n == 0:
        return Inertia(0, 0, 0)
    if algorithm == "ldl":
        return _ldl_inertia(a)
    if algorithm != "charpoly":
        raise InvalidInput(f"algorithm={algorithm!r} is not supported; use 'charpoly' or 'ldl'.")
    m = flint.fmpq_mat(a.tolist())
    if not deflate:
        return _descartes(m.charpoly().coeffs(), n)
    sub, rank = _deflate(m, n)
    if rank == 0:
        return Inertia(0, n, 0)
    inner = _descartes(sub.charpoly().coeffs(), rank)
    if inner.n_zero:
        raise BackendError(
            f"the deflated {rank}×{rank} submatrix is singular, which contradicts its rank; "
            "report this as a bug."
        )
    return Inertia(inner.n_pos, n - rank, inner.n_neg)


def _deflate(m: flint.fmpq_mat, n: int) -> tuple[flint.fmpq_mat, int]:
    """Principal submatrix on the pivot columns of rref(m) and the exact rank."""
    r, rank = m.rref()
    pivots: list[int] = []
    col = 0
    for i in range(int(rank)):
        while r[i, col] == 0:
            col += 1
        pivots.append(col)
        col += 1
    sub = flint.fmpq_mat([[m[i, j] for j in pivots] for i in pivots]) if pivots else m
    return sub, int(rank)


def _descartes(coeffs: Sequence[Any], n: int) -> Inertia:
    """Inertia of a symmetric matrix from its characteristic polynomial (low → high)."""
    if len(coeffs) != n + 1:
        raise BackendError(f"characteristic polynomial has degree {len(coeffs) - 1}, expected {n}.")
    zeros = 0
    while zeros < len(coeffs) and coeffs[zeros] == 0:
        zeros += 1
    rest = coeffs[zeros:]
    pos = _sign_changes([_sign(c) for c in rest])
    neg = _sign_changes([_sign(c) * (-1) ** k for k, c in enumerate(rest)])
    if pos + neg + zeros != n:
        raise BackendError(
            f"Descartes counts {pos} + {neg} + {zeros} != {n}: the matrix is not symmetric "
            "or FLINT misbehaved; report this as a bug."
        )
    return Inertia(pos, zeros, neg)


def _sign(q: Any) -> int:
    return 1 if q > 0 else (-1 if q < 0 else 0)


def _sign_changes(signs: Sequence[int]) -> int:
    nz = [s for s in signs if s]
    return sum(1 for a, b in itertools.pairwise(nz) if a != b)


def _ldl_inertia(a: np.ndarray) -> Inertia:
    s = a.copy()
    pos = neg = 0
    while s.shape[0]:
        n = s.shape[0]
        piv = next((i for i in range(n) if s[i, i] != 0), None)
        if piv is None:
            nz = np.argwhere(s != 0)
            if nz.size == 0:
                return Inertia(pos, n, neg)
            i, j = (int(v) for v in nz[0])
            keep = [k for k in range(n) if k not in (i, j)]
            inv_b = 1 / s[i, j]
            upd = np.outer(s[keep, i], s[keep, j]) * inv_b
            s = s[np.ix_(keep, keep)] - (upd + upd.T)
            pos += 1
            neg += 1
            continue
        p = s[piv, piv]
        if p > 0:
            pos += 1
        else:
            neg += 1
        keep = [k for k in range(n) if k != piv]
        c = s[keep, piv]
        s = s[np.ix_(keep, keep)] - np.outer(c, c * (1 / p))
    return Inertia(pos, 0, neg)


# ---------------------------------------------------------------------------
# Certified inertia and lambda_min via Sylvester + Gershgorin
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spectrum:
    inertia: Inertia
    lam_min: tuple[float, float]
    delta: float


def certified_inertia(matrix: Any) -> Inertia:
    r"""Rigorous inertia of every symmetric matrix inside a ball (or exact) matrix.

    Method (Sylvester congruence + Gershgorin): take the float eigendecomposition
    ``mid(H) ≈ Q Λ Q^T`` and compute the Arb enclosure of ``M = Q^T H Q`` (``Q`` is
    used exactly as the float matrix it is). ``Q`` is proved nonsingular by the
    rigorous bound ``δ ≥ ||Q^T Q - I||`` (Frobenius and row-sum norms) with
    ``δ < 1``; then by Sylvester's law of inertia every symmetric ``H`` in the
    enclosure has the inertia of its ``M``. The Gershgorin discs of ``M`` are
    enclosed in intervals ``[A_i, B_i]`` (rigorous outward-rounded floats); each
    connected component of their union made of ``k`` discs holds exactly ``k``
    eigenvalues, so components right of 0 count positive eigenvalues, left of 0
    negative ones, and components containing 0 go to ``n_unknown``. A zero
    eigenvalue can never be proved this way (``n_zero`` is always 0).
    """
    return spectrum(ball_matrix("matrix", matrix)).inertia


def certified_lambda_min_interval(matrix: Any) -> tuple[float, float]:
    r"""Floats ``(lo, hi)`` with ``lo <= λ_min(H) <= hi`` for every symmetric ``H`` enclosed.

    With ``M = Q^T H Q`` as in :func:`certified_inertia` and ``d = mid(diag M)``:
    Weyl's inequality gives ``|λ_min(M) - min d| <= ||M - diag(d)||_2`` (bounded by
    the smaller of the Frobenius and row-sum norms of the enclosure); Gershgorin
    gives ``λ_min(M) >= min_i A_i`` and ``λ_min(M)`` lies in the leftmost
    Gershgorin component; the Rayleigh quotients ``e_i^T M e_i`` bound it above.
    Ostrowski's theorem ``λ_min(Q^T H Q) = t λ_min(H)`` with
    ``t ∈ [1 - δ, 1 + δ]`` transfers the interval to ``H``. Returns
    ``(-inf, inf)`` if ``Q`` cannot be proved nonsingular.
    """
    return spectrum(ball_matrix("matrix", matrix)).lam_min


def matrix_inertia(matrix: Any, *, exact_limit: int = 64) -> Inertia:
    """The inertia by the fastest rigorous route.

    Ball matrices: :func:`certified_inertia`. Exact matrices: exact rank and
    deflation as in :func:`exact_inertia`; the nonsingular part is then decided
    exactly if it has at most ``exact_limit`` rows (method EXACT), otherwise by
    :func:`certified_inertia` (method CERTIFIED; exact rational input makes the
    enclosures tight), falling back to the exact characteristic polynomial when
    the enclosure cannot decide every sign.
    """
    if _is_ball(matrix):
        return certified_inertia(matrix)
    a = _exact_matrix("matrix", matrix)
    n = a.shape[0]
    if n == 0:
        return Inertia(0, 0, 0)
    m = flint.fmpq_mat(a.tolist())
    sub, rank = _deflate(m, n)
    if rank == 0:
        return Inertia(0, n, 0)
    if rank > exact_limit:
        entries = np.array(sub.entries(), dtype=object).reshape(rank, rank)
        ci = spectrum(ball_matrix("matrix", entries)).inertia
        if ci.determined:
            return Inertia(ci.n_pos, n - rank, ci.n_neg, 0, Method.CERTIFIED)
    inner = _descartes(sub.charpoly().coeffs(), rank)
    return Inertia(inner.n_pos, n - rank, inner.n_neg)


def spectrum(h: np.ndarray) -> _Spectrum:
    n = h.shape[0]
    unknown = _Spectrum(Inertia(0, 0, 0, n, Method.CERTIFIED), (-math.inf, math.inf), math.inf)
    if n == 0:
        return _Spectrum(Inertia(0, 0, 0, 0, Method.CERTIFIED), (math.inf, math.inf), 0.0)
    mid = to_float_array(h)
    mid = (mid + mid.T) / 2
    if not np.all(np.isfinite(mid)):
        return unknown
    _, q = np.linalg.eigh(mid)
    qa = flint.arb_mat(q.tolist())
    qt = qa.transpose()
    m = np.array((qt * flint.arb_mat(h.tolist()) * qa).entries(), dtype=object).reshape(n, n)
    g = np.array((qt * qa).entries(), dtype=object).reshape(n, n)
    one = flint.arb(1)
    for i in range(n):
        g[i, i] = g[i, i] - one
    delta = upper_bound(_norm2_bound(g))
    if not delta < 1:
        return unknown
    lo_disc = np.empty(n)
    hi_disc = np.empty(n)
    diag_hi = np.empty(n)
    d = np.empty(n)
    e_rows = flint.arb(0)
    e_frob = flint.arb(0)
    for i in range(n):
        off = flint.arb(0)
        off2 = flint.arb(0)
        for j in range(n):
            if j != i:
                a = abs(m[i, j]).upper()
                off += a
                off2 += a * a
        mii = m[i, i]
        lo_disc[i] = lower_bound(mii - off)
        hi_disc[i] = upper_bound(mii + off)
        diag_hi[i] = upper_bound(mii)
        d[i] = float(mii.mid())
        ei = abs(mii - d[i]).upper()
        e_rows = e_rows.max(off + ei) if i else off + ei
        e_frob += off2 + ei * ei
    e = upper_bound(e_rows)
    e = min(e, upper_bound(e_frob.sqrt()))
    pos = neg = unk = 0
    order = np.argsort(lo_disc, kind="stable")
    comps: list[tuple[float, float, int]] = []
    for i in order:
        if comps and lo_disc[i] <= comps[-1][1]:
            lo, hi, k = comps[-1]
            comps[-1] = (lo, max(hi, hi_disc[i]), k + 1)
        else:
            comps.append((float(lo_disc[i]), float(hi_disc[i]), 1))
    for lo, hi, k in comps:
        if lo > 0:
            pos += k
        elif hi < 0:
            neg += k
        else:
            unk += k
    dmin = flint.arb(float(d.min()))
    lo_m = max(lower_bound(dmin - e), float(comps[0][0]))
    hi_m = min(upper_bound(dmin + e), float(diag_hi.min()), float(comps[0][1]))
    t = flint.arb(1) + flint.arb(0, delta) if delta > 0 else flint.arb(1)  # ⊇ [1-δ, 1+δ]
    lam = flint.arb(lo_m).union(flint.arb(hi_m)) / t
    inertia = Inertia(pos, 0, neg, unk, Method.CERTIFIED)
    return _Spectrum(inertia, (lower_bound(lam), upper_bound(lam)), delta)


def _norm2_bound(g: np.ndarray) -> flint.arb:
    """Upper bound of ||G||_2 for every symmetric G in the enclosure (min of Frobenius, row-sum)."""
    absu = [[abs(v).upper() for v in row] for row in g]
    rows = max(sum(r, flint.arb(0)) for r in absu)
    frob = sum((v * v for r in absu for v in r), flint.arb(0)).sqrt()
    return rows if upper_bound(rows) < upper_bound(frob) else frob


# ---------------------------------------------------------------------------
# Rigorous bounds and matrix input
# ---------------------------------------------------------------------------


def entry_bounds(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rigorous float bounds of arb/fmpq entries; ``(-inf, inf)`` for non-finite balls."""
    lo = np.full(arr.shape, -math.inf)
    hi = np.full(arr.shape, math.inf)
    finite = np.array(
        [not isinstance(v, flint.arb) or v.is_finite() for v in arr.flat], dtype=bool
    ).reshape(arr.shape)
    if finite.any():
        flo, fhi = ball_bounds(arr[finite])
        lo[finite] = flo
        hi[finite] = fhi
    return lo, hi


def lower_bound(x: flint.arb) -> float:
    return float(entry_bounds(np.array([x], dtype=object))[0][0])


def upper_bound(x: flint.arb) -> float:
    return float(entry_bounds(np.array([x], dtype=object))[1][0])


def _is_ball(matrix: Any) -> bool:
    arr = np.asarray(matrix, dtype=object)
    return any(isinstance(v, flint.arb) for v in arr.flat)


def _exact_matrix(name: str, matrix: Any) -> np.ndarray:
    arr = np.asarray(matrix, dtype=object)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InvalidInput(f"{name} has shape {arr.shape}; pass a square matrix.")
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        if isinstance(v, flint.arb | bool):
            raise InvalidInput(
                f"{name}{list(idx)}={v!r} is not an exact number; pass fmpq/Fraction/int/float "
                "entries or use certified_inertia for balls."
            )
        try:
            out[idx] = to_fmpq(v)
        except InvalidInput:
            raise InvalidInput(
                f"{name}{list(idx)}={v!r} is not a finite rational number."
            ) from None
    n = arr.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            if out[i, j] != out[j, i]:
                raise InvalidInput(
                    f"{name} is not symmetric: entry [{i}, {j}]={out[i, j]} != [{j}, {i}]="
                    f"{out[j, i]}; pass a symmetric matrix such as (H + H.T) / 2."
                )
    return out


def ball_matrix(name: str, matrix: Any) -> np.ndarray:
    """Square object array of arb, each off-diagonal pair intersected (symmetric enclosure)."""
    arr = np.asarray(matrix, dtype=object)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InvalidInput(f"{name} has shape {arr.shape}; pass a square matrix.")
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        if isinstance(v, flint.arb):
            if not v.is_finite():
                raise InvalidInput(f"{name}{list(idx)}={v!r} is not a finite ball.")
            out[idx] = v
        elif isinstance(v, bool):
            raise InvalidInput(f"{name}{list(idx)}={v!r} must be a number, not a bool.")
        else:
            try:
                out[idx] = flint.arb(to_fmpq(v))
            except InvalidInput:
                raise InvalidInput(
                    f"{name}{list(idx)}={v!r} is not a finite number or arb ball."
                ) from None
    n = arr.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            a, b = out[i, j], out[j, i]
            if not a.overlaps(b):
                raise InvalidInput(
                    f"{name} encloses no symmetric matrix: entries [{i}, {j}]={a} and "
                    f"[{j}, {i}]={b} are disjoint; pass a symmetric matrix."
                )
            both = a.intersection(b)
            out[i, j] = out[j, i] = both
    return out
