"""The planted "Y3 with its constant halved" theorem (P-Y3-HALF) and its true control Y3D.

The hand-built counterexample of verify/theorems/planted.py (scalar x, identity block,
Huber loss with delta = 1, w = 0, v u = -1, sign(y) = -sign(x), |y| > delta) is
certified VIOLATED for P-Y3-HALF and not VIOLATED for Y3D; the Lipschitz bound alpha_bar
really bounds the blocks; the search finds P-Y3-HALF by itself and its record replays;
Y3D is never reported VIOLATED; squared loss is outside the setting.
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import flint
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.catalogue.activations import activation
from verify.catalogue.losses import loss
from verify.errors import NotApplicable
from verify.io.records import replay
from verify.models import Model, ResidualBlock
from verify.numbers.arithmetic import Arithmetic
from verify.objectives.empirical import Objective
from verify.pipeline import certify_point
from verify.search.engine import search
from verify.search.strategies import search_cases
from verify.theorems.block_lipschitz import alpha_lower, alpha_upper
from verify.theorems.cases import instance
from verify.theorems.context import Context, FloatContext
from verify.theorems.near_identity import (
    NEAR_IDENTITY,
    Y3_BOUND,
    Y3_HALF_BOUND,
    infimum_lower_bound,
    rhs_ball,
)
from verify.theorems.planted import DIFFICULTY, PLANTED, TRUE_CONTROLS
from verify.verdict import Method, Verdict

HALF = PLANTED["P-Y3-HALF"]
Y3D = TRUE_CONTROLS["Y3D"]
RIGOROUS = (Method.EXACT, Method.CERTIFIED)


def _block(act: str = "identity", depth: int = 1, d_in: int = 1) -> Model:
    return Model(d_in, tuple(ResidualBlock(activation(act), None, (1,), False)
                             for _ in range(depth)))


def _saddle(the_loss: str = "huber", y: list[object] | None = None) -> tuple[Objective, object]:
    """x = (1, 2), y = (-2, -3), theta* = (A = 2, V = -1/2, w = 0): h_L = 0 exactly."""
    model = _block()
    labels = y if y is not None else [F(-2), F(-3)]
    inst = instance(model, [[F(1)], [F(2)]], labels, loss(the_loss))
    theta = np.array([F(2), F(-1, 2), F(0)], dtype=object)
    return Objective(model, inst.loss, inst.data), theta


def _huber(r: F) -> F:
    return r * r / 2 if abs(r) <= 1 else abs(r) - F(1, 2)


def test_the_hand_built_counterexample_violates_the_halved_bound() -> None:
    obj, theta = _saddle()
    rep = certify_point(HALF, obj, theta)
    assert rep.verdict is Verdict.VIOLATED, rep.format()
    assert rep.method is Method.CERTIFIED  # e^alpha is transcendental: Arb, not EXACT
    assert all(e.method in RIGOROUS for _, e in rep.premises)
    assert dict(rep.premises)["critical_point"].method is Method.EXACT
    assert rep.conclusion.margin is not None and rep.conclusion.margin < 0
    # independent re-check of the witness: R = mean(3/2, 5/2) = 2 exactly, and the
    # right-hand side at the rational t, with e - 1 < 1.7183, is below it
    t = F(rep.conclusion.witness["t"][0])
    assert F(rep.conclusion.witness["c"]) == F(1, 2)
    mean_loss = (_huber(t * 1 + 2) + _huber(t * 2 + 3)) / 2
    rhs_upper = float(mean_loss) + 0.5 * 1.0 * 1.7183 * 1.5 * abs(float(t))
    assert rhs_upper < 2.0, (t, rhs_upper)


def test_the_true_bound_is_not_violated_at_the_same_point() -> None:
    obj, theta = _saddle()
    rep = certify_point(Y3D, obj, theta)
    # proved, not just "not violated": s = E[l'(0; y) x] = 3/2 <= (e^1 - 1) E|x| = 2.577...,
    # so t = 0 minimises the right-hand side, whose value there is R(theta*) = 2
    assert rep.verdict is Verdict.HOLDS, rep.format()
    assert rep.method is Method.CERTIFIED
    assert rep.conclusion.witness["t0"] == ["0"]
    assert F(rep.conclusion.witness["alpha_lo"]) <= 1  # alpha = |V A| = 1 exactly


def test_screens_agree_with_the_certified_checks() -> None:
    obj, theta = _saddle()
    fc = FloatContext(obj, theta.astype(np.float64))
    half = Y3_HALF_BOUND.screen(fc)  # type: ignore[misc]
    full = Y3_BOUND.screen(fc)  # type: ignore[misc]
    assert half.verdict is Verdict.VIOLATED and half.margin is not None and half.margin < -0.1
    assert full.verdict is not Verdict.VIOLATED and full.margin is not None
    assert full.margin >= -full.tolerance


def test_logistic_loss_gives_no_violation_at_the_same_saddle() -> None:
    # |l'(0; y)| = G/2 for logistic: the first-order gain |t| E|x| / 2 is below the
    # halved bound's 0.859 |t| E|x| (docs in verify/theorems/planted.py)
    obj, theta = _saddle("logistic", [-1, -1])
    ev = Y3_HALF_BOUND.check(Context(obj, theta))
    assert ev.verdict is not Verdict.VIOLATED, ev.reason


def test_squared_loss_and_other_models_are_outside_the_setting() -> None:
    obj, theta = _saddle()
    sq = Objective(obj.model, loss("squared"), obj.data)
    with pytest.raises(NotApplicable, match=r"lipschitz_loss.*not Lipschitz"):
        certify_point(Y3D, sq, theta)
    assert not NEAR_IDENTITY.admits(_block("sigmoid"), loss("huber"))  # sigma(0) != 0
    assert not NEAR_IDENTITY.admits(_block("square"), loss("huber"))  # not Lipschitz
    biased = Model(1, (ResidualBlock(activation("relu"), None, (1,), True),))
    assert not NEAR_IDENTITY.admits(biased, loss("huber"))
    assert NEAR_IDENTITY.admits(_block("tanh", 2, 2), loss("logistic"))


@settings(max_examples=40, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from(("identity", "relu", "tanh", "leaky_relu")),
       st.integers(1, 3), st.integers(1, 3), st.booleans())
def test_alpha_bar_bounds_the_network_as_the_proof_needs(
    seed: int, act: str, depth: int, d_in: int, hidden: bool
) -> None:
    """With alpha_bar, ``||h_L(x) - h_L(x')|| <= (1 + alpha_bar/L)^L ||x - x'||`` and
    ``||h_L(x) - x|| <= ((1 + alpha_bar/L)^L - 1) ||x||`` on random inputs (the real forward
    pass), and alpha_bar >= L max_l prod of float spectral norms."""
    rng = np.random.default_rng(seed)
    block = ResidualBlock(activation(act), d_in, (2,) if hidden else (), False)
    model = Model(d_in, (block,) * depth)
    theta = np.array([F(int(v), 8) for v in rng.integers(-24, 25, model.n_params)],
                     dtype=object)
    alpha = float(alpha_upper(model, theta).mid())
    named = model.unpack(theta.astype(np.float64))
    lip_s = max(1.0, abs(float(activation(act).alpha))) if act == "leaky_relu" else 1.0
    for i in range(depth):
        mats = [k for k in (f"blocks[{i}].U", f"blocks[{i}].phi[0].A", f"blocks[{i}].V")
                if k in named]
        norms = math.prod(float(np.linalg.norm(named[k], 2)) for k in mats)
        assert alpha >= depth * lip_s * norms * (1 - 1e-12)
    obj = Objective(model, loss("huber"), instance(model, [[F(0)] * d_in], [F(0)]).data)
    x = rng.normal(size=(d_in, 8))
    xp = x + rng.normal(scale=0.3, size=(d_in, 8))
    th = theta.astype(np.float64)
    fw, fwp = (obj.network.forward(th, z, Arithmetic.FLOAT) for z in (x, xp))
    h, hp = obj.network.last_state(fw), obj.network.last_state(fwp)
    grow = (1 + alpha / depth) ** depth
    slack = 1 + 1e-9
    assert np.all(np.linalg.norm(h - hp, axis=0) <= grow * np.linalg.norm(x - xp, axis=0) * slack)
    assert np.all(np.linalg.norm(h - x, axis=0) <= (grow - 1) * np.linalg.norm(x, axis=0) * slack
                  + 1e-12)
    assert grow - 1 <= math.expm1(alpha) * slack


@settings(max_examples=30, deadline=None, database=None, derandomize=True)
@given(st.integers(0, 2**32 - 1), st.sampled_from(("identity", "relu", "tanh")),
       st.integers(1, 2), st.integers(1, 3))
def test_alpha_lo_is_below_the_lipschitz_constant_and_tight_for_linear_blocks(
    seed: int, act: str, depth: int, d_in: int
) -> None:
    rng = np.random.default_rng(seed)
    model = Model(d_in, (ResidualBlock(activation(act), d_in, (2,), False),) * depth)
    theta = np.array([F(int(v), 8) for v in rng.integers(-24, 25, model.n_params)],
                     dtype=object)
    lo = alpha_lower(model, theta)
    named = model.unpack(theta.astype(np.float64))
    products = [np.linalg.norm(named[f"blocks[{i}].V"] @ named[f"blocks[{i}].phi[0].A"]
                               @ named[f"blocks[{i}].U"], 2) for i in range(depth)]
    norms = [math.prod(np.linalg.norm(named[f"blocks[{i}].{k}"], 2)
                       for k in ("U", "phi[0].A", "V")) for i in range(depth)]
    assert lo <= alpha_upper(model, theta)
    assert float(lo.mid()) <= depth * max(norms) * (1 + 1e-12)
    if act == "identity":  # Lip = ||V A U||_2 exactly; the probes find it up to rounding
        assert float(lo.mid()) <= depth * max(products) * (1 + 1e-12)
        assert float(lo.mid()) >= 0.99 * depth * max(products)


@settings(max_examples=30, deadline=None, database=None, derandomize=True)
@given(st.integers(0, 2**32 - 1), st.sampled_from((F(1, 10), F(1), F(3))))
def test_the_infimum_lower_bound_is_below_the_right_hand_side(seed: int, slope: F) -> None:
    rng = np.random.default_rng(seed)
    n = 4
    x = [[F(int(v), 4)] for v in rng.integers(-8, 9, n)]
    y = [F(int(v), 4) for v in rng.integers(-12, 13, n)]
    obj = Objective(_block(), loss("huber"), instance(_block(), x, y, loss("huber")).data)
    for t0 in ([F(0)], [F(int(rng.integers(-8, 9)), 4)]):
        bound = infimum_lower_bound(obj, t0, flint.arb(slope.numerator) / slope.denominator)
        if bound is None:
            continue
        for t in np.linspace(-6, 6, 241):
            tq = F(float(t))
            rhs = sum(_huber(tq * r[0] - yi) for r, yi in zip(x, y, strict=True)) / n
            assert F(int(bound.p), int(bound.q)) <= rhs + slope * abs(tq)


def test_rhs_ball_encloses_the_float_value_for_logistic_loss() -> None:
    obj, _ = _saddle("logistic", [1, -1])
    factor = flint.arb(F(3, 7).numerator) / 7
    t = [F(-5, 4)]
    ball = rhs_ball(obj, t, factor)
    x = np.array([1.0, 2.0])
    y = np.array([1.0, -1.0])
    val = float(np.mean(np.log1p(np.exp(-y * (-1.25) * x))) + 3 / 7 * 1.5 * 1.25)
    assert ball.contains(flint.arb(val)) or abs(float(ball.mid()) - val) < 1e-12
    assert ball.rad() < 1e-12


def _search_cases_in_setting(theorem: object) -> None:
    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    @given(search_cases(theorem))  # type: ignore[arg-type]
    def inner(case: tuple[object, object]) -> None:
        inst, _ = case
        assert NEAR_IDENTITY.admits(inst.model, inst.loss)  # type: ignore[attr-defined]
        if inst.loss.name == "huber":  # type: ignore[attr-defined]
            delta = inst.loss.param("delta")  # type: ignore[attr-defined]
            assert all(abs(v) > delta for v in inst.data.y.flat)  # type: ignore[attr-defined]

    inner()


def test_search_cases_lie_in_the_setting_with_labels_beyond_delta() -> None:
    _search_cases_in_setting(HALF)


def test_difficulty_is_registered() -> None:
    assert DIFFICULTY["P-Y3-HALF"] == "medium"
    assert HALF.kind == "negative_control" and Y3D.kind == "theorem"
    assert HALF.setting is Y3D.setting is NEAR_IDENTITY


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_search_finds_the_planted_theorem_and_the_record_replays(seed: int) -> None:
    rep = search(HALF, budget=200, seed=seed, shrink_calls=0)
    assert rep.verdict is Verdict.VIOLATED, rep.format()
    rec = rep.counterexample["record"]  # type: ignore[index]
    parts = rec["report"]
    assert rec["method"] in ("exact", "certified")
    assert all(p["method"] in ("exact", "certified") for p in parts["premises"].values())
    assert parts["conclusion"]["method"] in ("exact", "certified")
    again = replay(rep.counterexample, HALF)
    assert again.reproduced, again.format()


def test_the_true_bound_is_never_reported_violated() -> None:
    rep = search(Y3D, budget=100, seed=5)
    assert rep.tried == 100
    assert rep.counterexample is None, rep.format()
    assert not any(k.startswith("certified violated") for k in rep.counts), rep.counts


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_the_true_bound_is_never_reported_violated_deep(seed: int) -> None:
    rep = search(Y3D, budget=300, seed=seed, certify_all=True)
    assert rep.tried == 300
    assert rep.counterexample is None, rep.format()
    assert not any(k.startswith("certified violated") for k in rep.counts), rep.counts
