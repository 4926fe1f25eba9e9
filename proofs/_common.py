r"""SymPy building blocks shared by the ``proofs/`` modules (private).

Everything here is symbolic: vectors and matrices of real symbols, an
undefined loss ``ell(p, y)`` standing for *any* twice-differentiable loss, and
the single residual block ``f_i = wᵀ(x_i + V F_i)`` with its first-order
stationarity chain (Shamir's case D1), which two theorems share.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import sympy

from verify import (
    Evidence,
    Formula,
    Implies,
    InvalidInput,
    Scope,
    Step,
    combine,
    sympy_identity,
    sympy_nonnegative,
)


def check_size(name: str, value: object, minimum: int = 1) -> int:
    """Validate a dimension argument of a proof builder."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(f"{name}={value!r} must be an integer >= {minimum}.")
    return value


def vector(name: str, n: int, **assumptions: bool) -> sympy.Matrix:
    """Column vector ``(name_1, ..., name_n)`` of real symbols."""
    return sympy.Matrix(
        [sympy.Symbol(f"{name}_{i + 1}", real=True, **assumptions) for i in range(n)]
    )


def matrix(name: str, rows: int, cols: int) -> sympy.Matrix:
    """Matrix of real symbols ``name_ij``."""
    return sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(f"{name}_{i + 1}{j + 1}", real=True))


def mean(terms: Sequence[sympy.Basic]) -> sympy.Basic:
    """Empirical mean ``(1/n) Σ_i terms[i]`` (works for scalars and matrices)."""
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total / len(terms)


def gradient(expr: sympy.Expr, params: sympy.Matrix) -> sympy.Matrix:
    """Entrywise partial derivatives, shaped like ``params``."""
    return params.applyfunc(lambda p: sympy.diff(expr, p))


def derivative_at(
    func: sympy.FunctionClass, point: sympy.Expr, *rest: sympy.Expr, order: int = 1
) -> sympy.Expr:
    """``∂^order func(q, *rest)/∂q^order`` evaluated at ``q = point`` (SymPy's chain-rule form)."""
    q = sympy.Dummy("q", real=True)
    return sympy.Derivative(func(q, *rest), (q, order)).subs(q, point)


def scalar(m: sympy.Matrix) -> sympy.Expr:
    """The entry of a 1×1 matrix."""
    return m[0, 0]


def lagrange_identity_step(dim: int) -> Step:
    """Cauchy–Schwarz in R^dim from Lagrange's identity, an exact SOS certificate."""
    u, v = vector("u", dim), vector("v", dim)
    gap = scalar(u.T * u) * scalar(v.T * v) - scalar(u.T * v) ** 2
    squares = [(1, u[i] * v[j] - u[j] * v[i]) for i in range(dim) for j in range(i + 1, dim)]
    return Step(
        "cauchy_schwarz",
        f"|uᵀv| ≤ ‖u‖‖v‖ for u, v in R^{dim}.",
        "‖u‖²‖v‖² − (uᵀv)² = Σ_{i<j} (u_i v_j − u_j v_i)² (Lagrange's identity) is a sum "
        "of squares; take square roots of the non-negative sides.",
        lambda: sympy_nonnegative(gap, sos=squares),
    )


def triangle_inequality_step(dim: int, use: str) -> Step:
    """‖p + q‖ ≤ ‖p‖ + ‖q‖ in R^dim, reduced to Cauchy–Schwarz by an exact identity."""
    p, q = vector("p", dim), vector("q", dim)
    np_, nq = sympy.sqrt(scalar(p.T * p)), sympy.sqrt(scalar(q.T * q))
    lhs = (np_ + nq) ** 2 - scalar((p + q).T * (p + q))
    return Step(
        "triangle_inequality_from_cauchy_schwarz",
        "(‖p‖ + ‖q‖)² − ‖p + q‖² = 2(‖p‖‖q‖ − pᵀq), which is ≥ 0 by cauchy_schwarz; hence "
        f"‖p + q‖ ≤ ‖p‖ + ‖q‖ ({use}).",
        f"Identity in symbolic p, q ∈ R^{dim} with the norms as square roots.",
        lambda: sympy_identity(lhs, 2 * (np_ * nq - scalar(p.T * q))),
    )


@dataclass(frozen=True)
class ResidualBlock:
    """``f_i = wᵀ(x_i + V F_i)`` on n samples with an undefined loss ``ell(p, y)``.

    ``F_i`` are the values of the arbitrary feature network at the samples:
    the (w, V) derivatives do not see its parameters.
    """

    w: sympy.Matrix
    V: sympy.Matrix
    x: tuple[sympy.Matrix, ...]
    F: tuple[sympy.Matrix, ...]
    y: tuple[sympy.Symbol, ...]
    ell: sympy.FunctionClass

    @property
    def n(self) -> int:
        return len(self.x)

    def hidden(self, i: int) -> sympy.Matrix:
        """``x_i + V F_i`` (Yun's ``h_1``)."""
        return self.x[i] + self.V * self.F[i]

    def output(self, i: int) -> sympy.Expr:
        return scalar(self.w.T * self.hidden(i))

    def g(self, i: int, order: int = 1) -> sympy.Expr:
        """``ℓ^{(order)}(f_i; y_i)``."""
        return derivative_at(self.ell, self.output(i), self.y[i], order=order)

    def risk(self) -> sympy.Expr:
        return mean([self.ell(self.output(i), self.y[i]) for i in range(self.n)])


def residual_block(
    d: int, k: int, n: int, *, names: tuple[str, str, str, str] = ("w", "V", "x", "F")
) -> ResidualBlock:
    """Fully symbolic block of width d, feature width k, with n samples."""
    w, v, x, f = names
    return ResidualBlock(
        w=vector(w, d),
        V=matrix(v, d, k),
        x=tuple(vector(f"{x}{i + 1}", d) for i in range(n)),
        F=tuple(vector(f"{f}{i + 1}", k) for i in range(n)),
        y=tuple(sympy.Symbol(f"y_{i + 1}", real=True) for i in range(n)),
        ell=sympy.Function("ell", real=True),
    )


BlockFormula = Callable[[ResidualBlock], sympy.Matrix]


def paper_grad_w(b: ResidualBlock) -> sympy.Matrix:
    """``∇_w R = E[g (x + V F)]``."""
    return mean([b.g(i) * b.hidden(i) for i in range(b.n)])


def paper_grad_v(b: ResidualBlock) -> sympy.Matrix:
    """``∇_V R = w E[g F]ᵀ``."""
    return b.w * mean([b.g(i) * b.F[i] for i in range(b.n)]).T


def stationarity_chain_steps(
    b: ResidualBlock,
    grad_w_formula: BlockFormula,
    grad_v_formula: BlockFormula,
    labels: tuple[str, str] = ("V", "F"),
) -> tuple[Step, ...]:
    """The first-order chain of Shamir's case D1 (w ≠ 0), as proof steps."""
    v_name, f_name = labels
    risk = b.risk()
    grad_w = gradient(risk, b.w)
    grad_v = gradient(risk, b.V)
    e_gf = mean([b.g(i) * b.F[i] for i in range(b.n)])
    e_gx = mean([b.g(i) * b.x[i] for i in range(b.n)])
    e_gout = mean([b.g(i) * b.output(i) for i in range(b.n)])
    t = vector("t", b.w.rows)
    tangent = mean(
        [
            b.ell(b.output(i), b.y[i]) + b.g(i) * (scalar(t.T * b.x[i]) - b.output(i))
            for i in range(b.n)
        ]
    )

    def chain() -> Evidence:
        return sympy_identity(tangent, risk + scalar(t.T * e_gx) - e_gout)

    return (
        Step(
            "gradient_w_identity",
            f"∇_w R = E[g (x + {v_name}{f_name})] with g = ℓ'(f; y).",
            "Chain rule; checked against SymPy's derivative of the empirical risk.",
            lambda: sympy_identity(grad_w, grad_w_formula(b)),
        ),
        Step(
            f"gradient_{v_name.lower()}_identity",
            f"∇_{v_name} R = w E[g {f_name}]ᵀ.",
            "Chain rule; checked against SymPy's derivative of the empirical risk.",
            lambda: sympy_identity(grad_v, grad_v_formula(b)),
        ),
        Step(
            "feature_correlation_from_v_gradient",
            f"E[g {f_name}] = (∇_{v_name} R)ᵀ w / ‖w‖², so ∇_{v_name} R = 0 and w ≠ 0 give "
            f"E[g {f_name}] = 0.",
            f"(w E[g{f_name}]ᵀ)ᵀ w = ‖w‖² E[g{f_name}]; identity in the symbolic entries.",
            lambda: sympy_identity(grad_v.T * b.w / scalar(b.w.T * b.w), e_gf),
        ),
        Step(
            "linear_correlation_from_w_gradient",
            f"E[g x] = ∇_w R − {v_name} E[g {f_name}], so E[g x] = 0 at a (w, {v_name}) "
            "critical point with w ≠ 0.",
            "Linearity of E; identity in the symbolic entries.",
            lambda: sympy_identity(e_gx, grad_w - b.V * e_gf),
        ),
        Step(
            "output_correlation_from_w_gradient",
            "E[g f] = wᵀ ∇_w R, so E[g f] = 0 at a critical point.",
            "f = wᵀ(x + VF) is linear in w (Euler); identity in the symbolic entries.",
            lambda: sympy_identity(e_gout, scalar(b.w.T * grad_w)),
        ),
        Step(
            "convexity_chain_identity",
            "E[ℓ(f) + g (tᵀx − f)] = R + tᵀE[g x] − E[g f]; with the tangent-line inequality "
            "ℓ(tᵀx) ≥ ℓ(f) + g (tᵀx − f) this gives E ℓ(tᵀx) ≥ R for every t, so R ≤ R_lin.",
            "The identity is checked; the tangent-line inequality is the convexity "
            "premise on ℓ and is assumed, not checked.",
            chain,
        ),
    )


def all_identities(pairs: dict[str, tuple[sympy.Basic, sympy.Basic]]) -> Evidence:
    """``combine`` of several :func:`sympy_identity` checks."""
    return combine({k: sympy_identity(a, b) for k, (a, b) in pairs.items()})


def annotate(
    steps: Sequence[Step],
    table: dict[str, tuple[Scope, tuple[Formula, ...], tuple[Formula, ...]]],
) -> tuple[Step, ...]:
    """Attach (scope, assumes, concludes) to each step by name; every step must be listed."""
    missing = sorted({s.name for s in steps} - set(table))
    if missing:
        raise InvalidInput(f"steps {missing!r} have no (scope, assumes, concludes) entry.")
    return tuple(
        replace(s, scope=table[s.name][0], assumes=table[s.name][1], concludes=table[s.name][2])
        for s in steps
    )


def at_sizes(
    build: Callable[[tuple[int, ...]], Sequence[Step]],
    sizes: Sequence[tuple[int, ...]],
    names: str,
) -> tuple[Step, ...]:
    """The steps of ``build(size)`` for every size tuple, each check run at all sizes.

    The scope of every step says "at sizes (names) ∈ {...}" (not general).
    """
    if len(sizes) < 1:
        raise InvalidInput(f"sizes={sizes!r} must list at least one size tuple.")
    built = [tuple(build(s)) for s in sizes]
    scope = Scope(f"at sizes ({names}) ∈ {{{', '.join(map(str, sizes))}}}", general=False)
    out = []
    for j, first in enumerate(built[0]):

        def check(j: int = j) -> Evidence:
            return combine({str(s): b[j].check() for s, b in zip(sizes, built, strict=True)})

        out.append(replace(first, check=check, scope=scope))
    return tuple(out)


def single_block_coverage_step() -> Step:
    """For L = 1, N = R^d: premise 2 holds and w ≠ 0 gives u = w ∈ N with uᵀw = ‖w‖² > 0.

    ‖w‖² > 0 for w ≠ 0 in every dimension d, by induction on d: with s = Σ_{i≤d} w_i²,
    s ≥ 0 ⇒ s + w_{d+1}² ≥ 0, and s ≥ 0 ∧ s + w_{d+1}² = 0 ⇒ s = 0 ∧ w_{d+1} = 0
    (both implications decided by z3; base case d = 0: s = 0).
    """
    from verify import polynomial_sign

    s, w = sympy.symbols("s w_next", real=True)

    def check() -> Evidence:
        return combine(
            {
                "induction_nonnegative": polynomial_sign(s + w**2, [s >= 0]),
                "induction_definite_w": polynomial_sign(-(w**2), [s >= 0, sympy.Eq(s + w**2, 0)]),
                "induction_definite_s": polynomial_sign(-s, [s >= 0, sympy.Eq(s + w**2, 0)]),
            }
        )

    return Step(
        "single_block_null_space_is_everything",
        "For L = 1 there are no U_l, so N = R^{d_x} ≠ {0} (premise 2 holds) and, if w ≠ 0, "
        "u = w ∈ N has uᵀw = ‖w‖² > 0 (case A of the deep proof).",
        "The intersection over no blocks is R^{d_x}; ‖w‖² = 0 only at w = 0, by induction on "
        "the dimension (each induction step decided by z3).",
        check,
        Scope("symbolic in all dimensions (induction on d_x)", general=True),
        (),
        ("column_space", Implies("w_nonzero", "w_not_orthogonal_to_null_space")),
    )


def linear_chain(
    steps: Sequence[Step], final_assumes: tuple[Formula, ...], conclusion: Formula
) -> tuple[Step, ...]:
    """Chain steps in order: each concludes its own name; the last step assumes all earlier
    conclusions and ``final_assumes`` (the premises it uses) and concludes ``conclusion``."""
    *head, last = steps
    out = [replace(s, assumes=(), concludes=(s.name,)) for s in head]
    out.append(
        replace(last, assumes=(*(s.name for s in head), *final_assumes), concludes=(conclusion,))
    )
    return tuple(out)
