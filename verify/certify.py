r"""Rigorous certificates: exact inertia, eigenvalue enclosures, critical points, curvature.

Everything here either proves a statement (``Method.EXACT`` for exact rational
computation, ``Method.CERTIFIED`` for Arb ball enclosures) or says why it could
not (``Verdict.INCONCLUSIVE`` with a reason). Float64 is used only to *find*
candidates (eigenvectors, Newton steps, preconditioners); it never decides a
sign.

Matrix level
    :func:`exact_inertia` (characteristic polynomial + Descartes, or exact
    symmetric elimination), :func:`certified_inertia` and
    :func:`certified_lambda_min_interval` (Sylvester congruence + Gershgorin on
    Arb balls), :func:`matrix_inertia` (fastest rigorous route for a matrix).

Objective level (each returns :class:`~verify.verdict.Evidence`)
    :func:`is_critical_at` (is ``theta`` itself a critical point?),
    :func:`critical_point_near` (is there a unique critical point in a box around
    ``theta``? Krawczyk), :func:`certify_critical_point` (either, by ``where``),
    :func:`certify_negative_curvature`, :func:`certify_hessian_psd`,
    :func:`certify_hessian_pd`, :func:`certify_local_minimum`.

A *point* argument is either a parameter vector (ints, floats, ``Fraction`` or
``fmpq``; floats are read as their exact binary value) or a :class:`Box`. At a
point of a model whose activations and loss are rational functions the exact
arithmetic is used; otherwise (and over every box of positive radius) the Arb
ball arithmetic, whose results enclose the true values at every point of the box.

Kinks (DESIGN.md rule 5): no certificate is ever issued unless the risk is
provably C² where it is evaluated, i.e. the kink margin is exactly positive
(exact) or its rigorous lower bound is positive over the whole box (ball).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import flint
import numpy as np

from verify.arith import Arithmetic, ball_bounds, fmpq_to_fraction, to_float_array, to_fmpq
from verify.errors import BackendError, InvalidInput
from verify.landscape import Objective
from verify.verdict import Evidence, Method, Verdict, weakest

__all__ = [
    "Box",
    "Inertia",
    "box_from_evidence",
    "certified_inertia",
    "certified_lambda_min_interval",
    "certify_critical_point",
    "certify_hessian_pd",
    "certify_hessian_psd",
    "certify_local_minimum",
    "certify_negative_curvature",
    "critical_point_near",
    "exact_inertia",
    "is_critical_at",
    "matrix_inertia",
    "negative_curvature_direction",
]

_DIRECTION_BITS = 24  # negative-curvature directions are rounded to multiples of 2^-24


# ---------------------------------------------------------------------------
# Data types
# ---------------------------------------------------------------------------


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


class Box:
    """The axis-aligned box ``centre ± radius`` in parameter space.

    ``centre`` is stored exactly (object array of ``fmpq``), ``radius`` as
    non-negative float64 (one per coordinate). A radius of 0 is a single point.
    """

    __slots__ = ("centre", "radius")
    centre: np.ndarray
    radius: np.ndarray

    def __init__(self, centre: Any, radius: float | Sequence[float] | np.ndarray = 0.0) -> None:
        c = _exact_vector("centre", centre)
        r = np.array(np.broadcast_to(np.asarray(radius, dtype=np.float64), c.shape))
        if not (np.all(np.isfinite(r)) and np.all(r >= 0)):
            raise InvalidInput(
                f"radius={radius!r} must be finite and >= 0 in every coordinate; pass e.g. 1e-8."
            )
        r.setflags(write=False)
        c.setflags(write=False)
        object.__setattr__(self, "centre", c)
        object.__setattr__(self, "radius", r)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Box is immutable; build a new Box instead of setting {name!r}.")

    def __repr__(self) -> str:
        rmax = float(self.radius.max(initial=0.0))
        return f"Box(dim={self.centre.shape[0]}, max_radius={rmax:.3g})"

    @property
    def is_point(self) -> bool:
        return not bool(np.any(self.radius > 0))

    def balls(self) -> np.ndarray:
        """Arb balls that contain every point of the box (object array)."""
        out = np.empty(self.centre.shape, dtype=object)
        for i, (c, r) in enumerate(zip(self.centre, self.radius, strict=True)):
            b = flint.arb(c)
            out[i] = b + flint.arb(0, float(r)) if r > 0 else b
        return out

    def contains(self, theta: Any) -> bool:
        """Exact test ``|theta_i - centre_i| <= radius_i`` for every coordinate."""
        t = _exact_vector("theta", theta)
        if t.shape != self.centre.shape:
            raise InvalidInput(f"theta has shape {t.shape}; expected {self.centre.shape}.")
        return all(
            abs(a - c) <= to_fmpq(float(r))
            for a, c, r in zip(t, self.centre, self.radius, strict=True)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form: exact centre (floats when exactly a float, else ``"p/q"``) and radius."""
        radius: Any = (
            float(self.radius[0])
            if self.radius.size and np.all(self.radius == self.radius[0])
            else [float(r) for r in self.radius]
        )
        return {"centre": [_q_json(q) for q in self.centre], "radius": radius}

    @classmethod
    def from_dict(cls, data: Any) -> Box:
        """Inverse of :meth:`to_dict`."""
        if not isinstance(data, dict) or "centre" not in data:
            raise InvalidInput(f"box={data!r} must be an object with 'centre' and 'radius'.")
        return cls([_parse_q(v) for v in data["centre"]], data.get("radius", 0.0))


# ---------------------------------------------------------------------------
# Matrix level: exact inertia
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
# Matrix level: certified inertia and lambda_min via Sylvester + Gershgorin
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
    return _spectrum(_ball_matrix("matrix", matrix)).inertia


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
    return _spectrum(_ball_matrix("matrix", matrix)).lam_min


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
        ci = _spectrum(_ball_matrix("matrix", entries)).inertia
        if ci.determined:
            return Inertia(ci.n_pos, n - rank, ci.n_neg, 0, Method.CERTIFIED)
    inner = _descartes(sub.charpoly().coeffs(), rank)
    return Inertia(inner.n_pos, n - rank, inner.n_neg)


def _spectrum(h: np.ndarray) -> _Spectrum:
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
    delta = _hi(_norm2_bound(g))
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
        lo_disc[i] = _lo(mii - off)
        hi_disc[i] = _hi(mii + off)
        diag_hi[i] = _hi(mii)
        d[i] = float(mii.mid())
        ei = abs(mii - d[i]).upper()
        e_rows = e_rows.max(off + ei) if i else off + ei
        e_frob += off2 + ei * ei
    e = _hi(e_rows)
    e = min(e, _hi(e_frob.sqrt()))
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
    lo_m = max(_lo(dmin - e), float(comps[0][0]))
    hi_m = min(_hi(dmin + e), float(diag_hi.min()), float(comps[0][1]))
    t = flint.arb(1) + flint.arb(0, delta) if delta > 0 else flint.arb(1)  # ⊇ [1-δ, 1+δ]
    lam = flint.arb(lo_m).union(flint.arb(hi_m)) / t
    return _Spectrum(Inertia(pos, 0, neg, unk, Method.CERTIFIED), (_lo(lam), _hi(lam)), delta)


def _norm2_bound(g: np.ndarray) -> flint.arb:
    """Upper bound of ||G||_2 for every symmetric G in the enclosure (min of Frobenius, row-sum)."""
    absu = [[abs(v).upper() for v in row] for row in g]
    rows = max(sum(r, flint.arb(0)) for r in absu)
    frob = sum((v * v for r in absu for v in r), flint.arb(0)).sqrt()
    return rows if _hi(rows) < _hi(frob) else frob


# ---------------------------------------------------------------------------
# Objective level: evaluation helpers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Eval:
    gradient: np.ndarray
    hessian: np.ndarray | None
    method: Method
    kink_free: bool | None  # True: provably no sample on a kink; False: provably on one
    kink: float | None  # kink margin (exact value or rigorous lower bound), None: no kinks
    c2: bool  # loss twice differentiable

    @property
    def smooth(self) -> bool:
        """R is provably C² where it was evaluated."""
        return self.kink_free is True and self.c2


def _exact_available(objective: Objective) -> bool:
    # mirrors Objective._check (exact arithmetic needs rational activations and loss)
    acts = [st.activation for st in objective.model.stages]
    return objective.loss.exact_ok and all(a.exact_ok for a in acts)


def _evaluate(objective: Objective, box: Box, order: int) -> _Eval:
    c2 = bool(objective.loss.twice_differentiable)
    if box.is_point and _exact_available(objective):
        land = objective.evaluate(box.centre, Arithmetic.EXACT, order=order)
        k = land.kink_margin
        return _Eval(
            land.gradient,
            land.hessian,
            Method.EXACT,
            k is None or k > 0,
            None if k is None else float(fmpq_to_fraction(k)),
            c2,
        )
    land = objective.evaluate(box.balls(), Arithmetic.BALL, order=order)
    k = land.kink_margin
    return _Eval(
        land.gradient, land.hessian, Method.CERTIFIED, True if (k is None or k > 0) else None, k, c2
    )


def _kink_reason(ev: _Eval, objective: Objective, where: str) -> str:
    if ev.kink_free is False:
        return (
            f"a sample sits exactly on a kink (pre-activation 0) {where}, so R is not "
            "differentiable there in general (the ReLU'(0) = 0 convention is not a derivative)."
        )
    if ev.kink_free is None:
        return (
            f"the kink margin {where} is not provably positive (rigorous lower bound 0), so a "
            "sample may sit on a kink and R may not be C² there."
        )
    return (
        f"loss {objective.loss.name!r} is not twice differentiable, so no second-order "
        "certificate is possible."
    )


def _as_box(objective: Objective, point: Any, name: str = "point") -> Box:
    if point is None or isinstance(point, str | bytes | dict):
        raise InvalidInput(
            f"{name}={point!r} must be a parameter vector or a Box; pass e.g. the optimizer's x."
        )
    box = point if isinstance(point, Box) else Box(_exact_vector(name, point))
    if box.centre.shape != (objective.n_params,):
        raise InvalidInput(
            f"point has {box.centre.shape[0]} coordinates but the model has "
            f"{objective.n_params} parameters; pass a vector of length {objective.n_params}."
        )
    return box


# ---------------------------------------------------------------------------
# Critical points
# ---------------------------------------------------------------------------


def is_critical_at(objective: Objective, theta: Any) -> Evidence:
    r"""Is ``theta`` itself a critical point (``∇R(theta) = 0`` exactly)?

    Exact arithmetic (rational activations and loss): HOLDS / VIOLATED, EXACT.
    Otherwise Arb balls at the exact point: VIOLATED, CERTIFIED if some gradient
    entry's ball excludes 0 (``theta`` is provably not critical); HOLDS,
    CERTIFIED only if every entry is an exact zero ball (structural zeros, e.g.
    Shamir's block at ``w = 0, V = 0``); otherwise INCONCLUSIVE — a ball around a
    transcendental value cannot prove it is exactly 0. This answers the question
    about ``theta`` only: a float minimiser is almost never exactly critical, while
    there may well be a critical point next to it (see :func:`critical_point_near`).
    A point with a sample on a kink is never declared critical or not.
    """
    box = _as_box(objective, theta, "theta")
    if not box.is_point:
        raise InvalidInput(f"theta={box!r} must be a point, not a box; pass its centre.")
    ev = _evaluate(objective, box, order=1)
    witness: dict[str, Any] = {"point": box.to_dict()["centre"]}
    if ev.kink_free is not True:
        return Evidence(
            Verdict.INCONCLUSIVE,
            ev.method,
            "Cannot decide whether theta is critical: " + _kink_reason(ev, objective, "at theta"),
            witness={**witness, "kink_margin": ev.kink},
        )
    g = ev.gradient
    if ev.method is Method.EXACT:
        nz = [i for i, v in enumerate(g) if v != 0]
        if not nz:
            return Evidence(
                Verdict.HOLDS,
                Method.EXACT,
                "The exact gradient at theta is 0.",
                margin=0.0,
                tolerance=0.0,
                witness=witness,
            )
        i = max(nz, key=lambda k: abs(g[k]))
        gmax = float(fmpq_to_fraction(abs(g[i])))
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            f"theta is not a critical point: the exact gradient entry {_param_name(objective, i)} "
            f"is {float(fmpq_to_fraction(g[i])):.6g} != 0.",
            margin=-gmax,
            tolerance=0.0,
            witness={
                **witness,
                "index": i,
                "parameter": _param_name(objective, i),
                "value": _q_json(g[i]),
                "n_nonzero": len(nz),
            },
        )
    lo, hi = _bounds(g)
    if all(v.is_zero() for v in g):
        return Evidence(
            Verdict.HOLDS,
            Method.CERTIFIED,
            "Every gradient entry at theta evaluates to an exact zero ball (radius 0).",
            margin=0.0,
            tolerance=0.0,
            witness=witness,
        )
    excl = np.maximum(lo, -hi)  # > 0 iff the ball excludes 0; value = lower bound of |g_i|
    i = int(np.argmax(excl))
    if excl[i] > 0:
        return Evidence(
            Verdict.VIOLATED,
            Method.CERTIFIED,
            f"theta is not a critical point: the gradient entry {_param_name(objective, i)} "
            f"lies in [{lo[i]:.6g}, {hi[i]:.6g}], which excludes 0.",
            margin=-float(excl[i]),
            tolerance=0.0,
            witness={
                **witness,
                "index": i,
                "parameter": _param_name(objective, i),
                "interval": [float(lo[i]), float(hi[i])],
            },
        )
    width = float(np.max(np.maximum(-lo, hi)))
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.CERTIFIED,
        f"Every gradient ball at theta contains 0 (|g| <= {width:.3g}); enclosures cannot prove "
        "that a transcendental gradient is exactly 0, use critical_point_near for a nearby "
        "critical point.",
        witness={**witness, "max_abs_gradient_upper": width},
    )


def critical_point_near(
    objective: Objective,
    theta: Any,
    *,
    radii: Sequence[float] | None = None,
    refine_steps: int = 3,
    max_condition: float = 1e12,
    max_radius: float | None = None,
) -> Evidence:
    r"""Is there a unique critical point of ``R`` in a small box around ``theta``?

    1. If :func:`is_critical_at` proves ``theta`` itself critical: HOLDS with that
       method and radius 0.
    2. Otherwise ``theta`` is polished by at most ``refine_steps`` float Newton
       steps (kept only while the float gradient decreases) to a float centre
       ``c``, and the float Hessian ``H(c)`` is inspected: if it is numerically
       singular (``|λ|_min <= |λ|_max / max_condition``) the critical point is
       probably not isolated (flat direction, continuous symmetry) and the
       Krawczyk test cannot succeed: INCONCLUSIVE, NUMERIC, saying so.
    3. Krawczyk test in Arb: with ``C = H(c)^{-1}`` (float), ``g`` the ball gradient
       at the exact centre ``c`` and ``H(X)`` the ball Hessian over the box
       ``X = c ± r``, ``K(X) = c - C g + (I - C H(X))(X - c)``. If
       ``|K(X) - c| < r`` in every coordinate then ``∇R`` has exactly one zero in
       ``X``, and it lies in ``K(X)``: HOLDS, CERTIFIED. Since
       ``|K - c| <= ||C g|| + ||I - C H(X)||·r``, the radius is chosen from a model
       ``||I - C H(c ± r)|| ≈ α0 + β r`` fitted to the boxes tried (first radius
       ``2·||C g||``, then ``sqrt(||C g|| / β)``; at most 8 boxes, none larger than
       ``max_radius``, default ``0.01·max(1, ‖c‖∞)``); when ``4 β ||C g|| >= (1 - α0)^2``
       no radius can work at 53-bit precision and the search stops, saying so.
       ``radii`` overrides the search. The box must be free of kinks (rigorous kink
       margin > 0 on ``X``), else INCONCLUSIVE.

    Never VIOLATED: failing to isolate a critical point does not show there is
    none. Witness: ``centre`` (exact), ``radius`` (uniqueness box ``c ± radius``),
    ``enclosure_radius`` (the critical point lies in ``c ± enclosure_radius``),
    ``distance_from_theta`` (upper bound of ``‖c - theta‖∞``), the condition
    estimate and the attempts. Use :func:`box_from_evidence` to get the box. A
    :class:`Box` given as ``theta`` is replaced by its centre.
    """
    start = Box(_as_box(objective, theta, "theta").centre)  # a Box is replaced by its centre
    if refine_steps < 0:
        raise InvalidInput(f"refine_steps={refine_steps!r} must be >= 0; pass e.g. 3.")
    if not max_condition > 1:
        raise InvalidInput(f"max_condition={max_condition!r} must be > 1; pass e.g. 1e12.")
    if max_radius is not None and not (math.isfinite(max_radius) and max_radius > 0):
        raise InvalidInput(f"max_radius={max_radius!r} must be a positive float; pass e.g. 1e-3.")
    at = is_critical_at(objective, start.centre)
    if at.verdict is Verdict.HOLDS:
        return Evidence(
            Verdict.HOLDS,
            at.method,
            "theta itself is a critical point: " + at.reason,
            margin=0.0,
            tolerance=0.0,
            witness={
                "centre": start.to_dict()["centre"],
                "radius": 0.0,
                "enclosure_radius": 0.0,
                "distance_from_theta": 0.0,
                "at_theta": at.to_dict(),
            },
        )
    th = to_float_array(start.centre)
    if not np.all(np.isfinite(th)):
        raise InvalidInput(f"theta={th!r} must be finite; pass a finite parameter vector.")
    c, w, q = _refine(objective, th, refine_steps)
    scale = float(np.max(np.abs(w))) if w.size else 0.0
    small = float(np.min(np.abs(w))) if w.size else 0.0
    cond = math.inf if small == 0 else scale / small
    centre = Box(c)
    info: dict[str, Any] = {
        "centre": centre.to_dict()["centre"],
        "distance_from_theta": _dist_up(centre.centre, start.centre),
        "condition": _jf(cond),
        "min_abs_eigenvalue": _jf(small),
        "at_theta": at.to_dict(),
    }
    if not np.all(np.isfinite(w)) or cond > max_condition:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.NUMERIC,
            f"The float Hessian at the polished point is numerically singular (min |eigenvalue| "
            f"{small:.3g}, max {scale:.3g}, condition {cond:.3g} > {max_condition:.3g}): the "
            "critical point is probably not isolated (a flat direction or a continuous "
            "symmetry), and the Krawczyk test only certifies isolated nondegenerate critical "
            "points, so it was not attempted.",
            witness=info,
        )
    cmat = (q / w) @ q.T
    g = _evaluate(objective, centre, order=1).gradient  # exact or ball, at the exact centre
    step = float(np.max(np.abs(cmat @ to_float_array(g))))
    cscale = max(1.0, float(np.max(np.abs(c), initial=0.0)))
    rmax = 0.01 * cscale if max_radius is None else float(max_radius)
    if radii is not None and (
        not radii
        or not all(isinstance(r, int | float) and math.isfinite(r) and r > 0 for r in radii)
    ):
        raise InvalidInput(f"radii={radii!r} must be a non-empty list of positive floats.")
    if not math.isfinite(step) or step > rmax:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.NUMERIC,
            f"The float Newton step at the polished point has length {step:.3g}, too large for "
            f"a Krawczyk box of radius <= {rmax:.3g}: theta does not look close to a "
            "nondegenerate critical point.",
            witness={**info, "newton_step": _jf(step)},
        )
    ca = flint.arb_mat(cmat.tolist())
    gcol = flint.arb_mat([[v if isinstance(v, flint.arb) else flint.arb(v)] for v in g])
    cg = ca * gcol
    off = max(_hi(abs(v)) for v in cg.entries())
    search = _RadiusSearch(off, 2.0**-44 * cscale, rmax, radii)
    attempts: list[dict[str, Any]] = []
    r = search.next()
    while r is not None:
        box = Box(c, r)
        ev = _evaluate(objective, box, order=2)
        if not ev.smooth:
            attempts.append({"radius": r, "result": "kink"})
            return Evidence(
                Verdict.INCONCLUSIVE,
                Method.CERTIFIED,
                f"No certificate: at radius {r:.3g} " + _kink_reason(ev, objective, "on the box"),
                witness={**info, "attempts": attempts, "kink_margin": ev.kink},
            )
        ub, alpha = _krawczyk(ca, cg, ev.hessian, box)
        attempts.append({"radius": r, "ratio": _jf(ub / r), "alpha": _jf(alpha)})
        if ub < r:
            return Evidence(
                Verdict.HOLDS,
                Method.CERTIFIED,
                f"Krawczyk test: R has exactly one critical point in the box of radius {r:.3g} "
                f"around the polished point, and it lies within {ub:.3g} of it.",
                margin=r - ub,
                tolerance=0.0,
                witness={**info, "radius": r, "enclosure_radius": ub, "attempts": attempts},
            )
        r = search.record(r, alpha)
    best = min((a["ratio"] for a in attempts if a.get("ratio") is not None), default=math.inf)
    why = search.why or (
        f"max|K - c|/r >= 1 for every radius tried (best {best:.3g}; at most {rmax:.3g})"
    )
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.CERTIFIED,
        f"The Krawczyk test failed after {len(attempts)} box(es): {why}; float condition number "
        f"{cond:.3g}. No critical point was certified near theta.",
        witness={**info, "attempts": attempts, "offset": _jf(off)},
    )


def _krawczyk(ca: flint.arb_mat, cg: flint.arb_mat, hess: Any, box: Box) -> tuple[float, float]:
    """``(max|K(X) - c|, ||I - C H(X)||_inf)`` as rigorous float upper bounds."""
    n = box.centre.shape[0]
    a = _identity(n) - ca * flint.arb_mat(hess.tolist())
    xb = box.balls()
    dx = flint.arb_mat([[xb[i] - flint.arb(box.centre[i])] for i in range(n)])
    klo, khi = _bounds(np.array((a * dx - cg).entries(), dtype=object))
    ent = a.entries()
    rows = (sum((abs(v) for v in ent[i * n : (i + 1) * n]), flint.arb(0)) for i in range(n))
    alpha = max(_hi(row) for row in rows)
    return float(np.max(np.maximum(-klo, khi))), alpha


class _RadiusSearch:
    r"""Chooses Krawczyk radii. With ``o = ||C g||`` and ``α(r) = ||I - C H(c ± r)||``
    the test succeeds iff (up to outward rounding) ``o + α(r) r < r``. Modelling
    ``α(r) ≈ α0 + β r`` from the boxes tried so far, a radius exists iff
    ``4 β o < (1 - α0)^2``, and the best one is ``sqrt(o / β)`` (the geometric mean
    of the two roots). User-given radii are simply tried in increasing order."""

    def __init__(self, off: float, floor: float, rmax: float, radii: Sequence[float] | None):
        self.off = off
        self.rmax = rmax
        self.fixed = None if radii is None else sorted(float(r) for r in radii if r <= rmax)
        self.first = max(2.0 * off, floor)
        self.records: list[tuple[float, float]] = []
        self.budget = 8
        self.why = ""

    def next(self) -> float | None:
        if self.fixed is not None:
            return self.fixed.pop(0) if self.fixed else None
        return self.first if self.first <= self.rmax else None

    def record(self, r: float, alpha: float) -> float | None:
        if self.fixed is not None:
            return self.next()
        self.records.append((r, alpha))
        if len(self.records) >= self.budget or not math.isfinite(alpha):
            return None
        pts = sorted(self.records)
        if len(pts) >= 2 and pts[-1][0] > pts[0][0]:
            (r1, a1), (r2, a2) = pts[0], pts[-1]
            beta = max((a2 - a1) / (r2 - r1), 1e-300)
            alpha0 = max(a1 - beta * r1, 0.0)
        else:
            beta, alpha0 = max(alpha / r, 1e-300), 0.0
        if alpha0 >= 1:
            self.why = f"||I - C H|| >= {alpha0:.3g} >= 1 even on tiny boxes (poor preconditioner)"
            return None
        if 4 * beta * self.off >= (1 - alpha0) ** 2:
            if len(pts) >= 2:
                self.why = (
                    f"no radius can work at 53-bit precision: ||C g|| = {self.off:.3g} and "
                    f"||I - C H(X)|| ≈ {alpha0:.3g} + {beta:.3g} r, so offset + α(r) r < r has "
                    "no solution (too ill-conditioned)"
                )
                return None
            nxt = r / 10  # one record only: α may be mostly α0, probe a smaller box
        else:
            nxt = math.sqrt(self.off / beta)
        tried = [p[0] for p in pts]
        if any(abs(math.log(nxt / t)) < math.log(1.5) for t in tried):
            lo, hi = tried[0], tried[-1]
            nxt = hi * 4 if nxt >= hi else lo / 4
        if nxt > self.rmax or nxt <= 0:
            self.why = f"the next radius {nxt:.3g} is outside (0, {self.rmax:.3g}]"
            return None
        return nxt


def certify_critical_point(
    objective: Objective, theta: Any, *, where: Literal["near", "at"] = "near", **options: Any
) -> Evidence:
    """Critical-point certificate: ``where="near"`` → :func:`critical_point_near`
    (existence and uniqueness in a box around ``theta``), ``where="at"`` →
    :func:`is_critical_at` (is ``theta`` itself critical)."""
    if where == "near":
        return critical_point_near(objective, theta, **options)
    if where == "at":
        if options:
            raise InvalidInput(f"options {sorted(options)!r} only apply to where='near'.")
        return is_critical_at(objective, theta)
    raise InvalidInput(f"where={where!r} must be 'near' or 'at'.")


def box_from_evidence(evidence: Evidence, *, tight: bool = True) -> Box | None:
    """The box of a HOLDS result of :func:`critical_point_near` (``None`` otherwise).

    ``tight=True`` gives ``centre ± enclosure_radius`` (contains the certified
    critical point: evaluate second-order certificates here), ``tight=False`` the
    uniqueness box ``centre ± radius``.
    """
    w = evidence.witness
    if evidence.verdict is not Verdict.HOLDS or "centre" not in w or "radius" not in w:
        return None
    return Box.from_dict(
        {"centre": w["centre"], "radius": w["enclosure_radius"] if tight else w["radius"]}
    )


def _refine(
    objective: Objective, th: np.ndarray, steps: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    def eig(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        land = objective.evaluate(t, Arithmetic.FLOAT)
        assert land.hessian is not None
        h = np.asarray(land.hessian, dtype=np.float64)
        if not np.all(np.isfinite(h)):
            return np.asarray(land.gradient), np.full(t.shape, np.nan), np.eye(t.shape[0])
        w, q = np.linalg.eigh((h + h.T) / 2)
        return np.asarray(land.gradient), w, q

    g, w, q = eig(th)
    for _ in range(steps):
        if not np.all(np.isfinite(w)) or np.any(w == 0):
            break
        nxt = th - q @ ((q.T @ g) / w)
        if not np.all(np.isfinite(nxt)):
            break
        g2, w2, q2 = eig(nxt)
        if not np.max(np.abs(g2)) < np.max(np.abs(g)):
            break
        th, g, w, q = nxt, g2, w2, q2
    return th, w, q


# ---------------------------------------------------------------------------
# Second order
# ---------------------------------------------------------------------------


def negative_curvature_direction(objective: Objective, theta: Any) -> np.ndarray:
    """Float eigenvector of the smallest eigenvalue of the float Hessian at ``theta``,
    scaled to max-norm 1 and rounded to multiples of 2^-24 (object array of ``fmpq``).

    Only a candidate: certify it with :func:`certify_negative_curvature`. Raises
    :class:`~verify.errors.BackendError` if the float Hessian is not finite there.
    """
    box = _as_box(objective, theta, "theta")
    v = _float_direction(objective, box)
    if v is None:
        raise BackendError(
            f"the float Hessian at theta={box!r} is not finite, so no direction can be picked; "
            "pass v explicitly."
        )
    return v


def _float_direction(objective: Objective, box: Box) -> np.ndarray | None:
    land = objective.evaluate(to_float_array(box.centre), Arithmetic.FLOAT)
    assert land.hessian is not None
    h = np.asarray(land.hessian, dtype=np.float64)
    if not np.all(np.isfinite(h)):
        return None
    _, q = np.linalg.eigh((h + h.T) / 2)
    v = q[:, 0] / np.max(np.abs(q[:, 0]))
    den = 2**_DIRECTION_BITS
    return np.array([flint.fmpq(round(x * den), den) for x in v], dtype=object)


def certify_negative_curvature(objective: Objective, point: Any, v: Any = None) -> Evidence:
    r"""Prove ``v^T ∇²R v < 0`` at a point or for every point of a box.

    Exact arithmetic at a rational point of a rational model (EXACT), else the
    Arb Hessian enclosure over the box (CERTIFIED). HOLDS proves
    ``λ_min(∇²R(θ)) <= v^T ∇²R(θ) v / v^T v < 0`` for every ``θ`` in the box, in
    particular for a critical point certified in it (so that point is not a local
    minimum). If ``v`` is not given, :func:`negative_curvature_direction` at the
    centre is used. ``v^T ∇²R v >= 0`` for this ``v`` proves nothing about
    ``λ_min``: INCONCLUSIVE, never VIOLATED. Witness: ``v``, the rigorous upper
    bound ``rayleigh_upper`` of the Rayleigh quotient and the box.
    """
    box = _as_box(objective, point)
    vv = _float_direction(objective, box) if v is None else _exact_vector("v", v)
    if vv is None:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.NUMERIC,
            "The float Hessian at the centre is not finite, so no direction could be picked.",
            witness={"box": box.to_dict()},
        )
    if vv.shape != box.centre.shape:
        raise InvalidInput(f"v has shape {vv.shape}; expected {box.centre.shape}.")
    norm2 = sum((x * x for x in vv), flint.fmpq(0))
    if norm2 == 0:
        raise InvalidInput("v=0 is not a direction; pass a nonzero vector.")
    ev = _evaluate(objective, box, order=2)
    witness: dict[str, Any] = {"v": [_q_json(x) for x in vv], "box": box.to_dict()}
    if not ev.smooth:
        return Evidence(
            Verdict.INCONCLUSIVE,
            ev.method,
            "No curvature certificate: " + _kink_reason(ev, objective, "here"),
            witness={**witness, "kink_margin": ev.kink},
        )
    h = ev.hessian
    assert h is not None
    if ev.method is Method.EXACT:
        quot = (vv @ (h @ vv)) / norm2
        val = float(fmpq_to_fraction(quot))
        witness["rayleigh_upper"] = val
        witness["rayleigh"] = _q_json(quot)
        if quot < 0:
            return Evidence(
                Verdict.HOLDS,
                Method.EXACT,
                f"Exact curvature v^T H v / v^T v = {val:.6g} < 0 at the point.",
                margin=-val,
                tolerance=0.0,
                witness=witness,
            )
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            f"v^T H v / v^T v = {val:.6g} >= 0 for this v, which says nothing "
            "about the smallest eigenvalue.",
            witness=witness,
        )
    va = np.array([flint.arb(x) for x in vv], dtype=object)
    quot_b = (va @ (h @ va)) / flint.arb(norm2)
    lo, hi = _bounds(np.array([quot_b], dtype=object))
    witness["rayleigh_upper"] = float(hi[0])
    witness["rayleigh_interval"] = [float(lo[0]), float(hi[0])]
    if hi[0] < 0:
        return Evidence(
            Verdict.HOLDS,
            Method.CERTIFIED,
            f"v^T H v / v^T v <= {hi[0]:.6g} < 0 for every point of the box.",
            margin=-float(hi[0]),
            tolerance=0.0,
            witness=witness,
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.CERTIFIED,
        f"The enclosure of v^T H v / v^T v is [{lo[0]:.3g}, {hi[0]:.3g}], not "
        "provably negative; nothing follows about the smallest eigenvalue.",
        witness=witness,
    )


def _hessian_spectrum(
    objective: Objective, box: Box
) -> tuple[Inertia | None, tuple[float, float] | None, Method, str, dict[str, Any]]:
    ev = _evaluate(objective, box, order=2)
    witness: dict[str, Any] = {"box": box.to_dict()}
    if not ev.smooth:
        return (
            None,
            None,
            ev.method,
            _kink_reason(ev, objective, "here"),
            {**witness, "kink_margin": ev.kink},
        )
    h = ev.hessian
    assert h is not None
    if ev.method is Method.EXACT:
        inertia = matrix_inertia(h)
        witness["inertia"] = inertia.to_dict()
        return inertia, None, inertia.method, "", witness
    spec = _spectrum(_ball_matrix("hessian", h))
    witness["inertia"] = spec.inertia.to_dict()
    witness["lambda_min_interval"] = list(spec.lam_min)
    return spec.inertia, spec.lam_min, Method.CERTIFIED, "", witness


def certify_hessian_psd(objective: Objective, point: Any) -> Evidence:
    r"""Claim ``λ_min(∇²R) >= 0`` at a point (or at every point of a box).

    At a rational point of a rational model the exact inertia decides it, so a
    singular PSD Hessian (zero eigenvalues, none negative: e.g. dead ReLU units)
    gives HOLDS with the counts in ``witness["inertia"]``. Over a box (or for
    transcendental models) only the certified inertia is available: HOLDS needs
    every eigenvalue provably positive, VIOLATED a provably negative one.
    """
    box = _as_box(objective, point)
    inertia, lam, method, why, witness = _hessian_spectrum(objective, box)
    if inertia is None:
        return Evidence(
            Verdict.INCONCLUSIVE, method, "No Hessian certificate: " + why, witness=witness
        )
    margin = lam[0] if lam is not None else None
    if inertia.n_neg > 0:
        return Evidence(
            Verdict.VIOLATED,
            method,
            f"The Hessian has {inertia.n_neg} negative eigenvalue(s) (inertia {_fmt(inertia)}).",
            margin=lam[1] if lam else None,
            tolerance=0.0,
            witness=witness,
        )
    if inertia.determined:
        return Evidence(
            Verdict.HOLDS,
            method,
            f"The Hessian has no negative eigenvalue (inertia {_fmt(inertia)}).",
            margin=margin,
            tolerance=0.0,
            witness=witness,
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        method,
        f"{inertia.n_unknown} eigenvalue(s) of the Hessian enclosure could not be "
        f"separated from 0 (inertia {_fmt(inertia)}).",
        witness=witness,
    )


def certify_hessian_pd(objective: Objective, point: Any) -> Evidence:
    r"""Claim ``λ_min(∇²R) > 0`` at a point (or at every point of a box).

    VIOLATED when a zero (exact) or negative (exact or certified) eigenvalue is
    proved; singular enclosures are INCONCLUSIVE.
    """
    box = _as_box(objective, point)
    inertia, lam, method, why, witness = _hessian_spectrum(objective, box)
    if inertia is None:
        return Evidence(
            Verdict.INCONCLUSIVE, method, "No Hessian certificate: " + why, witness=witness
        )
    if inertia.n_neg > 0 or inertia.n_zero > 0:
        return Evidence(
            Verdict.VIOLATED,
            method,
            f"The Hessian is not positive definite (inertia {_fmt(inertia)}).",
            margin=lam[1] if lam else None,
            tolerance=0.0,
            witness=witness,
        )
    if inertia.determined:
        return Evidence(
            Verdict.HOLDS,
            method,
            f"The Hessian is positive definite (inertia {_fmt(inertia)}).",
            margin=lam[0] if lam else None,
            tolerance=0.0,
            witness=witness,
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        method,
        f"{inertia.n_unknown} eigenvalue(s) of the Hessian enclosure could not be "
        f"separated from 0 (inertia {_fmt(inertia)}).",
        witness=witness,
    )


def certify_local_minimum(objective: Objective, theta: Any, **options: Any) -> Evidence:
    r"""Is there a strict local minimum of ``R`` at / near ``theta``?

    :func:`critical_point_near` first (``options`` are passed on). Then the Hessian
    at the certified critical point ``θ*``: evaluated exactly at ``θ*`` when it is
    an exactly critical rational point, else enclosed over the tight box that
    contains ``θ*``. Positive definite ⇒ HOLDS (second-order sufficient
    condition). A provably negative eigenvalue (certified inertia or a certified
    negative-curvature direction) ⇒ VIOLATED: ``θ*`` is a critical point but not a
    local minimum. Zero or undecided eigenvalues ⇒ INCONCLUSIVE (the
    second-order test cannot decide), with the inertia in the witness. ``theta`` may
    be a :class:`Box` (e.g. from :func:`box_from_evidence`): its centre is used.
    """
    cp = critical_point_near(objective, theta, **options)
    base = {"critical_point": cp.to_dict()}
    if cp.verdict is not Verdict.HOLDS:
        return Evidence(
            Verdict.INCONCLUSIVE,
            cp.method,
            "No critical point certified near theta: " + cp.reason,
            witness=base,
        )
    box = box_from_evidence(cp)
    assert box is not None
    inertia, lam, method, why, witness = _hessian_spectrum(objective, box)
    witness = {**base, "hessian": witness}
    both = weakest([cp.method, method])
    if inertia is None:
        return Evidence(
            Verdict.INCONCLUSIVE, both, "Critical point certified, but " + why, witness=witness
        )
    if inertia.determined and inertia.n_neg == 0 and inertia.n_zero == 0:
        return Evidence(
            Verdict.HOLDS,
            both,
            f"Strict local minimum: certified critical point with positive definite "
            f"Hessian (inertia {_fmt(inertia)}).",
            margin=lam[0] if lam else None,
            tolerance=0.0,
            witness=witness,
        )
    if inertia.n_neg > 0:
        return Evidence(
            Verdict.VIOLATED,
            both,
            f"The certified critical point is not a local minimum: its Hessian has "
            f"{inertia.n_neg} negative eigenvalue(s) (inertia {_fmt(inertia)}).",
            margin=lam[1] if lam else None,
            tolerance=0.0,
            witness=witness,
        )
    neg = certify_negative_curvature(objective, box)
    if neg.verdict is Verdict.HOLDS:
        return Evidence(
            Verdict.VIOLATED,
            weakest([cp.method, neg.method]),
            "The certified critical point is not a local minimum: " + neg.reason,
            margin=-(neg.margin or 0.0),
            tolerance=0.0,
            witness={**witness, "negative_curvature": neg.to_dict()},
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        both,
        f"Certified critical point, but the second-order test cannot decide: inertia "
        f"{_fmt(inertia)} (zero or unseparated eigenvalues).",
        witness=witness,
    )


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _fmt(inertia: Inertia) -> str:
    s = f"n_pos={inertia.n_pos}, n_zero={inertia.n_zero}, n_neg={inertia.n_neg}"
    return f"({s}, n_unknown={inertia.n_unknown})" if inertia.n_unknown else f"({s})"


def _bounds(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _jf(x: float) -> float | None:
    """JSON-ready float: ``None`` for inf/nan."""
    return float(x) if math.isfinite(x) else None


def _lo(x: flint.arb) -> float:
    return float(_bounds(np.array([x], dtype=object))[0][0])


def _hi(x: flint.arb) -> float:
    return float(_bounds(np.array([x], dtype=object))[1][0])


def _identity(n: int) -> flint.arb_mat:
    return flint.arb_mat([[1 if i == j else 0 for j in range(n)] for i in range(n)])


def _dist_up(a: np.ndarray, b: np.ndarray) -> float:
    d = max((abs(x - y) for x, y in zip(a, b, strict=True)), default=flint.fmpq(0))
    return _hi(flint.arb(d))


def _param_name(objective: Objective, i: int) -> str:
    for p in objective.model.layout:
        if p.offset <= i < p.stop:
            if not p.shape:
                return p.name
            idx = np.unravel_index(i - p.offset, p.shape)
            return f"{p.name}[{', '.join(str(int(k)) for k in idx)}]"
    return f"theta[{i}]"


def _q_json(q: Any) -> float | str:
    """A float if the rational is exactly one, else ``"p/q"``."""
    frac = fmpq_to_fraction(q)
    try:
        f = float(frac)
    except OverflowError:
        return f"{frac.numerator}/{frac.denominator}"
    if math.isfinite(f) and Fraction(f) == frac:
        return f
    return f"{frac.numerator}/{frac.denominator}"


def _parse_q(v: Any) -> Fraction:
    if isinstance(v, bool):
        raise InvalidInput(f"box centre entry {v!r} must be a number or a 'p/q' string.")
    if isinstance(v, int | float):
        return Fraction(v)
    if isinstance(v, str):
        try:
            return Fraction(v)
        except (ValueError, ZeroDivisionError):
            pass
    raise InvalidInput(f"box centre entry {v!r} must be a number or a 'p/q' string such as '1/3'.")


def _exact_vector(name: str, values: Any) -> np.ndarray:
    if isinstance(values, Box):
        return values.centre.copy()
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        raise InvalidInput(f"{name} has shape {arr.shape}; pass a 1-D parameter vector.")
    out = np.empty(arr.shape, dtype=object)
    for i, v in enumerate(arr):
        if isinstance(v, bool):
            raise InvalidInput(f"{name}[{i}]={v!r} must be a number, not a bool.")
        try:
            out[i] = to_fmpq(v)
        except InvalidInput:
            raise InvalidInput(
                f"{name}[{i}]={v!r} must be a finite int, float, Fraction or fmpq."
            ) from None
    return out


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


def _ball_matrix(name: str, matrix: Any) -> np.ndarray:
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
