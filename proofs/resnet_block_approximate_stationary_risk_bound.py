r"""Approximate stationary points of a residual block are nearly as good as linear (derived).

Statement
    Model f(x) = wᵀ(x + V F(x)), ℓ(p; y) convex and differentiable in p. If
    ‖∇_{(w,V)} R‖ ≤ ε and w ≠ 0, then for every t ∈ R^d
        R ≤ E ℓ(tᵀx; y) + ε (‖t‖ (1 + ‖V‖₂/‖w‖) + ‖w‖).

Premises
    convex_loss: ℓ(·; y) is convex and differentiable.
    approximately_stationary: ‖∇_w R‖² + ‖∇_V R‖_F² ≤ ε².
    nonzero_w: w ≠ 0.

Conclusion
    The bound above, for every t (so R ≤ R_lin + ε(...) with t a best linear predictor).

Proof outline (derivation; step names below)
    Write a = ∇_w R, B = ∇_V R, c = E[gF]; ‖a‖ ≤ ε and ‖B‖_F ≤ ε (sub-vectors of ∇R).
    gradient_*: a = E[g(x + VF)], B = w cᵀ.
    rank_one_frobenius_norm: ‖w cᵀ‖_F = ‖w‖‖c‖, so ‖c‖ ≤ ε/‖w‖.
    linear_correlation_from_w_gradient: E[gx] = a − Vc.
    operator_norm_bound: ‖Vc‖ ≤ ‖V‖₂‖c‖ with ‖V‖₂² = λ_max(VᵀV).
    triangle_inequality_from_cauchy_schwarz: ‖E[gx]‖ ≤ ‖a‖ + ‖V‖₂‖c‖ ≤ ε(1 + ‖V‖₂/‖w‖).
    output_correlation_from_w_gradient + cauchy_schwarz: |E[gf]| = |wᵀa| ≤ ε‖w‖.
    convexity_chain_identity: E ℓ(tᵀx) ≥ R + tᵀE[gx] − E[gf] (tangent line, convexity).
    bound_assembly: R − E ℓ(tᵀx) ≤ ‖t‖‖E[gx]‖ + |E[gf]| ≤ ε(‖t‖(1 + ‖V‖₂/‖w‖) + ‖w‖).

Reference
    Derived lemma [D] (CLAIMS.md S2), not the paper's theorem: Shamir (2018) states a
    quantitative result for approximate second-order stationary points [S: exists;
    constants unknown] that we could not read. This first-order bound is ours.

Scope
    Symbolic in all dimensions d, k and every n (proofs/_general_steps.py): the gradients
    as directional derivatives (matrix identity + scalar chain rule), the D1 identities,
    ‖w cᵀ‖_F = ‖w‖‖c‖, Cauchy–Schwarz and the triangle inequality as MatrixSymbol
    identities (cross-checked at (d, k) = (3, 2), (2, 5)) plus z3; ‖Vc‖ ≤ ‖V‖₂‖c‖ from the
    definition of the operator norm; the final assembly as an exact scalar inequality.
    Cross-checks (conclude nothing): the concrete identities at (d, k, n) ∈ {(2, 3, 4),
    (4, 2, 3)} and the λ_max form of ‖V‖₂ for V ∈ R^{2×2}. Rules, not checked: the
    tangent-line inequality (convexity premise), ⟨A, B⟩_F = trace(AᵀB) with trace(c cᵀ) =
    cᵀc, qᵀp = pᵀq for 1×1 products.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import sympy

from verify import (
    Evidence,
    Proof,
    Scope,
    Statement,
    Step,
    check_proof,
    conclude,
    sympy_identity,
    sympy_nonnegative,
)

from . import _general_steps as general
from ._common import (
    at_sizes,
    check_size,
    lagrange_identity_step,
    linear_chain,
    matrix,
    paper_grad_v,
    paper_grad_w,
    residual_block,
    scalar,
    stationarity_chain_steps,
    triangle_inequality_step,
    vector,
)

Bound = Callable[[sympy.Expr, sympy.Expr, sympy.Expr, sympy.Expr], sympy.Expr]


def derived_bound(eps: sympy.Expr, t: sympy.Expr, v: sympy.Expr, w: sympy.Expr) -> sympy.Expr:
    """ε(‖t‖(1 + ‖V‖₂/‖w‖) + ‖w‖) in terms of the norms t = ‖t‖, v = ‖V‖₂, w = ‖w‖."""
    return eps * (t * (1 + v / w) + w)


def _rank_one_check(d: int, k: int) -> Evidence:
    w, c = vector("w", d), vector("c", k)
    b = w * c.T
    frob2 = sum(e**2 for e in b)
    return sympy_identity(frob2, scalar(w.T * w) * scalar(c.T * c))


def _operator_norm_check() -> Evidence:
    v, c = matrix("V", 2, 2), vector("c", 2)
    m = v.T * v
    disc = (m[0, 0] - m[1, 1]) ** 2 + 4 * m[0, 1] ** 2
    lam = (m.trace() + sympy.sqrt(disc)) / 2
    gap = lam * scalar(c.T * c) - scalar(c.T * m * c)
    p = lam * sympy.eye(2) - m
    return conclude(
        {
            "discriminant": sympy_identity(disc, m.trace() ** 2 - 4 * m.det()),
            "cayley_hamilton": sympy_identity(sympy.sqrt(disc) * gap, scalar((p * c).T * (p * c))),
            "trace_nonnegative": sympy_nonnegative(sympy.sqrt(disc)),
        },
        refute=lambda: sympy_nonnegative(gap),
    )


def _assembly_check(bound: Bound) -> Evidence:
    a, s1, s2, t, n = sympy.symbols("A s_1 s_2 T N", nonnegative=True)
    w = sympy.Symbol("W", positive=True)
    eps = a + s1  # ‖a‖ = A ≤ ε
    c = (eps - s2) / w  # ‖w‖‖c‖ = ‖B‖_F ≤ ε
    loss_gap = t * (a + n * c) + w * a  # ‖t‖‖E[gx]‖ + |E[gf]|
    return sympy_nonnegative(bound(eps, t, n, w) - loss_gap)


THEOREM_ID = "S2"  # not (yet) in verify.theorems: CLAIMS.md S2, derived first-order bound
WITHOUT: tuple[str, ...] = ()
PREMISES = {
    "loss_convex": "l(p; y) is convex and differentiable in p",
    "approximately_stationary": "||grad_(w,V) R|| <= eps",
    "w_nonzero": "w != 0",
}
SIZES = ((2, 3, 4), (4, 2, 3))  # (d, k, n)


def statement(premises: dict[str, str] | None = None) -> Statement:
    return Statement(
        catalogue=(THEOREM_ID, WITHOUT),
        premises=PREMISES if premises is None else premises,
        conclusion_name="approximate_stationary_bound",
        conclusion_text="R <= E l(t^T x; y) + eps (||t|| (1 + ||V||_2/||w||) + ||w||) for every t",
        conclusion="approximate_stationary_bound",
    )


def _sized_steps(size: tuple[int, ...]) -> tuple[Step, ...]:
    d, k, n = size
    block = residual_block(d, k, n)
    return (
        *stationarity_chain_steps(block, paper_grad_w, paper_grad_v),
        Step(
            "rank_one_frobenius_norm",
            "‖w cᵀ‖_F² = ‖w‖²‖c‖², so ‖E[gF]‖ = ‖∇_V R‖_F/‖w‖ ≤ ε/‖w‖.",
            "Identity in symbolic w ∈ R^d, c ∈ R^k.",
            lambda: _rank_one_check(d, k),
        ),
        lagrange_identity_step(d),
        triangle_inequality_step(d, "applied to E[gx] = a + (−Vc)"),
    )


def build_proof(
    *,
    sizes: tuple[tuple[int, int, int], ...] = SIZES,
    claimed_bound: Bound = derived_bound,
    statement_: Statement | None = None,
) -> Proof:
    """The derivation; ``claimed_bound(ε, ‖t‖, ‖V‖₂, ‖w‖)`` is the claim."""
    for d, k, n in sizes:
        check_size("d", d, minimum=2)
        check_size("k", k)
        check_size("n", n)
    argument = (
        *general.single_block_first_order_steps(),
        general.cauchy_schwarz_step(),
        general.triangle_inequality_step("applied to E[gx] = a + (−Vc)"),
        Step(
            "bound_assembly",
            "If ‖a‖ ≤ ε and ‖w‖‖c‖ ≤ ε then ‖t‖(‖a‖ + ‖V‖₂‖c‖) + ‖w‖‖a‖ ≤ "
            "claimed_bound(ε, ‖t‖, ‖V‖₂, ‖w‖).",
            "Scalar reduction in the norms A, C, N, T, W with slacks ε = A + s₁, "
            "WC = ε − s₂; proved non-negative exactly for all admissible values.",
            lambda: _assembly_check(claimed_bound),
            Scope("scalar claim in the norms (no dimension)", general=True),
        ),
    )
    cross = (
        *at_sizes(_sized_steps, sizes, "d, k, n"),
        Step(
            "operator_norm_bound",
            "‖Vc‖² ≤ λ_max(VᵀV)‖c‖² (V ∈ R^{2×2}): the spectral form of ‖V‖₂.",
            "With P = λ_max I − VᵀV and τ = tr P = √disc ≥ 0, Cayley–Hamilton (det P = 0) "
            "gives τ(λ_max‖c‖² − ‖Vc‖²) = ‖Pc‖²; if τ = 0 then VᵀV = λ_max I.",
            _operator_norm_check,
            Scope("at V ∈ R^{2×2} only (closed-form λ_max)", general=False),
        ),
    )
    steps = (
        *linear_chain(argument, tuple(PREMISES), "approximate_stationary_bound"),
        *(replace(c, name=f"{c.name}_at_sizes", concludes=()) for c in cross),
    )
    return Proof(
        theorem_id="resnet_block_approximate_stationary_risk_bound",
        title="ε-stationary single block: R ≤ E ℓ(tᵀx) + ε(‖t‖(1 + ‖V‖₂/‖w‖) + ‖w‖)",
        reference="Derived lemma after Shamir (2018), NeurIPS (CLAIMS.md S2); "
        "not the paper's theorem",
        tag="D",
        steps=steps,
        statement=statement_ or statement(),
    )


PROOF: Proof = build_proof()

if __name__ == "__main__":
    report = check_proof(PROOF)
    print(report.format())
    raise SystemExit({"HOLDS": 0, "PARTIAL": 2}.get(report.status, 1))
