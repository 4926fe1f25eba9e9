r"""Rigorous certificates: exact inertia, eigenvalue enclosures, critical points, curvature.

Everything here either proves a statement (``Method.EXACT`` for exact rational
computation, ``Method.CERTIFIED`` for Arb ball enclosures) or says why it could
not (``Verdict.INCONCLUSIVE`` with a reason). Float64 is used only to *find*
candidates (eigenvectors, Newton steps, preconditioners); it never decides a
sign.

This module holds the second-order certificates; the package
:mod:`verify.certify` is the public face of all of them:

Matrix level (:mod:`verify.certify.inertia`)
    :func:`exact_inertia` (characteristic polynomial + Descartes, or exact
    symmetric elimination), :func:`certified_inertia` and
    :func:`certified_lambda_min_interval` (Sylvester congruence + Gershgorin on
    Arb balls), :func:`matrix_inertia` (fastest rigorous route for a matrix).

Objective level (each returns :class:`~verify.verdict.Evidence`)
    :func:`is_critical_at` (is ``theta`` itself a critical point?),
    :func:`critical_point_near` (is there a unique critical point in a box around
    ``theta``? Krawczyk), :func:`certify_critical_point` (either, by ``where``)
    and :func:`box_from_evidence` (in the private ``verify.certify.krawczyk``);
    :func:`certify_negative_curvature`, :func:`certify_hessian_psd`,
    :func:`certify_hessian_pd`, :func:`certify_local_minimum` (here).

A *point* argument is either a parameter vector (ints, floats, ``Fraction`` or
``fmpq``; floats are read as their exact binary value) or a :class:`Box`. At a
point of a model whose activations and loss are rational functions the exact
arithmetic is used; otherwise (and over every box of positive radius) the Arb
ball arithmetic, whose results enclose the true values at every point of the box
(:class:`Box` and that evaluation are in the private ``verify.certify.box``).

Kinks (DESIGN.md rule 5): no certificate is ever issued unless the risk is
provably C² where it is evaluated, i.e. the kink margin is exactly positive
(exact) or its rigorous lower bound is positive over the whole box (ball).
"""

from __future__ import annotations

from typing import Any

import flint
import numpy as np

from verify.certify.box import Box, as_box, evaluate_box, exact_vector, kink_reason, q_json
from verify.certify.inertia import (
    Inertia,
    ball_matrix,
    entry_bounds,
    matrix_inertia,
    spectrum,
)
from verify.certify.krawczyk import (
    box_from_evidence,
    critical_point_near,
)
from verify.errors import BackendError, InvalidInput
from verify.numbers.arithmetic import Arithmetic, fmpq_to_fraction, to_float_array
from verify.objectives.empirical import Objective
from verify.verdict import Evidence, Method, Verdict, weakest

_DIRECTION_BITS = 24  # negative-curvature directions are rounded to multiples of 2^-24


# ---------------------------------------------------------------------------
# Second order
# ---------------------------------------------------------------------------


def negative_curvature_direction(objective: Objective, theta: Any) -> np.ndarray:
    """Float eigenvector of the smallest eigenvalue of the float Hessian at ``theta``,
    scaled to max-norm 1 and rounded to multiples of 2^-24 (object array of ``fmpq``).

    Only a candidate: certify it with :func:`certify_negative_curvature`. Raises
    :class:`~verify.errors.BackendError` if the float Hessian is not finite there.
    """
    box = as_box(objective, theta, "theta")
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
    box = as_box(objective, point)
    vv = _float_direction(objective, box) if v is None else exact_vector("v", v)
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
    ev = evaluate_box(objective, box, order=2)
    witness: dict[str, Any] = {"v": [q_json(x) for x in vv], "box": box.to_dict()}
    if not ev.smooth:
        return Evidence(
            Verdict.INCONCLUSIVE,
            ev.method,
            "No curvature certificate: " + kink_reason(ev, objective, "here"),
            witness={**witness, "kink_margin": ev.kink},
        )
    h = ev.hessian
    assert h is not None
    if ev.method is Method.EXACT:
        quot = (vv @ (h @ vv)) / norm2
        val = float(fmpq_to_fraction(quot))
        witness["rayleigh_upper"] = val
        witness["rayleigh"] = q_json(quot)
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
    lo, hi = entry_bounds(np.array([quot_b], dtype=object))
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
    ev = evaluate_box(objective, box, order=2)
    witness: dict[str, Any] = {"box": box.to_dict()}
    if not ev.smooth:
        return (
            None,
            None,
            ev.method,
            kink_reason(ev, objective, "here"),
            {**witness, "kink_margin": ev.kink},
        )
    h = ev.hessian
    assert h is not None
    if ev.method is Method.EXACT:
        inertia = matrix_inertia(h)
        witness["inertia"] = inertia.to_dict()
        return inertia, None, inertia.method, "", witness
    spec = spectrum(ball_matrix("hessian", h))
    witness["inertia"] = spec.inertia.to_dict()
    witness["lambda_min_interval"] = list(spec.lam_min)
    return spec.inertia, spec.lam_min, Method.CERTIFIED, "", witness


def _hessian_sign(objective: Objective, point: Any, strict: bool) -> Evidence:
    """Shared body of :func:`certify_hessian_psd` (``strict=False``) and
    :func:`certify_hessian_pd` (``strict=True``)."""
    box = as_box(objective, point)
    inertia, lam, method, why, witness = _hessian_spectrum(objective, box)
    if inertia is None:
        return Evidence(
            Verdict.INCONCLUSIVE, method, "No Hessian certificate: " + why, witness=witness
        )
    bad = inertia.n_neg > 0 or (strict and inertia.n_zero > 0)
    if bad:
        text = (
            f"The Hessian is not positive definite (inertia {_fmt(inertia)})."
            if strict
            else f"The Hessian has {inertia.n_neg} negative eigenvalue(s) "
            f"(inertia {_fmt(inertia)})."
        )
        return Evidence(
            Verdict.VIOLATED, method, text, margin=lam[1] if lam else None, tolerance=0.0,
            witness=witness,
        )
    if inertia.determined:
        text = (
            f"The Hessian is positive definite (inertia {_fmt(inertia)})."
            if strict
            else f"The Hessian has no negative eigenvalue (inertia {_fmt(inertia)})."
        )
        return Evidence(
            Verdict.HOLDS, method, text, margin=lam[0] if lam else None, tolerance=0.0,
            witness=witness,
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        method,
        f"{inertia.n_unknown} eigenvalue(s) of the Hessian enclosure could not be "
        f"separated from 0 (inertia {_fmt(inertia)}).",
        witness=witness,
    )


def certify_hessian_psd(objective: Objective, point: Any) -> Evidence:
    r"""Claim ``λ_min(∇²R) >= 0`` at a point (or at every point of a box).

    At a rational point of a rational model the exact inertia decides it, so a
    singular PSD Hessian (zero eigenvalues, none negative: e.g. dead ReLU units)
    gives HOLDS with the counts in ``witness["inertia"]``. Over a box (or for
    transcendental models) only the certified inertia is available: HOLDS needs
    every eigenvalue provably positive, VIOLATED a provably negative one.
    """
    return _hessian_sign(objective, point, strict=False)


def certify_hessian_pd(objective: Objective, point: Any) -> Evidence:
    r"""Claim ``λ_min(∇²R) > 0`` at a point (or at every point of a box).

    VIOLATED when a zero (exact) or negative (exact or certified) eigenvalue is
    proved; singular enclosures are INCONCLUSIVE.
    """
    return _hessian_sign(objective, point, strict=True)


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
