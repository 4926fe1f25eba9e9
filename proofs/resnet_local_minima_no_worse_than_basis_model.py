r"""Local minima of ŷ = W(x + V z) in (W, V) attain the basis-function optimum (derived).

Statement
    Model ŷ(x) = W(x + V z(x, θ)), W ∈ R^{d_y×d_x}, V ∈ R^{d_x×d_z}, features z
    frozen at θ; ℓ(q, y) convex and differentiable in q ∈ R^{d_y}. At a local
    minimum of (W, V) ↦ L(W, V) = E ℓ(ŷ(x), y) with rank W = d_y or rank W < d_x
    (so always when d_y ≤ d_x): E[g zᵀ] = 0, E[g xᵀ] = 0 and
    L = L_basis*(θ) = inf_{A,B} E ℓ(Ax + Bz, y) ≤ L_lin* = inf_A E ℓ(Ax, y).

Premises
    convex_loss: ℓ(·, y) is convex and differentiable.
    local_minimum: (W, V) is a local minimum of L(·, ·, θ).
    rank_condition: rank W = d_y or rank W < d_x.

Conclusion
    L(W, V) = L_basis*(θ) = L_lin* − Δ(θ), Δ(θ) ≥ 0.

Proof outline (derivation; step names below)
    gradient_*: ∇_V L = Wᵀ E[g zᵀ], ∇_W L = E[g xᵀ] + E[g zᵀ] Vᵀ, g = ∇_q ℓ(ŷ, y).
    injective_case_zero_z_correlation: rank W = d_y ⇒ E[gzᵀ] = (WWᵀ)⁻¹W ∇_V L = 0.
    null_space_perturbation_*: rank W < d_x, W n = 0, n ≠ 0: V + η n cᵀ leaves L unchanged
        (so it is again a local minimum and ∇_W L = 0 there) and changes ∇_W L by
        η E[gzᵀ] c nᵀ; hence E[gzᵀ] c = Δ n/(η‖n‖²) = 0 for every c.
    basis_problem_*: J(A, B) = E ℓ(Ax + Bz, y) has L(W, V) = J(W, WV),
        ∇_A J(W, WV) = ∇_W L − E[gzᵀ]Vᵀ = 0 and ∇_B J(W, WV) = E[gzᵀ] = 0; J is convex, and
        the tangent plane J(A', B') ≥ J + ⟨∇_A J, A' − W⟩ + ⟨∇_B J, B' − WV⟩ = J shows
        L = L_basis*. B = 0 is feasible, so L_basis* ≤ L_lin* (Δ ≥ 0).

Reference
    Derived lemma [D] (CLAIMS.md K2), not the paper's theorem: Kawaguchi & Bengio,
    "Depth with nonlinearity creates no bad local minima in ResNets", Neural Networks
    2019, whose abstract claim is [S] and whose model is reconstructed [R].

Scope
    Symbolic in all dimensions d_x, d_y, d_z and every n: gradients as directional
    derivatives, the injective case with (WWᵀ)⁻¹, the basis problem and the null-space
    argument (any n with W n = 0) as MatrixSymbol identities, cross-checked exactly at two
    size tuples (proofs/_general_steps.py). Cross-checks (conclude nothing): the concrete
    identities at (d_x, d_y, d_z, n) ∈ {(4, 2, 1, 3), (3, 1, 2, 4)} for a generic loss ℓ
    and the squared loss. Rules, not checked: the multivariate chain rule, ⟨M, N⟩_F =
    trace(MᵀN), rank–nullity (n ≠ 0 exists iff rank W < d_x), the tangent-plane
    inequality (the convexity premise), "a point with the local minimum's value near it is
    a local minimum".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import sympy

from verify import (
    SETTING_DEFINITIONS,
    And,
    Evidence,
    Implies,
    InvalidInput,
    Or,
    Proof,
    Scope,
    Statement,
    Step,
    catalogue_premises,
    check_proof,
    combine,
    matrix_identity,
    sympy_identity,
    theorem,
)

from . import _general_steps as general_steps
from ._common import (
    all_identities,
    at_sizes,
    check_size,
    gradient,
    matrix,
    mean,
    scalar,
    vector,
)

LossValue = Callable[[sympy.Matrix, sympy.Matrix], sympy.Expr]


@dataclass(frozen=True)
class BasisResNet:
    """ŷ_i = W(x_i + V z_i) on n samples with a loss ℓ(q, y), everything symbolic."""

    W: sympy.Matrix
    V: sympy.Matrix
    x: tuple[sympy.Matrix, ...]
    z: tuple[sympy.Matrix, ...]
    y: tuple[sympy.Matrix, ...]
    loss: LossValue

    def output(self, i: int, v: sympy.Matrix | None = None) -> sympy.Matrix:
        return self.W * (self.x[i] + (self.V if v is None else v) * self.z[i])

    def risk(self, v: sympy.Matrix | None = None) -> sympy.Expr:
        return mean([self.loss(self.output(i, v), self.y[i]) for i in range(len(self.x))])

    def g(self, i: int) -> sympy.Matrix:
        """∇_q ℓ(q, y_i) at q = ŷ_i, in SymPy's chain-rule form."""
        q = sympy.Matrix([sympy.Dummy(f"q{j}", real=True) for j in range(self.W.rows)])
        at = dict(zip(q, self.output(i), strict=True))
        return gradient(self.loss(q, self.y[i]), q).subs(at)

    def e_gz(self) -> sympy.Matrix:
        return mean([self.g(i) * self.z[i].T for i in range(len(self.x))])

    def e_gx(self) -> sympy.Matrix:
        return mean([self.g(i) * self.x[i].T for i in range(len(self.x))])


def generic_loss(q: sympy.Matrix, y: sympy.Matrix) -> sympy.Expr:
    """An undefined function ℓ(q_1, …, q_{d_y}, y_1, …, y_{d_y}): any C¹ loss."""
    return sympy.Function("ell", real=True)(*q, *y)


def squared_loss(q: sympy.Matrix, y: sympy.Matrix) -> sympy.Expr:
    return scalar((q - y).T * (q - y))


def paper_grad_v(m: BasisResNet) -> sympy.Matrix:
    """∇_V L = Wᵀ E[g zᵀ]."""
    return m.W.T * m.e_gz()


def paper_grad_w(m: BasisResNet) -> sympy.Matrix:
    """∇_W L = E[g xᵀ] + E[g zᵀ] Vᵀ."""
    return m.e_gx() + m.e_gz() * m.V.T


def _model(d_x: int, d_y: int, d_z: int, n: int, loss: LossValue) -> BasisResNet:
    return BasisResNet(
        W=matrix("W", d_y, d_x),
        V=matrix("V", d_x, d_z),
        x=tuple(vector(f"x{i + 1}", d_x) for i in range(n)),
        z=tuple(vector(f"z{i + 1}", d_z) for i in range(n)),
        y=tuple(vector(f"y{i + 1}", d_y) for i in range(n)),
        loss=loss,
    )


def _concrete_steps(
    d_x: int,
    d_y: int,
    d_z: int,
    n: int,
    *,
    grad_v_formula: Callable[[BasisResNet], sympy.Matrix],
    grad_w_formula: Callable[[BasisResNet], sympy.Matrix],
) -> tuple[Step, ...]:
    """The steps checked at one size tuple."""
    models = {
        name: _model(d_x, d_y, d_z, n, loss)
        for name, loss in (("generic", generic_loss), ("squared", squared_loss))
    }
    m = models["generic"]

    def grads(kind: str) -> Evidence:
        formula = grad_v_formula if kind == "V" else grad_w_formula
        return combine(
            {
                name: sympy_identity(gradient(mm.risk(), getattr(mm, kind)), formula(mm))
                for name, mm in models.items()
            }
        )

    def injective() -> Evidence:
        grad_v = gradient(m.risk(), m.V)
        return sympy_identity((m.W * m.W.T).inv() * m.W * grad_v, m.e_gz())

    a, b = matrix("A", d_y, d_x), matrix("B", d_y, d_z)

    def basis_risk(aa: sympy.Matrix, bb: sympy.Matrix) -> sympy.Expr:
        return mean([m.loss(aa * m.x[i] + bb * m.z[i], m.y[i]) for i in range(n)])

    at_resnet = {**dict(zip(a, m.W, strict=True)), **dict(zip(b, m.W * m.V, strict=True))}

    def stationary() -> Evidence:
        j = basis_risk(a, b)
        return all_identities(
            {
                "same_value": (basis_risk(m.W, m.W * m.V), m.risk()),
                "grad_A": (
                    gradient(j, a).xreplace(at_resnet),
                    gradient(m.risk(), m.W) - m.e_gz() * m.V.T,
                ),
                "grad_B": (gradient(j, b).xreplace(at_resnet), m.e_gz()),
            }
        )

    def first_order() -> Evidence:
        a2, b2 = matrix("A'", d_y, d_x), matrix("B'", d_y, d_z)
        tangent = mean(
            [
                m.loss(m.output(i), m.y[i])
                + scalar(m.g(i).T * ((a2 * m.x[i] + b2 * m.z[i]) - m.output(i)))
                for i in range(n)
            ]
        )
        ga = gradient(basis_risk(a, b), a).xreplace(at_resnet)
        gb = gradient(basis_risk(a, b), b).xreplace(at_resnet)
        inner = sum(ga.multiply_elementwise(a2 - m.W)) + sum(
            gb.multiply_elementwise(b2 - m.W * m.V)
        )
        return sympy_identity(tangent, m.risk() + inner)

    return (
        Step(
            "gradient_v_identity",
            "∇_V L = Wᵀ E[g zᵀ].",
            "Chain rule; checked for a generic and for the squared loss.",
            lambda: grads("V"),
        ),
        Step(
            "gradient_w_identity",
            "∇_W L = E[g xᵀ] + E[g zᵀ] Vᵀ.",
            "Chain rule; checked for a generic and for the squared loss.",
            lambda: grads("W"),
        ),
        Step(
            "injective_case_zero_z_correlation",
            "If rank W = d_y then E[g zᵀ] = (WWᵀ)⁻¹ W ∇_V L, so ∇_V L = 0 ⇒ E[g zᵀ] = 0.",
            "WWᵀ is invertible iff rank W = d_y; identity in rational functions.",
            injective,
        ),
        Step(
            "basis_problem_stationary_at_resnet_point",
            "L(W, V) = J(W, WV), ∇_A J(W, WV) = ∇_W L − E[gzᵀ]Vᵀ, ∇_B J(W, WV) = E[gzᵀ]: "
            "both vanish once ∇_W L = 0 and E[gzᵀ] = 0.",
            "SymPy gradients of J in symbolic A, B, then A = W, B = WV.",
            stationary,
        ),
        Step(
            "basis_problem_first_order_condition",
            "E[ℓ(ŷ) + gᵀ(A'x + B'z − ŷ)] = J(W, WV) + ⟨∇_A J, A' − W⟩ + ⟨∇_B J, B' − WV⟩; "
            "with the tangent-plane inequality of convex ℓ, a stationary point of J is "
            "its global minimum, so L = L_basis* ≤ L_lin*.",
            "The identity is checked; the tangent-plane inequality is the convexity "
            "premise and is assumed.",
            first_order,
        ),
    )


THEOREM_ID = "K2"
WITHOUT: tuple[str, ...] = ()
PREMISES = catalogue_premises(theorem(THEOREM_ID, WITHOUT))
SIZES = ((4, 2, 1, 3), (3, 1, 2, 4))  # (d_x, d_y, d_z, n), all distinct within a tuple
DX, DY, DZ = sympy.symbols("d_x d_y d_z", integer=True, positive=True)
GENERAL_SIZES = ({DX: 4, DY: 2, DZ: 3}, {DX: 5, DY: 3, DZ: 1})


def statement(premises: dict[str, str] | None = None) -> Statement:
    return Statement(
        catalogue=(THEOREM_ID, WITHOUT),
        premises=PREMISES if premises is None else premises,
        conclusion_name="basis_model_optimal",
        conclusion_text="L(theta*) = L_basis*(theta*) (<= L_lin*): E[g x^T] = 0 and E[g z^T] = 0",
        conclusion="basis_model_optimal",
        definitions=(
            *SETTING_DEFINITIONS,
            Implies("rank_condition", Or("rank_w_full_row", And("rank_w_lt_dx", "local_minimum"))),
        ),
    )


def _null_space_steps() -> tuple[Step, ...]:
    """The rank W < d_x argument for ANY n with W n = 0 (no construction of n), in all sizes."""
    W, V = sympy.MatrixSymbol("W", DY, DX), sympy.MatrixSymbol("V", DX, DZ)
    x, z, nv = (sympy.MatrixSymbol(s, r, 1) for s, r in (("x", DX), ("z", DZ), ("n", DX)))
    c, G = sympy.MatrixSymbol("c", DZ, 1), sympy.MatrixSymbol("G", DY, DX)
    D = sympy.MatrixSymbol("D", DY, DZ)
    eta = sympy.Symbol("eta", real=True)
    general = Scope("symbolic in all dimensions (n any vector with W n = 0)", general=True)

    def ident(lhs: sympy.Basic, rhs: sympy.Basic) -> Evidence:
        return matrix_identity(lhs, rhs, sizes=GENERAL_SIZES)

    return (
        Step(
            "null_space_perturbation_preserves_loss",
            "W(x + (V + η n cᵀ) z) = W(x + V z) + η (W n)(cᵀ z): if W n = 0 the outputs, hence L "
            "and g, are unchanged, so (W, V + η n cᵀ) is again a local minimum.",
            "Non-commutative identity in symbolic sizes; n ≠ 0 with W n = 0 exists iff "
            "rank W < d_x (rank–nullity, not checked).",
            lambda: ident(
                W * (x + (V + eta * nv * c.T) * z), W * (x + V * z) + eta * (W * nv) * (c.T * z)
            ),
            general,
            (),
            (Implies("rank_w_lt_dx", "perturbed_point_same_loss"),),
        ),
        Step(
            "null_space_perturbation_w_gradient",
            "With g unchanged, ∇_W L changes by (G + D(V + ηncᵀ)ᵀ) − (G + DVᵀ) = η D c nᵀ "
            "(D = E[gzᵀ]).",
            "Non-commutative identity in symbolic sizes, from ∇_W L = E[gxᵀ] + E[gzᵀ]Vᵀ.",
            lambda: ident((G + D * (V + eta * nv * c.T).T) - (G + D * V.T), eta * D * c * nv.T),
            general,
            ("grad_w_formula",),
            ("perturbation_gradient_change",),
        ),
        Step(
            "rank_one_change_forces_zero_z_correlation",
            "(η D c nᵀ) n = η ‖n‖² D c; both gradients vanish at local minima, so with η ≠ 0, "
            "n ≠ 0: D c = 0 for every c, i.e. E[g zᵀ] = 0.",
            "Non-commutative identity in symbolic sizes; ‖n‖² > 0 for n ≠ 0.",
            lambda: ident((eta * D * c * nv.T) * nv, eta * D * c * (nv.T * nv)),
            general,
            ("perturbation_gradient_change",),
            (
                Implies(
                    And("rank_w_lt_dx", "local_minimum", "perturbed_point_same_loss"),
                    "z_corr_zero",
                ),
            ),
        ),
    )


CHAIN = {
    "gradient_v_identity": ((), ("grad_v_formula",)),
    "gradient_w_identity": ((), ("grad_w_formula",)),
    "injective_case_zero_z_correlation": (
        ("grad_v_formula", "critical_point"),
        (Implies("rank_w_full_row", "z_corr_zero"),),
    ),
    "basis_problem_stationary_at_resnet_point": (
        ("grad_w_formula", "critical_point"),
        (Implies("z_corr_zero", "basis_stationary"),),
    ),
    "basis_problem_first_order_condition": (
        ("loss_convex",),
        (Implies("basis_stationary", "basis_model_optimal"),),
    ),
}


def build_proof(
    *,
    sizes: tuple[tuple[int, int, int, int], ...] = SIZES,
    grad_v_formula: Callable[[BasisResNet], sympy.Matrix] = paper_grad_v,
    grad_w_formula: Callable[[BasisResNet], sympy.Matrix] = paper_grad_w,
    statement_: Statement | None = None,
) -> Proof:
    """Concrete steps at ``sizes``; the null-space argument in all dimensions."""
    for d_x, d_y, d_z, n in sizes:
        for name, value in (("d_x", d_x), ("d_y", d_y), ("d_z", d_z), ("n", n)):
            check_size(name, value)
        if d_y >= d_x:
            raise InvalidInput(
                f"d_y={d_y!r} must be < d_x={d_x!r} so that rank W < d_x is possible."
            )

    def concrete(size: tuple[int, ...]) -> tuple[Step, ...]:
        return _concrete_steps(*size, grad_v_formula=grad_v_formula, grad_w_formula=grad_w_formula)

    general = tuple(
        replace(s, assumes=CHAIN[s.name][0], concludes=CHAIN[s.name][1])
        for s in general_steps.basis_model_steps()
    )
    cross = tuple(
        replace(s, name=f"{s.name}_at_sizes", assumes=(), concludes=())
        for s in at_sizes(concrete, sizes, "d_x, d_y, d_z, n")
    )
    return Proof(
        theorem_id="resnet_local_minima_no_worse_than_basis_model",
        title="Local minima of W(x + Vz) in (W, V) attain the basis-function optimum",
        reference="Derived lemma after Kawaguchi & Bengio (2019), Neural Networks "
        "(CLAIMS.md K2); not the paper's theorem",
        tag="D",
        steps=(*general[:3], *_null_space_steps(), *general[3:], *cross),
        statement=statement_ or statement(),
    )


PROOF: Proof = build_proof()

if __name__ == "__main__":
    report = check_proof(PROOF)
    print(report.format())
    raise SystemExit({"HOLDS": 0, "PARTIAL": 2}.get(report.status, 1))
