"""Strategies generate inside a theorem's setting by construction (issue 9).

For every theorem of the catalogue (and the weakened claims the search probes), at least
200 draws of its search cases are admitted by its setting; so are 200 draws of
``models(setting=S)`` for every shipped setting, and of ``residual_blocks`` with a fixed
block form. Draws are counted: Hypothesis must not stop early.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.catalogue.losses import loss
from verify.models import ResidualBlock
from verify.search.strategies import models, residual_blocks, search_cases
from verify.theorems.catalogue import THEOREMS, theorem
from verify.theorems.setting import (
    FULLY_CONNECTED,
    KAWAGUCHI_BENGIO,
    SINGLE_BLOCK_RESNET,
    YUN,
    Setting,
)

DRAWS = 200
FAST = settings(
    max_examples=DRAWS,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
PROBES = [("Y1'", ("column_space",)), ("Y1", ("full_rank_hL",))]


def _run(strategy: st.SearchStrategy, check) -> int:  # type: ignore[type-arg]
    seen = []

    # the tag keeps Hypothesis from stopping early on small spaces (e.g. the 84 models of
    # the Kawaguchi-Bengio setting): every example is still one draw of ``strategy``
    @FAST
    @given(strategy, st.integers(0, 2**32))
    def inner(value, tag: int) -> None:  # type: ignore[no-untyped-def]
        check(value)
        seen.append(tag)

    inner()
    return len(seen)


@pytest.mark.parametrize(
    "tid,without", [(t, ()) for t in THEOREMS] + PROBES, ids=lambda v: str(v)
)
def test_search_cases_lie_in_the_setting(tid: str, without: tuple[str, ...]) -> None:
    thm = theorem(tid, without)

    def check(case) -> None:  # type: ignore[no-untyped-def]
        inst, start = case
        bad = thm.setting.violations(inst.model, inst.loss)
        assert not bad, f"{thm.label}: drawn instance outside {thm.setting.name!r}: {bad}"
        assert len(start) == inst.model.n_params
        thm.applies_to(inst.model, inst.loss)  # the typed refusal is not raised either

    assert _run(search_cases(thm), check) >= DRAWS


@pytest.mark.parametrize(
    "setting", [YUN, SINGLE_BLOCK_RESNET, KAWAGUCHI_BENGIO, FULLY_CONNECTED], ids=lambda s: s.name
)
def test_models_strategy_respects_each_setting(setting: Setting) -> None:
    convex = loss("squared")

    def check(model) -> None:  # type: ignore[no-untyped-def]
        bad = setting.violations(model, convex)
        assert not bad, f"model outside {setting.name!r}: {bad}"

    assert _run(models(setting=setting), check) >= DRAWS


@pytest.mark.parametrize(
    "form",
    [
        {"out": True, "proj": True, "hidden": False, "bias": False},
        {"out": True, "proj": False, "hidden": True, "bias": True},
        {"out": False, "proj": False, "hidden": False, "bias": False},
    ],
    ids=str,
)
def test_residual_blocks_honour_the_block_form(form: dict[str, bool]) -> None:
    def check(block: ResidualBlock) -> None:
        assert block.out is form["out"]
        assert (block.proj is not None) is form["proj"]
        assert bool(block.hidden) is form["hidden"]
        assert block.bias is form["bias"]

    assert _run(residual_blocks(3, first=False, **form), check) >= DRAWS
