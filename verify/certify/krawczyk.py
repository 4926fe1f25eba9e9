r"""Critical-point certificates: exactly at a point, or unique in a box nearby (Krawczyk).

:func:`is_critical_at` decides whether ``theta`` itself is a critical point:
exactly (``Method.EXACT``) for rational models, otherwise only from Arb balls
(``Method.CERTIFIED``: provably not critical, or structurally zero).
:func:`critical_point_near` proves that a unique critical point exists in a
small box around a (float) candidate with the Krawczyk test on Arb balls
(``Method.CERTIFIED``); float64 only polishes the candidate (Newton) and
supplies the preconditioner, and the radius search is a model of the test's
contraction, never part of the proof. Failing to isolate a critical point is
INCONCLUSIVE, never VIOLATED. :func:`certify_critical_point` dispatches between
the two, and :func:`box_from_evidence` recovers the certified box. All are
re-exported by :mod:`verify.certify`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import flint
import numpy as np

from verify.certify.box import Box, as_box, evaluate_box, kink_reason, q_json
from verify.certify.inertia import entry_bounds, upper_bound
from verify.certify.slice import sliced_critical_point
from verify.certify.zero_output import zero_output_critical_point
from verify.errors import InvalidInput
from verify.numbers.arithmetic import Arithmetic, to_float_array
from verify.numbers.bounds import fmt6, saturating_float
from verify.objectives.empirical import Objective
from verify.verdict import Evidence, Method, Verdict


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
    box = as_box(objective, theta, "theta")
    if not box.is_point:
        raise InvalidInput(f"theta={box!r} must be a point, not a box; pass its centre.")
    ev = evaluate_box(objective, box, order=1)
    witness: dict[str, Any] = {"point": box.to_dict()["centre"]}
    if ev.kink_free is not True:
        return Evidence(
            Verdict.INCONCLUSIVE,
            ev.method,
            "Cannot decide whether theta is critical: " + kink_reason(ev, objective, "at theta"),
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
        gmax = saturating_float(abs(g[i]))  # summary only: the decision is exact
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            f"theta is not a critical point: the exact gradient entry {_param_name(objective, i)} "
            f"is {fmt6(g[i])} != 0.",
            margin=-gmax,
            tolerance=0.0,
            witness={
                **witness,
                "index": i,
                "parameter": _param_name(objective, i),
                "value": q_json(g[i]),
                "n_nonzero": len(nz),
            },
        )
    lo, hi = entry_bounds(g)
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
       Krawczyk test cannot succeed on the full box: the slice certificate is
       tried (:mod:`verify.certify.slice`: output coupling and positive scaling),
       else INCONCLUSIVE, NUMERIC, saying so. At a point with ``w ~ 0`` the ``w = 0``
       certificate (:mod:`verify.certify.zero_output`) is tried first, whatever the
       condition: its box has ``w = 0`` exactly.
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
    start = Box(as_box(objective, theta, "theta").centre)  # a Box is replaced by its centre
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
    # at w ~ 0 the w = 0 certificate comes first, even where the plain test would succeed: its
    # box has w = 0 exactly (a box around w = 0 cannot decide w = 0 or rank W in balls)
    sliced = zero_output_critical_point(objective, c, max_condition=max_condition)
    if sliced is None and (not np.all(np.isfinite(w)) or cond > max_condition):
        sliced = sliced_critical_point(objective, c, max_condition=max_condition)
    if sliced is not None:
        return Evidence(
            sliced.verdict,
            sliced.method,
            sliced.reason,
            margin=sliced.margin,
            tolerance=sliced.tolerance,
            witness={**info, **sliced.witness},
        )
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
    g = evaluate_box(objective, centre, order=1).gradient  # exact or ball, at the exact centre
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
    off = max(upper_bound(abs(v)) for v in cg.entries())
    search = _RadiusSearch(off, 2.0**-44 * cscale, rmax, radii)
    attempts: list[dict[str, Any]] = []
    r = search.next()
    while r is not None:
        box = Box(c, r)
        ev = evaluate_box(objective, box, order=2)
        if not ev.smooth:
            attempts.append({"radius": r, "result": "kink"})
            return Evidence(
                Verdict.INCONCLUSIVE,
                Method.CERTIFIED,
                f"No certificate: at radius {r:.3g} " + kink_reason(ev, objective, "on the box"),
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
    klo, khi = entry_bounds(np.array((a * dx - cg).entries(), dtype=object))
    ent = a.entries()
    rows = (sum((abs(v) for v in ent[i * n : (i + 1) * n]), flint.arb(0)) for i in range(n))
    alpha = max(upper_bound(row) for row in rows)
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
# Small helpers
# ---------------------------------------------------------------------------


def _jf(x: float) -> float | None:
    """JSON-ready float: ``None`` for inf/nan."""
    return float(x) if math.isfinite(x) else None


def _identity(n: int) -> flint.arb_mat:
    return flint.arb_mat([[1 if i == j else 0 for j in range(n)] for i in range(n)])


def _dist_up(a: np.ndarray, b: np.ndarray) -> float:
    d = max((abs(x - y) for x, y in zip(a, b, strict=True)), default=flint.fmpq(0))
    return upper_bound(flint.arb(d))


def _param_name(objective: Objective, i: int) -> str:
    for p in objective.model.layout:
        if p.offset <= i < p.stop:
            if not p.shape:
                return p.name
            idx = np.unravel_index(i - p.offset, p.shape)
            return f"{p.name}[{', '.join(str(int(k)) for k in idx)}]"
    return f"theta[{i}]"
