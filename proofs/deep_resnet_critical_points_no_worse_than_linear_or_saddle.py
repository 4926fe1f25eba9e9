r"""Deep ResNets: a critical point is no worse than linear or has negative curvature (Y1).

Statement
    Model h_1 = x + V_1 φ¹(x), h_l = h_{l-1} + V_l φˡ(U_l h_{l-1}) (l = 2..L),
    f_θ = wᵀh_L, ℓ(p; y) convex and twice differentiable in p. Let θ* be a twice
    differentiable critical point of R. If (1) E[ℓ''(f; y) h_L h_Lᵀ] has rank d_x and
    (2) col([U_2ᵀ … U_Lᵀ]) ≠ R^{d_x}, then R(θ*) ≤ R_lin or λ_min(∇²R(θ*)) < 0.

Premises
    critical_point: ∇R(θ*) = 0.
    twice_differentiable: R is twice differentiable at θ*.
    loss_convex_c2: ℓ(·; y) convex and twice differentiable.
    full_rank_hL: E[ℓ''(f; y) h_L h_Lᵀ] is full rank (premise 1) — not used by the proof.
    column_space: col([U_2ᵀ … U_Lᵀ]) ≠ R^{d_x} (premise 2).

Conclusion
    R(θ*) ≤ R_lin, or the Hessian has a negative eigenvalue.

Proof outline (CLAIMS.md §Y1-D, derived; the paper's own proof was not available)
    The seven steps of proofs.deep_resnet_dichotomy_without_premise_1 (Y1′), which
    proves the conclusion from the other premises; Y1 only adds premise 1, so the same
    chain entails Y1 (monotonicity of entailment, checked by the chain itself):
    backprop_invariance, perturbation_identity, v_gradient_along_null_space,
    case_a_correlations_vanish, case_b_explicit_negative_curvature,
    linear_correlations_vanish, convexity_chain.

Reference
    C. Yun, S. Sra, A. Jadbabaie, "Are deep ResNets provably better than linear
    predictors?", NeurIPS 2019, main theorem as stated on the poster [S]. The proof is
    derived here (CLAIMS.md §Y1-D), not the paper's.

Scope
    As Y1′: symbolic in all dimensions, induction in L, every n; matrix identities
    cross-checked at two size tuples with all sizes distinct and on whole depth-3
    networks. Taken as rules: the chain rule, the tangent-line inequality of a convex
    loss, Rayleigh's quotient bound, linearity of E.
"""

from __future__ import annotations

from verify import (
    Proof,
    Statement,
    catalogue_premises,
    check_proof,
    theorem,
)

from . import deep_resnet_dichotomy_without_premise_1 as y1_prime

THEOREM_ID = "Y1"
WITHOUT: tuple[str, ...] = ()
PREMISES = catalogue_premises(theorem(THEOREM_ID, WITHOUT))


def statement(premises: dict[str, str] | None = None) -> Statement:
    """Y1 as in the catalogue: Y1′'s statement plus premise 1."""
    return y1_prime.statement(
        PREMISES if premises is None else premises, catalogue=(THEOREM_ID, WITHOUT)
    )


def build_proof(*, statement_: Statement | None = None, **inputs: object) -> Proof:
    """Y1's proof: the steps of Y1′ (inputs as in y1_prime.build_steps)."""
    return Proof(
        theorem_id="deep_resnet_critical_points_no_worse_than_linear_or_saddle",
        title="Deep ResNet critical points: R ≤ R_lin or negative curvature (Y1, via Y1′)",
        reference="Yun, Sra & Jadbabaie (2019), NeurIPS, main theorem (poster); proof derived "
        "in CLAIMS.md §Y1-D (premise 1 unused), not the paper's proof",
        tag="S",
        steps=y1_prime.build_steps(**inputs),  # type: ignore[arg-type]
        statement=statement_ or statement(),
    )


PROOF: Proof = build_proof()

if __name__ == "__main__":
    report = check_proof(PROOF)
    print(report.format())
    raise SystemExit({"HOLDS": 0, "PARTIAL": 2}.get(report.status, 1))
