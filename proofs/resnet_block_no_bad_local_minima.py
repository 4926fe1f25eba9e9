r"""A single residual block has no local minimum worse than the best linear predictor.

Statement
    Model f(x) = wᵀ(x + V F(x)) with F : R^d → R^k an arbitrary network,
    V ∈ R^{d×k}, w ∈ R^d, and a loss ℓ(p; y) convex and differentiable in p.
    Every local minimum of R = E ℓ(f(x); y) satisfies R ≤ R_lin = inf_t E ℓ(tᵀx; y).
    Sharper: every critical point has R ≤ R_lin or a direction of negative curvature.

Premises
    convex_loss: ℓ(·; y) is convex and twice differentiable.
    critical_point: ∇_w R = 0 and ∇_V R = 0 (D1 uses nothing else).

Conclusion
    R ≤ E ℓ(tᵀx; y) for every t (so R ≤ R_lin), or λ_min(∇²_{(w,V)} R) < 0.

Proof outline (CLAIMS.md S1; step names below)
    gradient_*: ∇_w R = E[g(x + VF)], ∇_V R = w E[gF]ᵀ, g = ℓ'(f; y).
    D1, w ≠ 0: E[gF] = (∇_V R)ᵀw/‖w‖² = 0, E[gx] = ∇_w R − V E[gF] = 0,
        E[gf] = wᵀ∇_w R = 0; the tangent line ℓ(tᵀx) ≥ ℓ(f) + g(tᵀx − f) (convexity)
        averages to E ℓ(tᵀx) ≥ R + tᵀE[gx] − E[gf] = R.
    D2, w = 0: with m = E[ℓ'(0; y)F] and A = E[ℓ''(0; y)(x+VF)(x+VF)ᵀ], the (w, V)
        Hessian is [[A, C], [Cᵀ, 0]] with C_{a,(b,c)} = δ_ab m_c. Along the direction
        (αu, −u mᵀ/‖m‖), ‖u‖ = 1, the quadratic form is α² uᵀAu − 2α‖m‖, negative for
        α = ‖m‖/uᵀAu when uᵀAu > 0 and for every α > 0 otherwise: a strict saddle.
        If m = 0 then E[ℓ'(0; y)x] = ∇_w R − V m = 0 and f ≡ 0, so D1's chain applies.
    A local minimum has no negative-curvature direction, so it is in D1 or D2 with m = 0.

Reference
    O. Shamir, "Are ResNets provably better than linear predictors?", NeurIPS 2018,
    main theorem as stated in the abstract [S]. The proof structure above is a derived
    reconstruction [D] (CLAIMS.md S1); the paper's own proof and numbering were not read.

Scope
    The argument: the steps of Y1-D (proofs.deep_resnet_dichotomy_without_premise_1) at
    L = 1, where N = R^d (single_block_null_space_is_everything) — symbolic in all
    dimensions, every n. Cross-checks (conclude nothing, must hold): Shamir's D1 chain and
    D2 Hessian computations as exact SymPy identities with every entry symbolic and ℓ an
    undefined function, at (d, k, n) ∈ {(3, 2, 3), (2, 4, 3)} (builder input ``sizes``).
    Reading of the premises: "R twice differentiable at θ*" with a convex ℓ is taken to
    give ℓ'' ≥ 0 at the sample outputs (the statement's ``definitions``). Not checked:
    the tangent-line inequality (the convexity premise), the chain rule, Rayleigh's bound.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy

from verify import (
    SETTING_DEFINITIONS,
    Evidence,
    Formula,
    InvalidInput,
    Or,
    Proof,
    Statement,
    Step,
    catalogue_premises,
    check_proof,
    combine,
    sympy_identity,
    sympy_nonnegative,
    theorem,
)

from . import deep_resnet_dichotomy_without_premise_1 as y1_prime
from ._common import (
    BlockFormula,
    ResidualBlock,
    all_identities,
    annotate,
    at_sizes,
    check_size,
    derivative_at,
    gradient,
    mean,
    paper_grad_v,
    paper_grad_w,
    residual_block,
    scalar,
    single_block_coverage_step,
    stationarity_chain_steps,
)

StepSize = Callable[[sympy.Expr, sympy.Expr], sympy.Expr]


def _paper_step_size(a: sympy.Expr, mu: sympy.Expr) -> sympy.Expr:
    """α = ‖m‖ / uᵀAu, the step used when uᵀAu > 0."""
    return mu / a


def _d2_steps(b: ResidualBlock, escape_sign: int, step_size: StepSize) -> tuple[Step, ...]:
    d, k = b.V.shape
    at_zero = {wi: 0 for wi in b.w}
    params = sympy.Matrix([*b.w, *b.V])  # V flattened row-major: index d + a*k + c
    risk = b.risk()
    g0 = [derivative_at(b.ell, sympy.Integer(0), b.y[i]) for i in range(b.n)]
    h0 = [derivative_at(b.ell, sympy.Integer(0), b.y[i], order=2) for i in range(b.n)]
    m = mean([g0[i] * b.F[i] for i in range(b.n)])
    a_mat = mean([h0[i] * b.hidden(i) * b.hidden(i).T for i in range(b.n)])

    def hessian() -> sympy.Matrix:
        return sympy.hessian(risk, params).xreplace(at_zero)

    def block_structure() -> Evidence:
        h = hessian()
        cross = sympy.Matrix(d, d * k, lambda a, j: m[j % k] if j // k == a else 0)
        return all_identities(
            {
                "ww_block": (h[:d, :d], a_mat),
                "cross_block": (h[:d, d:], cross),
                "vv_block": (h[d:, d:], sympy.zeros(d * k, d * k)),
            }
        )

    u = sympy.Matrix([sympy.Symbol(f"u_{i + 1}", real=True) for i in range(d)])
    alpha = sympy.Symbol("alpha", positive=True)
    m_norm = sympy.sqrt(scalar(m.T * m))

    def quadratic_form() -> Evidence:
        dv = escape_sign * u * m.T / m_norm
        direction = sympy.Matrix([*(alpha * u), *dv])
        q = scalar(direction.T * hessian() * direction)
        claimed = alpha**2 * scalar(u.T * a_mat * u) - 2 * alpha * scalar(u.T * u) * m_norm
        return sympy_identity(q, claimed)

    a, s = sympy.symbols("a s", real=True)
    mu = sympy.Symbol("mu", positive=True)

    def negative_step() -> Evidence:
        def q(x: sympy.Expr, curv: sympy.Expr) -> sympy.Expr:
            return x**2 * curv - 2 * x * mu

        chosen = step_size(a, mu)
        return combine(
            {
                "positive_curvature": sympy_nonnegative(-q(chosen, a), [a > 0], strict=True),
                "step_is_positive": sympy_nonnegative(chosen, [a > 0], strict=True),
                "nonpositive_curvature": sympy_nonnegative(-q(alpha, -s), [s >= 0], strict=True),
            }
        )

    def zero_m() -> Evidence:
        grad_w0 = gradient(risk, b.w).xreplace(at_zero)
        return sympy_identity(grad_w0 - b.V * m, mean([g0[i] * b.x[i] for i in range(b.n)]))

    return (
        Step(
            "d2_hessian_block_structure",
            "At w = 0 the (w, V) Hessian is [[A, C], [Cᵀ, 0]], A = E[ℓ''(0;y)(x+VF)(x+VF)ᵀ], "
            "C_{a,(b,c)} = ∂²R/∂w_a∂V_bc = δ_ab m_c with m = E[ℓ'(0;y)F].",
            "SymPy's Hessian of the empirical risk at w = 0, compared blockwise.",
            block_structure,
        ),
        Step(
            "d2_quadratic_form_along_escape_direction",
            "Along (αu, −u mᵀ/‖m‖) the Hessian quadratic form is α² uᵀAu − 2α‖u‖²‖m‖ "
            "(= α² uᵀAu − 2α‖m‖ for ‖u‖ = 1).",
            "Exact identity with u, α and every entry symbolic (‖m‖ kept as a square root).",
            quadratic_form,
        ),
        Step(
            "d2_escape_direction_is_negative",
            "q(α) = α² a − 2αμ with μ = ‖m‖ > 0 is negative at α = μ/a when a = uᵀAu > 0, "
            "and at every α > 0 when a ≤ 0: w = 0 with m ≠ 0 is a strict saddle.",
            "q(μ/a) = −μ²/a; for a = −s ≤ 0, −q(α) = 2αμ + α²s; positivity proved exactly.",
            negative_step,
        ),
        Step(
            "d2_zero_m_reduces_to_d1",
            "At w = 0: E[ℓ'(0;y) x] = ∇_w R − V m, so m = 0 and ∇_w R = 0 give E[g x] = 0; "
            "f ≡ 0 gives E[g f] = 0 and the D1 chain yields R ≤ R_lin.",
            "Identity in the symbolic entries at w = 0.",
            zero_m,
        ),
    )


THEOREM_ID = "S1"
WITHOUT: tuple[str, ...] = ()
PREMISES = catalogue_premises(theorem(THEOREM_ID, WITHOUT))
SIZES = ((3, 2, 3), (2, 4, 3))  # (d, k, n), all sizes distinct within a tuple, n >= 3


def statement(
    premises: dict[str, str] | None = None, conclusion: Formula | None = None
) -> Statement:
    return Statement(
        catalogue=(THEOREM_ID, WITHOUT),
        premises=PREMISES if premises is None else premises,
        conclusion_name="better_than_linear_or_saddle",
        conclusion_text="R(theta*) <= R_lin or lambda_min(Hessian R(theta*)) < 0",
        conclusion=Or("risk_le_linear", "negative_curvature") if conclusion is None else conclusion,
        definitions=SETTING_DEFINITIONS,
    )


def build_proof(
    *,
    sizes: tuple[tuple[int, int, int], ...] = SIZES,
    grad_w_formula: BlockFormula = paper_grad_w,
    grad_v_formula: BlockFormula = paper_grad_v,
    escape_sign: int = -1,
    step_size: StepSize = _paper_step_size,
    statement_: Statement | None = None,
    deep_inputs: dict[str, object] | None = None,
) -> Proof:
    """The general proof (Y1-D at L = 1) plus Shamir's D1/D2 computations as cross-checks
    at the (d, k, n) sizes; the other arguments are the claimed formulas."""
    for d, k, n in sizes:
        check_size("d", d)
        check_size("k", k)
        check_size("n", n)
    if escape_sign not in (-1, 1):
        raise InvalidInput(f"escape_sign={escape_sign!r} must be -1 or 1.")

    def steps(size: tuple[int, ...]) -> tuple[Step, ...]:
        block = residual_block(*size)
        return (
            *stationarity_chain_steps(block, grad_w_formula, grad_v_formula),
            *_d2_steps(block, escape_sign, step_size),
        )

    cross = at_sizes(steps, sizes, "d, k, n")
    return Proof(
        theorem_id="resnet_block_no_bad_local_minima",
        title="Single residual block: every local minimum is no worse than linear (D1 + D2)",
        reference="Shamir (2018), NeurIPS, main theorem (abstract); proof structure derived",
        tag="S",
        steps=(
            single_block_coverage_step(),
            *y1_prime.build_steps(**(deep_inputs or {})),  # type: ignore[arg-type]
            *annotate(cross, {c.name: (c.scope, (), ()) for c in cross}),
        ),
        statement=statement_ or statement(),
    )


PROOF: Proof = build_proof()

if __name__ == "__main__":
    report = check_proof(PROOF)
    print(report.format())
    raise SystemExit({"HOLDS": 0, "PARTIAL": 2}.get(report.status, 1))
