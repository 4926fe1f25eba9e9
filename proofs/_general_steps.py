r"""Proof steps in general dimension: Cauchy–Schwarz, the triangle inequality, and the
first-order chain of a model f = wᵀh with h independent of w (CLAIMS.md Y3, S1 D1).

Vectors are ``MatrixSymbol``s of symbolic length ``d``; identities are decided by
:func:`verify.proof.matrix_identity` (non-commutative canonical form, cross-checked
exactly at two sizes), inequalities between the resulting scalars by z3. The one fact
used as a rule is that a 1×1 matrix equals its transpose (qᵀp = pᵀq), which SymPy does
not apply to symbolic products.
"""

from __future__ import annotations

import sympy

from verify import (
    Evidence,
    Scope,
    Step,
    combine,
    matrix_identity,
    polynomial_sign,
    sympy_identity,
)

D = sympy.Symbol("d", integer=True, positive=True)
SIZES = ({D: 3}, {D: 5})
p, q, h, x, t, w, e = (sympy.MatrixSymbol(s, D, 1) for s in ("p", "q", "h", "x", "t", "w", "e"))
GENERAL_D = Scope("symbolic in all dimensions, every n", general=True)


def _ident(lhs: sympy.Basic, rhs: sympy.Basic) -> Evidence:
    return matrix_identity(lhs, rhs, sizes=SIZES)


def cauchy_schwarz_step() -> Step:
    """|pᵀq| ≤ ‖p‖‖q‖ in every dimension: ‖p − τq‖² ≥ 0 at τ = pᵀq/‖q‖²."""
    A, B, C, tau = sympy.symbols("A B C tau", real=True)

    def check() -> Evidence:
        return combine(
            {
                "expansion": _ident(
                    (p - tau * q).T * (p - tau * q),
                    p.T * p - tau * (p.T * q) - tau * (q.T * p) + tau**2 * (q.T * q),
                ),
                # A = ‖p‖², B = pᵀq, C = ‖q‖² > 0, 0 ≤ A − 2τB + τ²C at τC = B ⇒ AC − B² ≥ 0.
                "discriminant": polynomial_sign(
                    A * C - B**2,
                    [A >= 0, C > 0, sympy.Eq(tau * C, B), A - 2 * tau * B + tau**2 * C >= 0],
                ),
                # C = 0 means q = 0 (norm definiteness), so B = 0 and AC − B² = 0.
                "degenerate": polynomial_sign(A * C - B**2, [sympy.Eq(C, 0), sympy.Eq(B, 0)]),
            }
        )

    return Step(
        "cauchy_schwarz",
        "|pᵀq| ≤ ‖p‖‖q‖ for p, q in R^d, every d.",
        "‖p − τq‖² = ‖p‖² − 2τ pᵀq + τ²‖q‖² ≥ 0 (matrix identity, qᵀp = pᵀq); at τ = pᵀq/‖q‖² "
        "this gives ‖p‖²‖q‖² ≥ (pᵀq)² (z3); q = 0 is trivial.",
        check,
        GENERAL_D,
    )


def triangle_inequality_step(use: str) -> Step:
    """‖p + q‖ ≤ ‖p‖ + ‖q‖ in every dimension, from Cauchy–Schwarz."""
    P, Q, B = sympy.symbols("P Q B", real=True)

    def check() -> Evidence:
        return combine(
            {
                "expansion": _ident((p + q).T * (p + q), p.T * p + (p.T * q) + (q.T * p) + q.T * q),
                # (P + Q)² − ‖p + q‖² = 2(PQ − pᵀq) ≥ 0 when B = pᵀq ≤ PQ (Cauchy–Schwarz).
                "square_gap": sympy_identity((P + Q) ** 2 - (P**2 + 2 * B + Q**2), 2 * (P * Q - B)),
                "sign": polynomial_sign(P * Q - B, [P >= 0, Q >= 0, B**2 <= P**2 * Q**2]),
            }
        )

    return Step(
        "triangle_inequality_from_cauchy_schwarz",
        f"‖p + q‖ ≤ ‖p‖ + ‖q‖ in every dimension ({use}).",
        "‖p + q‖² = ‖p‖² + 2pᵀq + ‖q‖² (matrix identity) ≤ (‖p‖ + ‖q‖)² by cauchy_schwarz; "
        "take square roots of non-negative numbers.",
        check,
        GENERAL_D,
    )


def near_identity_first_order_steps() -> tuple[Step, ...]:
    """∇_w R = E[g h], E[gx] = E[g(x − h)] + ∇_w R, and the convexity chain, all d and n."""
    ell, qv, y = sympy.Function("ell"), sympy.Dummy("q"), sympy.Symbol("y", real=True)
    a, s, tt, g, lv = sympy.symbols("a s tt g ell_v", real=True)
    d1 = sympy.Subs(sympy.Derivative(ell(qv, y), qv), qv, a).doit()
    one = sympy.Identity(1)
    return (
        Step(
            "gradient_w_identity",
            "∇_w R = E[g h_L(x)]: for every direction e, d/dτ R(w + τe)|₀ = E[g eᵀh_L].",
            "(w + τe)ᵀh = wᵀh + τ eᵀh (matrix identity) and d/dτ ℓ(a + τs)|₀ = ℓ'(a) s (scalar); "
            "per sample, so every n.",
            lambda: combine(
                {
                    "linear_in_w": _ident((w + tt * e).T * h, w.T * h + tt * (e.T * h)),
                    "chain_rule": sympy_identity(
                        sympy.diff(ell(a + tt * s, y), tt).subs(tt, 0).doit(), d1 * s
                    ),
                }
            ),
            GENERAL_D,
        ),
        Step(
            "linear_correlation_equals_deviation_correlation",
            "E[g x] = E[g (x − h_L)] + ∇_w R, so E[g x] = E[g (x − h_L)] when ∇_w R = 0.",
            "Per-sample identity g x = g(x − h) + g h, symbolic in d; E is linear.",
            lambda: _ident(g * x, g * (x - h) + g * h),
            GENERAL_D,
        ),
        Step(
            "convexity_chain_identity",
            "E[ℓ(f) + g(tᵀx − f)] = R + tᵀE[g(x − h_L)] + (t − w)ᵀ∇_w R; with the tangent line "
            "of convex ℓ, E ℓ(tᵀx) ≥ R + tᵀE[g(x − h_L)] at ∇_w R = 0.",
            "Per-sample identity with f = wᵀh, symbolic in d; E is linear. The tangent-line "
            "inequality is the convexity premise.",
            lambda: _ident(
                lv * one + g * (t.T * x - w.T * h),
                lv * one + t.T * (g * (x - h)) + (t - w).T * (g * h),
            ),
            GENERAL_D,
        ),
    )


K = sympy.Symbol("k", integer=True, positive=True)
BLOCK_SIZES = ({D: 3, K: 2}, {D: 2, K: 5})


def _bident(lhs: sympy.Basic, rhs: sympy.Basic) -> Evidence:
    return matrix_identity(lhs, rhs, sizes=BLOCK_SIZES)


def single_block_first_order_steps() -> tuple[Step, ...]:
    """Shamir's block f = wᵀ(x + VF), V ∈ R^{d×k}: gradients, D1 chain, norms; all d, k, n."""
    V, E = sympy.MatrixSymbol("V", D, K), sympy.MatrixSymbol("E", D, K)
    F, c = sympy.MatrixSymbol("F", K, 1), sympy.MatrixSymbol("c", K, 1)
    ell, qv, y = sympy.Function("ell"), sympy.Dummy("q"), sympy.Symbol("y", real=True)
    a, s, tt, g, lv, r = sympy.symbols("a s tt g ell_v r", real=True)
    d1 = sympy.Subs(sympy.Derivative(ell(qv, y), qv), qv, a).doit()
    chain_rule = sympy_identity(sympy.diff(ell(a + tt * s, y), tt).subs(tt, 0).doit(), d1 * s)
    hid = x + V * F
    one = sympy.Identity(1)
    rule = "; E is linear, per-sample identities (every n)"
    return (
        Step(
            "gradient_w_identity",
            "∇_w R = E[g (x + VF)]: d/dτ R(w + τe)|₀ = E[g eᵀ(x + VF)] for every e.",
            "(w + τe)ᵀh = wᵀh + τeᵀh (matrix identity), d/dτ ℓ(a + τs)|₀ = ℓ'(a)s" + rule,
            lambda: combine(
                {
                    "linear": _bident((w + tt * e).T * hid, w.T * hid + tt * (e.T * hid)),
                    "chain_rule": chain_rule,
                }
            ),
            GENERAL_D,
        ),
        Step(
            "gradient_v_identity",
            "∇_V R = w E[gF]ᵀ: d/dτ R(V + τE)|₀ = E[g wᵀEF] = ⟨w E[gF]ᵀ, E⟩_F for every E.",
            "wᵀ(x + (V + τE)F) = wᵀ(x + VF) + τ wᵀEF (matrix identity), chain rule; "
            "⟨w Fᵀ, E⟩_F = wᵀEF is the trace rule" + rule,
            lambda: combine(
                {
                    "linear": _bident(w.T * (x + (V + tt * E) * F), w.T * hid + tt * (w.T * E * F)),
                    "chain_rule": chain_rule,
                }
            ),
            GENERAL_D,
        ),
        Step(
            "feature_correlation_from_v_gradient",
            "(w cᵀ)ᵀ w = ‖w‖² c, so ∇_V R = 0 and w ≠ 0 give E[gF] = 0.",
            "Matrix identity in symbolic d, k; ‖w‖² > 0 for w ≠ 0.",
            lambda: _bident((w * c.T).T * w, c * (w.T * w)),
            GENERAL_D,
        ),
        Step(
            "linear_correlation_from_w_gradient",
            "E[g x] = ∇_w R − V E[gF].",
            "Per-sample g(x + VF) − V(gF) = g x, symbolic in d, k" + rule,
            lambda: _bident(g * hid - V * (g * F), g * x),
            GENERAL_D,
        ),
        Step(
            "output_correlation_from_w_gradient",
            "E[g f] = wᵀ ∇_w R.",
            "Per-sample g wᵀ(x + VF) = wᵀ(g(x + VF)), symbolic in d, k" + rule,
            lambda: _bident(g * (w.T * hid), w.T * (g * hid)),
            GENERAL_D,
        ),
        Step(
            "convexity_chain_identity",
            "E[ℓ(f) + g(tᵀx − f)] = R + tᵀE[g x] − E[g f]; with the tangent line of convex ℓ, "
            "E ℓ(tᵀx) ≥ R + tᵀE[gx] − E[gf].",
            "Per-sample identity, symbolic in d, k" + rule + "; the tangent line is a premise.",
            lambda: _bident(
                lv * one + g * (t.T * x - w.T * hid), lv * one + t.T * (g * x) - g * (w.T * hid)
            ),
            GENERAL_D,
        ),
        Step(
            "rank_one_frobenius_norm",
            "‖w cᵀ‖_F² = ‖w‖²‖c‖², so ‖E[gF]‖ = ‖∇_V R‖_F/‖w‖ ≤ ε/‖w‖.",
            "(w cᵀ)ᵀ(w cᵀ) = c (wᵀw) cᵀ (matrix identity); trace(c cᵀ) = cᵀc (trace rule).",
            lambda: _bident((w * c.T).T * (w * c.T), c * (w.T * w) * c.T),
            GENERAL_D,
        ),
        Step(
            "operator_norm_bound",
            "‖Vc‖ ≤ ‖V‖₂‖c‖ for V ∈ R^{d×k}, every d, k.",
            "‖V‖₂ = sup_{c≠0} ‖Vc‖/‖c‖ (definition); homogeneity V(c/r) = (Vc)/r (matrix "
            "identity) makes the bound the definition for c ≠ 0; c = 0 is trivial. The 2×2 "
            "λ_max form is a cross-check.",
            lambda: _bident(V * (c / r), (V * c) / r),
            GENERAL_D,
        ),
    )


DX, DY, DZ = sympy.symbols("d_x d_y d_z", integer=True, positive=True)
KB_SIZES = ({DX: 4, DY: 2, DZ: 3}, {DX: 5, DY: 3, DZ: 1})


def basis_model_steps() -> tuple[Step, ...]:
    """Kawaguchi–Bengio's ŷ = W(x + Vz) (CLAIMS.md K2): gradients, the injective case and
    the basis problem, for all d_x, d_y, d_z and n. ⟨A, B⟩_F = trace(AᵀB) is a rule."""
    W, V = sympy.MatrixSymbol("W", DY, DX), sympy.MatrixSymbol("V", DX, DZ)
    E, EV = sympy.MatrixSymbol("E", DY, DX), sympy.MatrixSymbol("E_V", DX, DZ)
    A2, B2 = sympy.MatrixSymbol("A2", DY, DX), sympy.MatrixSymbol("B2", DY, DZ)
    xx, zz = sympy.MatrixSymbol("x", DX, 1), sympy.MatrixSymbol("z", DZ, 1)
    gg, Dm = sympy.MatrixSymbol("g", DY, 1), sympy.MatrixSymbol("D", DY, DZ)
    tt = sympy.Symbol("tt", real=True)
    hid = xx + V * zz

    def ident(lhs: sympy.Basic, rhs: sympy.Basic) -> Evidence:
        return matrix_identity(lhs, rhs, sizes=KB_SIZES)

    note = "; the multivariate chain rule d/dτ ℓ(q + τs) = gᵀs and ⟨M, N⟩_F = trace(MᵀN) are rules"
    return (
        Step(
            "gradient_v_identity",
            "∇_V L = Wᵀ E[g zᵀ]: W(x + (V + τE)z) = ŷ + τ W E z, and gᵀWEz = ⟨Wᵀ g zᵀ, E⟩_F.",
            "Matrix identities in symbolic d_x, d_y, d_z, per sample" + note,
            lambda: combine(
                {
                    "linear": ident(W * (xx + (V + tt * EV) * zz), W * hid + tt * (W * EV * zz)),
                    "inner_product": ident(gg.T * (W * EV * zz), (W.T * gg).T * EV * zz),
                }
            ),
            GENERAL_D,
        ),
        Step(
            "gradient_w_identity",
            "∇_W L = E[g xᵀ] + E[g zᵀ] Vᵀ: (W + τE)(x + Vz) = ŷ + τE(x + Vz), and "
            "g(x + Vz)ᵀ = g xᵀ + g zᵀVᵀ.",
            "Matrix identities in symbolic sizes, per sample" + note,
            lambda: combine(
                {
                    "linear": ident((W + tt * E) * hid, W * hid + tt * (E * hid)),
                    "outer": ident(gg * hid.T, gg * xx.T + gg * zz.T * V.T),
                }
            ),
            GENERAL_D,
        ),
        Step(
            "injective_case_zero_z_correlation",
            "If rank W = d_y then WWᵀ is invertible and (WWᵀ)⁻¹W(Wᵀ D) = D: "
            "∇_V L = WᵀD = 0 ⇒ D = 0.",
            "Matrix identity in symbolic sizes with (WWᵀ)⁻¹ (invertible by the case premise).",
            lambda: ident((W * W.T).I * W * (W.T * Dm), Dm),
            GENERAL_D,
        ),
        Step(
            "basis_problem_stationary_at_resnet_point",
            "J(A, B) = E ℓ(Ax + Bz): at (W, WV) the outputs are ŷ (same value); ∇_A J = E[g xᵀ] "
            "= ∇_W L − E[gzᵀ]Vᵀ, ∇_B J = E[g zᵀ]: both vanish once ∇_W L = 0 and E[gzᵀ] = 0.",
            "Matrix identities in symbolic sizes, per sample" + note,
            lambda: combine(
                {
                    "same_output": ident(W * xx + (W * V) * zz, W * hid),
                    "grad_A": ident(gg * hid.T - gg * zz.T * V.T, gg * xx.T),
                    "linear_A": ident((W + tt * E) * xx + (W * V) * zz, W * hid + tt * (E * xx)),
                }
            ),
            GENERAL_D,
        ),
        Step(
            "basis_problem_first_order_condition",
            "gᵀ(A'x + B'z − ŷ) = gᵀ(A' − W)x + gᵀ(B' − WV)z = ⟨g xᵀ, A' − W⟩ + ⟨g zᵀ, B' − WV⟩; "
            "with the tangent-plane inequality a stationary point of J is its minimum.",
            "Matrix identity in symbolic sizes, per sample" + note + "; the tangent plane is "
            "the convexity premise.",
            lambda: ident(
                gg.T * (A2 * xx + B2 * zz - W * hid),
                gg.T * ((A2 - W) * xx) + gg.T * ((B2 - W * V) * zz),
            ),
            GENERAL_D,
        ),
    )
