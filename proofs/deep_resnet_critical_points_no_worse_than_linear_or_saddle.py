r"""Deep ResNets: a critical point is no worse than linear or has negative curvature (partial).

Statement
    Model h_1 = x + V_1 φ¹(x), h_l = h_{l-1} + V_l φˡ(U_l h_{l-1}) (l = 2..L),
    f_θ = wᵀh_L, ℓ(p; y) convex and twice differentiable in p. Let θ* be a twice
    differentiable critical point of R. If (1) E[ℓ''(f; y) h_L h_Lᵀ] has rank d_x and
    (2) col([U_2ᵀ … U_Lᵀ]) ≠ R^{d_x}, then R(θ*) ≤ R_lin or λ_min(∇²R(θ*)) < 0.

Premises
    representation_coverage: E[ℓ'' h_L h_Lᵀ] is full rank (premise 1).
    parameter_coverage: col([U_2ᵀ … U_Lᵀ]) ≠ R^{d_x} (premise 2); holds if Σ_{l≥2} m_l < d_x.
    critical_point: ∇R(θ*) = 0, R twice differentiable at θ*.

Conclusion
    R(θ*) ≤ R_lin, or the Hessian has a negative eigenvalue.

Proof outline — NOT reproduced
    The paper's proof was not available (only the poster statement), so the dichotomy
    itself is not checked here. This module checks the ingredients that can be stated
    independently of the missing argument:
    gradient_w_identity: ∇_w R = E[g h_L], g = ℓ'(f; y).
    gradient_v_identities: ∇_{V_l} R = E[g b_l φˡᵀ] with the backpropagated vector
        b_L = w, b_{l-1} = b_l + U_lᵀ φˡ'(U_l h_{l-1}) V_lᵀ b_l (for l = L this is w E[gφᴸᵀ],
        Shamir's formula).
    hessian_ww_block_identity: ∂²R/∂w² = E[ℓ''(f; y) h_L h_Lᵀ], the matrix of premise 1.
    hessian_ww_block_psd_for_convex_loss: vᵀE[ℓ'' h hᵀ]v = E[ℓ''(hᵀv)²] ≥ 0 when ℓ'' ≥ 0,
        so under premise 1 the w–w block is positive definite (PSD + trivial kernel).
    parameter_coverage_from_width_count: if Σ_{l≥2} m_l < d_x, the cofactor vector n of
        the rows of U_2, …, U_L padded with free rows to d_x − 1 rows satisfies U_l n = 0
        for every l and is not identically zero, so col([U_2ᵀ … U_Lᵀ]) ⊆ n^⊥ ≠ R^{d_x}.

Reference
    C. Yun, S. Sra, A. Jadbabaie, "Are deep ResNets provably better than linear
    predictors?", NeurIPS 2019, main theorem as stated on the poster [S]. The checked
    ingredients are derived here [D].

Scope
    Gradient and Hessian identities: depth L = 3, d_x = 2, n_1 = 1, m_l = n_l = 1 for
    l ≥ 2, n = 2 samples, ℓ and φ² … φᴸ undefined functions, everything else symbolic.
    PSD step: d_x = 2, n = 2 with symbolic ℓ''-values ≥ 0 and hidden vectors.
    Coverage step: d_x = 3 with widths (m_2, m_3) = (1, 1), generic symbolic U.
    Not checked: the dichotomy R ≤ R_lin or λ_min < 0 itself, the role of premise 2 in
    the paper's argument, and sizes other than the instantiated ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy

from verify.errors import InvalidInput
from verify.proofkit.steps import (
    Proof,
    Step,
    check_proof,
    combine,
    conclude,
    sympy_identity,
    sympy_nonnegative,
)
from verify.verdict import Evidence, Method, Verdict

from ._common import check_size, derivative_at, gradient, matrix, mean, scalar, vector


@dataclass(frozen=True)
class DeepNet:
    """Yun et al.'s L-block model with scalar residual branches, fully symbolic."""

    w: sympy.Matrix
    V: tuple[sympy.Matrix, ...]  # V_1 … V_L, each d_x × 1
    U: tuple[sympy.Matrix, ...]  # U_2 … U_L, each 1 × d_x
    phi1: tuple[sympy.Symbol, ...]  # φ¹(x_i), per sample
    phi: tuple[sympy.FunctionClass, ...]  # φ² … φᴸ
    x: tuple[sympy.Matrix, ...]
    y: tuple[sympy.Symbol, ...]
    ell: sympy.FunctionClass

    @property
    def depth(self) -> int:
        return len(self.V)

    def pre(self, i: int, l: int) -> sympy.Expr:
        """U_l h_{l-1}(x_i) for l ≥ 2."""
        return scalar(self.U[l - 2] * self.hidden(i, l - 1))

    def branch(self, i: int, l: int) -> sympy.Expr:
        """φˡ at sample i (φ¹(x_i) for l = 1)."""
        return self.phi1[i] if l == 1 else self.phi[l - 2](self.pre(i, l))

    def hidden(self, i: int, l: int) -> sympy.Matrix:
        """h_l(x_i), with h_0 = x_i."""
        h = self.x[i]
        for j in range(1, l + 1):
            branch = self.phi1[i] if j == 1 else self.phi[j - 2](scalar(self.U[j - 2] * h))
            h = h + self.V[j - 1] * branch
        return h

    def output(self, i: int) -> sympy.Expr:
        return scalar(self.w.T * self.hidden(i, self.depth))

    def g(self, i: int, order: int = 1) -> sympy.Expr:
        return derivative_at(self.ell, self.output(i), self.y[i], order=order)

    def risk(self) -> sympy.Expr:
        return mean([self.ell(self.output(i), self.y[i]) for i in range(len(self.x))])


def deep_net(depth: int, d_x: int, n: int) -> DeepNet:
    return DeepNet(
        w=vector("w", d_x),
        V=tuple(vector(f"V{l}", d_x) for l in range(1, depth + 1)),
        U=tuple(matrix(f"U{l}", 1, d_x) for l in range(2, depth + 1)),
        phi1=tuple(sympy.Symbol(f"phi1_{i + 1}", real=True) for i in range(n)),
        phi=tuple(sympy.Function(f"phi{l}", real=True) for l in range(2, depth + 1)),
        x=tuple(vector(f"x{i + 1}", d_x) for i in range(n)),
        y=tuple(sympy.Symbol(f"y_{i + 1}", real=True) for i in range(n)),
        ell=sympy.Function("ell", real=True),
    )


def paper_grad_w(net: DeepNet) -> sympy.Matrix:
    """∇_w R = E[g h_L]."""
    return mean([net.g(i) * net.hidden(i, net.depth) for i in range(len(net.x))])


def paper_grad_v(net: DeepNet, l: int) -> sympy.Matrix:
    """∇_{V_l} R = E[g b_l φˡ] with b_L = w, b_{j-1} = b_j + U_jᵀ φʲ'(U_j h_{j-1}) V_jᵀ b_j."""
    terms = []
    for i in range(len(net.x)):
        b = net.w
        for j in range(net.depth, l, -1):
            slope = derivative_at(net.phi[j - 2], net.pre(i, j))
            b = b + net.U[j - 2].T * slope * (net.V[j - 1].T * b)
        terms.append(net.g(i) * b * net.branch(i, l))
    return mean(terms)


def paper_hessian_ww(net: DeepNet) -> sympy.Matrix:
    """∂²R/∂w² = E[ℓ''(f; y) h_L h_Lᵀ]."""
    hs = [net.hidden(i, net.depth) for i in range(len(net.x))]
    return mean([net.g(i, order=2) * h * h.T for i, h in enumerate(hs)])


def _coverage_check(d_x: int, widths: tuple[int, ...]) -> Evidence:
    u_rows = [matrix(f"U{l + 2}", m, d_x) for l, m in enumerate(widths)]
    stacked = sympy.Matrix.vstack(*u_rows) if u_rows else sympy.zeros(0, d_x)
    pad = max(0, d_x - 1 - stacked.rows)
    rows = sympy.Matrix.vstack(stacked, matrix("r", pad, d_x))[: d_x - 1, :]
    normal = sympy.Matrix(
        [(-1) ** j * rows[:, [c for c in range(d_x) if c != j]].det() for j in range(d_x)]
    )
    basis = {rows[i, j]: int(i == j) for i in range(d_x - 1) for j in range(d_x)}
    at_basis = normal.xreplace(basis)
    nonzero = Evidence(
        Verdict.HOLDS if any(e != 0 for e in at_basis) else Verdict.VIOLATED,
        Method.EXACT,
        f"n is not the zero polynomial: at rows = (e_1, …, e_{{d_x-1}}) it equals {list(at_basis)}",
    )

    def full_rank_witness() -> Evidence:
        # The claim fails iff some U makes the stacked rows span R^{d_x}: try one.
        point = {e: sympy.Integer((3 * k * k + k + 1) % 7 - 3) for k, e in enumerate(stacked)}
        rank = stacked.xreplace(point).rank()
        if rank == d_x:
            return Evidence(
                Verdict.VIOLATED,
                Method.EXACT,
                f"at this integer U the stacked U rows have rank {rank} = d_x: their column "
                "span is all of R^{d_x}",
                witness={"U": {str(k): str(v) for k, v in point.items()}},
            )
        return Evidence(Verdict.INCONCLUSIVE, Method.EXACT, f"rank {rank} < d_x at the probe")

    return conclude(
        {
            "orthogonal": sympy_identity(stacked * normal, sympy.zeros(stacked.rows, 1)),
            "nonzero": nonzero,
        },
        refute=full_rank_witness,
    )


def build_proof(
    *,
    depth: int = 3,
    d_x: int = 2,
    n: int = 2,
    grad_w_formula: Callable[[DeepNet], sympy.Matrix] = paper_grad_w,
    grad_v_formula: Callable[[DeepNet, int], sympy.Matrix] = paper_grad_v,
    hessian_ww_formula: Callable[[DeepNet], sympy.Matrix] = paper_hessian_ww,
    coverage_dim: int = 3,
    coverage_widths: tuple[int, ...] = (1, 1),
) -> Proof:
    """The partial proof; the formulas and the coverage sizes are the claimed inputs."""
    check_size("depth", depth)
    check_size("d_x", d_x)
    check_size("n", n)
    check_size("coverage_dim", coverage_dim, minimum=2)
    for m in coverage_widths:
        check_size("coverage_widths[...]", m)
    if not isinstance(coverage_widths, tuple):
        raise InvalidInput(f"coverage_widths={coverage_widths!r} must be a tuple of ints.")
    net = deep_net(depth, d_x, n)
    risk = net.risk()

    def grads_v() -> Evidence:
        return combine(
            {
                f"V_{l}": sympy_identity(gradient(risk, net.V[l - 1]), grad_v_formula(net, l))
                for l in range(1, depth + 1)
            }
        )

    c = vector("c", n, nonnegative=True)  # ℓ''(f_i; y_i) ≥ 0 by convexity
    hs = [vector(f"h{i + 1}", d_x) for i in range(n)]
    v = vector("v", d_x)
    quad = scalar(v.T * mean([c[i] * hs[i] * hs[i].T for i in range(n)]) * v)
    sos = [(c[i] / n, scalar(hs[i].T * v)) for i in range(n)]
    return Proof(
        theorem_id="deep_resnet_critical_points_no_worse_than_linear_or_saddle",
        title="Deep ResNet critical points: R ≤ R_lin or negative curvature "
        "(checkable ingredients only)",
        reference="Yun, Sra & Jadbabaie (2019), NeurIPS, main theorem (poster); only derived "
        "ingredients are checked, the paper's proof is not reproduced",
        tag="S",
        steps=(
            Step(
                "gradient_w_identity",
                "∇_w R = E[g h_L(x)].",
                "f = wᵀh_L with h_L independent of w; checked against SymPy's derivative.",
                lambda: sympy_identity(gradient(risk, net.w), grad_w_formula(net)),
            ),
            Step(
                "gradient_v_identities",
                "∇_{V_l} R = E[g b_l φˡᵀ] for l = 1..L with b_L = w and "
                "b_{l-1} = b_l + U_lᵀ φˡ'(U_l h_{l-1}) V_lᵀ b_l.",
                "Backpropagation through the residual blocks; checked for every l.",
                grads_v,
            ),
            Step(
                "hessian_ww_block_identity",
                "∂²R/∂w² = E[ℓ''(f; y) h_L h_Lᵀ] (the matrix of premise 1).",
                "f is linear in w; checked against SymPy's Hessian.",
                lambda: sympy_identity(sympy.hessian(risk, net.w), hessian_ww_formula(net)),
            ),
            Step(
                "hessian_ww_block_psd_for_convex_loss",
                "vᵀE[ℓ'' h hᵀ]v ≥ 0 for all v when ℓ'' ≥ 0; with premise 1 (full rank) the "
                "w–w Hessian block is positive definite.",
                "vᵀE[c h hᵀ]v = E[c (hᵀv)²] is an exact SOS with weights c_i/n ≥ 0; a PSD "
                "matrix with trivial kernel is PD (linear algebra, not checked).",
                lambda: sympy_nonnegative(quad, sos=sos),
            ),
            Step(
                "parameter_coverage_from_width_count",
                f"Σ m_l = {sum(coverage_widths)} < d_x = {coverage_dim} ⇒ "
                "col([U_2ᵀ … U_Lᵀ]) ≠ R^{d_x}: a nonzero n with U_l n = 0 for all l.",
                "n = cofactor vector of the U rows padded with free rows r to d_x − 1 rows "
                "(Laplace expansion of a matrix with a repeated row); for any U some r makes "
                "the rows independent, so n ≠ 0 (basis completion, not checked).",
                lambda: _coverage_check(coverage_dim, coverage_widths),
            ),
        ),
    )


PROOF: Proof = build_proof()

if __name__ == "__main__":
    report = check_proof(PROOF)
    print(report.format())
    raise SystemExit(0 if report.verdict is Verdict.HOLDS else 1)
