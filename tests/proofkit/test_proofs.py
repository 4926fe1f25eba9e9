"""Tests for verify.proof (Step, Proof, check_proof, SymPy step helpers) and proofs/.

Every registered proof module must check to HOLDS with EXACT/CERTIFIED evidence,
run as a script with exit code 0, and fail (some step not HOLDS) when one of its
inputs is broken.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from collections.abc import Callable

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import proofs
from verify.errors import InvalidInput
from verify.proofkit.steps import (
    GENERAL,
    And,
    Proof,
    ProofReport,
    Statement,
    Step,
    StepCounterexample,
    check_proof,
    combine,
    conclude,
    sympy_identity,
    sympy_nonnegative,
)
from verify.verdict import Evidence, Method, Verdict

ROOT = pathlib.Path(__file__).resolve().parents[2]
x, y, a, b = sympy.symbols("x y a b", real=True)


def _ev(verdict: Verdict, method: Method = Method.EXACT) -> Evidence:
    return Evidence(verdict, method, f"{verdict.value} by {method.value}")


def _proof(*checks: Callable[[], object], tag: str = "D") -> Proof:
    steps = tuple(
        Step(f"s{i}", "claim", "why", c, GENERAL, (), (f"s{i}",))  # type: ignore[arg-type]
        for i, c in enumerate(checks)
    )
    st = Statement(("TOY", ()), {}, "toy", "toy", And(*(s.name for s in steps)))
    return Proof("toy_proof", "Toy", "nowhere", tag, steps, st)


# ------------------------------------------------------------------ machinery


def test_report_holds_only_when_every_step_is_rigorous_and_holds() -> None:
    report = check_proof(
        _proof(lambda: _ev(Verdict.HOLDS), lambda: _ev(Verdict.HOLDS, Method.CERTIFIED))
    )
    assert report.verdict is Verdict.HOLDS and report.machine_checked
    assert report.method is Method.CERTIFIED


@pytest.mark.parametrize("method", [Method.NUMERIC, Method.SAMPLED])
@pytest.mark.parametrize("verdict", [Verdict.HOLDS, Verdict.VIOLATED])
def test_non_rigorous_step_makes_the_proof_not_machine_checked(
    method: Method, verdict: Verdict
) -> None:
    report = check_proof(_proof(lambda: _ev(Verdict.HOLDS), lambda: _ev(verdict, method)))
    assert report.verdict is Verdict.INCONCLUSIVE
    assert not report.machine_checked
    assert "not machine-checked" in report.summary() and "s1" in report.summary()


def test_rigorous_violation_wins_over_inconclusive() -> None:
    report = check_proof(_proof(lambda: _ev(Verdict.INCONCLUSIVE), lambda: _ev(Verdict.VIOLATED)))
    assert report.verdict is Verdict.VIOLATED
    assert "claim not reproduced" in report.summary()


def test_check_returning_non_evidence_or_raising_is_a_verdict_and_the_run_continues() -> None:
    def boom() -> Evidence:
        raise ZeroDivisionError("division by zero")

    def found() -> Evidence:
        raise StepCounterexample(_ev(Verdict.VIOLATED))

    report = check_proof(_proof(lambda: True, boom, lambda: _ev(Verdict.HOLDS)))
    verdicts = [r.evidence.verdict for r in report.results]
    assert verdicts == [Verdict.INCONCLUSIVE, Verdict.INCONCLUSIVE, Verdict.HOLDS]
    assert "returned bool" in report.results[0].evidence.reason
    assert "ZeroDivisionError" in report.results[1].evidence.reason
    assert report.status == "INCONCLUSIVE"
    assert check_proof(_proof(found)).status == "VIOLATED"


def test_chain_gaps_and_narrow_scope_make_a_proof_partial() -> None:
    held = _proof(lambda: _ev(Verdict.HOLDS))
    assert check_proof(held).status == "HOLDS"
    # A conclusion no step concludes: every step holds, the proof does not.
    import dataclasses

    wider = dataclasses.replace(
        held, statement=dataclasses.replace(held.statement, conclusion=And("s0", "more"))
    )
    rep = check_proof(wider)
    assert rep.status == "PARTIAL" and rep.verdict is Verdict.INCONCLUSIVE
    assert "more" in rep.summary() and not rep.chain.ok
    # A step whose assumption no premise gives.
    needy = dataclasses.replace(
        held, steps=(dataclasses.replace(held.steps[0], assumes=("premise_x",)),)
    )
    assert "premise_x" in " ".join(check_proof(needy).chain.gaps)
    # A step checked only at fixed sizes.
    from verify.proofkit.steps import Scope

    sized = dataclasses.replace(
        held, steps=(dataclasses.replace(held.steps[0], scope=Scope("at sizes d = 2")),)
    )
    rep = check_proof(sized)
    assert rep.status == "PARTIAL" and "at sizes d = 2" in rep.scope
    # No statement at all: never HOLDS.
    assert check_proof(dataclasses.replace(held, statement=None)).status == "PARTIAL"


@pytest.mark.parametrize(
    "build",
    [
        lambda: Step("Bad Name", "c", "j", lambda: _ev(Verdict.HOLDS)),
        lambda: Step("ok", "", "j", lambda: _ev(Verdict.HOLDS)),
        lambda: Step("ok", "c", "j", "not callable"),  # type: ignore[arg-type]
        lambda: Proof("toy", "T", "R", "X", (Step("s", "c", "j", lambda: _ev(Verdict.HOLDS)),)),
        lambda: Proof("toy", "T", "R", "S", ()),
        lambda: Proof("toy", "T", "R", "S", (Step("s", "c", "j", lambda: _ev(Verdict.HOLDS)),) * 2),
    ],
)
def test_construction_is_validated(build: Callable[[], object]) -> None:
    with pytest.raises(InvalidInput):
        build()


def test_report_formats_and_serialises() -> None:
    report = check_proof(_proof(lambda: sympy_identity((x + y) ** 2, x**2 + y**2)))
    data = json.loads(json.dumps(report.to_dict()))
    assert data["verdict"] == "violated" and data["steps"][0]["witness"]["point"]
    assert data["scope"] and data["steps"][0]["scope"] == GENERAL.text and data["status"]
    text = report.format()
    for word in ("step", "method", "verdict", "time", "s0", "exact", "violated", "reason", "scope"):
        assert word in text
    assert isinstance(report, ProofReport) and str(report) == text


def test_combine_and_conclude() -> None:
    held, bad = _ev(Verdict.HOLDS), _ev(Verdict.VIOLATED)
    assert combine({"p": held, "q": bad}).verdict is Verdict.VIOLATED
    assert (
        combine({"p": held, "q": _ev(Verdict.HOLDS, Method.NUMERIC)}).verdict
        is Verdict.INCONCLUSIVE
    )
    # A failed lemma does not refute the claim ...
    assert conclude({"lemma": bad}).verdict is Verdict.INCONCLUSIVE
    # ... only a direct check does.
    assert conclude({"lemma": bad}, refute=lambda: bad).verdict is Verdict.VIOLATED
    assert conclude({"lemma": held}, refute=lambda: bad).verdict is Verdict.HOLDS


# ------------------------------------------------------------------ helpers


def test_identity_holds_and_violation_has_a_checkable_witness() -> None:
    assert sympy_identity((x + y) ** 2, x**2 + 2 * x * y + y**2).verdict is Verdict.HOLDS
    ev = sympy_identity((x + y) ** 2, x**2 + y**2)
    assert ev.verdict is Verdict.VIOLATED and ev.method is Method.EXACT
    point = {s: sympy.Rational(ev.witness["point"][str(s)]) for s in (x, y)}
    assert (2 * x * y).xreplace(point) != 0


def test_identity_with_undefined_functions_and_matrices() -> None:
    ell, p = sympy.Function("ell"), sympy.Symbol("p")
    g = sympy.Derivative(ell(p, y), p).subs(p, a * x)
    assert sympy_identity(sympy.diff(ell(a * x, y), a), x * g).verdict is Verdict.HOLDS
    wrong = sympy_identity(sympy.Matrix([sympy.diff(ell(a * x, y), a)]), sympy.Matrix([2 * x * g]))
    assert wrong.verdict is Verdict.VIOLATED and "functions" in wrong.witness


def test_identity_with_radicals_is_certified_when_false() -> None:
    s = sympy.sqrt(a**2 + b**2)
    assert sympy_identity(a**2 / s + b**2 / s, s).verdict is Verdict.HOLDS
    assert sympy_identity(a**2 / s + b**2 / s, 2 * s).verdict is Verdict.VIOLATED


def test_identity_undecided_is_inconclusive_not_violated() -> None:
    ev = sympy_identity(sympy.sin(x) ** 2 + sympy.cos(x) ** 2, 1, use_simplify=False)
    assert ev.verdict is Verdict.INCONCLUSIVE


@pytest.mark.parametrize(
    ("lhs", "rhs"),
    [
        (sympy.Float(0.5) * x, x / 2),
        (sympy.Matrix([x]), x),
        (sympy.Matrix([x, y]), sympy.Matrix([[x, y]])),
    ],
)
def test_identity_rejects_misuse(lhs: object, rhs: object) -> None:
    with pytest.raises(InvalidInput):
        sympy_identity(lhs, rhs)


@settings(max_examples=15, deadline=None)
@given(st.integers(-9, 9), st.integers(-9, 9), st.integers(1, 5))
def test_identity_decides_random_polynomial_identities(p: int, q: int, shift: int) -> None:
    product = (p * x + q) * (x - q)
    expanded = sympy.expand(product)
    assert sympy_identity(product, expanded).verdict is Verdict.HOLDS
    assert sympy_identity(product, expanded + shift * x).verdict is Verdict.VIOLATED


def test_nonnegative_proofs_and_witnesses() -> None:
    u1, u2, v1, v2 = sympy.symbols("u1 u2 v1 v2", real=True)
    gap = (u1**2 + u2**2) * (v1**2 + v2**2) - (u1 * v1 + u2 * v2) ** 2
    assert sympy_nonnegative(gap, sos=[(1, u1 * v2 - u2 * v1)]).verdict is Verdict.HOLDS
    assert sympy_nonnegative(a * b, [a >= 0, b >= 1]).verdict is Verdict.HOLDS
    assert sympy_nonnegative(a**2 / b, [a > 0, b > 0], strict=True).verdict is Verdict.HOLDS
    ev = sympy_nonnegative(a * b, [a >= 0, b >= -1])
    assert ev.verdict is Verdict.VIOLATED
    wa, wb = (sympy.Rational(ev.witness["point"][k]) for k in ("a", "b"))
    assert wa >= 0 and wb >= -1 and wa * wb < 0
    # True but beyond the structural prover: honest INCONCLUSIVE.
    assert sympy_nonnegative(sympy.exp(a) - 1 - a, [a >= 0]).verdict is Verdict.INCONCLUSIVE


@pytest.mark.parametrize(
    "call",
    [
        lambda: sympy_nonnegative(x, [x + y >= 0]),
        lambda: sympy_nonnegative(x, [x >= 0, x <= 1]),
        lambda: sympy_nonnegative(x, [sympy.Eq(x, 0)]),
        lambda: sympy_nonnegative(x**2, strict=True, sos=[(1, x)]),
        lambda: sympy_nonnegative(sympy.Matrix([x])),
    ],
)
def test_nonnegative_rejects_misuse(call: Callable[[], object]) -> None:
    with pytest.raises(InvalidInput):
        call()


# ------------------------------------------------------------------ registry and modules


def test_registry_lists_every_module() -> None:
    on_disk = {p.stem for p in (ROOT / "proofs").glob("*.py") if not p.stem.startswith("_")}
    assert set(proofs.ALL) == on_disk
    with pytest.raises(InvalidInput):
        proofs.load("no_such_theorem")


EXPECTED_STATUS = {
    "resnet_block_no_bad_local_minima": "HOLDS",
    "single_block_resnet_critical_points_no_worse_than_linear": "HOLDS",
    "deep_resnet_critical_points_no_worse_than_linear_or_saddle": "HOLDS",
    "deep_resnet_dichotomy_without_premise_1": "HOLDS",
    "resnet_block_approximate_stationary_risk_bound": "HOLDS",
    "resnet_local_minima_no_worse_than_basis_model": "HOLDS",
    "near_identity_resnet_risk_bound": "HOLDS",
    "linear_resnet_near_identity_global_minima": "HOLDS",
}
# Heavy modules (cross-checks at two size tuples with undefined losses): slow group.
SLOW = {
    "resnet_block_no_bad_local_minima",
    "resnet_local_minima_no_worse_than_basis_model",
    "resnet_block_approximate_stationary_risk_bound",
    "linear_resnet_near_identity_global_minima",  # ~15 s: SymPy cross-checks
}
NOT_IN_CATALOGUE = {"Y3", "S2"}  # CLAIMS.md Y3 and S2 have no verify.theorems entry yet


def _params(names: list[str] | tuple[str, ...]) -> list[object]:
    return [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in names]


@pytest.mark.parametrize("name", proofs.ALL)
def test_module_docstring_and_identity(name: str) -> None:
    module = proofs.load(name)
    doc = module.__doc__ or ""
    for section in ("Statement", "Premises", "Conclusion", "Proof outline", "Reference", "Scope"):
        assert f"\n{section}" in doc, f"{name}: missing docstring section {section}"
    proof = module.PROOF
    assert proof.theorem_id == name
    assert f"[{proof.tag}]" in doc
    if proof.tag == "D":
        assert "not the paper's theorem" in doc and "not the paper's theorem" in proof.reference
    assert 60 <= len((ROOT / "proofs" / f"{name}.py").read_text().splitlines()) <= 400


@pytest.mark.parametrize("name", proofs.ALL)
def test_statement_is_the_catalogue_theorem(name: str) -> None:
    from verify.proofkit.steps import catalogue_premises
    from verify.theorems import THEOREMS, theorem

    module = proofs.load(name)
    st = module.PROOF.statement
    assert st is not None and st.catalogue == (module.THEOREM_ID, module.WITHOUT)
    if module.THEOREM_ID in NOT_IN_CATALOGUE:
        assert module.THEOREM_ID not in THEOREMS  # flag it once the catalogue gains it
        return
    thm = theorem(module.THEOREM_ID, module.WITHOUT)
    assert dict(st.premises) == catalogue_premises(thm)
    assert (st.conclusion_name, st.conclusion_text) == (
        thm.conclusion.name,
        thm.conclusion.statement,
    )


@pytest.mark.parametrize("name", _params(proofs.ALL))
def test_proof_status(name: str) -> None:
    report = check_proof(proofs.load(name).PROOF)
    failed = [
        (r.step.name, r.evidence.reason)
        for r in report.results
        if r.counted_verdict is not Verdict.HOLDS
    ]
    assert not failed, failed
    assert report.chain.ok, report.chain.gaps
    assert report.status == EXPECTED_STATUS[name], report.summary()
    assert all(r.evidence.method in (Method.EXACT, Method.CERTIFIED) for r in report.results)
    assert (report.status == "HOLDS") == (not report.narrow_steps)


@pytest.mark.parametrize(
    "name",
    [
        "_template",
        pytest.param("deep_resnet_dichotomy_without_premise_1", marks=pytest.mark.slow),
        *[pytest.param(n, marks=pytest.mark.slow) for n in proofs.ALL],
    ],
)
def test_module_runs_as_script(name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", f"proofs.{name}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    status = EXPECTED_STATUS.get(name, "HOLDS")
    assert done.returncode == {"HOLDS": 0, "PARTIAL": 2}[status], done.stdout + done.stderr
    assert f"verdict: {status}" in done.stdout and "scope" in done.stdout


# ------------------------------------------------------------------ broken inputs


def _failing_steps(proof: Proof) -> dict[str, Verdict]:
    report = check_proof(proof)
    assert report.verdict is not Verdict.HOLDS
    return {
        r.step.name: r.counted_verdict
        for r in report.results
        if r.counted_verdict is not Verdict.HOLDS
    }


def _step_verdict(proof: Proof, step: str) -> Verdict:
    (only,) = [s for s in proof.steps if s.name == step]
    return only.check().verdict


@pytest.mark.slow
def test_shamir_broken_inputs() -> None:
    from proofs import resnet_block_no_bad_local_minima as m

    small = ((2, 1, 3),)
    assert _failing_steps(m.build_proof(sizes=small, escape_sign=1)) == {
        "d2_quadratic_form_along_escape_direction": Verdict.VIOLATED
    }
    too_long = m.build_proof(sizes=small, step_size=lambda curv, mu: 3 * mu / curv)
    assert _step_verdict(too_long, "d2_escape_direction_is_negative") is Verdict.VIOLATED


def test_yun_single_block_broken_inputs() -> None:
    from proofs import single_block_resnet_critical_points_no_worse_than_linear as m
    from proofs._common import mean

    small = ((2, 1, 3),)
    wrong = m.build_proof(
        sizes=small,
        grad_w_formula=lambda blk: mean([blk.g(i) * blk.x[i] for i in range(blk.n)]),
    )
    assert _step_verdict(wrong, "gradient_w_identity") is Verdict.VIOLATED
    no_skip = m.build_proof(sizes=small, model=lambda xi, w, v1, phi: (w.T * v1 * phi)[0, 0])
    assert _step_verdict(no_skip, "yun_block_is_shamir_block") is Verdict.VIOLATED


def test_yun_deep_broken_inputs() -> None:
    from proofs import deep_resnet_dichotomy_without_premise_1 as m

    no_cross_term = m.build_proof(
        expansion=lambda f, uh, wu, uu, cphi, a, bb: f + a * uh + bb * wu * cphi
    )
    assert _step_verdict(no_cross_term, "perturbation_identity") is Verdict.VIOLATED
    doubled = m.build_proof(backprop=lambda: m.b + 2 * m.U.T * m.J.T * m.V.T * m.b)
    assert _step_verdict(doubled, "backprop_invariance") is Verdict.VIOLATED
    too_long = m.build_proof(escape_eps=lambda A, K: 3 * K / A)
    assert _step_verdict(too_long, "case_b_explicit_negative_curvature") is Verdict.VIOLATED


@pytest.mark.slow
def test_approximate_stationary_bound_broken_inputs() -> None:
    from proofs import resnet_block_approximate_stationary_risk_bound as m

    dropped_w_term = m.build_proof(claimed_bound=lambda eps, t, v, w: eps * t * (1 + v / w))
    assert _step_verdict(dropped_w_term, "bound_assembly") is Verdict.VIOLATED
    no_division = m.build_proof(claimed_bound=lambda eps, t, v, w: eps * (t * (1 + v) + w))
    assert _step_verdict(no_division, "bound_assembly") is Verdict.VIOLATED


@pytest.mark.slow
def test_kawaguchi_bengio_broken_inputs() -> None:
    from proofs import resnet_local_minima_no_worse_than_basis_model as m

    missing_v_term = m.build_proof(sizes=((3, 2, 1, 4),), grad_w_formula=lambda mm: mm.e_gx())
    assert _step_verdict(missing_v_term, "gradient_w_identity_at_sizes") is Verdict.VIOLATED


def test_near_identity_broken_inputs() -> None:
    from proofs import near_identity_resnet_risk_bound as m

    plus_one = m.build_proof(deviation_constant=lambda al, depth: (1 + al / depth) ** depth + 1)
    assert _step_verdict(plus_one, "geometric_sum_identity") is Verdict.VIOLATED
    assert _step_verdict(plus_one, "constant_below_exponential") is Verdict.VIOLATED
    # A constant that is true but not the geometric sum: the sum step is refuted, the
    # exponential step is honestly undecided (the factorisation does not apply).
    alpha_only = m.build_proof(deviation_constant=lambda al, depth: al)
    assert _step_verdict(alpha_only, "geometric_sum_identity") is Verdict.VIOLATED
    assert _step_verdict(alpha_only, "constant_below_exponential") is Verdict.INCONCLUSIVE


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("resnet_block_no_bad_local_minima", {"sizes": ((0, 1, 3),)}),
        ("resnet_block_no_bad_local_minima", {"escape_sign": 0}),
        ("resnet_local_minima_no_worse_than_basis_model", {"sizes": ((2, 2, 1, 3),)}),
        ("near_identity_resnet_risk_bound", {"depths": ()}),
        ("resnet_block_approximate_stationary_risk_bound", {"sizes": ((1, 2, 3),)}),
    ],
)
def test_builders_reject_bad_sizes(name: str, kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        proofs.load(name).build_proof(**kwargs)


def test_proofs_row_shows_scope_and_status() -> None:
    from verify.cli.runall import document, proof_tasks
    from verify.report.markdown import markdown
    from verify.report.table import render

    ((_, run),) = proof_tasks(["deep_resnet_dichotomy_without_premise_1"])
    (row,) = run()
    assert row["verdict"] == "holds" and row["ok"]
    assert row["scope"].startswith("symbolic in all dimensions")
    assert "symbolic in all dimensions" in row["checked"]
    assert "symbolic in all dimensions" in render([row], width=200)
    assert "symbolic" in markdown(document("proofs", [row], 0.0, {}))
