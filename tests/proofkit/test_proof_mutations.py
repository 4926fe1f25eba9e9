"""Proof-mutation quality suite: deliberate mutations that must turn a proof away from HOLDS.

Each mutant edits one thing — the stated theorem (drop a premise, drop a branch of the
conclusion, strengthen it), a formula, a constant, an index, a mean, or an enumeration —
and the test asserts that the mutated proof (or example claim) is no longer HOLDS, and,
for proofs whose baseline is PARTIAL, that the mutant is strictly worse (a step fails or
the chain breaks). The score (caught / total) is printed at the end of the module
(``pytest -s``) and recorded as a ``record_property`` on each test.

Statement mutants reuse the baseline's step results (the steps are unchanged; only the
chain is recomputed), so they are fast. Formula mutants rerun the proof. Heavy mutants
are ``@pytest.mark.slow``.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sympy

import proofs
from verify.proofkit.steps import And, Proof, ProofReport, check_chain, check_proof
from verify.verdict import Verdict

Y1P = "deep_resnet_dichotomy_without_premise_1"
Y1 = "deep_resnet_critical_points_no_worse_than_linear_or_saddle"
Y2 = "single_block_resnet_critical_points_no_worse_than_linear"
S1 = "resnet_block_no_bad_local_minima"
S2 = "resnet_block_approximate_stationary_risk_bound"
K2 = "resnet_local_minima_no_worse_than_basis_model"
Y3 = "near_identity_resnet_risk_bound"

_BASE: dict[str, ProofReport] = {}
_SCORE: dict[str, bool] = {}


@pytest.fixture(scope="module", autouse=True)
def _print_score() -> Iterator[None]:
    yield
    caught = sum(_SCORE.values())
    missed = sorted(k for k, v in _SCORE.items() if not v)
    sys.stderr.write(
        f"\nproof-mutation score: {caught}/{len(_SCORE)} mutants caught"
        + (f"; missed: {missed}" if missed else "")
        + "\n"
    )


def _base(name: str) -> ProofReport:
    if name not in _BASE:
        _BASE[name] = check_proof(proofs.load(name).PROOF)
    return _BASE[name]


def _rechain(name: str, statement: Any) -> ProofReport:
    """The baseline's step results chained to a mutated statement."""
    base = _base(name)
    proof = dataclasses.replace(base.proof, statement=statement)
    held = {r.step.name for r in base.results if r.counted_verdict is Verdict.HOLDS}
    return ProofReport(proof, base.results, check_chain(proof, lambda s: s.name in held))


def _drop(name: str, *premises: str) -> Callable[[], ProofReport]:
    def run() -> ProofReport:
        st = _base(name).proof.statement
        kept = {k: v for k, v in st.premises.items() if k not in premises}
        return _rechain(name, dataclasses.replace(st, premises=kept))

    return run


def _conclude(name: str, conclusion: Any) -> Callable[[], ProofReport]:
    def run() -> ProofReport:
        st = _base(name).proof.statement
        return _rechain(name, dataclasses.replace(st, conclusion=conclusion))

    return run


def _build(name: str, **kwargs: Any) -> Callable[[], ProofReport]:
    return lambda: check_proof(proofs.load(name).build_proof(**kwargs))


def _half_sum_grad_w(blk: Any) -> sympy.Matrix:  # (1/2)Σ instead of (1/n)Σ
    total = blk.g(0) * blk.hidden(0)
    for i in range(1, blk.n):
        total += blk.g(i) * blk.hidden(i)
    return total / 2


def _grad_v_index_swap(blk: Any) -> sympy.Matrix:  # w E[gF]ᵀ → E[gF] wᵀ (d/k mix-up)
    from proofs._common import mean

    return mean([blk.g(i) * blk.F[i] for i in range(blk.n)]) * blk.w.T


def _y1p(**kw: Any) -> Callable[[], ProofReport]:
    return _build(Y1P, **kw)


FAST: dict[str, Callable[[], ProofReport]] = {
    # statements
    "Y1'/drop premise column_space": _drop(Y1P, "column_space"),
    "Y1'/drop premise critical_point": _drop(Y1P, "critical_point"),
    "Y1'/drop requirement convex_loss": _drop(Y1P, "convex_loss"),
    "Y1'/drop negative-curvature branch": _conclude(Y1P, "risk_le_linear"),
    "Y1'/strengthen to both branches": _conclude(Y1P, And("risk_le_linear", "negative_curvature")),
    "Y1/drop both premises and the saddle branch": lambda: _rechain(
        Y1,
        dataclasses.replace(
            _base(Y1).proof.statement,
            premises={
                k: v
                for k, v in _base(Y1).proof.statement.premises.items()
                if k not in ("full_rank_hL", "column_space")
            },
            conclusion="risk_le_linear",
        ),
    ),
    "Y2/drop premise w_nonzero": _drop(Y2, "w_nonzero"),
    "Y2/drop requirement convex_loss": _drop(Y2, "convex_loss"),
    "Y3/drop premise stationary_in_w": _drop(Y3, "stationary_in_w"),
    # formulas and constants
    "Y1'/perturbation: drop the αβ‖u‖² term": _y1p(
        expansion=lambda f, uh, wu, uu, cphi, a, bb: f + a * uh + bb * wu * cphi
    ),
    "Y1'/perturbation: halve the β term": _y1p(
        expansion=lambda f, uh, wu, uu, cphi, a, bb: (
            f + a * uh + bb * wu * cphi / 2 + a * bb * uu * cphi
        )
    ),
    "Y1'/backprop: doubled branch term": _y1p(
        backprop=lambda: _m(Y1P).b + 2 * _m(Y1P).U.T * _m(Y1P).J.T * _m(Y1P).V.T * _m(Y1P).b
    ),
    "Y1'/backprop: J instead of Jᵀ (index mix-up)": _y1p(
        backprop=lambda: _m(Y1P).b + _m(Y1P).U.T * _m(Y1P).J * _m(Y1P).V.T * _m(Y1P).b
    ),
    "Y1'/escape step 3K/A (too long)": _y1p(escape_eps=lambda A, K: 3 * K / A),
    "Y1'/escape step of the wrong sign": _y1p(escape_eps=lambda A, K: -K / (A + 1)),
    "Y2/(1/2)Σ for (1/n)Σ in ∇_w R": _build(
        Y2, sizes=((2, 1, 3),), grad_w_formula=_half_sum_grad_w
    ),
    "Y2/d-k index mix-up in ∇_V R": _build(
        Y2, sizes=((2, 1, 3),), grad_v_formula=_grad_v_index_swap
    ),
    "Y3/halve the near-identity constant": _build(
        Y3, deviation_constant=lambda al, depth: ((1 + al / depth) ** depth - 1) / 2
    ),
}

SLOW: dict[str, Callable[[], ProofReport]] = {
    "S1/drop the saddle branch (every critical point ≤ linear)": _conclude(S1, "risk_le_linear"),
    "S1/drop premise twice_differentiable": _drop(S1, "twice_differentiable"),
    "S1/D2 escape direction sign flipped": _build(S1, sizes=((2, 1, 3),), escape_sign=1),
    "S2/drop premise w_nonzero": _drop(S2, "w_nonzero"),
    "S2/bound without the ‖w‖ term": _build(
        S2, claimed_bound=lambda eps, t, v, w: eps * t * (1 + v / w)
    ),
    "K2/drop premise rank_condition": _drop(K2, "rank_condition"),
    "K2/∇_W L without the E[gzᵀ]Vᵀ term": _build(
        K2, sizes=((3, 2, 1, 4),), grad_w_formula=lambda mm: mm.e_gx()
    ),
}


def _m(name: str) -> Any:
    return proofs.load(name)


def _caught(name: str, report: ProofReport) -> bool:
    if report.status == "HOLDS":
        return False
    base = _base(name) if name in _BASE else None
    if base is not None and base.status == "PARTIAL":  # must be strictly worse
        return report.status != "PARTIAL" or (not report.chain.ok and base.chain.ok)
    return True


def _module_of(mutant: str) -> str:
    key = mutant.split("/")[0]
    return {"Y1'": Y1P, "Y1": Y1, "Y2": Y2, "S1": S1, "S2": S2, "K2": K2, "Y3": Y3}[key]


@pytest.mark.parametrize("mutant", list(FAST))
def test_fast_mutant_is_caught(mutant: str, record_property: Callable[[str, Any], None]) -> None:
    report = FAST[mutant]()
    _SCORE[mutant] = ok = _caught(_module_of(mutant), report)
    record_property("caught", ok)
    assert ok, f"{mutant}: {report.status} — {report.summary()}"


@pytest.mark.slow
@pytest.mark.parametrize("mutant", list(SLOW))
def test_slow_mutant_is_caught(mutant: str, record_property: Callable[[str, Any], None]) -> None:
    report = SLOW[mutant]()
    _SCORE[mutant] = ok = _caught(_module_of(mutant), report)
    record_property("caught", ok)
    assert ok, f"{mutant}: {report.status} — {report.summary()}"


def test_example_mutants_are_caught(record_property: Callable[[str, Any], None]) -> None:
    """Y5 with half the kink cells, and K3 with the wrong root μ, no longer HOLD."""
    from examples import k3_vector_output_counterexample as k3
    from examples import y5_fully_connected_no_better as y5
    from examples import y5_resnet_strictly_better as y5r
    from verify import load_instance

    def halve(cells: list[Any]) -> list[Any]:
        return cells[: len(cells) // 2]

    halved = [*y5.claims(cell_filter=halve), *y5r.claims(cell_filter=halve)]
    rows = {c.to_dict()["claim"][:20]: c.to_dict()["verdict"] for c in halved}
    y5_ok = rows["width-1 ReLU net a*r"] != "holds" and rows["one-unit ResNet: no "] != "holds"
    data = k3.k3_data(load_instance(k3.GENERIC_PATH))
    mu = k3.mu_min(data)
    k3_ok = k3.check_positive_everywhere(data, mu=k3.Surd(mu.a, -mu.b, mu.d)).verdict is not (
        Verdict.HOLDS
    )
    _SCORE["Y5/enumeration halved"] = y5_ok
    _SCORE["K3/larger root as μ"] = k3_ok
    record_property("caught", y5_ok and k3_ok)
    assert y5_ok and k3_ok


def test_statement_mutants_leave_the_baseline_holding() -> None:
    """Control: the unmutated statements chain (the suite is not vacuous)."""
    for name in (Y1P, Y1, Y2):
        base = _base(name)
        assert base.status == "HOLDS", base.summary()
        assert _rechain(name, base.proof.statement).status == "HOLDS"


def test_proof_type() -> None:
    assert isinstance(_base(Y1P).proof, Proof)
