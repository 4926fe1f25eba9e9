"""Worked example for proofs/README.md ("Write your own proof step"), run by the tests.

A researcher's block h' = h + V φ(U h). Claim: its vector-Jacobian product is
(I + V J U)ᵀ b = b + Uᵀ Jᵀ Vᵀ b, where J is the Jacobian of φ at U h — in every
dimension. ``build_proof(claimed)`` states it, checks it, and chains it to the theorem.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy

from verify import (
    GENERAL,
    Proof,
    Statement,
    Step,
    check_proof,
    matrix_identity,
)

# Sizes are symbols: the identity is decided for all d, m, k at once.
d, m, k = sympy.symbols("d m k", integer=True, positive=True)
b = sympy.MatrixSymbol("b", d, 1)  # upstream gradient ∂f/∂h'
U, V, J = (
    sympy.MatrixSymbol("U", m, d),
    sympy.MatrixSymbol("V", d, k),
    sympy.MatrixSymbol("J", k, m),
)
# Two concrete size tuples (all sizes distinct) for the exact cross-check.
SIZES = ({d: 3, m: 2, k: 4}, {d: 5, m: 4, k: 3})


def my_vjp(b: sympy.MatrixExpr) -> sympy.MatrixExpr:
    """The researcher's formula for ∂f/∂h given b = ∂f/∂h'."""
    return b + U.T * J.T * V.T * b


def build_proof(claimed: Callable[[sympy.MatrixExpr], sympy.MatrixExpr] = my_vjp) -> Proof:
    step = Step(
        name="block_vjp",
        claim="(I + V J U)ᵀ b = claimed(b) for all sizes d, m, k.",
        justification="Chain rule for h' = h + Vφ(Uh); transpose of a sum and a product.",
        check=lambda: matrix_identity(
            (sympy.Identity(d) + V * J * U).T * b, claimed(b), sizes=SIZES
        ),
        scope=GENERAL,  # the check is symbolic in d, m, k
        assumes=(),
        concludes=("vjp_formula",),
    )
    return Proof(
        theorem_id="my_block_vjp",
        title="Backprop through my residual block",
        reference="my notes, eq. (3) (derived lemma, not the paper's theorem)",
        tag="D",
        steps=(step,),
        statement=Statement(
            catalogue=("MY_BLOCK", ()),
            premises={},
            conclusion_name="vjp_formula",
            conclusion_text="(I + V J U)^T b = b + U^T J^T V^T b",
            conclusion="vjp_formula",
        ),
    )


if __name__ == "__main__":
    print(check_proof(build_proof()).format())  # HOLDS, symbolic in all dimensions
    print(check_proof(build_proof(lambda b: b + V * J * U * b)).format())  # VIOLATED + sizes
