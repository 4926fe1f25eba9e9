r"""S1, step D2: at ``w = 0`` a single-block ResNet critical point is a strict saddle.

Statement
    Model ``f(x) = w^T (x + V F(x))``, ``F(x) = relu(A x + b)``, convex loss,
    ``g_0 := l'(0; y)``. At a critical point with ``w = 0`` put ``m = E[g_0 F]`` and
    ``A_w = E[l''(0; y) h h^T]``, ``h = x + V F``. The Hessian restricted to ``(w, V)`` is
    ``[[A_w, C], [C^T, 0]]`` with ``d^2R / dw_a dV_bc = delta_ab m_c``. If ``m != 0`` the
    direction ``(alpha u, -u m^T)`` has curvature

        alpha^2 u^T A_w u - 2 alpha |u|^2 |m|^2 < 0     for 0 < alpha < 2 |u|^2 |m|^2 / u^T A_w u,

    a strict saddle. If ``m = 0`` then ``E[g_0 x] = 0`` and ``R = E l(0; y) = R_lin``. (The
    direction is used unnormalised -- CLAIMS.md divides by the possibly irrational ``|m|``
    -- which scales the curvature by ``|m|^2 > 0``; ``alpha = |u|^2 |m|^2 / u^T A_w u`` if
    ``u^T A_w u > 0``, else 1. It has no ``(A, b)`` part, so its curvature is the form above.)

Reference
    Shamir, NeurIPS 2018, "every local minimum has R <= R_lin" [S]; proof step D2 derived in
    CLAIMS.md S1 [D]. Instances (squared loss without 1/2, ``A = I``, ``b = (1/4, 1/4)``):
    ``shamir_saddle.json`` (``V = 0``, ``m = (0, -3/8)``; criticality forces ``R = R_lin``
    too); ``shamir_w0_bad.json`` (``V = -E[g_0 x] m^T / |m|^2 != 0``, ``R > R_lin``: only the
    strict-saddle branch saves the theorem); ``shamir_w0_flat.json`` (labels orthogonal to
    ``x`` and ``F``: ``m = 0``, PSD Hessian, ``R = R_lin``).

Checked
    All asserted checks EXACT (``Fraction`` by hand and the library's ``fmpq`` engine, which
    must agree; the hand side is the proof kit's :func:`verify.single_block_point`): exact
    criticality (library gradient 0; ``E[g_0 x] + V m = 0`` by hand) and kink margin > 0;
    the library Hessian's ``(w, V)`` structure; for ``m != 0`` the direction's curvature
    ``v^T H v`` equals the formula, is < 0, and ``certify_negative_curvature`` agrees;
    ``R`` vs ``R_lin`` (proof-kit least squares); the library's S1 report HOLDS via the
    strict-saddle branch (``m != 0``) or via ``R <= R_lin`` with ``negative_curvature``
    VIOLATED (``m = 0``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from verify import (
    Claim,
    Evidence,
    Instance,
    Method,
    Verdict,
    certify_critical_point,
    certify_negative_curvature,
    conclusion_branch,
    conjunction,
    evidence,
    exact_array,
    exact_hessian,
    exact_risk,
    exact_text,
    fmt_vector,
    linear_risk,
    matrix_inertia,
    objective_of,
    parse_instance,
    run_script,
    single_block_point,
    to_fraction,
)

TITLE = "S1/D2  Shamir 2018: single-block ResNet at w = 0 (strict saddle or R <= R_lin)"
SHAMIR_PATH = Path(__file__).resolve().parent / "instances" / "shamir_saddle.json"
SHAMIR_DOC: dict[str, Any] = json.loads(SHAMIR_PATH.read_text())
# m != 0 and E[g_0 x] != 0: V = -E[g_0 x] m^T / |m|^2 makes w = 0 critical (see docstring).
BAD_DOC: dict[str, Any] = json.loads((SHAMIR_PATH.parent / "shamir_w0_bad.json").read_text())
# Labels orthogonal to x_1, x_2, F_1, F_2 on these samples: m = 0 and E[g_0 x] = 0.
FLAT_DOC: dict[str, Any] = json.loads((SHAMIR_PATH.parent / "shamir_w0_flat.json").read_text())
DEFAULT_U: tuple[Fraction, ...] = (Fraction(1), Fraction(0))
EXACT = Method.EXACT


def check_critical_at_w0(inst: Instance) -> Evidence:
    """``w = 0``, exact gradient 0 (library), ``E[g_0 x] + V m = 0`` (hand), kink margin > 0."""
    d2 = single_block_point(inst)
    lib = certify_critical_point(objective_of(inst), inst.require_params(), where="at")
    grad_w = list(np.asarray(d2.g_x, dtype=object) + d2.v_mat @ np.asarray(d2.m, dtype=object))
    witness = {"m": exact_text(d2.m), "E[g0 x]": exact_text(d2.g_x), "kink_margin": str(d2.margin)}
    if d2.margin <= 0:
        text = "a sample sits on a ReLU kink (margin 0): R is not differentiable there in general"
        return evidence(None, EXACT, text + ", so criticality is not decided.", witness=witness)
    if any(d2.w):
        return evidence(False, EXACT, f"w = {fmt_vector(d2.w)} is not 0: not a point of step D2.")
    hand = f"by hand grad_w R = E[g0 x] + V m = {fmt_vector(grad_w)} != 0" if any(grad_w) else ""
    if (not hand) != (lib.verdict is Verdict.HOLDS):
        text = f"hand computation and library disagree: {hand or 'hand: 0'}; library: {lib.reason}"
        return evidence(None, EXACT, text, witness=witness)
    if hand:
        return evidence(False, EXACT, f"{hand}; library: {lib.reason}", witness=witness)
    text = f"w = 0; library exact gradient = 0; by hand E[g0 x] = {fmt_vector(d2.g_x)}, m = "
    text += f"{fmt_vector(d2.m)}, E[g0 x] + V m = 0; kink margin {d2.margin} > 0."
    return evidence(True, EXACT, text, witness=witness)


def check_hessian_structure(inst: Instance) -> Evidence:
    """The library's exact (w, V) Hessian block is ``[[A_w, delta_ab m_c], [., 0]]``."""
    d2, h = single_block_point(inst), exact_array(exact_hessian(inst))
    model = inst.require_model()
    ow, ov = model.param("w").offset, model.param("blocks[0].V").offset
    (d, k), m, a_w = d2.v_mat.shape, d2.m, d2.a_w
    blocks = {  # (w, w) = A_w, (w, V) = delta_ab m_c, (V, V) = 0
        "w-w": (h[ow : ow + d, ow : ow + d], a_w),
        "w-V": (h[ow : ow + d, ov : ov + d * k], np.kron(np.eye(d, dtype=int), [m])),
        "V-V": (h[ov : ov + d * k, ov : ov + d * k], 0),
    }
    bad = [
        f"H {name} block = {got.tolist()}"
        for name, (got, want) in blocks.items()
        if (got != want).any()
    ]
    shown = exact_text(a_w)
    witness = {"A_w": shown, "m": exact_text(m)}
    if bad:
        return evidence(False, EXACT, "; ".join(bad[:3]) + ".", witness=witness)
    text = f"w-w block = A_w = {shown} (by hand), d2R/dw_a dV_bc = delta_ab m_c with m = "
    text += f"{fmt_vector(m)}, V-V block = 0 (library exact Hessian)."
    return evidence(True, EXACT, text, witness=witness)


def check_descent_direction(
    inst: Instance, u: Sequence[Fraction] = DEFAULT_U, alpha: Fraction | None = None, sign: int = -1
) -> Evidence:
    """``v^T H v < 0`` exactly for ``v = (alpha u, sign u m^T)`` (``sign = +1``: the wrong sign,
    for tests), matching the D2 formula; ``certify_negative_curvature(v)`` must agree."""
    d2 = single_block_point(inst)
    m, uu = np.asarray(d2.m, dtype=object), np.asarray(u, dtype=object)
    if not any(m):
        text = "m = 0: the D2 direction (alpha u, -u m^T) has no V part and curvature "
        return evidence(False, EXACT, text + "alpha^2 u^T A_w u >= 0; no strict saddle this way.")
    uau, u2, m2 = uu @ d2.a_w @ uu, uu @ uu, m @ m
    al = (u2 * m2 / uau if uau > 0 else Fraction(1)) if alpha is None else alpha
    model = inst.require_model()
    named = {p.name: np.zeros(p.shape, dtype=object) for p in model.layout}
    named["blocks[0].V"], named["w"] = sign * np.outer(uu, m), al * uu
    v = model.pack(named, dtype=object)
    lib_q = to_fraction(v @ exact_array(exact_hessian(inst)) @ v)
    hand_q = al * al * uau + 2 * sign * al * u2 * m2
    cert = certify_negative_curvature(objective_of(inst), inst.require_params(), v)
    witness = {"u": exact_text(u), "alpha": str(al), "sign": sign, "v": exact_text(v)}
    witness |= {"vHv": str(lib_q), "formula": str(hand_q)}
    pm = "-" if sign < 0 else "+"
    text = f"u = {fmt_vector(u)}, alpha = {al}, v = (alpha u, {pm}u m^T): alpha^2 u^T A_w u {pm} "
    text += f"2 alpha |u|^2 |m|^2 = {al * al * uau} {pm} {2 * al * u2 * m2} = {hand_q}; "
    text += f"library v^T H v = {lib_q}"
    if lib_q != hand_q or hand_q >= 0:
        ok = None if lib_q != hand_q else False
        why = ": the library and the D2 formula disagree." if ok is None else " >= 0: no descent."
        return evidence(ok, EXACT, text + why, witness=witness)
    if cert.verdict is not Verdict.HOLDS or cert.method is not EXACT:
        text += f" < 0, but certify_negative_curvature says: {cert.reason}"
        return evidence(None, cert.method, text, witness=witness)
    text += f" < 0; certify_negative_curvature(v): {cert.reason}"
    return evidence(True, EXACT, text, margin=float(-hand_q), witness=witness)


def check_risk_vs_linear(inst: Instance, relation: str) -> Evidence:
    """``R > R_lin`` (``relation=">"``) or ``R = R_lin`` (``"="``) exactly, at ``w = 0``
    (``R = E[y^2]``; ``R_lin`` by exact least squares without intercept)."""
    d2 = single_block_point(inst)
    risk, r_lin = d2.ys @ d2.ys / len(d2.ys), linear_risk(d2.xs.tolist(), list(d2.ys))
    lib = exact_risk(inst)
    text = f"R = E[y^2] = {risk} (library {lib}), R_lin = {r_lin} (exact least squares)"
    if lib != risk:
        return evidence(None, EXACT, text + ": engines disagree.")
    ok = risk > r_lin if relation == ">" else risk == r_lin
    text += f"; R {relation} R_lin." if ok else f"; not R {relation} R_lin."
    return evidence(ok, EXACT, text, margin=float(risk - r_lin))


def check_flat_case(inst: Instance) -> Evidence:
    """``m = 0`` and ``E[g_0 x] = 0`` exactly, and the exact Hessian is PSD (no strict saddle)."""
    d2, ine = single_block_point(inst), matrix_inertia(exact_hessian(inst))
    text = f"m = {fmt_vector(d2.m)}, E[g0 x] = {fmt_vector(d2.g_x)}; exact Hessian inertia "
    text += f"(n_pos={ine.n_pos}, n_zero={ine.n_zero}, n_neg={ine.n_neg})"
    if any([*d2.m, *d2.g_x]):
        return evidence(False, EXACT, text + ": m or E[g0 x] is not 0.")
    if ine.n_neg or ine.n_unknown:
        return evidence(False, ine.method, text + ": a negative eigenvalue.")
    text += ": PSD, so this critical point is not a strict saddle and D2 needs its second case."
    return evidence(True, ine.method, text)


def claims() -> list[Claim]:
    """Every claim, on the module's instances (tests monkeypatch ``BAD_DOC``)."""
    shamir, bad, flat = map(parse_instance, (SHAMIR_DOC, BAD_DOC, FLAT_DOC))
    s1, d2, d2b = "verify.check(theorem('S1'), instance)", "[D] D2", "[D] D2, second case"
    saddle, below = "negative_curvature", "risk_le_linear"  # the two branches of S1's conclusion
    rows: list[Claim] = []
    # fmt: off
    for label, inst in (("shamir_saddle.json", shamir), ("bad (V != 0)", bad)):
        rows += [
            Claim(f"[{label}] w = 0 is an exact critical point, no sample on a kink", d2,
                  "library exact gradient; E[g0 x] + V m by hand", check_critical_at_w0(inst)),
            Claim(f"[{label}] (w, V) Hessian block is [[A_w, delta_ab m_c], [., 0]]", d2,
                  "library exact Hessian vs hand A_w and m", check_hessian_structure(inst)),
            Claim(f"[{label}] the D2 direction (alpha u, -u m^T) has v^T H v < 0", d2,
                  "exact quadratic form, formula, certify_negative_curvature(v)",
                  check_descent_direction(inst)),
        ]
    return [*rows,
        Claim("[shamir_saddle.json] S1 holds via the strict-saddle branch (and R = R_lin: V = 0 "
              "forces E[g0 x] = 0)", "[S] S1, [D] D2", s1,
              conjunction(conclusion_branch("S1", shamir, saddle, {below: "holds"}),
                          check_risk_vs_linear(shamir, "="))),
        Claim("[bad (V != 0)] R > R_lin, so only the strict-saddle branch holds; S1 holds",
              "[S] S1, [D] D2", "exact least squares; " + s1,
              conjunction(check_risk_vs_linear(bad, ">"),
                          conclusion_branch("S1", bad, saddle, {below: "violated"}))),
        Claim("[m = 0] critical at w = 0, PSD Hessian (no strict saddle)", d2b,
              "hand m, E[g0 x]; exact inertia of the library Hessian",
              conjunction(check_critical_at_w0(flat), check_flat_case(flat))),
        Claim("[m = 0] R = R_lin, and S1 holds via R <= R_lin", d2b, "exact least squares; " + s1,
              conjunction(check_risk_vs_linear(flat, "="),
                          conclusion_branch("S1", flat, below, {saddle: "violated"}))),
    ]
    # fmt: on


def main() -> int:
    """Print every claim; exit 0 only if every asserted claim is reproduced."""
    return run_script(TITLE, claims)


if __name__ == "__main__":
    raise SystemExit(main())
