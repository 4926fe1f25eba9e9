"""Tests for verify.proofkit.steps (Step, Proof, check_proof, SymPy step helpers) and proofs/.

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
from verify.errors import InvalidInput, MalformedTheorem
from verify.proofkit.steps import (
    Proof,
    ProofReport,
    Step,
    check_proof,
    combine,
    conclude,
    sympy_identity,
    sympy_nonnegative,
)
from verify.verdict import Evidence, Method, Verdict

ROOT = pathlib.Path(__file__).resolve().parents[1]
x, y, a, b = sympy.symbols("x y a b", real=True)


def _ev(verdict: Verdict, method: Method = Method.EXACT) -> Evidence:
    return Evidence(verdict, method, f"{verdict.value} by {method.value}")


def _proof(*checks: Callable[[], object], tag: str = "D") -> Proof:
    steps = tuple(Step(f"s{i}", "claim", "why", c) for i, c in enumerate(checks))  # type: ignore[arg-type]
    return Proof("toy_proof", "Toy", "nowhere", tag, steps)


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


def test_check_returning_non_evidence_is_malformed() -> None:
    with pytest.raises(MalformedTheorem, match="must return Evidence"):
        check_proof(_proof(lambda: True))


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
    text = report.format()
    for word in ("step", "method", "verdict", "time", "s0", "exact", "violated", "reason"):
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
    assert 100 <= len((ROOT / "proofs" / f"{name}.py").read_text().splitlines()) <= 300


@pytest.mark.parametrize("name", proofs.ALL)
def test_proof_is_machine_checked(name: str) -> None:
    report = check_proof(proofs.load(name).PROOF)
    failed = [
        (r.step.name, r.evidence.reason)
        for r in report.results
        if r.counted_verdict is not Verdict.HOLDS
    ]
    assert not failed, failed
    assert report.verdict is Verdict.HOLDS
    assert all(r.evidence.method in (Method.EXACT, Method.CERTIFIED) for r in report.results)


@pytest.mark.parametrize("name", [*proofs.ALL, "_template"])
def test_module_runs_as_script(name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", f"proofs.{name}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verdict: HOLDS" in done.stdout


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


def test_shamir_broken_inputs() -> None:
    from proofs import resnet_block_no_bad_local_minima as m
    from proofs._common import mean

    def grad_v_transposed_mean(blk):  # w E[gF]ᵀ replaced by E[gF] wᵀ (shape kept with d = k)
        return mean([blk.g(i) * blk.F[i] for i in range(blk.n)]) * blk.w.T

    assert _failing_steps(m.build_proof(escape_sign=1)) == {
        "d2_quadratic_form_along_escape_direction": Verdict.VIOLATED
    }
    assert (
        _step_verdict(m.build_proof(grad_v_formula=grad_v_transposed_mean), "gradient_v_identity")
        is Verdict.VIOLATED
    )
    too_long = m.build_proof(step_size=lambda curv, mu: 3 * mu / curv)
    assert _step_verdict(too_long, "d2_escape_direction_is_negative") is Verdict.VIOLATED


def test_yun_single_block_broken_inputs() -> None:
    from proofs import single_block_resnet_critical_points_no_worse_than_linear as m
    from proofs._common import mean

    failing = _failing_steps(
        m.build_proof(grad_w_formula=lambda blk: mean([blk.g(i) * blk.x[i] for i in range(blk.n)]))
    )
    assert failing == {"gradient_w_identity": Verdict.VIOLATED}
    no_skip = m.build_proof(model=lambda xi, w, v1, phi: (w.T * v1 * phi)[0, 0])
    assert _step_verdict(no_skip, "yun_block_is_shamir_block") is Verdict.VIOLATED


def test_yun_deep_broken_inputs() -> None:
    from proofs import deep_resnet_critical_points_no_worse_than_linear_or_saddle as m
    from proofs._common import mean

    def no_backprop(net, l):  # ∇_{V_l} R = E[g w φˡ] ignores the later blocks
        return mean([net.g(i) * net.w * net.branch(i, l) for i in range(len(net.x))])

    assert _failing_steps(m.build_proof(grad_v_formula=no_backprop)) == {
        "gradient_v_identities": Verdict.VIOLATED
    }
    first_order = m.build_proof(
        hessian_ww_formula=lambda net: mean(
            [
                net.g(i) * net.hidden(i, net.depth) * net.hidden(i, net.depth).T
                for i in range(len(net.x))
            ]
        )
    )
    assert _step_verdict(first_order, "hessian_ww_block_identity") is Verdict.VIOLATED
    too_wide = m.build_proof(coverage_dim=3, coverage_widths=(2, 1))
    assert _step_verdict(too_wide, "parameter_coverage_from_width_count") is Verdict.VIOLATED


def test_approximate_stationary_bound_broken_inputs() -> None:
    from proofs import resnet_block_approximate_stationary_risk_bound as m

    dropped_w_term = m.build_proof(claimed_bound=lambda eps, t, v, w: eps * t * (1 + v / w))
    assert _failing_steps(dropped_w_term) == {"bound_assembly": Verdict.VIOLATED}
    no_division = m.build_proof(claimed_bound=lambda eps, t, v, w: eps * (t * (1 + v) + w))
    assert _step_verdict(no_division, "bound_assembly") is Verdict.VIOLATED


def test_kawaguchi_bengio_broken_inputs() -> None:
    from proofs import resnet_local_minima_no_worse_than_basis_model as m

    not_null = m.build_proof(null_vector=lambda mm: mm.W[0, :].T)
    assert _failing_steps(not_null) == {
        "null_space_perturbation_preserves_loss": Verdict.VIOLATED,
        "null_space_perturbation_w_gradient": Verdict.VIOLATED,
    }
    missing_v_term = m.build_proof(grad_w_formula=lambda mm: mm.e_gx())
    assert _step_verdict(missing_v_term, "gradient_w_identity") is Verdict.VIOLATED


def test_near_identity_broken_inputs() -> None:
    from proofs import near_identity_resnet_risk_bound as m

    plus_one = m.build_proof(deviation_constant=lambda al, depth: (1 + al / depth) ** depth + 1)
    assert _failing_steps(plus_one) == {
        "geometric_sum_identity": Verdict.VIOLATED,
        "constant_below_exponential": Verdict.VIOLATED,
    }
    # A constant that is true but not the geometric sum: the sum step is refuted, the
    # exponential step is honestly undecided (the factorisation does not apply).
    alpha_only = m.build_proof(deviation_constant=lambda al, depth: al)
    assert _step_verdict(alpha_only, "geometric_sum_identity") is Verdict.VIOLATED
    assert _step_verdict(alpha_only, "constant_below_exponential") is Verdict.INCONCLUSIVE


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("resnet_block_no_bad_local_minima", {"d": 0}),
        ("resnet_block_no_bad_local_minima", {"escape_sign": 0}),
        ("resnet_local_minima_no_worse_than_basis_model", {"d_x": 2, "d_y": 2}),
        ("near_identity_resnet_risk_bound", {"depths": ()}),
        ("deep_resnet_critical_points_no_worse_than_linear_or_saddle", {"coverage_widths": [1]}),
    ],
)
def test_builders_reject_bad_sizes(name: str, kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        proofs.load(name).build_proof(**kwargs)
