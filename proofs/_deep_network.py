r"""Concrete deep ResNets with exact rational data, for cross-checking general-dimension steps.

Yun et al.'s model h_1 = x + V_1 φ¹(x), h_l = h_{l-1} + V_l φˡ(U_l h_{l-1}) (l ≥ 2),
f = wᵀh_L, at given sizes, with random rational U_l, V_l, w, inputs and φˡ
random polynomial maps R^{m_l} → R^{q_l}.  Everything is exact (SymPy
Rational); the symbolic steps of the Y1-D proof are cross-checked against the
whole network here, at sizes where every width differs (SymPy's matrix
calculus is never trusted alone).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import sympy

from verify import (
    Evidence,
    InvalidInput,
    Method,
    Verdict,
    combine,
)

Sizes = tuple[tuple[int, tuple[int, ...], tuple[int, ...]], ...]


def _rat(rng: random.Random) -> sympy.Rational:
    return sympy.Rational(rng.randint(-9, 9), rng.randint(1, 4))


def _rmat(rng: random.Random, rows: int, cols: int) -> sympy.Matrix:
    return sympy.Matrix(rows, cols, lambda i, j: _rat(rng))


@dataclass(frozen=True)
class ConcreteNet:
    """A depth-L ResNet with exact rational parameters and polynomial branches."""

    d: int
    widths_in: tuple[int, ...]  # m_2 … m_L
    widths_out: tuple[int, ...]  # q_1 … q_L
    w: sympy.Matrix
    V: tuple[sympy.Matrix, ...]
    U: tuple[sympy.Matrix, ...]  # U_2 … U_L
    coeffs: tuple[tuple[sympy.Matrix, sympy.Matrix, sympy.Matrix], ...]  # per l ≥ 2: A, B, c
    phi1: tuple[sympy.Matrix, ...]  # φ¹(x_i), per sample
    x: tuple[sympy.Matrix, ...]

    @property
    def depth(self) -> int:
        return len(self.V)

    def branch(self, l: int, z: sympy.Matrix) -> sympy.Matrix:
        """φˡ(z) = A z + B (z ∘ z) + c for l ≥ 2 (a generic smooth map)."""
        a, b, c = self.coeffs[l - 2]
        return a * z + b * z.applyfunc(lambda t: t * t) + c

    def forward_from(
        self, l0: int, h: sympy.Matrix, V: tuple[sympy.Matrix, ...] | None = None
    ) -> sympy.Matrix:
        """h_L given h_{l0} = h (blocks l0+1 … L), with optional replacement V's."""
        vs = V if V is not None else self.V
        for l in range(l0 + 1, self.depth + 1):
            h = h + vs[l - 1] * self.branch(l, self.U[l - 2] * h)
        return h

    def hidden(self, i: int, l: int, V: tuple[sympy.Matrix, ...] | None = None) -> sympy.Matrix:
        vs = V if V is not None else self.V
        h1 = self.x[i] + vs[0] * self.phi1[i]
        h = h1
        for j in range(2, l + 1):
            h = h + vs[j - 1] * self.branch(j, self.U[j - 2] * h)
        return h

    def branch_value(self, i: int, l: int) -> sympy.Matrix:
        return self.phi1[i] if l == 1 else self.branch(l, self.U[l - 2] * self.hidden(i, l - 1))

    def null_vector(self) -> sympy.Matrix:
        """A nonzero rational u with U_l u = 0 for every l ≥ 2 (premise 2)."""
        stacked = sympy.Matrix.vstack(*self.U) if self.U else sympy.zeros(0, self.d)
        basis = stacked.nullspace() if stacked.rows else [sympy.eye(self.d)[:, 0]]
        if not basis:
            raise InvalidInput(
                f"widths {self.widths_in!r} give null(U) = {{0}} in dimension {self.d}; "
                "choose Σ m_l < d for the cross-check."
            )
        return basis[0]


def concrete_net(
    d: int, widths_in: tuple[int, ...], widths_out: tuple[int, ...], n: int, seed: int
) -> ConcreteNet:
    """Random exact network; ``len(widths_out) == len(widths_in) + 1`` is the depth."""
    if len(widths_out) != len(widths_in) + 1:
        raise InvalidInput(
            f"widths_out={widths_out!r} must have one more entry than widths_in={widths_in!r}."
        )
    rng = random.Random(seed)
    return ConcreteNet(
        d=d,
        widths_in=widths_in,
        widths_out=widths_out,
        w=_rmat(rng, d, 1),
        V=tuple(_rmat(rng, d, q) for q in widths_out),
        U=tuple(_rmat(rng, m, d) for m in widths_in),
        coeffs=tuple(
            (_rmat(rng, q, m), _rmat(rng, q, m), _rmat(rng, q, 1))
            for m, q in zip(widths_in, widths_out[1:], strict=True)
        ),
        phi1=tuple(_rmat(rng, widths_out[0], 1) for _ in range(n)),
        x=tuple(_rmat(rng, d, 1) for _ in range(n)),
    )


def cross_backprop(seed: int, sizes: Sizes) -> Evidence:
    """On whole depth-3 nets: uᵀ∂f/∂h_l = d/dτ f(h_l + τu)|₀ equals uᵀw for l = 1, 2."""
    tau = sympy.Symbol("tau", real=True)
    parts: dict[str, Evidence] = {}
    for k, (d, m_in, q_out) in enumerate(sizes):
        net = concrete_net(d, m_in, q_out, n=3, seed=seed + k)
        nv = net.null_vector()
        bad = []
        for l0 in (1, 2):
            for i in range(3):
                f = (net.w.T * net.forward_from(l0, net.hidden(i, l0) + tau * nv))[0, 0]
                if sympy.diff(f, tau).subs(tau, 0) != (nv.T * net.w)[0, 0]:
                    bad.append((l0, i))
        parts[f"sizes_{d}_{m_in}_{q_out}"] = Evidence(
            Verdict.VIOLATED if bad else Verdict.HOLDS,
            Method.EXACT,
            f"uᵀb_l = uᵀw at (d, m, n) = ({d}, {m_in}, {q_out})"
            + (f" fails at (l, sample) {bad}" if bad else " for l = 1, 2 and 3 samples"),
        )
    return combine(parts)


def cross_perturbation(seed: int, sizes: Sizes, claimed: Callable[..., sympy.Expr]) -> Evidence:
    """On whole depth-3 nets: f' equals the claimed expansion for l = 1, 2, 3."""
    a, bb = sympy.symbols("a bb", real=True)
    parts: dict[str, Evidence] = {}
    for k, (d, m_in, q_out) in enumerate(sizes):
        net = concrete_net(d, m_in, q_out, n=3, seed=seed + k)
        nv = net.null_vector()
        bad = []
        for l in (1, 2, 3):
            cv = sympy.Matrix([sympy.Rational(j + 2, 3) for j in range(q_out[l - 1])])
            vs = tuple(v + bb * nv * cv.T if j == l - 1 else v for j, v in enumerate(net.V))
            for i in range(3):
                hl, phi = net.hidden(i, 3), net.branch_value(i, l)
                f_new = ((net.w + a * nv).T * net.hidden(i, 3, V=vs))[0, 0]
                want = claimed(
                    (net.w.T * hl)[0, 0],
                    (nv.T * hl)[0, 0],
                    (net.w.T * nv)[0, 0],
                    (nv.T * nv)[0, 0],
                    (cv.T * phi)[0, 0],
                    a,
                    bb,
                )
                if sympy.expand(f_new - want) != 0:
                    bad.append((l, i))
        parts[f"sizes_{d}_{m_in}_{q_out}"] = Evidence(
            Verdict.VIOLATED if bad else Verdict.HOLDS,
            Method.EXACT,
            f"perturbation identity at (d, m, n) = ({d}, {m_in}, {q_out})"
            + (f" fails at (l, sample) {bad}" if bad else " for l = 1, 2, 3 and 3 samples"),
        )
    return combine(parts)


def cross_v_gradient(seed: int, sizes: Sizes) -> Evidence:
    """On whole depth-3 nets: d/dτ f(V_l + τE)|₀ = ⟨b_l φˡᵀ, E⟩ for random directions E,
    with b_l = ∂f/∂h_l, for l = 1, 2, 3 (so ∂f/∂V_l = b_l φˡᵀ)."""
    tau = sympy.Symbol("tau", real=True)
    rng = random.Random(seed)
    parts: dict[str, Evidence] = {}
    for k, (d, m_in, q_out) in enumerate(sizes):
        net = concrete_net(d, m_in, q_out, n=1, seed=seed + k)
        bad = []
        for l in (1, 2, 3):
            hl = net.hidden(0, l)
            b_l = sympy.Matrix(
                [
                    sympy.diff(
                        (net.w.T * net.forward_from(l, hl + tau * sympy.eye(d)[:, j]))[0, 0], tau
                    ).subs(tau, 0)
                    for j in range(d)
                ]
            )
            for _ in range(2):
                e = _rmat(rng, d, q_out[l - 1])
                vs = tuple(v + tau * e if j == l - 1 else v for j, v in enumerate(net.V))
                lhs = sympy.diff((net.w.T * net.hidden(0, 3, V=vs))[0, 0], tau).subs(tau, 0)
                rhs = sum((b_l * net.branch_value(0, l).T).multiply_elementwise(e))
                if lhs != rhs:
                    bad.append(l)
        parts[f"sizes_{d}_{m_in}_{q_out}"] = Evidence(
            Verdict.VIOLATED if bad else Verdict.HOLDS,
            Method.EXACT,
            f"∂f/∂V_l = b_l φˡᵀ at (d, m, n) = ({d}, {m_in}, {q_out})"
            + (f" fails for l in {sorted(set(bad))}" if bad else " for l = 1, 2, 3"),
        )
    return combine(parts)
