r"""Hardt & Ma (ICLR 2017), "Identity matters in deep learning": critical points of linear
residual networks near the identity are global minima (HM), and the negative control
HM- (the same claim without the norm bound). Statements: ``docs/claims.md`` §Hardt & Ma,
CLAIMS.md §Hardt & Ma [Q].

Setting (:data:`LINEAR_RESNET`): ``h(x) = (I + V_L) ... (I + V_1) x``, a ``resnet`` of
identity blocks ``h <- h + V_l h`` (no proj, hidden layers or bias) with **no readout**
(``readout: false``, so ``d_out = d_in``), and ``f = (1/n) sum_i ||y_i - h(x_i)||^2`` —
the toolkit's multi-output ``squared`` loss, i.e. Hardt & Ma's ``E||Y - h(X)||^2``
with the expectation taken over the empirical distribution of the samples
(``squared_half`` is ``f / 2``: same critical points and minimisers, also admitted).
The paper's ``A_i`` are the blocks' ``V_i``.

Premises: ``theta*`` is a critical point (certified, a qualifier) and
:data:`NORM_BOUND` ``max_i ||V_i||_2 < 1`` (the paper's "``<= tau`` for some ``tau < 1``",
which for finitely many matrices is the same), decided exactly through
:func:`verify.linear.objective.certify_norm_bound` (``I - V^T V`` positive definite,
exact inertia). Conclusion :data:`GLOBAL_MIN`: ``f(theta*) = min_M E||Y - M X||^2``
(the global minimum over every depth, :func:`verify.linear.objective.global_minimum_value`),
decided exactly and cross-checked by ``G = 2 (P Sxx - Syx) = 0``
(:func:`verify.linear.objective.is_global_minimum`, an implementation independent
of the engine). Everything is polynomial, so at rational points every part is EXACT.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from verify.catalogue.activations import activation
from verify.certify import matrix_inertia
from verify.linear.objective import certify_norm_bound, global_minimum_value, is_global_minimum
from verify.models import Model, ResidualBlock, resnet
from verify.numbers.arithmetic import Arithmetic, ball_bounds, to_fmpq
from verify.numbers.format import fmt_number, safe_float
from verify.theorems.cases import instance, rationals, rows
from verify.theorems.context import Context, FloatContext
from verify.theorems.core import Condition, Theorem
from verify.theorems.premises import CRITICAL, exact_entries, numeric
from verify.theorems.setting import RESIDUAL, TRAINABLE_V, Requirement, Setting
from verify.verdict import Evidence, Method, Verdict

N = Method.NUMERIC
IDENTITY = activation("identity")

# ---- setting ----------------------------------------------------------------------------


def _no_readout(model: Model, loss: Any) -> str | None:
    return "the model has an output layer (readout: true)" if model.readout else None


def _linear_blocks(model: Model, loss: Any) -> str | None:
    for i, b in enumerate(model.stages):
        if not isinstance(b, ResidualBlock):
            return f"stage {i} is not a residual block"
        if b.activation.name != "identity":
            return f"block {i} has activation {b.activation.name!r}, not identity"
        if b.proj is not None or b.hidden or b.bias:
            return f"block {i} has proj, hidden layers or a bias"
    return None


def _squared(model: Model, loss: Any) -> str | None:
    if loss is None or loss.name in ("squared", "squared_half"):
        return None
    return f"loss {loss.label!r} is not the squared loss"


NO_READOUT = Requirement(
    "no_readout", "no output layer: f = h_L (readout: false, d_out = d_in)", _no_readout
)
LINEAR_BLOCKS = Requirement(
    "linear_blocks",
    "every block is h <- (I + V_l) h (identity activation; no proj, hidden layers or bias)",
    _linear_blocks,
)
SQUARED_LOSS = Requirement(
    "squared_loss", "f = E||y - h(x)||^2 (squared loss; squared_half is f / 2)", _squared,
    about="loss",
)
LINEAR_RESNET = Setting(
    "linear ResNet h = (I + V_L)...(I + V_1) x (Hardt-Ma)",
    (RESIDUAL, NO_READOUT, LINEAR_BLOCKS, TRAINABLE_V, SQUARED_LOSS),
)


def factors(model: Model, values: np.ndarray) -> list[np.ndarray]:
    """The ``V_l`` (Hardt & Ma's ``A_l``) of a linear ResNet, in block order."""
    named = model.unpack(values)
    return [named[f"blocks[{i}].V"] for i in range(len(model.stages))]


def _max_norm(vs: list[np.ndarray]) -> float:
    return max(float(np.linalg.norm(np.asarray(v, dtype=np.float64), 2)) for v in vs)


# ---- premise: max_i ||V_i||_2 < 1 ----------------------------------------------------------


def _norm_bound(ctx: Context) -> Evidence:
    """``max_i ||V_i||_2 < 1``: exact inertia of ``I - V_i^T V_i`` at rational points
    (via :func:`certify_norm_bound`), certified inertia over a Krawczyk box."""
    vs = factors(ctx.objective.model, ctx.values)
    exact = [v if ctx.arith is Arithmetic.EXACT else exact_entries(v) for v in vs]
    if all(v is not None for v in exact):
        ev = certify_norm_bound(exact, 1, strict=True)
        witness = {**(ev.witness or {}), "float_max_norm": _max_norm(exact)}  # type: ignore[arg-type]
        return Evidence(ev.verdict, ev.method, ev.reason.replace("A_", "V_"),
                        margin=1.0 - _max_norm(exact), tolerance=0.0,  # type: ignore[arg-type]
                        witness=witness)
    pos, neg = [], []
    for v in vs:
        eye = np.array([[Arithmetic.BALL.scalar(int(i == j)) for j in range(v.shape[1])]
                        for i in range(v.shape[1])], dtype=object)
        inertia = matrix_inertia(eye - v.T @ v)
        pos.append(inertia.n_pos == v.shape[1])
        neg.append(inertia.n_neg > 0)
    if all(pos):
        return Evidence(Verdict.HOLDS, Method.CERTIFIED,
                        "I - V_i^T V_i is certified positive definite over the box for every i")
    if any(neg):
        i = neg.index(True)
        return Evidence(Verdict.VIOLATED, Method.CERTIFIED,
                        f"I - V_{i + 1}^T V_{i + 1} has a certified negative eigenvalue over "
                        f"the box: ||V_{i + 1}||_2 > 1")
    return Evidence(Verdict.INCONCLUSIVE, Method.CERTIFIED,
                    "the enclosures of I - V_i^T V_i do not decide ||V_i||_2 < 1")


def _norm_bound_screen(c: FloatContext) -> Evidence:
    m = _max_norm(factors(c.objective.model, c.theta))
    return numeric(1.0 - m, 1e-9, f"float max_i ||V_i||_2 = {m:.6g}")


NORM_BOUND = Condition(
    "norm_bound",
    "max_i ||V_i||_2 < 1 (i.e. <= tau for some tau < 1; exact inertia of I - V_i^T V_i)",
    _norm_bound,
    _norm_bound_screen,
)


# ---- conclusion: a global minimum --------------------------------------------------------


def _xy(ctx: Context | FloatContext) -> tuple[np.ndarray, np.ndarray]:
    data = ctx.objective.data
    x = np.asarray(data.x, dtype=object)
    return x, np.asarray(data.y, dtype=object).reshape(x.shape[0], -1)


def _scale(ctx: Context | FloatContext) -> Fraction:
    return Fraction(1, 2) if ctx.objective.loss.name == "squared_half" else Fraction(1)


def _global_min(ctx: Context) -> Evidence:
    """``R(theta*) = min_M E||Y - M X||^2`` (exact), cross-checked by ``G = 0``."""
    x, y = _xy(ctx)
    f_ls = global_minimum_value(x, y)[0] * to_fmpq(_scale(ctx))
    vs = factors(ctx.objective.model, ctx.values)
    exact = [v if ctx.arith is Arithmetic.EXACT else exact_entries(v) for v in vs]
    if all(v is not None for v in exact):
        ev = is_global_minimum(exact, x, y)  # type: ignore[arg-type]
        assert ev.witness is not None
        risk = to_fmpq(Fraction(ev.witness["risk"]) * _scale(ctx))
        if ctx.arith is Arithmetic.EXACT and ctx.land.risk != risk:  # pragma: no cover
            raise ArithmeticError(f"engine risk {ctx.land.risk} != linear-ResNet risk {risk}")
        gap = Fraction(ev.witness["gap"]) * _scale(ctx)
        return Evidence(
            ev.verdict, Method.EXACT,
            f"R = {fmt_number(risk)}, min_M E||Y - M X||^2 = {fmt_number(f_ls)}"
            + (" (equal, and G = 2(P Sxx - Syx) = 0 exactly)" if gap == 0
               else f": R exceeds it by {fmt_number(gap)} exactly"),
            margin=-safe_float(gap), tolerance=0.0, witness=ev.witness,
        )
    lo, hi = ball_bounds(np.array([ctx.land.risk], dtype=object))
    rng = f"R in [{lo[0]:.17g}, {hi[0]:.17g}], min_M E||Y - M X||^2 = {fmt_number(f_ls)}"
    if Fraction(float(lo[0])) > Fraction(int(f_ls.p), int(f_ls.q)):
        return Evidence(Verdict.VIOLATED, Method.CERTIFIED, f"R > the global minimum: {rng}",
                        margin=safe_float(f_ls) - float(lo[0]), tolerance=0.0)
    return Evidence(Verdict.INCONCLUSIVE, Method.CERTIFIED,
                    f"equality with the global minimum cannot be certified by enclosures: {rng}")


def _global_min_screen(c: FloatContext) -> Evidence:
    r = float(c.land.risk)
    tol = c.tol.band(max(r, c.r_lin))
    return numeric(c.r_lin - r, tol, f"float R = {r:.6g}, min_M E||Y - MX||^2 = {c.r_lin:.6g}")


GLOBAL_MIN = Condition(
    "global_minimum",
    "R(theta*) = min_M E||Y - M X||^2, the global minimum (exact)",
    _global_min,
    _global_min_screen,
)


# ---- search cases ------------------------------------------------------------------------


def linear_resnet(d: int, depth: int) -> Model:
    """``h = (I + V_depth) ... (I + V_1) x`` on ``R^d`` (no readout)."""
    return resnet(d, [ResidualBlock(IDENTITY)] * depth, d_out=d, readout=False)


def _data(draw: st.DrawFn, d: int) -> tuple[list[list[Fraction]], list[Any]]:
    """``n`` rational samples; labels ``Y = R X + xi`` with ``R`` near ``I`` and small noise
    (so global minima near the identity exist) or arbitrary rational labels."""
    n = draw(st.integers(d + 1, 6))
    x = rows(draw, n, d, max_abs=2)
    if draw(st.sampled_from((True, True, False))):
        small = rationals(1, 4).map(lambda v: v / 2)
        r = [[Fraction(int(i == j)) + draw(small) for j in range(d)] for i in range(d)]
        noise = rationals(1, 8).map(lambda v: v / 8)
        y = [[sum(r[a][b] * row[b] for b in range(d)) + draw(noise) for a in range(d)]
             for row in x]
    else:
        y = [[draw(rationals(3, 4)) for _ in range(d)] for _ in range(n)]
    return x, [v[0] for v in y] if d == 1 else y


@st.composite
def near_identity_cases(draw: st.DrawFn, theorem: Theorem) -> tuple[Any, Any]:
    """Linear ResNets with d <= 3, L <= 3 and starts near 0 (inside the norm ball)."""
    d, depth = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    model = linear_resnet(d, depth)
    x, y = _data(draw, d)
    start = [float(draw(rationals(1, 8))) / 5 for _ in range(model.n_params)]
    return instance(model, x, y), np.array(start)


@st.composite
def singular_cases(draw: st.DrawFn, theorem: Theorem) -> tuple[Any, Any]:
    """Linear ResNets whose start has every ``I + V_l`` close to singular
    (``V_l ~ -e_k e_k^T``), where non-global critical points sit (d <= 2, L in {2, 3})."""
    d, depth = draw(st.sampled_from((1, 1, 2))), draw(st.integers(2, 3))
    model = linear_resnet(d, depth)
    x, y = _data(draw, d)
    k = draw(st.integers(0, d - 1))
    start: list[float] = []
    for _ in range(depth):
        v = np.zeros((d, d))
        v[k, k] = -1.0
        v += np.array([[float(draw(rationals(1, 8))) / 50 for _ in range(d)] for _ in range(d)])
        start.extend(v.reshape(-1))
    return instance(model, x, y), np.array(start)


_REF = "Hardt & Ma (ICLR 2017), linear residual networks"

HM = Theorem(
    "HM",
    "linear ResNets: critical points with max_i ||V_i||_2 < 1 are global minima",
    f"{_REF} (quoted via a public summary, CLAIMS.md §Hardt & Ma)",
    "Q",
    (CRITICAL, NORM_BOUND),
    GLOBAL_MIN,
    setting=LINEAR_RESNET,
    cases=near_identity_cases,
    saddles=True,
    proof="linear_resnet_near_identity_global_minima",
)
HM_MINUS = Theorem(
    "HM-",
    "NEGATIVE CONTROL: every critical point of a linear ResNet is a global minimum",
    f"{_REF}: HM without the norm bound, false (a singular I + A_i, docs/claims.md)",
    "D",
    (CRITICAL,),
    GLOBAL_MIN,
    kind="negative_control",
    setting=LINEAR_RESNET,
    cases=singular_cases,
    saddles=True,
)

THEOREMS = (HM, HM_MINUS)
