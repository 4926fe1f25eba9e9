"""The forward-mode engine of the search's inner loop (verify.critical.tiny) agrees with the
reference engine on random tiny models of every theorem's cases, and the finder built on it
still reaches certified critical points."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import Phase, find, settings
from hypothesis.errors import NoSuchExample

from verify import theorem
from verify.critical.finders import minimize
from verify.critical.tiny import TinyEngine
from verify.objectives.empirical import Objective
from verify.search.strategies import search_cases
from verify.theorems.planted import PLANTED
from verify.theorems.probes import Y1_OPEN


def _cases(thm, count: int, seed: int) -> list:
    got: list = []

    def keep(case) -> bool:
        got.append(case)
        return False

    with pytest.raises(NoSuchExample):
        find(search_cases(thm), keep, random=random.Random(seed),
             settings=settings(max_examples=count, database=None, phases=[Phase.generate],
                               deadline=None))
    return got


@pytest.mark.parametrize(
    "thm", [theorem("Y1"), theorem("S1"), theorem("K2"), theorem("FC1"), theorem("K3"),
            PLANTED["P-FC3"], Y1_OPEN], ids=lambda t: t.label
)
def test_tiny_engine_agrees_with_the_reference_engine(thm) -> None:
    for inst, start in _cases(thm, 12, 4):
        obj = Objective(inst.model, inst.loss, inst.data)
        assert TinyEngine.fits(obj)
        risk, grad, hess = TinyEngine(obj).evaluate(start)
        ref = obj.evaluate(start, "float")
        scale = max(1.0, float(np.abs(ref.hessian).max()))
        assert abs(risk - float(ref.risk)) <= 1e-12 * max(1.0, abs(float(ref.risk)))
        assert TinyEngine(obj).risk(start) == risk  # the line search's forward-only risk
        np.testing.assert_allclose(grad, ref.gradient, rtol=0, atol=1e-12 * scale)
        np.testing.assert_allclose(hess, ref.hessian, rtol=0, atol=1e-12 * scale)


def test_minimize_still_converges_on_a_smooth_model() -> None:
    conv = 0
    cases = _cases(theorem("S1"), 20, 0)
    for inst, start in cases:
        obj = Objective(inst.model, inst.loss, inst.data)
        c = minimize(obj, start, max_iter=200)
        conv += c.converged
        if c.converged:  # judged by the reference engine
            assert float(np.linalg.norm(obj.evaluate(c.theta, "float").gradient)) <= 1e-9
    assert conv >= 0.7 * len(cases)
