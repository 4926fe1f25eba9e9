r"""Deep ResNets: R(θ*) ≤ R_lin or negative curvature, WITHOUT premise 1 (derived theorem Y1′).

Statement
    Model h_1 = x + V_1 φ¹(x), h_l = h_{l-1} + V_l φˡ(U_l h_{l-1}) (l = 2..L), f = wᵀh_L,
    ℓ(p; y) convex and twice differentiable in p, any widths d_x, m_l, n_l, any depth L
    and sample size n. At a twice-differentiable critical point θ* with
    col([U_2ᵀ … U_Lᵀ]) ≠ R^{d_x}: R(θ*) ≤ R_lin or λ_min(∇²R(θ*)) < 0.

Premises
    critical_point: ∇R(θ*) = 0.
    twice_differentiable: R is twice differentiable at θ*.
    loss_convex_c2: ℓ(·; y) is convex and twice differentiable.
    column_space: N = ∩_{l≥2} null(U_l) ≠ {0} (premise 2 of Y1).

Conclusion
    better_than_linear_or_saddle: R(θ*) ≤ R_lin or λ_min(∇²R(θ*)) < 0.

Proof outline (CLAIMS.md §Y1-D steps 1–7)
    backprop_invariance: b_L = w, b_{l-1} = b_l + U_lᵀJᵀV_lᵀb_l, so uᵀb_l = uᵀw for u ∈ N.
    perturbation_identity: (w + αu, V_l + βucᵀ) gives
        f' = f + α uᵀh_L + β (wᵀu) cᵀφˡ + αβ ‖u‖² cᵀφˡ exactly.
    v_gradient_along_null_space: ∇_{V_l}R = E[g b_l φˡᵀ], so uᵀ∇_{V_l}R = (uᵀw) E[gφˡ]ᵀ.
    case_a_correlations_vanish: some u ∈ N with uᵀw ≠ 0 ⇒ E[gφˡ] = 0 for all l.
    case_b_explicit_negative_curvature: w ⊥ N, u ∈ N∖{0}, c = E[gφˡ] ≠ 0: along
        v = (εu, −ucᵀ) the second derivative is ε²E[ℓ''(uᵀh_L)²] − 2ε‖u‖²‖c‖² < 0
        at ε = ‖u‖²‖c‖²/(E[ℓ''(uᵀh_L)²] + 1).
    linear_correlations_vanish: E[gφˡ] = 0 ∀l ⇒ E[gx] = ∇_wR − Σ V_l E[gφˡ] = 0, E[gf] = 0.
    convexity_chain: E ℓ(tᵀx) ≥ R + tᵀE[gx] − E[gf] = R for every t.

Reference
    Derived here [D], CLAIMS.md §Y1-D: derived lemma, not the paper's theorem; stronger than
    Yun, Sra & Jadbabaie (NeurIPS 2019)'s poster statement, whose proof was not available.

Scope
    Steps 1–3 and 6–7 are identities between matrix expressions of symbolic shape
    (MatrixSymbol in d_x, m_l, n_l), decided as non-commutative polynomials, i.e. in all
    dimensions; the depth enters only through the one-block induction step, so they hold
    for every L; the sample mean enters linearly (per-sample identities), so every n.
    Every matrix identity is also evaluated exactly at two size tuples with all sizes
    distinct, and steps 1–2 are cross-checked on whole depth-3 networks with exact
    rational data. Steps 4–5 are scalar (ℓ an undefined function; the sign by z3).
    Taken as rules, not checked: the multivariate chain rule (the Jacobian of a block),
    the tangent-line inequality of a convex ℓ, Rayleigh's λ_min ≤ vᵀHv/‖v‖², linearity of E.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy

from verify import (
    GENERAL,
    SETTING_DEFINITIONS,
    Evidence,
    Implies,
    Not,
    Or,
    Proof,
    Scope,
    Statement,
    Step,
    catalogue_premises,
    check_proof,
    combine,
    matrix_identity,
    polynomial_sign,
    sympy_identity,
    theorem,
)

from ._deep_network import cross_backprop, cross_perturbation, cross_v_gradient

THEOREM_ID = "Y1'"
WITHOUT: tuple[str, ...] = ()
PREMISES = catalogue_premises(theorem(THEOREM_ID, WITHOUT))
CONCLUSION = (
    "better_than_linear_or_saddle",
    "R(theta*) <= R_lin or lambda_min(Hessian R(theta*)) < 0",
)

D, M, Q = sympy.symbols("d_x m_l n_l", integer=True, positive=True)
SIZES = ({D: 3, M: 4, Q: 5}, {D: 6, M: 2, Q: 3})
CROSS_SIZES = ((5, (2, 1), (3, 4, 6)), (6, (1, 3), (4, 2, 5)))  # d, (m_2, m_3), (n_1, n_2, n_3)


def _ms(name: str, rows: sympy.Expr, cols: sympy.Expr = 1) -> sympy.MatrixSymbol:
    return sympy.MatrixSymbol(name, rows, cols)


u, w, b, h, x, t = (_ms(s, D) for s in ("u", "w", "b", "h", "x", "t"))
U, V, J = _ms("U", M, D), _ms("V", D, Q), _ms("J", Q, M)
P, c = _ms("P", Q), _ms("c", Q)
alpha, beta, delta, g = sympy.symbols("alpha beta delta g", real=True)


def _ident(lhs: sympy.Basic, rhs: sympy.Basic) -> Evidence:
    return matrix_identity(lhs, rhs, sizes=SIZES)


def paper_expansion(f, uh, wu, uu, cphi, a, bb):  # type: ignore[no-untyped-def]
    """CLAIMS §Y1-D step 2: f + α uᵀh_L + β (wᵀu) cᵀφ + αβ ‖u‖² cᵀφ."""
    return f + a * uh + bb * wu * cphi + a * bb * uu * cphi


def build_steps(
    *,
    expansion: Callable[..., sympy.Expr] = paper_expansion,
    backprop: Callable[[], sympy.Basic] = lambda: b + U.T * J.T * V.T * b,
    escape_eps: Callable[[sympy.Expr, sympy.Expr], sympy.Expr] = lambda A, K: K / (A + 1),
    seed: int = 0,
) -> tuple[Step, ...]:
    """The seven steps of CLAIMS §Y1-D; the formulas are inputs so tests can break them."""
    general_l = Scope("symbolic in all dimensions, induction in L, every n", general=True)
    wu, uh, uu, cphi = sympy.symbols("s a_h k_u tau", real=True)

    def step1() -> Evidence:
        return combine(
            {
                "transpose_of_block_jacobian": _ident(
                    (sympy.Identity(D) + V * J * U).T * b, backprop()
                ),
                "induction_step": _ident(u.T * backprop() - u.T * b, (U * u).T * (J.T * V.T * b)),
                "whole_network_cross_check": cross_backprop(seed, CROSS_SIZES),
            }
        )

    def step2() -> Evidence:
        lin = sympy.Symbol("f", real=True)
        return combine(
            {
                "branch_input_unchanged": _ident(U * (h + delta * u), U * h + delta * (U * u)),
                "later_block_keeps_shift": _ident((h + delta * u) + V * P, (h + V * P) + delta * u),
                "block_l_shift": _ident(
                    h + (V + beta * u * c.T) * P, (h + V * P) + beta * u * (c.T * P)
                ),
                "output_inner_product": _ident(
                    (w + alpha * u).T * (h + delta * u),
                    w.T * h + alpha * (u.T * h) + delta * (w.T * u) + alpha * delta * (u.T * u),
                ),
                "output_expansion": sympy_identity(
                    sympy.expand(lin + alpha * uh + (wu + alpha * uu) * beta * cphi),
                    expansion(lin, uh, wu, uu, cphi, alpha, beta),
                ),
                "whole_network_cross_check": cross_perturbation(seed, CROSS_SIZES, expansion),
            }
        )

    def step3() -> Evidence:
        return combine(
            {
                "projection": _ident(
                    u.T * (g * b * P.T) - (u.T * w) * (g * P.T), (u.T * b - u.T * w) * (g * P.T)
                ),
                "v_gradient_whole_network_cross_check": cross_v_gradient(seed, CROSS_SIZES),
            }
        )

    def step4() -> Evidence:
        s = sympy.Symbol("s", nonzero=True, real=True)
        return _ident(c, (1 / s) * (s * c))

    def step5() -> Evidence:
        ell, q, y, eps, tt = (
            sympy.Function("ell"),
            sympy.Dummy("q"),
            *sympy.symbols("y eps tt", real=True),
        )
        f0, a_, k_, tau = sympy.symbols("f a k tau", real=True)
        path = ell(f0 + tt * eps * a_ - tt**2 * eps * k_ * tau, y)
        second = sympy.diff(path, tt, 2).subs(tt, 0).doit()
        d1 = sympy.Subs(sympy.Derivative(ell(q, y), q), q, f0).doit()
        d2 = sympy.Subs(sympy.Derivative(ell(q, y), (q, 2)), q, f0).doit()
        A, K = sympy.symbols("A K", real=True)
        e = escape_eps(A, K)
        num, den = sympy.fraction(sympy.cancel(sympy.together(2 * e * K - e**2 * A)))
        return combine(
            {
                "second_derivative_along_direction": sympy_identity(
                    second, eps**2 * d2 * a_**2 - 2 * eps * k_ * tau * d1
                ),
                "mean_of_cross_term": _ident(g * (c.T * P), c.T * (g * P)),
                "quadratic_form_negative": polynomial_sign(num * den, [A >= 0, K > 0], strict=True),
                "step_positive": polynomial_sign(
                    sympy.prod(sympy.fraction(sympy.cancel(e))), [A >= 0, K > 0], strict=True
                ),
            }
        )

    def step6() -> Evidence:
        return combine(
            {
                "telescoping_one_block": _ident(g * (h + V * P) - V * (g * P), g * h),
                "output_correlation": _ident(g * (w.T * h), w.T * (g * h)),
            }
        )

    def step7() -> Evidence:
        ell_v, f_v = sympy.symbols("ell_v f_v", real=True)
        return _ident(
            ell_v * sympy.Identity(1) + g * (t.T * x) - g * f_v * sympy.Identity(1),
            ell_v * sympy.Identity(1) + t.T * (g * x) - (g * f_v) * sympy.Identity(1),
        )

    case_a, corr = "w_not_orthogonal_to_null_space", "branch_correlations_vanish"
    return (
        Step(
            "backprop_invariance",
            "b_L = w and uᵀb_{l-1} = uᵀb_l for u ∈ N: uᵀb_l = uᵀw ∀l, x.",
            "b_{l-1} = (I + V_l J U_l)ᵀ b_l (chain rule); uᵀ(b + UᵀJᵀVᵀb) − uᵀb = (Uu)ᵀJᵀVᵀb = 0.",
            step1,
            general_l,
            (),
            ("backprop_invariant",),
        ),
        Step(
            "perturbation_identity",
            "(w + αu, V_l + βucᵀ), u ∈ N: f' = f + αuᵀh_L + β(wᵀu)cᵀφˡ + αβ‖u‖²cᵀφˡ.",
            "Block l shifts h_l by (βcᵀφˡ)u; U_k u = 0 keeps every "
            "later branch input, so the shift propagates to h_L (induction); "
            "expand (w+αu)ᵀ(h_L+δu).",
            step2,
            general_l,
            (),
            ("perturbation_identity",),
        ),
        Step(
            "v_gradient_along_null_space",
            "uᵀ∇_{V_l}R = (uᵀw)E[gφˡ]ᵀ for u ∈ N.",
            "∇_{V_l}R = E[g b_l φˡᵀ]; uᵀ(g b φᵀ) − (uᵀw)gφᵀ = (uᵀb − uᵀw)gφᵀ = 0 by step 1.",
            step3,
            general_l,
            ("backprop_invariant",),
            ("v_gradient_along_null_space",),
        ),
        Step(
            "case_a_correlations_vanish",
            "If uᵀw ≠ 0 for some u ∈ N, E[gφˡ] = 0 for every l.",
            "∇_{V_l}R = 0 gives s·E[gφˡ] = 0 with s = uᵀw ≠ 0, and c = (1/s)(s c).",
            step4,
            GENERAL,
            ("critical_point", "v_gradient_along_null_space"),
            (Implies(case_a, corr),),
        ),
        Step(
            "case_b_explicit_negative_curvature",
            "If w ⊥ N and c = E[gφˡ] ≠ 0 for some l, "
            "vᵀ∇²R v < 0 for v = (εu, −ucᵀ), ε = ‖u‖²‖c‖²/(E[ℓ''(uᵀh_L)²] + 1); else corr. = 0.",
            "By step 2 with wᵀu = 0, R(θ*+τv) = E ℓ(f + τεa − τ²ε‖u‖²cᵀφ); d²/dτ² at 0 is "
            "ε²A − 2εK with A ≥ 0 (convexity), K = ‖u‖²‖c‖² > 0; z3 proves 2εK − ε²A > 0.",
            step5,
            GENERAL,
            (
                "critical_point",
                "twice_differentiable",
                "loss_convex_c2",
                "column_space",
                "perturbation_identity",
            ),
            (Implies(Not(case_a), Or("negative_curvature", corr)),),
        ),
        Step(
            "linear_correlations_vanish",
            "E[gφˡ] = 0 ∀l ⇒ E[gx] = ∇_wR − ΣV_lE[gφˡ] = 0 and E[gf] = wᵀ∇_wR = 0.",
            "h_l = h_{l-1} + V_lφˡ telescopes (induction in L); ∇_wR = "
            "E[g h_L]; per-sample identities, E linear.",
            step6,
            general_l,
            ("critical_point",),
            (Implies(corr, "linear_correlations_vanish"),),
        ),
        Step(
            "convexity_chain",
            "E[ℓ(f) + g(tᵀx − f)] = R + tᵀE[gx] − E[gf]; with the tangent line, "
            "E ℓ(tᵀx) ≥ R for all t, so R ≤ R_lin.",
            "Per-sample identity; the tangent-line "
            "inequality is the convexity premise (not checked).",
            step7,
            general_l,
            ("loss_convex",),
            (Implies("linear_correlations_vanish", "risk_le_linear"),),
        ),
    )


def statement(
    premises: dict[str, str] | None = None,
    catalogue: tuple[str, tuple[str, ...]] = (THEOREM_ID, WITHOUT),
) -> Statement:
    return Statement(
        catalogue=catalogue,
        premises=PREMISES if premises is None else premises,
        conclusion_name=CONCLUSION[0],
        conclusion_text=CONCLUSION[1],
        conclusion=Or("risk_le_linear", "negative_curvature"),
        definitions=SETTING_DEFINITIONS,
    )


def build_proof(*, statement_: Statement | None = None, **inputs: object) -> Proof:
    return Proof(
        theorem_id="deep_resnet_dichotomy_without_premise_1",
        title="Deep ResNet critical points: R ≤ R_lin or negative curvature, premise 1 dropped",
        reference="CLAIMS.md §Y1-D, derived lemma, not the paper's theorem (Yun et al. 2019 "
        "main theorem without premise 1)",
        tag="D",
        steps=build_steps(**inputs),  # type: ignore[arg-type]
        statement=statement_ or statement(),
    )


PROOF: Proof = build_proof()

if __name__ == "__main__":
    report = check_proof(PROOF)
    print(report.format())
    raise SystemExit({"HOLDS": 0, "PARTIAL": 2}.get(report.status, 1))
