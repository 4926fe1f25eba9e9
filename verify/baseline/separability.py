r"""Linear separability for margin losses, decided by LPs whose answers are re-checked exactly.

For a margin loss ``l(p; y) = phi(y p)`` the infimum ``R_lin`` is attained iff
no direction ``u`` separates a sample (``y_i u^T x_i >= 0`` for all ``i`` and
``> 0`` for some). HiGHS proposes the answers; each is then verified in exact
rational arithmetic (``flint.fmpq``) before it is used, so the evidence is
``Method.EXACT`` or the question stays undecided:

* a separating direction ``u`` (all margins ``>= 0`` exactly; the samples where
  they are ``> 0`` are separated);
* a Stiemke certificate ``lambda > 0`` with ``sum_i lambda_i y_i x_i = 0``
  exactly over the remaining samples, which proves that none of them can be
  separated (the theorem of the alternative).

Private; used by :func:`verify.baseline.best_linear_predictor`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import flint
import numpy as np

from verify.baseline.exact import dyadic, fq, nullspace, project_out, rationalize


@dataclass(frozen=True)
class _Separation:
    kind: str  # "strict", "partial", "none" or "undecided"
    separated: np.ndarray  # bool mask of samples separated by the verified witness
    maximal: bool  # a Stiemke certificate proves no other sample can be separated
    witness: list[Any] | None  # exact direction u

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "separated": int(self.separated.sum()),
            "maximal": self.maximal,
        }
        if self.witness is not None:
            out["direction"] = [str(v) for v in self.witness]
        return out


def separation(a: np.ndarray, aq: Any, n: int, d: int) -> _Separation:
    """Which samples can be separated: LPs (HiGHS) whose answers are re-checked exactly."""
    none = np.zeros(n, dtype=bool)
    everyone = np.ones(n, dtype=bool)
    if _stiemke(a, aq, everyone):
        return _Separation("none", none, True, None)
    witness = _separating_direction(a, aq, n, d)
    if witness is None:
        return _Separation("undecided", none, False, None)
    u, separated = witness
    if separated.all():
        return _Separation("strict", separated, True, u)
    maximal = _stiemke(a, aq, ~separated)
    return _Separation("partial", separated, maximal, u)


def _normalized_rows(a: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(a, axis=1)
    return a / np.where(norms > 0, norms, 1.0)[:, None]


def _separating_direction(
    a: np.ndarray, aq: Any, n: int, d: int
) -> tuple[list[Any], np.ndarray] | None:
    """Exact ``u`` with all margins ``a_i^T u >= 0`` and the mask where they are ``> 0``."""
    from scipy import sparse
    from scipy.optimize import linprog

    an = _normalized_rows(a)
    # max sum s  s.t.  s_i <= a_i^T u,  0 <= s_i <= 1,  u free.
    c = np.concatenate([np.zeros(d), -np.ones(n)])
    a_ub = sparse.hstack([sparse.csr_matrix(-an), sparse.identity(n, format="csr")], format="csr")
    bounds = [(None, None)] * d + [(0.0, 1.0)] * n
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(n), bounds=bounds, method="highs")
    if res.status != 0 or res.x is None:
        return None
    u = res.x[:d]
    guess = res.x[d:] > 0.5
    if not guess.any():
        return None
    rest = [i for i in range(n) if not guess[i]]
    for simple in (True, False):
        uq = _exact_direction(u, aq, rest, d, simple)
        if uq is None:
            continue
        margins = (aq * flint.fmpq_mat(d, 1, uq)).entries()
        if all(m >= 0 for m in margins):
            separated = np.array([m > 0 for m in margins], dtype=bool)
            if separated.any():
                return uq, separated
    return None


def _exact_direction(
    u: np.ndarray, aq: Any, rest: list[int], d: int, simple: bool
) -> list[Any] | None:
    """Rational ``u`` close to the float one with ``a_i^T u = 0`` exactly for ``i`` in ``rest``."""
    scale = float(np.max(np.abs(u))) or 1.0
    u = u / scale
    if not rest:
        return [rationalize(v, simple) for v in u]
    sub = flint.fmpq_mat(len(rest), d, [aq[i, j] for i in rest for j in range(d)])
    basis = nullspace(sub)
    if not basis:
        return None
    nb = np.array([[float(b[j]) for b in basis] for j in range(d)])
    coef = np.linalg.lstsq(nb, u, rcond=None)[0]
    cq = [rationalize(v, simple) for v in coef]
    return [sum((cq[k] * basis[k][j] for k in range(len(basis))), flint.fmpq(0)) for j in range(d)]


def _stiemke(a: np.ndarray, aq: Any, rows: np.ndarray) -> bool:
    """Exactly verified ``lambda > 0`` on ``rows`` with ``sum lambda_i a_i = 0``."""
    from scipy.optimize import linprog

    idx = np.flatnonzero(rows)
    if idx.size == 0:
        return True
    d = a.shape[1]
    norms = np.linalg.norm(a[idx], axis=1)
    an = _normalized_rows(a[idx])
    res = linprog(
        np.ones(idx.size),
        A_eq=an.T,
        b_eq=np.zeros(d),
        bounds=[(1.0, None)] * idx.size,
        method="highs",
    )
    if res.status != 0 or res.x is None:
        return False
    lam_float = res.x / np.where(norms > 0, norms, 1.0)
    sub = flint.fmpq_mat(idx.size, d, [aq[int(i), j] for i in idx for j in range(d)])
    for simple in (True, False):
        start = [dyadic(v) if simple else fq(v) for v in lam_float]
        lam = project_out(sub, start, [flint.fmpq(1)] * idx.size)
        if lam is not None and all(v > 0 for v in lam):
            resid = (sub.transpose() * flint.fmpq_mat(idx.size, 1, lam)).entries()
            if all(r == 0 for r in resid):
                return True
    return False
