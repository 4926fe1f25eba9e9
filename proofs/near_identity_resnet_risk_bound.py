r"""Near-identity deep ResNets: critical points are a depth-free constant from linear (derived).

Statement
    Model h_0 = x, h_l = h_{l-1} + φˡ(h_{l-1}) (l = 1..L), f = wᵀh_L, each φˡ
    (α/L)-Lipschitz with φˡ(0) = 0, ℓ(p; y) convex, differentiable and G-Lipschitz
    in p. At any point with ∇_w R = 0, for every t ∈ R^d
        R ≤ E ℓ(tᵀx; y) + G (e^α − 1) E‖x‖ · ‖t‖,
    a constant independent of the depth L.

Premises
    convex_loss: ℓ(·; y) convex and differentiable; lipschitz_loss: |ℓ'| ≤ G.
    near_identity: ‖φˡ(u) − φˡ(v)‖ ≤ (α/L)‖u − v‖ and φˡ(0) = 0, α ≥ 0.
    stationary_in_w: ∇_w R = 0 (no other stationarity is used).

Conclusion
    The bound above; with ‖h_L − x‖ ≤ ((1 + α/L)^L − 1)‖x‖ ≤ (e^α − 1)‖x‖ on the way.

Proof outline (CLAIMS.md Y3; step names below)
    gradient_w_identity: ∇_w R = E[g h_L], g = ℓ'(f; y).
    linear_correlation_equals_deviation_correlation: E[gx] = E[g(x − h_L)] + ∇_w R.
    convexity_chain_identity: E ℓ(tᵀx) ≥ E[ℓ(f) + g(tᵀx − f)] = R + tᵀE[g(x − h_L)] at ∇_w R = 0.
    cauchy_schwarz, triangle_inequality_from_cauchy_schwarz: norms of sums.
    norm_growth_induction: ‖h_l‖ ≤ ‖h_{l-1}‖ + (α/L)‖h_{l-1}‖ ≤ (1 + α/L)^l ‖x‖.
    deviation_induction: ‖h_l − x‖ ≤ ‖h_{l-1} − x‖ + (α/L)(1 + α/L)^{l-1}‖x‖ ≤ ((1 + α/L)^l − 1)‖x‖.
    geometric_sum_identity: Σ_{l=1}^{L} (α/L)(1 + α/L)^{l-1} = (1 + α/L)^L − 1 (claimed constant).
    log_inequality: u − log(1 + u) ≥ 0 for u ≥ 0, so L log(1 + α/L) ≤ α.
    constant_below_exponential: (1 + α/L)^L − 1 ≤ e^α − 1.
    bound_assembly: |g|‖x − h_L‖ ≤ G(e^α − 1)‖x‖ per sample; with Cauchy–Schwarz,
        −tᵀE[g(x − h_L)] ≤ ‖t‖ E[|g|‖x − h_L‖] ≤ G(e^α − 1)E‖x‖‖t‖.

Reference
    Derived lemma [D] (CLAIMS.md Y3), not the paper's theorem: Yun, Sra & Jadbabaie,
    NeurIPS 2019, state [S] that R(θ*) ≤ R_lin + C with C independent of L; their C
    was not available. The explicit constant G(e^α − 1)E‖x‖‖t‖ is ours.

Scope
    Symbolic in all dimensions and every n: the first-order identities, Cauchy–Schwarz
    (via ‖p − τq‖² ≥ 0 and z3) and the triangle inequality are MatrixSymbol identities in
    symbolic d (cross-checked exactly at d = 3, 5), the inductions are exact scalar
    inequalities for symbolic depth index l, the geometric sum for symbolic L (SymPy
    summation, a telescoping identity) and exactly for L = 1..16, the exponential bound
    for symbolic α > 0 and integer L ≥ 1 by a monotonicity argument with exact
    ingredients. Cross-checks (conclude nothing): the old concrete steps at
    (d, n) ∈ {(2, 3), (4, 3)}. Rules, not checked: the tangent-line inequality (convexity
    premise), the mean value theorem, the Lipschitz definition, qᵀp = pᵀq for 1×1 products.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import sympy

from verify import (
    Evidence,
    InvalidInput,
    Proof,
    Scope,
    Statement,
    Step,
    check_proof,
    combine,
    conclude,
    sympy_identity,
    sympy_nonnegative,
)

from . import _general_steps as general
from ._common import (
    at_sizes,
    check_size,
    derivative_at,
    gradient,
    lagrange_identity_step,
    linear_chain,
    mean,
    scalar,
    triangle_inequality_step,
    vector,
)

Constant = Callable[[sympy.Expr, sympy.Expr], sympy.Expr]

_ALPHA = sympy.Symbol("alpha", positive=True)
_DEPTH = sympy.Symbol("L", integer=True, positive=True)
_L_IDX = sympy.Symbol("l", integer=True, positive=True)


def paper_constant(alpha: sympy.Expr, depth: sympy.Expr) -> sympy.Expr:
    """(1 + α/L)^L − 1, the deviation constant of ‖h_L − x‖ ≤ C‖x‖."""
    return (1 + alpha / depth) ** depth - 1


def _monotone_from_zero(expr: sympy.Expr, var: sympy.Symbol) -> Evidence:
    """expr ≥ 0 on var ≥ 0 from expr(0) = 0 and d expr/d var ≥ 0 (expr smooth on [0, ∞))."""
    return conclude(
        {
            "value_at_zero": sympy_identity(expr.subs(var, 0), 0),
            "derivative_nonnegative": sympy_nonnegative(sympy.diff(expr, var)),
        },
        refute=lambda: sympy_nonnegative(expr),
    )


def _first_order_steps(d: int, n: int) -> tuple[Step, ...]:
    ell = sympy.Function("ell", real=True)
    w, t = vector("w", d), vector("t", d)
    x = [vector(f"x{i + 1}", d) for i in range(n)]
    h = [vector(f"h{i + 1}", d) for i in range(n)]  # h_L(x_i): does not depend on w
    y = [sympy.Symbol(f"y_{i + 1}", real=True) for i in range(n)]
    f = [scalar(w.T * h[i]) for i in range(n)]
    g = [derivative_at(ell, f[i], y[i]) for i in range(n)]
    risk = mean([ell(f[i], y[i]) for i in range(n)])
    grad_w = gradient(risk, w)
    e_gdev = mean([g[i] * (x[i] - h[i]) for i in range(n)])
    tangent = mean([ell(f[i], y[i]) + g[i] * (scalar(t.T * x[i]) - f[i]) for i in range(n)])
    return (
        Step(
            "gradient_w_identity",
            "∇_w R = E[g h_L(x)].",
            "f = wᵀh_L with h_L independent of w; checked against SymPy's derivative.",
            lambda: sympy_identity(grad_w, mean([g[i] * h[i] for i in range(n)])),
        ),
        Step(
            "linear_correlation_equals_deviation_correlation",
            "E[g x] = E[g (x − h_L)] + ∇_w R, so E[g x] = E[g (x − h_L)] when ∇_w R = 0.",
            "Linearity of E; identity in the symbolic entries.",
            lambda: sympy_identity(mean([g[i] * x[i] for i in range(n)]), e_gdev + grad_w),
        ),
        Step(
            "convexity_chain_identity",
            "E[ℓ(f) + g(tᵀx − f)] = R + tᵀE[g(x − h_L)] + (t − w)ᵀ∇_w R; with the tangent line "
            "of convex ℓ, E ℓ(tᵀx) ≥ R + tᵀE[g(x − h_L)] at ∇_w R = 0.",
            "The identity is checked; the tangent-line inequality is the convexity premise.",
            lambda: sympy_identity(
                tangent, risk + scalar(t.T * e_gdev) + scalar((t - w).T * grad_w)
            ),
        ),
    )


def _induction_checks() -> dict[str, Callable[[], Evidence]]:
    a, xn, s1, s2 = sympy.symbols("a X s_1 s_2", nonnegative=True)
    l = _L_IDX
    growth = (1 + a) ** l

    def norm_growth() -> Evidence:
        h_prev = (1 + a) ** (l - 1) * xn - s1  # ‖h_{l-1}‖ ≤ (1+a)^{l-1}‖x‖
        branch = a * h_prev - s2  # ‖φ(h_{l-1})‖ ≤ a‖h_{l-1}‖
        return sympy_nonnegative(growth * xn - (h_prev + branch))

    def deviation() -> Evidence:
        dev_prev = ((1 + a) ** (l - 1) - 1) * xn - s1
        branch = a * (1 + a) ** (l - 1) * xn - s2
        return combine(
            {
                "base_case": sympy_identity(((1 + a) ** 0 - 1) * xn, 0),
                "step": sympy_nonnegative((growth - 1) * xn - (dev_prev + branch)),
            }
        )

    return {"norm_growth": norm_growth, "deviation": deviation}


def _geometric_sum(constant: Constant, depths: tuple[int, ...]) -> Evidence:
    a = sympy.Symbol("a", positive=True)
    l, depth, alpha = _L_IDX, _DEPTH, _ALPHA
    closed = (1 + a) ** l - 1
    term = a * (1 + a) ** (l - 1)
    parts = {
        "telescoping": sympy_identity(closed - closed.subs(l, l - 1), term),
        "telescoping_base": sympy_identity(closed.subs(l, 0), 0),
        "claim_is_closed_form": sympy_identity(
            constant(alpha, depth), closed.subs({l: depth, a: alpha / depth})
        ),
        "sympy_summation": sympy_identity(
            sympy.summation(term.subs(a, alpha / depth), (l, 1, depth)), constant(alpha, depth)
        ),
    }
    for big_l in depths:
        u = alpha / big_l
        total = sum(u * (1 + u) ** (j - 1) for j in range(1, big_l + 1))
        parts[f"L={big_l}"] = sympy_identity(total, constant(alpha, sympy.Integer(big_l)))
    return combine(parts)


def _exponential_checks(constant: Constant) -> dict[str, Callable[[], Evidence]]:
    u, z = sympy.Symbol("u", nonnegative=True), sympy.Symbol("z", nonnegative=True)
    alpha, depth = _ALPHA, _DEPTH

    def below() -> Evidence:
        v = alpha / depth
        gap = sympy.exp(alpha) - 1 - constant(alpha, depth)
        factored = (1 + v) ** depth * (sympy.exp(depth * (v - sympy.log(1 + v))) - 1)
        return conclude(
            {
                "gap_identity": sympy_identity(gap, factored),
                "exp_minus_one_nonnegative": _monotone_from_zero(sympy.exp(z) - 1, z),
                "prefactor_positive": sympy_nonnegative((1 + v) ** depth, strict=True),
            },
            refute=lambda: sympy_nonnegative(gap),
        )

    return {"log": lambda: _monotone_from_zero(u - sympy.log(1 + u), u), "below": below}


def _assembly_check() -> Evidence:
    gabs, dev, s1, s2 = sympy.symbols("gamma D s_1 s_2", nonnegative=True)
    big_g = gabs + s1  # |g| ≤ G
    kx = dev + s2  # ‖x − h_L‖ = D ≤ (e^α − 1)‖x‖ = KX
    return sympy_nonnegative(big_g * kx - gabs * dev)


THEOREM_ID = "Y3"  # not (yet) in verify.theorems: CLAIMS.md Y3 [S] + explicit constant [D]
WITHOUT: tuple[str, ...] = ()
PREMISES = {
    "loss_convex": "l(p; y) is convex and differentiable in p",
    "lipschitz_loss": "|l'(p; y)| <= G",
    "near_identity": "each phi^l is (alpha/L)-Lipschitz with phi^l(0) = 0, alpha >= 0",
    "stationary_in_w": "grad_w R(theta*) = 0",
}
SIZES = ((2, 3), (4, 3))  # (d, n)


def statement(premises: dict[str, str] | None = None) -> Statement:
    return Statement(
        catalogue=(THEOREM_ID, WITHOUT),
        premises=PREMISES if premises is None else premises,
        conclusion_name="near_identity_risk_bound",
        conclusion_text="R(theta*) <= E l(t^T x; y) + G (e^alpha - 1) E||x|| ||t|| for every t",
        conclusion="near_identity_risk_bound",
    )


def build_proof(
    *,
    sizes: tuple[tuple[int, int], ...] = SIZES,
    deviation_constant: Constant = paper_constant,
    depths: tuple[int, ...] = tuple(range(1, 17)),
    statement_: Statement | None = None,
) -> Proof:
    """The derivation; ``deviation_constant(α, L)`` is the claimed C in ‖h_L − x‖ ≤ C‖x‖."""
    for d, n in sizes:
        check_size("d", d, minimum=2)
        check_size("n", n)
    if not isinstance(depths, tuple) or not depths:
        raise InvalidInput(f"depths={depths!r} must be a non-empty tuple of positive ints.")
    for big_l in depths:
        check_size("depths[...]", big_l)
    scalar_scope = Scope("scalar claim: symbolic depth index l and L, no dimension", general=True)
    induction = _induction_checks()
    exponential = _exponential_checks(deviation_constant)
    scalar_steps = tuple(
        replace(st, scope=scalar_scope)
        for st in (
            Step(
                "norm_growth_induction",
                "‖h_{l-1}‖ ≤ (1 + a)^{l-1}‖x‖ and ‖φˡ(h_{l-1})‖ ≤ a‖h_{l-1}‖ (a = α/L) give "
                "‖h_{l-1}‖ + ‖φˡ(h_{l-1})‖ ≤ (1 + a)^l ‖x‖.",
                "φˡ(0) = 0 and Lipschitz: ‖φˡ(h)‖ ≤ a‖h‖; scalar reduction with slacks, proved "
                "exactly for symbolic l ≥ 1.",
                induction["norm_growth"],
            ),
            Step(
                "deviation_induction",
                "‖h_0 − x‖ = 0 and ‖h_l − x‖ ≤ ‖h_{l-1} − x‖ + a(1 + a)^{l-1}‖x‖ give "
                "‖h_l − x‖ ≤ ((1 + a)^l − 1)‖x‖.",
                "Triangle inequality and norm_growth_induction; scalar reduction with slacks.",
                induction["deviation"],
            ),
            Step(
                "geometric_sum_identity",
                "Σ_{l=1}^{L} (α/L)(1 + α/L)^{l-1} = deviation_constant(α, L) "
                "(claimed: (1 + α/L)^L − 1).",
                "Telescoping of (1 + a)^l − 1 for symbolic l, SymPy's summation for symbolic L, "
                f"and exact expansion for L in {depths[0]}..{depths[-1]}.",
                lambda: _geometric_sum(deviation_constant, depths),
            ),
            Step(
                "log_inequality",
                "u − log(1 + u) ≥ 0 for u ≥ 0, hence L log(1 + α/L) ≤ α.",
                "Value 0 at u = 0 and derivative u/(1 + u) ≥ 0 (exact); mean value theorem.",
                exponential["log"],
            ),
            Step(
                "constant_below_exponential",
                "deviation_constant(α, L) ≤ e^α − 1 for α ≥ 0, L ≥ 1.",
                "e^α − 1 − C = (1 + α/L)^L (e^z − 1) with z = L(α/L − log(1 + α/L)) ≥ 0 by "
                "log_inequality, and e^z − 1 ≥ 0 for z ≥ 0 (value 0 at 0, derivative e^z).",
                exponential["below"],
            ),
            Step(
                "bound_assembly",
                "|g| ≤ G and ‖x − h_L‖ ≤ (e^α − 1)‖x‖ give |g|‖x − h_L‖ ≤ G(e^α − 1)‖x‖, so "
                "R ≤ E ℓ(tᵀx) + G(e^α − 1)E‖x‖‖t‖.",
                "Product of bounds on non-negative numbers, exact scalar reduction; the "
                "passage through −tᵀE[v] ≤ ‖t‖E‖v‖ is cauchy_schwarz and the triangle inequality.",
                _assembly_check,
            ),
        )
    )
    return Proof(
        theorem_id="near_identity_resnet_risk_bound",
        title="Near-identity ResNet: R ≤ E ℓ(tᵀx) + G(e^α − 1)E‖x‖‖t‖ at ∇_w R = 0, any depth",
        reference="Derived lemma after Yun, Sra & Jadbabaie (2019), NeurIPS (CLAIMS.md Y3); "
        "not the paper's theorem",
        tag="D",
        statement=statement_ or statement(),
        steps=(
            *linear_chain(
                (
                    *general.near_identity_first_order_steps(),
                    general.cauchy_schwarz_step(),
                    general.triangle_inequality_step("applied to h_l = h_{l-1} + φˡ(h_{l-1})"),
                    *scalar_steps,
                ),
                tuple(PREMISES),
                "near_identity_risk_bound",
            ),
            *(
                replace(c, name=f"{c.name}_at_sizes", concludes=())
                for c in at_sizes(
                    lambda s: (
                        *_first_order_steps(*s),
                        lagrange_identity_step(s[0]),
                        triangle_inequality_step(s[0], "applied to h_l = h_{l-1} + φˡ(h_{l-1})"),
                    ),
                    sizes,
                    "d, n",
                )
            ),
        ),
    )


PROOF: Proof = build_proof()

if __name__ == "__main__":
    report = check_proof(PROOF)
    print(report.format())
    raise SystemExit({"HOLDS": 0, "PARTIAL": 2}.get(report.status, 1))
