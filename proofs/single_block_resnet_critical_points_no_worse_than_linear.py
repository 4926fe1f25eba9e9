r"""Single-block ResNet (L = 1): every critical point with w ≠ 0 is no worse than linear.

Statement
    Yun, Sra & Jadbabaie's model with one block: h_1(x) = x + V_1 φ¹(x),
    f_θ(x) = wᵀh_1(x), φ¹ : R^{d_x} → R^{n_1} any network with parameters z,
    ℓ(p; y) convex and differentiable in p. Any critical point θ* with w* ≠ 0
    satisfies R(θ*) ≤ R_lin = inf_t E ℓ(tᵀx; y).

Premises
    convex_loss: ℓ(·; y) is convex and differentiable.
    critical_point: ∇R(θ*) = 0 (only ∇_w R = 0 and ∇_{V_1} R = 0 are used).
    nonzero_w: w* ≠ 0.

Conclusion
    R(θ*) ≤ E ℓ(tᵀx; y) for every t, hence R(θ*) ≤ R_lin.

Proof outline (reduction to Shamir 2018, case D1; step names below)
    yun_block_is_shamir_block: wᵀh_1(x) = wᵀ(x + V F(x)) with F = φ¹, V = V_1.
    gradient_*: ∇_w R = E[g h_1], ∇_{V_1} R = w E[g φ¹]ᵀ, g = ℓ'(f; y).
    E[gφ¹] = (∇_{V_1} R)ᵀw/‖w‖² = 0, E[gx] = ∇_w R − V_1 E[gφ¹] = 0, E[gf] = wᵀ∇_w R = 0.
    Convexity: E ℓ(tᵀx) ≥ E[ℓ(f) + g(tᵀx − f)] = R + tᵀE[gx] − E[gf] = R.

Reference
    C. Yun, S. Sra, A. Jadbabaie, "Are deep ResNets provably better than linear
    predictors?", NeurIPS 2019, poster statement for L = 1 [S] ("recovers Shamir 2018").
    The proof steps are the derived D1 chain of CLAIMS.md S1 [D], not the paper's text.

Scope
    The argument: case A of Y1-D at L = 1 (u = w ∈ N = R^{d_x}, ‖w‖² > 0 by induction on
    the dimension) — symbolic in all dimensions, every n. Cross-checks: the reduction to
    Shamir's block and the D1 chain as exact identities (ℓ undefined) at
    (d_x, n_1, n) ∈ {(3, 2, 3), (2, 4, 3)}. Not checked: the tangent-line inequality (the
    convexity premise) and the chain rule; stationarity in z is not needed.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy

from verify import (
    SETTING_DEFINITIONS,
    Evidence,
    Proof,
    Statement,
    Step,
    catalogue_premises,
    check_proof,
    sympy_identity,
    theorem,
)

from . import deep_resnet_dichotomy_without_premise_1 as y1_prime
from ._common import (
    BlockFormula,
    ResidualBlock,
    annotate,
    at_sizes,
    check_size,
    paper_grad_v,
    paper_grad_w,
    residual_block,
    scalar,
    single_block_coverage_step,
    stationarity_chain_steps,
)

ModelFormula = Callable[[sympy.Matrix, sympy.Matrix, sympy.Matrix, sympy.Matrix], sympy.Expr]


def yun_single_block(
    x: sympy.Matrix, w: sympy.Matrix, v1: sympy.Matrix, phi1: sympy.Matrix
) -> sympy.Expr:
    """Yun et al.'s L = 1 output wᵀh_1(x), h_1 = x + V_1 φ¹(x)."""
    h1 = x + v1 * phi1
    return scalar(w.T * h1)


def _reduction_step(b: ResidualBlock, model: ModelFormula) -> Step:
    def check() -> Evidence:
        yun = sympy.Matrix([model(b.x[i], b.w, b.V, b.F[i]) for i in range(b.n)])
        shamir = sympy.Matrix([b.output(i) for i in range(b.n)])
        return sympy_identity(yun, shamir)

    return Step(
        "yun_block_is_shamir_block",
        "For L = 1, wᵀh_1(x) = wᵀ(x + V F(x)) with V = V_1 and F = φ¹ on every sample, so "
        "R is Shamir's single-block risk.",
        "Identity of the two output formulas in the symbolic entries.",
        check,
    )


THEOREM_ID = "Y2"
WITHOUT: tuple[str, ...] = ()
PREMISES = catalogue_premises(theorem(THEOREM_ID, WITHOUT))
SIZES = ((3, 2, 3), (2, 4, 3))  # (d_x, n_1, n) cross-check sizes
DEEP_STEPS = (
    "backprop_invariance",
    "v_gradient_along_null_space",
    "case_a_correlations_vanish",
    "linear_correlations_vanish",
    "convexity_chain",
)


def statement(premises: dict[str, str] | None = None) -> Statement:
    return Statement(
        catalogue=(THEOREM_ID, WITHOUT),
        premises=PREMISES if premises is None else premises,
        conclusion_name="risk_le_linear",
        conclusion_text="R(theta*) <= R_lin",
        conclusion="risk_le_linear",
        definitions=SETTING_DEFINITIONS,
    )


def build_proof(
    *,
    sizes: tuple[tuple[int, int, int], ...] = SIZES,
    model: ModelFormula = yun_single_block,
    grad_w_formula: BlockFormula = paper_grad_w,
    grad_v_formula: BlockFormula = paper_grad_v,
    statement_: Statement | None = None,
    deep_inputs: dict[str, object] | None = None,
) -> Proof:
    """Case A of Y1-D at L = 1 (general), plus the D1 chain as cross-checks at ``sizes``."""
    for d_x, n_1, n in sizes:
        check_size("d_x", d_x)
        check_size("n_1", n_1)
        check_size("n", n)

    def steps(size: tuple[int, ...]) -> tuple[Step, ...]:
        block = residual_block(*size, names=("w", "V1", "x", "phi1"))
        return (
            _reduction_step(block, model),
            *stationarity_chain_steps(block, grad_w_formula, grad_v_formula, ("V_1", "φ¹")),
        )

    cross = at_sizes(steps, sizes, "d_x, n_1, n")
    deep = [
        s
        for s in y1_prime.build_steps(**(deep_inputs or {}))  # type: ignore[arg-type]
        if s.name in DEEP_STEPS
    ]
    return Proof(
        theorem_id="single_block_resnet_critical_points_no_worse_than_linear",
        title="L = 1: every critical point with w ≠ 0 has R ≤ R_lin (Y1-D case A at L = 1)",
        reference="Yun, Sra & Jadbabaie (2019), NeurIPS, poster statement for L = 1; "
        "proof: case A of the derived CLAIMS.md §Y1-D, cross-checked by Shamir's D1 chain",
        tag="S",
        steps=(
            single_block_coverage_step(),
            *deep,
            *annotate(cross, {c.name: (c.scope, (), ()) for c in cross}),
        ),
        statement=statement_ or statement(),
    )


PROOF: Proof = build_proof()

if __name__ == "__main__":
    report = check_proof(PROOF)
    print(report.format())
    raise SystemExit({"HOLDS": 0, "PARTIAL": 2}.get(report.status, 1))
