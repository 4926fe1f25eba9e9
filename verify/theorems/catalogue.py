r"""The catalogue: each claim of CLAIMS.md that is checkable at a point, as data.

==========  ==============================================================  ====  =================
id          claim                                                           tag   kind
==========  ==============================================================  ====  =================
Y1          Yun et al. main theorem: dichotomy at critical points           S     theorem
Y2          Yun et al., L = 1 and w != 0 => R <= R_lin                      S     theorem
S1          Shamir (derived dichotomy D1/D2): R <= R_lin or a strict saddle  D     theorem
K2          Kawaguchi--Bengio, derived form: L = L_basis* under rank cond.   D     theorem
FC1         Y1's dichotomy for fully-connected ReLU nets (no skips)         D     negative_control
K3          K2's bound without the rank condition (d_y > d_x)               D     negative_control
==========  ==============================================================  ====  =================

``Y1.without("full_rank_hL")`` and ``Y1.without("column_space")`` are the open
probes of CLAIMS.md (Y1-open): not known to be false.
"""

from __future__ import annotations

from verify.errors import InvalidInput
from verify.models import Model, ResidualBlock
from verify.theorems import premises as c
from verify.theorems.core import Condition, Theorem

CRITICAL = Condition(
    "critical_point", "theta* is a critical point of R (certified)", c.critical_point
)
TWICE_DIFF = Condition(
    "twice_differentiable", "R is twice differentiable at theta*", c.twice_differentiable
)
LOSS_C2 = Condition(
    "loss_convex_c2", "l(p; y) is convex and twice differentiable in p", c.loss_convex_c2
)
LOSS_CONVEX = Condition("loss_convex", "l(p; y) is convex and differentiable in p", c.loss_convex)
FULL_RANK = Condition(
    "full_rank_hL", "E[l''(f(x); y) h_L(x) h_L(x)^T] has full rank d_x", c.full_rank_hL
)
COLUMN_SPACE = Condition("column_space", "col([U_2^T ... U_L^T]) != R^{d_x}", c.column_space)
W_NONZERO = Condition("w_nonzero", "w* != 0", c.w_nonzero)
LOCAL_MIN = Condition(
    "local_minimum", "theta* is a (certified strict) local minimum", c.local_minimum
)
RANK_K2 = Condition(
    "rank_condition", "rank W = d_y, or rank W < d_x at a local minimum", c.rank_condition_k2
)
DICHOTOMY = Condition(
    "better_than_linear_or_saddle",
    "R(theta*) <= R_lin or lambda_min(Hessian R(theta*)) < 0",
    c.better_than_linear_or_saddle,
)
LE_LINEAR = Condition("risk_le_linear", "R(theta*) <= R_lin", c.risk_le_linear)
BASIS = Condition(
    "basis_model_optimal",
    "L(theta*) = L_basis*(theta*) (<= L_lin*): E[g x^T] = 0 and E[g z^T] = 0",
    c.basis_model_stationary,
)


def _yun(model: Model) -> str | None:
    if model.kind != "resnet":
        return f"it is about residual networks, not {model.kind!r} models"
    if model.d_out != 1:
        return "it needs a scalar output f = w^T h_L (d_out = 1)"
    if model.output_bias:
        return "f = w^T h_L has no output bias; use intercept: true instead"
    return None


def _yun_single(model: Model) -> str | None:
    why = _yun(model)
    if why is None and len(model.stages) != 1:
        return f"it is about L = 1 blocks, the model has {len(model.stages)}"
    return why


def _fully_connected(model: Model) -> str | None:
    if model.kind != "fully_connected":
        return f"it is about fully-connected networks, not {model.kind!r}"
    if model.d_out != 1:
        return "it needs a scalar output"
    return None


def _kb(model: Model) -> str | None:
    if model.kind != "resnet" or len(model.stages) != 1:
        return "it is about single-block residual networks W(x + V z(x))"
    st = model.stages[0]
    assert isinstance(st, ResidualBlock)
    if st.proj is not None or st.hidden or st.bias or not st.out or model.output_bias:
        return (
            "the toolkit checks it for parameter-free features z(x) = sigma(x) "
            "(no proj, hidden or bias; V present; no output bias), where a local minimum "
            "in (W, V) is a local minimum of R"
        )
    return None


Y1 = Theorem(
    "Y1",
    "critical points are better than linear or strict saddles (deep ResNets)",
    "Yun, Sra & Jadbabaie (NeurIPS 2019), main theorem (poster)",
    "S",
    (CRITICAL, TWICE_DIFF, LOSS_C2, FULL_RANK, COLUMN_SPACE),
    DICHOTOMY,
    requires=_yun,
)
Y2 = Theorem(
    "Y2",
    "single block: critical points with w != 0 are no worse than linear",
    "Yun, Sra & Jadbabaie (NeurIPS 2019), L = 1 corollary (poster)",
    "S",
    (CRITICAL, LOSS_CONVEX, W_NONZERO),
    LE_LINEAR,
    requires=_yun_single,
)
S1 = Theorem(
    "S1",
    "single block: every critical point is no worse than linear or a strict saddle",
    "Shamir (NeurIPS 2018), 'every local minimum <= R_lin'; derived dichotomy D1/D2",
    "D",
    (CRITICAL, TWICE_DIFF, LOSS_CONVEX),
    DICHOTOMY,
    requires=_yun_single,
)
K2 = Theorem(
    "K2",
    "critical points under the rank condition equal the basis-model optimum",
    "Kawaguchi & Bengio (2019), derived form K2 (not the paper's theorem text)",
    "D",
    (CRITICAL, LOSS_CONVEX, RANK_K2),
    BASIS,
    requires=_kb,
)
FC1 = Theorem(
    "FC1",
    "NEGATIVE CONTROL: Y1's dichotomy for fully-connected networks without skips",
    "Yun et al. (2019) motivating example: false for fully-connected ReLU networks",
    "D",
    (CRITICAL, TWICE_DIFF, LOSS_C2),
    DICHOTOMY,
    kind="negative_control",
    requires=_fully_connected,
)
K3 = Theorem(
    "K3",
    "NEGATIVE CONTROL: local minima equal the basis optimum even when d_y > d_x",
    "docs/claims.md K3: the naive reading of Kawaguchi & Bengio without d_y <= d_x",
    "D",
    (LOCAL_MIN, LOSS_CONVEX),
    BASIS,
    kind="negative_control",
    requires=_kb,
)

THEOREMS: dict[str, Theorem] = {t.id: t for t in (Y1, Y2, S1, K2, FC1, K3)}


def theorem(spec: str, without: tuple[str, ...] | list[str] = ()) -> Theorem:
    """Look up a theorem by id (case-insensitive), optionally weakened."""
    key = spec.strip().upper()
    if key not in THEOREMS:
        raise InvalidInput(
            f"theorem={spec!r} is unknown; use one of {', '.join(THEOREMS)} "
            "(see 'resnet-verify check --list')."
        )
    return THEOREMS[key].without(*without)
