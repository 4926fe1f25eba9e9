r"""Hardt & Ma (ICLR 2017): critical points of linear residual networks near the identity.

Setting [Q, CLAIMS.md §Hardt & Ma]: ``h(x) = (I + A_l) ... (I + A_1) x`` with square
``A_i`` (d × d), no output layer, and ``f(A) = E||y - h(x)||^2`` (empirical mean over the
given samples; rows of ``X`` and ``Y`` are samples). Claim: for every ``tau < 1``, every
critical point with ``max_i ||A_i||_2 <= tau`` is a global minimum.

Everything is polynomial in the entries of the ``A_i``, so at rational points the risk,
gradient and Hessian are computed **exactly** (``Arithmetic.EXACT``: object arrays of
``flint.fmpq``), the spectral-norm bound is decided exactly, and so is global optimality.

Notation. ``F_k = I + A_k``, ``P = F_l ... F_1``, ``B_i = F_l ... F_{i+1}``,
``C_i = F_{i-1} ... F_1`` (empty products are ``I``), ``Sxx = E[x x^T]``,
``Syx = E[y x^T]``, ``Syy = E[y y^T]``. Then

* ``f = tr(Syy) - 2 <P, Syx> + tr(P Sxx P^T)`` and ``G := df/dP = 2 (P Sxx - Syx)``;
* ``df/dA_i = B_i^T G C_i^T``;
* Hessian, block ``(i, j)``, entries ``(r, s), (p, q)`` (row-major ``vec``):
  ``2 (B_i^T B_j)[r, p] (C_i Sxx C_j^T)[s, q]`` plus, for ``i < j``, the curvature of
  the product ``M[q, r] (C_i G^T B_j)[s, p]`` with ``M = F_{j-1} ... F_{i+1}``
  (``P`` is affine in each single ``A_i``, so diagonal blocks have no second term).

[D] Proof sketch of the claim (derived here; the wording is ours, not the paper's).

1. *The global minimum.* Every ``M`` in ``R^{d×d}`` is a product (take ``A_1 = M - I``,
   the other ``A_i = 0``), so ``inf_A f = min_M E||y - M x||^2 =: f_LS``, and it is
   attained. For any ``P``: ``f(P) - f_LS = tr((P - M*) Sxx (P - M*)^T) >= 0`` for a
   least-squares solution ``M*`` (``M* Sxx = Syx``), with equality iff
   ``(P - M*) Sxx = 0`` iff ``G = 0``. So *A is a global minimum iff G(P) = 0*, which
   :func:`is_global_minimum` decides exactly (and it also compares ``f`` with ``f_LS``).
2. *Jacobian onto.* If ``||A_k||_2 < 1`` then ``sigma_min(I + A_k) >= 1 - ||A_k||_2 > 0``,
   so every ``F_k`` is invertible, hence every ``B_i`` and ``C_i``. The differential
   ``dA_i -> B_i dA_i C_i`` is then onto ``R^{d×d}`` (already for one ``i``).
3. *Stationarity gives least squares.* ``df/dA_i = B_i^T G C_i^T = 0`` with invertible
   ``B_i, C_i`` forces ``G = 0``, so by 1. the point is a global minimum. ``tau < 1`` is
   used only through the invertibility of the ``F_k``.
4. *Without the bound the claim fails.* If some ``F_k`` is singular the gradient can
   vanish with ``G != 0``: e.g. ``d = 1``, ``l = 2``, ``A_1 = A_2 = -1`` gives ``P = 0``
   and ``df/dA_i = (1 + A_j) G = 0``, while ``f = E y^2 > f_LS`` when ``E[x y] != 0``
   (:func:`negative_control_scalar`; :func:`negative_control_matrix` is a d = 2 version).

The float search lives in :mod:`verify.linear.search`. Inertia of exact matrices
uses the facade's ``matrix_inertia`` (exact rank
deflation and Descartes' rule of signs on the characteristic polynomial, Method.EXACT).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.certify import matrix_inertia
from verify.errors import InvalidInput
from verify.numbers.arithmetic import Arithmetic
from verify.verdict import Evidence, Method, Verdict, weakest

__all__ = [
    "LinearResNetCheck",
    "certify_norm_bound",
    "check_critical_point",
    "global_minimum_value",
    "gradient",
    "hessian",
    "instance_inside_ball",
    "is_global_minimum",
    "negative_control_matrix",
    "negative_control_scalar",
    "risk",
]


# ---------------------------------------------------------------------------
# Input handling
# ---------------------------------------------------------------------------


def _arith(arith: Arithmetic | str) -> Arithmetic:
    return Arithmetic.parse(arith)


def _data(X: Any, Y: Any, arith: Arithmetic) -> tuple[np.ndarray, np.ndarray]:
    """``X``, ``Y`` as ``(d, n)`` arrays in ``arith`` (inputs are ``(n, d)``, rows = samples)."""
    x = np.asarray(X, dtype=object)
    y = np.asarray(Y, dtype=object)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise InvalidInput(f"X has shape {x.shape}; pass an n × d list of sample rows.")
    if y.shape != x.shape:
        raise InvalidInput(
            f"Y has shape {y.shape} but X has {x.shape}; a linear ResNet maps R^d to R^d, "
            "so pass Y with the same shape as X."
        )
    return arith.array(x).T, arith.array(y).T


def _factors(As: Sequence[Any], d: int, arith: Arithmetic) -> list[np.ndarray]:
    if len(As) == 0:
        raise InvalidInput("As=[] must hold at least one d × d matrix A_1.")
    out = []
    for i, a in enumerate(As):
        arr = np.asarray(a, dtype=object)
        if arr.shape != (d, d):
            raise InvalidInput(
                f"As[{i}] has shape {arr.shape}; every A_i must be {d} × {d} (d = data width)."
            )
        out.append(arith.array(arr))
    return out


def identity_matrix(d: int, arith: Arithmetic) -> np.ndarray:
    out = arith.zeros((d, d))
    for k in range(d):
        out[k, k] = arith.scalar(1)
    return out


@dataclass(frozen=True)
class _Parts:
    arith: Arithmetic
    F: list[np.ndarray]  # F_k = I + A_k, k = 1..l (index k-1)
    prefix: list[np.ndarray]  # prefix[k] = F_k ... F_1 (prefix[0] = I)
    sxx: np.ndarray
    syx: np.ndarray
    syy: np.ndarray

    @property
    def P(self) -> np.ndarray:
        return self.prefix[-1]

    def seg(self, hi: int, lo: int) -> np.ndarray:
        """``F_hi ... F_{lo}`` (1-based; identity when hi < lo)."""
        d = self.sxx.shape[0]
        out = identity_matrix(d, self.arith)
        for k in range(lo, hi + 1):
            out = self.F[k - 1] @ out
        return out

    @property
    def G(self) -> np.ndarray:
        two = self.arith.scalar(2)
        return (self.P @ self.sxx - self.syx) * two


def _parts(As: Sequence[Any], X: Any, Y: Any, arith: Arithmetic | str) -> _Parts:
    ar = _arith(arith)
    x, y = _data(X, Y, ar)
    d, n = x.shape
    A = _factors(As, d, ar)
    eye = identity_matrix(d, ar)
    F = [eye + a for a in A]
    prefix = [eye]
    for f in F:
        prefix.append(f @ prefix[-1])
    inv_n = 1.0 / n if ar is Arithmetic.FLOAT else ar.scalar(Fraction(1, n))
    return _Parts(ar, F, prefix, (x @ x.T) * inv_n, (y @ x.T) * inv_n, (y @ y.T) * inv_n)


# ---------------------------------------------------------------------------
# Risk, gradient, Hessian
# ---------------------------------------------------------------------------


def risk(As: Sequence[Any], X: Any, Y: Any, arith: Arithmetic | str = "exact") -> Any:
    """``f(A) = E||y - (I + A_l)...(I + A_1) x||^2`` (exact ``fmpq`` in exact arithmetic)."""
    p = _parts(As, X, Y, arith)
    return _risk_of(p, p.P)


def _risk_of(p: _Parts, P: np.ndarray) -> Any:
    two = p.arith.scalar(2)
    return np.trace(p.syy) - (P * p.syx).sum() * two + np.trace(P @ p.sxx @ P.T)


def gradient(As: Sequence[Any], X: Any, Y: Any, arith: Arithmetic | str = "exact") -> np.ndarray:
    """``grad f`` as the flat vector ``(vec A_1, ..., vec A_l)`` (row-major ``vec``)."""
    p = _parts(As, X, Y, arith)
    G = p.G
    ell = len(p.F)
    blocks = [(p.seg(ell, i + 1).T @ G @ p.prefix[i - 1].T).reshape(-1) for i in range(1, ell + 1)]
    return np.concatenate(blocks)


def hessian(As: Sequence[Any], X: Any, Y: Any, arith: Arithmetic | str = "exact") -> np.ndarray:
    """The ``l d^2 × l d^2`` Hessian of ``f`` in the layout of :func:`gradient`."""
    p = _parts(As, X, Y, arith)
    ell, d = len(p.F), p.sxx.shape[0]
    two = p.arith.scalar(2)
    G = p.G
    B = [p.seg(ell, i + 1) for i in range(1, ell + 1)]
    C = [p.prefix[i - 1] for i in range(1, ell + 1)]
    m = d * d
    H = p.arith.zeros((ell * m, ell * m))
    for i in range(ell):
        for j in range(i, ell):
            K = B[i].T @ B[j]
            Lm = C[i] @ p.sxx @ C[j].T
            blk = np.multiply.outer(K, Lm).transpose(0, 2, 1, 3).reshape(m, m) * two
            if j > i:
                M = p.seg(j, i + 2)  # F_{J-1} ... F_{I+1} for the 1-based I = i + 1, J = j + 1
                N = C[i] @ G.T @ B[j]
                blk = blk + np.multiply.outer(M, N).transpose(1, 2, 3, 0).reshape(m, m)
            H[i * m : (i + 1) * m, j * m : (j + 1) * m] = blk
            if j > i:
                H[j * m : (j + 1) * m, i * m : (i + 1) * m] = blk.T
    return H


# ---------------------------------------------------------------------------
# Exact certificates
# ---------------------------------------------------------------------------


def certify_norm_bound(As: Sequence[Any], tau: Any, *, strict: bool = False) -> Evidence:
    """Exact verdict on ``max_i ||A_i||_2 <= tau`` (``< tau`` with ``strict=True``).

    ``||A||_2 <= tau`` iff ``tau^2 I - A^T A`` is positive semidefinite (``< tau`` iff
    it is positive definite); that matrix is
    rational, and its inertia is computed exactly with ``verify.matrix_inertia`` (exact
    rank deflation + Descartes on the characteristic polynomial, Method.EXACT for the
    sizes up to 64, CERTIFIED above). The witness lists, per ``A_i``, the
    number of negative (and, when strict, zero) eigenvalues of ``tau^2 I - A_i^T A_i``.
    """
    ar = Arithmetic.EXACT
    try:
        t = ar.scalar(tau)
    except InvalidInput:
        raise InvalidInput(
            f"tau={tau!r} must be an exact nonnegative rational (e.g. Fraction(9, 10))."
        ) from None
    if t < 0:
        raise InvalidInput(f"tau={tau!r} must be >= 0; a norm bound is nonnegative.")
    if len(As) == 0:
        raise InvalidInput("As=[] must hold at least one square matrix.")
    negs: list[int] = []
    zeros: list[int] = []
    method = Method.EXACT
    for i, a in enumerate(As):
        arr = np.asarray(a, dtype=object)
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
            raise InvalidInput(f"As[{i}] has shape {arr.shape}; pass square matrices.")
        A = ar.array(arr)
        S = identity_matrix(A.shape[0], ar) * (t * t) - A.T @ A
        inertia = matrix_inertia(S)
        if not inertia.determined:  # pragma: no cover - exact input is always decided
            return Evidence(Verdict.INCONCLUSIVE, inertia.method,
                            f"the inertia of tau^2 I - A_{i + 1}^T A_{i + 1} was not decided.")
        method = weakest([method, inertia.method])  # CERTIFIED above 64 rows
        negs.append(inertia.n_neg)
        zeros.append(inertia.n_zero)
    witness: dict[str, Any] = {"tau": str(t), "negative_eigenvalues_of_tau2I_minus_AtA": negs}
    if strict:
        witness["zero_eigenvalues_of_tau2I_minus_AtA"] = zeros
    bad = [i for i, k in enumerate(negs) if k > 0]
    if bad:
        return Evidence(
            Verdict.VIOLATED, method, f"||A_{bad[0] + 1}||_2 > {t} (exact inertia).",
            witness=witness,
        )
    on = [i for i, k in enumerate(zeros) if k > 0]
    if strict and on:
        return Evidence(
            Verdict.VIOLATED, method, f"||A_{on[0] + 1}||_2 = {t}, not < {t} (exact inertia).",
            witness=witness,
        )
    rel = "<" if strict else "<="
    return Evidence(
        Verdict.HOLDS, method, f"every ||A_i||_2 {rel} {t} (exact inertia).", witness=witness
    )


def _solve_consistent(S: np.ndarray, R: np.ndarray) -> np.ndarray | None:
    """A rational ``M`` with ``M S = R`` (``S`` symmetric), or ``None`` if there is none."""
    d = S.shape[0]
    # S M^T = R^T: row-reduce [S | R^T] and read a particular solution (free variables 0)
    aug = flint.fmpq_mat(d, 2 * d, [v for i in range(d) for v in (*S[i, :], *R[:, i])])
    rref, rank = aug.rref()
    sol = [[flint.fmpq(0)] * d for _ in range(d)]  # sol[k][c] = (M^T)[k, c]
    col = 0
    for r in range(int(rank)):
        while col < 2 * d and rref[r, col] == 0:
            col += 1
        if col >= d:
            return None  # a pivot in the right-hand side: inconsistent
        for c in range(d):
            sol[col][c] = rref[r, d + c]
        col += 1
    mt = np.array(sol, dtype=object)
    M = mt.T.copy()
    return M if ((M @ S - R) == 0).all() else None


def global_minimum_value(X: Any, Y: Any) -> tuple[Any, np.ndarray]:
    """Exact ``f_LS = min_M E||y - M x||^2`` and a least-squares ``M*`` (rational).

    ``f_LS`` is an ``fmpq`` (like :func:`risk` in exact arithmetic); ``M*`` is an object
    array of ``Fraction`` (like the instance constructors). By step 1 of the module's
    proof sketch this is the global minimum of ``f`` over products of any depth ``l >= 1``.
    """
    p = _parts([np.zeros((np.asarray(X, dtype=object).shape[1],) * 2, dtype=object)], X, Y,
               Arithmetic.EXACT)
    M = _solve_consistent(p.sxx, p.syx)
    if M is None:  # pragma: no cover - the normal equations are always consistent
        raise ArithmeticError("normal equations M Sxx = Syx have no rational solution")
    return _risk_of(p, M), as_fractions(M)


def is_global_minimum(As: Sequence[Any], X: Any, Y: Any) -> Evidence:
    """Exact verdict on "``A`` is a global minimum of ``f``".

    Decided by ``G = 2 (P Sxx - Syx) == 0`` exactly (equivalent, proof step 1) and
    cross-checked by ``f(A) == f_LS`` exactly; both are reported in the witness.
    """
    p = _parts(As, X, Y, Arithmetic.EXACT)
    f = _risk_of(p, p.P)
    f_ls, _ = global_minimum_value(X, Y)
    g_zero = bool((p.G == 0).all())
    if g_zero != (f == f_ls):  # pragma: no cover - the two criteria are equivalent
        raise ArithmeticError("G == 0 and f == f_LS disagree; report this as a bug")
    witness = {"risk": str(f), "f_LS": str(f_ls), "gap": str(f - f_ls)}
    if g_zero:
        return Evidence(Verdict.HOLDS, Method.EXACT,
                        "f(A) equals the least-squares minimum exactly.", witness=witness)
    return Evidence(Verdict.VIOLATED, Method.EXACT,
                    f"f(A) exceeds the global minimum by {f - f_ls} exactly.", witness=witness)


@dataclass(frozen=True)
class LinearResNetCheck:
    """The exact check of the Hardt–Ma claim at one rational point."""

    critical: Evidence
    norm_bound: Evidence
    global_min: Evidence
    singular_factors: list[int]
    hessian_inertia: dict[str, Any]

    @property
    def conclusion(self) -> Verdict:
        """Claim "critical and norm-bounded ⇒ global minimum" at this point.

        HOLDS when the premises fail or the conclusion holds; VIOLATED only if both
        premises and the negation of the conclusion are EXACT (they always are here).
        """
        premises = (self.critical.verdict is Verdict.HOLDS
                    and self.norm_bound.verdict is Verdict.HOLDS)
        if premises and self.global_min.verdict is Verdict.VIOLATED:
            return Verdict.VIOLATED
        return Verdict.HOLDS

    @property
    def without_norm_bound(self) -> Verdict:
        """The claim with the norm premise dropped ("every critical point is global").

        VIOLATED (EXACT) at a critical point that is not a global minimum: the
        negative control; HOLDS otherwise (at this point only).
        """
        if (self.critical.verdict is Verdict.HOLDS
                and self.global_min.verdict is Verdict.VIOLATED):
            return Verdict.VIOLATED
        return Verdict.HOLDS

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim": "Hardt & Ma: critical point with max ||A_i||_2 <= tau < 1 is a global "
                     "minimum [Q]; checked at one rational point",
            "critical": self.critical.to_dict(),
            "norm_bound": self.norm_bound.to_dict(),
            "global_minimum": self.global_min.to_dict(),
            "singular_factors": self.singular_factors,
            "hessian_inertia": self.hessian_inertia,
            "conclusion": self.conclusion.value,
            "without_norm_bound": self.without_norm_bound.value,
            "method": Method.EXACT.value,
        }


def check_critical_point(As: Sequence[Any], X: Any, Y: Any, tau: Any) -> LinearResNetCheck:
    """Exact check at a rational point: gradient, norm bound (tau < 1), global optimality.

    Also reports which ``I + A_i`` are singular (exact determinant) and the exact inertia
    of the Hessian (a non-global critical point found here is a strict saddle or not).
    """
    t = Arithmetic.EXACT.scalar(tau)
    if not 0 <= t < 1:
        raise InvalidInput(f"tau={tau!r} must satisfy 0 <= tau < 1 (the claim's premise).")
    g = gradient(As, X, Y, "exact")
    zero = bool((g == 0).all())
    crit = Evidence(
        Verdict.HOLDS if zero else Verdict.VIOLATED, Method.EXACT,
        "the gradient is exactly zero." if zero else "the gradient is not zero.",
        witness={"max_abs_gradient": str(max(abs(v) for v in g))},
    )
    d = np.asarray(X, dtype=object).shape[1]
    singular = [
        i + 1 for i, a in enumerate(As)
        if flint.fmpq_mat(
            (identity_matrix(d, Arithmetic.EXACT) + Arithmetic.EXACT.array(a)).tolist()
        ).det()
        == 0
    ]
    inertia = matrix_inertia(hessian(As, X, Y, "exact"))
    return LinearResNetCheck(crit, certify_norm_bound(As, t), is_global_minimum(As, X, Y),
                             singular, inertia.to_dict())


# ---------------------------------------------------------------------------
# Hand-built instances
# ---------------------------------------------------------------------------

Q = Fraction
Instance = tuple[list[np.ndarray], list[list[Fraction]], list[list[Fraction]]]


def _data_identity_cov() -> tuple[list[list[Fraction]], ...]:
    X = [[Q(1), Q(0)], [Q(-1), Q(0)], [Q(0), Q(1)], [Q(0), Q(-1)], [Q(1), Q(1)]]
    return (X,)


def instance_inside_ball() -> Instance:
    """A depth-2, d = 2 global minimum with every ``||A_i||_2 < 1`` (noisy labels, exact).

    ``Y = R X + xi``; ``A_1`` is fixed, ``A_2 = M* (I + A_1)^{-1} - I`` exactly, where
    ``M*`` is the exact least-squares solution. Returns ``(As, X, Y)``.
    """
    (X,) = _data_identity_cov()
    R = [[Q(11, 10), Q(1, 5)], [Q(-1, 10), Q(9, 10)]]
    xi = [[Q(1, 20), Q(0)], [Q(0), Q(-1, 30)], [Q(-1, 40), Q(1, 50)], [Q(0), Q(0)],
          [Q(1, 60), Q(-1, 70)]]
    Y = [[sum(R[a][b] * x[b] for b in range(2)) + e[a] for a in range(2)]
         for x, e in zip(X, xi, strict=True)]
    A1 = np.array([[Q(1, 10), Q(-1, 20)], [Q(1, 30), Q(0)]], dtype=object)
    return [A1, as_fractions(solve_last_factor(A1, X, Y))], X, Y


def as_fractions(a: np.ndarray) -> np.ndarray:
    """An object array of ``fractions.Fraction`` (the project's exact input type)."""
    return np.vectorize(lambda v: Fraction(int(v.p), int(v.q)), otypes=[object])(a)


def solve_last_factor(
    A1: np.ndarray, X: Any, Y: Any, lower: Sequence[np.ndarray] = ()
) -> np.ndarray:
    """``A_l = M* (F_{l-1} ... F_1)^{-1} - I`` exactly, for factors ``lower`` then ``A1``."""
    ar = Arithmetic.EXACT
    M = ar.array(global_minimum_value(X, Y)[1])
    d = M.shape[0]
    prod = identity_matrix(d, ar)
    for a in (*lower, A1):
        prod = (identity_matrix(d, ar) + ar.array(a)) @ prod
    inv = flint.fmpq_mat(prod.tolist()).inv()
    Minv = flint.fmpq_mat(M.tolist()) * inv
    return np.array(Minv.tolist(), dtype=object) - identity_matrix(d, ar)


def negative_control_scalar() -> Instance:
    """d = 1, l = 2, ``A_1 = A_2 = -1``: critical, not global, ``I + A_i`` singular."""
    X = [[Q(1)], [Q(2)], [Q(-1)]]
    Y = [[Q(2)], [Q(3)], [Q(-1)]]
    return [np.array([[Q(-1)]], dtype=object)] * 2, X, Y


def negative_control_matrix() -> Instance:
    """d = 2, l = 2, ``A_1 = A_2 = -e_1 e_1^T``: ``P = diag(0, 1)``; labels ``Y = diag(3/2, 1) X``.

    ``G = 2 (P - R) Sxx`` is nonzero only in entry (1, 1), which both ``B_i^T`` and
    ``C_i^T`` (= ``diag(0, 1)``) annihilate, so the point is critical but not global.
    """
    (X,) = _data_identity_cov()
    X = X[:4]  # Sxx diagonal
    R = [Q(3, 2), Q(1)]
    Y = [[R[0] * x[0], R[1] * x[1]] for x in X]
    A = np.array([[Q(-1), Q(0)], [Q(0), Q(0)]], dtype=object)
    return [A, A.copy()], X, Y
