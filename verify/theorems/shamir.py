r"""Shamir (NeurIPS 2018), "Are ResNets provably better than linear predictors?": every
local minimum of ``x -> w^T(x + V F(x))`` is no worse than the best linear predictor.

Checked in its derived dichotomy form (S1, ``docs/claims.md`` §S1, D1/D2): every
critical point has ``R <= R_lin`` or ``lambda_min(Hessian) < 0``; local minima
are then no worse than linear. The setting (:data:`SINGLE_BLOCK_RESNET`) is one
residual block with trainable ``V``, scalar output without bias and a convex loss.
"""

from __future__ import annotations

from verify.theorems.conclusions import DICHOTOMY
from verify.theorems.core import Theorem
from verify.theorems.premises import CRITICAL, TWICE_DIFF
from verify.theorems.setting import SINGLE_BLOCK_RESNET
from verify.theorems.yun import single_block_cases

S1 = Theorem(
    "S1",
    "single block: every critical point is no worse than linear or a strict saddle",
    "Shamir (NeurIPS 2018), 'every local minimum <= R_lin'; derived dichotomy D1/D2",
    "D",
    (CRITICAL, TWICE_DIFF),
    DICHOTOMY,
    setting=SINGLE_BLOCK_RESNET,
    cases=single_block_cases,
    proof="resnet_block_no_bad_local_minima",
    examples=("s1",),
)

THEOREMS = (S1,)
