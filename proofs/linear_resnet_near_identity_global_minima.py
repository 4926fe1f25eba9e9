r"""Linear ResNets near the identity: every critical point with max_i ‖A_i‖₂ < 1 is global.

Statement
    Hardt & Ma's linear residual network h(x) = (I + A_L)…(I + A_1)x on R^d (the blocks'
    V_i are the A_i; no output layer), f(A) = E‖y − h(x)‖² = (1/n) Σ_i ‖y_i − P x_i‖²
    with P = F_L…F_1, F_k = I + A_k. Every critical point with max_i ‖A_i‖₂ < 1 (i.e.
    ≤ τ for some τ < 1) satisfies f(A) = min_M E‖y − M x‖², the global minimum.

Premises
    critical_point: ∇f(A) = 0.
    norm_bound: ‖A_i‖₂ < 1 for every i, i.e. I − A_iᵀA_i is positive definite.
    residual_network, no_readout, linear_blocks, trainable_V: h = (I + V_L)…(I + V_1)x.
    squared_loss: f = E‖y − h(x)‖².

Conclusion
    f(A) = min_M E‖y − M x‖² (global_minimum).

Proof outline (step names below)
    blocks_compose_to_product: h ← h + V h = (I + V)h, so h_L = P x.
    risk_gradient_in_product: ∇_P f = G := (2/n)(P X − Y)Xᵀ (expansion of f(P + tE)).
    factor_gradient: P is affine in one A_i, P(A_i + tΔ) = P + t B_i Δ C_i, so
        ∇_{A_i} f = B_iᵀ G C_iᵀ (B_i = F_L…F_{i+1}, C_i = F_{i−1}…F_1).
    cauchy_schwarz, factors_invertible: ‖(I + A)v‖² = N + 2B + Q with N = ‖v‖² > 0,
        Q = ‖Av‖² < N (norm_bound), B = vᵀAv, B² ≤ NQ, hence > 0: I + A is injective.
    products_invertible: (XY)(Y⁻¹X⁻¹) = I, so every B_i and C_i is invertible.
    stationarity_forces_g_zero: G = B_i⁻ᵀ(B_iᵀ G C_iᵀ)C_i⁻ᵀ = 0.
    least_squares_optimality: with Y = M X + R, R Xᵀ = 0 (normal equations),
        n(f(Q) − f(M)) = ‖(Q − M)X‖²_F ≥ 0 for every Q (every Q is a product), and
        n(f(P) − f(M)) = (n/2) tr(G (P − M)ᵀ) = 0 when G = 0.
    Cross-check: the gradient formula against SymPy's derivative of f with symbolic
    A-entries and random rational data at (d, L, n) ∈ {(2, 3, 4), (3, 2, 5)}.

Reference
    M. Hardt & T. Ma, "Identity matters in deep learning", ICLR 2017: the statement [Q]
    (quoted via a public summary, CLAIMS.md §Hardt & Ma). The steps are our derivation
    (verify/linear/objective.py, proof sketch), not the paper's text.

Scope
    Symbolic in all dimensions d, depths L and sample sizes n: every identity is a
    non-commutative matrix identity (matrix_identity, cross-checked exactly at d ∈ {2, 3}
    or {2, 4}), the sign step is decided by z3. Taken as rules, not checked: the trace
    form of the Frobenius inner product (⟨A, B⟩ = tr(AᵀB), tr(M) = tr(Mᵀ), tr(XY) =
    tr(YX), tr(AAᵀ) ≥ 0), the first-order expansion defining a gradient, a 1×1 matrix
    equals its transpose, positive definiteness of I − AᵀA meaning ‖Av‖² < ‖v‖² for v ≠ 0
    (what the norm_bound check decides exactly), an injective square matrix is invertible
    (rank–nullity), induction over the number of factors of a product, and the existence
    of a least-squares solution M (the normal equations M XXᵀ = Y Xᵀ are consistent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

import numpy as np
import sympy

from verify import (
    And,
    Evidence,
    Implies,
    InvalidInput,
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

from ._general_steps import cauchy_schwarz_step

THEOREM_ID = "HM"
WITHOUT: tuple[str, ...] = ()
PREMISES = catalogue_premises(theorem(THEOREM_ID, WITHOUT))
SETTING = And("residual_network", "no_readout", "linear_blocks", "trainable_V")
SIZES = ((2, 3, 4), (3, 2, 5))  # (d, L, n) cross-check sizes, all distinct within a tuple
GENERAL = Scope("symbolic in all dimensions, depths and sample sizes", general=True)

d, n = sympy.symbols("d n", integer=True, positive=True)
t = sympy.Symbol("t", real=True)
DIMS = ({d: 2, n: 3}, {d: 4, n: 5})
A, B, C, D, E, G, M, P, Q = (sympy.MatrixSymbol(s, d, d) for s in "ABCDEGMPQ")
X, Y, R = (sympy.MatrixSymbol(s, d, n) for s in "XYR")
v, h = sympy.MatrixSymbol("v", d, 1), sympy.MatrixSymbol("h", d, 1)
I = sympy.Identity(d)

FactorGradient = Callable[[sympy.MatrixExpr, sympy.MatrixExpr, sympy.MatrixExpr], sympy.MatrixExpr]


def paper_factor_gradient(b: sympy.MatrixExpr, g: sympy.MatrixExpr, c: sympy.MatrixExpr
                          ) -> sympy.MatrixExpr:
    """The claimed ∇_{A_i} f = B_iᵀ G C_iᵀ."""
    return b.T * g * c.T


def _ident(lhs: sympy.Basic, rhs: sympy.Basic) -> Evidence:
    return matrix_identity(lhs, rhs, sizes=DIMS)


def _cross_check(size: tuple[int, int, int], formula: FactorGradient, seed: int) -> Evidence:
    """∂f/∂A_i by SymPy at symbolic A-entries vs ``formula`` with explicit matrices."""
    dd, depth, nn = size
    rng = np.random.default_rng(seed)

    def rational() -> sympy.Rational:
        q = Fraction(int(rng.integers(-9, 10)), int(rng.integers(1, 5)))
        return sympy.Rational(q.numerator, q.denominator)

    xs = sympy.Matrix(dd, nn, lambda i, j: rational())
    ys = sympy.Matrix(dd, nn, lambda i, j: rational())
    As = [sympy.Matrix(dd, dd, lambda i, j, k=k: sympy.Symbol(f"a{k}_{i}{j}", real=True))
          for k in range(depth)]
    F = [sympy.eye(dd) + a for a in As]

    def prod(fs: list[sympy.Matrix]) -> sympy.Matrix:
        out = sympy.eye(dd)
        for f in fs:
            out = f * out
        return out

    p = prod(F)
    res = ys - p * xs
    risk = sum(res[i, j] ** 2 for i in range(dd) for j in range(nn)) / nn
    g = 2 * (p * xs - ys) * xs.T / nn
    parts = {}
    for i in range(depth):
        claimed = formula(prod(F[i + 1:]), g, prod(F[:i]))  # type: ignore[arg-type]
        parts[f"A_{i + 1}"] = sympy_identity(
            sympy.Matrix(claimed), As[i].applyfunc(lambda a: sympy.diff(risk, a)))
    return combine(parts)


def build_proof(
    *,
    sizes: tuple[tuple[int, int, int], ...] = SIZES,
    factor_gradient: FactorGradient = paper_factor_gradient,
) -> Proof:
    """The derived proof (general) plus the gradient cross-check at ``sizes``."""
    for size in sizes:
        if len(size) != 3 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1
                                 for s in size):
            raise InvalidInput(f"sizes entry {size!r} must be a (d, L, n) tuple of integers >= 1.")
    N, Qn, Bs = sympy.symbols("N Q B", real=True)
    Xc = C.T  # tr(Xc Yc) = tr(Yc Xc) with Yc = ΔᵀBᵀG: the trace rule used in factor_gradient
    K = factor_gradient(B, G, C)
    steps = (
        Step("blocks_compose_to_product",
             "Each identity block maps h to h + V h = (I + V)h, so the network is h_L = P x "
             "with P = (I + V_L)…(I + V_1), and f = (1/n) tr((Y − PX)(Y − PX)ᵀ).",
             "Matrix identity h + Vh = (I + V)h; induction over the blocks.",
             lambda: _ident(h + A * h, (I + A) * h), GENERAL, (SETTING, "squared_loss"),
             ("network_is_product",)),
        Step("risk_gradient_in_product",
             "∇_P f = G := (2/n)(P X − Y)Xᵀ.",
             "(Y − (P + tE)X)(…)ᵀ = DDᵀ − t(EXDᵀ + DXᵀEᵀ) + t²EXXᵀEᵀ with D = Y − PX; the "
             "trace of the t-term is −2⟨E, D Xᵀ⟩ (trace rules), so ⟨∇_P f, E⟩ = ⟨G, E⟩.",
             lambda: _ident((Y - (P + t * E) * X) * (Y - (P + t * E) * X).T,
                            (Y - P * X) * (Y - P * X).T
                            - t * (E * X * (Y - P * X).T + (Y - P * X) * X.T * E.T)
                            + t**2 * E * X * X.T * E.T),
             GENERAL, ("network_is_product",), ("risk_gradient_in_product",)),
        Step("factor_gradient",
             "∇_{A_i} f = B_iᵀ G C_iᵀ with B_i = F_L…F_{i+1}, C_i = F_{i−1}…F_1.",
             "P is affine in A_i: B(I + A + tΔ)C = B(I + A)C + tBΔC, so the directional "
             "derivative is ⟨G, BΔC⟩ = tr(CᵀΔᵀBᵀG) = tr(ΔᵀBᵀGCᵀ) (tr(XY) = tr(YX) with "
             "X = Cᵀ, Y = ΔᵀBᵀG; both products checked) = ⟨Δ, claimed formula⟩.",
             lambda: combine({
                 "affine": _ident(B * (I + A + t * E) * C, B * (I + A) * C + t * B * E * C),
                 "xy": _ident(Xc * (E.T * B.T * G), (B * E * C).T * G),
                 "yx": _ident((E.T * B.T * G) * Xc, E.T * K),
             }),
             GENERAL, ("risk_gradient_in_product",), ("factor_gradient",)),
        *(Step(f"factor_gradient_cross_check_{k + 1}",
               f"At (d, L, n) = {s}, ∂f/∂A_i equals the claimed formula for every i "
               "(symbolic A-entries, random rational data).",
               "SymPy differentiation of the explicit risk; exact identity.",
               lambda s=s, k=k: _cross_check(s, factor_gradient, k),
               Scope(f"at (d, L, n) = {s}"))
          for k, s in enumerate(sizes)),
        replace(cauchy_schwarz_step(), concludes=("cauchy_schwarz",)),
        Step("factors_invertible",
             "‖A‖₂ < 1 ⇒ I + A is invertible.",
             "‖(I + A)v‖² = N + 2B + Q (matrix identity, 1×1 transpose rule) with N = ‖v‖² > 0, "
             "Q = ‖Av‖² < N (norm_bound), B = vᵀAv, B² ≤ NQ (cauchy_schwarz); z3 proves "
             "N + 2B + Q > 0, so I + A is injective, hence invertible (rank–nullity).",
             lambda: combine({
                 "expansion": _ident((v + A * v).T * (v + A * v),
                                     v.T * v + v.T * (A * v) + (A * v).T * v + (A * v).T * (A * v)),
                 "sign": polynomial_sign(N + 2 * Bs + Qn,
                                         [N > 0, Qn >= 0, Qn < N, Bs**2 <= N * Qn], strict=True),
             }),
             GENERAL, ("cauchy_schwarz",), (Implies("norm_bound", "factors_invertible"),)),
        Step("products_invertible",
             "Products of invertible matrices are invertible: every B_i and C_i is.",
             "(XY)(Y⁻¹X⁻¹) = I = (Y⁻¹X⁻¹)(XY); induction over the number of factors.",
             lambda: combine({"right": _ident((P * Q) * (Q.I * P.I), I),
                              "left": _ident((Q.I * P.I) * (P * Q), I)}),
             GENERAL, (), (Implies("factors_invertible", "products_invertible"),)),
        Step("stationarity_forces_g_zero",
             "∇_{A_i} f = B_iᵀ G C_iᵀ = 0 with invertible B_i, C_i forces G = 0.",
             "G = B⁻ᵀ (BᵀGCᵀ) C⁻ᵀ.",
             lambda: _ident((B.T).I * (B.T * G * C.T) * (C.T).I, G),
             GENERAL, (And("critical_point", "factor_gradient", "products_invertible"),),
             ("g_zero",)),
        Step("least_squares_optimality",
             "G = 0 ⇒ f(P) = f(M) = min over every matrix Q of f(Q) = min_M E‖y − Mx‖², "
             "and every Q is a product (A_1 = Q − I, other A_i = 0).",
             "With Y = MX + R and R Xᵀ = 0: n(f(Q) − f(M)) = ‖(M − Q)X‖²_F ≥ 0 and "
             "n(f(P) − f(M)) = tr((PX − Y)Xᵀ(P − M)ᵀ) = (n/2) tr(G(P − M)ᵀ) (identities "
             "below, cross terms are multiples of R Xᵀ; trace rules).",
             lambda: combine({
                 "any_Q": _ident(
                     ((M * X + R) - Q * X) * ((M * X + R) - Q * X).T - R * R.T,
                     ((M - Q) * X) * ((M - Q) * X).T + (M - Q) * (R * X.T).T
                     + (R * X.T) * (M - Q).T),
                 "at_P": _ident(
                     ((M * X + R) - P * X) * ((M * X + R) - P * X).T - R * R.T,
                     (P * X - (M * X + R)) * X.T * (P - M).T + (M - P) * (R * X.T).T),
                 "product": _ident((I + sympy.ZeroMatrix(d, d)) * (I + (Q - I)), Q),
             }),
             GENERAL, ("network_is_product",), (Implies("g_zero", "global_minimum"),)),
    )
    return Proof(
        theorem_id="linear_resnet_near_identity_global_minima",
        title="Linear ResNets: critical points with max ‖A_i‖₂ < 1 are global minima",
        reference="Hardt & Ma (ICLR 2017), statement quoted via a public summary [Q]; "
        "proof: derived here (verify/linear/objective.py), not the paper's text",
        tag="Q",
        steps=steps,
        statement=Statement(
            catalogue=(THEOREM_ID, WITHOUT),
            premises=PREMISES,
            conclusion_name="global_minimum",
            conclusion_text=theorem(THEOREM_ID).conclusion.statement,
            conclusion="global_minimum",
        ),
    )


PROOF: Proof = build_proof()

if __name__ == "__main__":
    report = check_proof(PROOF)
    print(report.format())
    raise SystemExit({"HOLDS": 0, "PARTIAL": 2}.get(report.status, 1))
