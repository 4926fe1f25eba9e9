"""The library's own verdicts, as evidence for example scripts.

Small, exact wrappers that every example needs: the objective of an instance, its
exact (``fmpq``) risk and Hessian, the same data with other parameters, the risk of
a model at named rational parameters on given data, a negative control's report
turned into a claim ("the library says VIOLATED, rigorously"), and the conjunction
of several pieces of evidence (weakest method, :func:`verify.verdict.all_of`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from verify.catalogue import loss as loss_named
from verify.data import Dataset, Instance
from verify.errors import VerifyError
from verify.io.instances import parse_instance
from verify.models import Model
from verify.objectives import Objective
from verify.pipeline import check
from verify.proofkit.exact import to_fraction
from verify.theorems import Report, theorem
from verify.verdict import Evidence, Method, Verdict, all_of, weakest


def objective_of(inst: Instance) -> Objective:
    """The empirical risk of the instance's model, loss and data."""
    return Objective(inst.require_model(), inst.loss, inst.data)


def exact_risk(inst: Instance, theta: Any = None) -> Fraction:
    """The library's exact risk at ``theta`` (default: the instance's parameters)."""
    point = inst.require_params() if theta is None else theta
    return to_fraction(objective_of(inst).evaluate(point, "exact", order=1).risk)


def exact_hessian(inst: Instance) -> np.ndarray:
    """The library's exact Hessian (object array of ``fmpq``) at the instance's parameters."""
    land = objective_of(inst).evaluate(inst.require_params(), "exact", order=2)
    if land.hessian is None:  # pragma: no cover - order=2 always returns one
        raise RuntimeError("the exact pass returned no Hessian")
    return land.hessian


def with_params(
    inst: Instance, params: Mapping[str, Any], model: Mapping[str, Any] | None = None
) -> Instance:
    """The instance's data (squared loss) with other parameters, optionally another model."""
    doc = {
        "format": "resnet-verify/instance@1",
        "model": inst.require_model().spec() if model is None else dict(model),
        "loss": "squared",
        "data": {
            "x": [[str(to_fraction(v)) for v in row] for row in inst.data.x],
            "y": [_text(y) for y in inst.data.y],
        },
        "params": dict(params),
    }
    return parse_instance(doc)


def _text(v: Any) -> Any:
    return [_text(e) for e in v] if np.ndim(v) else str(to_fraction(v))


def model_risk(
    model: Model, params: Mapping[str, Any], xs: Sequence[Any], ys: Sequence[Any]
) -> Fraction:
    """The library's exact mean squared risk of ``model`` at named rational ``params`` on inputs
    ``xs`` (scalars or rows) and targets ``ys`` (scalars or rows, one per sample)."""
    data = Dataset(
        np.asarray([[to_fraction(v) for v in np.atleast_1d(x)] for x in xs], dtype=object),
        np.asarray([_exact(y) for y in ys], dtype=object),
    )
    named = {k: np.asarray(v, dtype=object) for k, v in params.items()}
    theta = model.pack(named, dtype=object)
    objective = Objective(model, loss_named("squared"), data)
    return to_fraction(objective.evaluate(theta, "exact", 1).risk)


def _exact(v: Any) -> Any:
    return [_exact(e) for e in v] if np.ndim(v) else to_fraction(v)


def negative_control(theorem_id: str, inst: Instance) -> Evidence:
    """HOLDS iff the library reports ``theorem_id`` VIOLATED with rigorous evidence at the
    instance's point; VIOLATED if it reports HOLDS; INCONCLUSIVE otherwise."""
    rep = check(theorem(theorem_id), inst).reports[0]
    text = (
        f"library {theorem_id} report: {rep.verdict.value.upper()} [{rep.method.value}]; "
        f"{rep.reason}"
    )
    if rep.verdict is Verdict.VIOLATED and rep.method.rigorous:
        return Evidence(Verdict.HOLDS, rep.method, text)
    if rep.verdict is Verdict.HOLDS:
        return Evidence(Verdict.VIOLATED, rep.method, text)
    return Evidence(Verdict.INCONCLUSIVE, rep.method, text)


def conjunction(*parts: Evidence, sep: str = " | ") -> Evidence:
    """Every part: verdict :func:`all_of`, the weakest method, the reasons joined by ``sep``;
    the first part's witness is kept."""
    if not parts:
        raise ValueError("conjunction of no evidence")
    return Evidence(
        all_of(e.verdict for e in parts),
        weakest(e.method for e in parts),
        sep.join(e.reason for e in parts),
        witness=parts[0].witness,
    )


def evidence(ok: bool | None, method: Method, reason: str, **extra: Any) -> Evidence:
    """``True`` -> HOLDS, ``False`` -> VIOLATED, ``None`` -> INCONCLUSIVE, with ``method``."""
    verdict = Verdict.INCONCLUSIVE if ok is None else (Verdict.HOLDS if ok else Verdict.VIOLATED)
    return Evidence(verdict, method, reason, **extra)


def report_line(rep: Report) -> str:
    """``"S1 HOLDS [exact] (vacuous): reason"`` for one library report."""
    vacuous = " (vacuous)" if rep.vacuous else ""
    return (
        f"{rep.theorem.id} {rep.verdict.value.upper()} [{rep.method.value}]{vacuous}: {rep.reason}"
    )


def theorems_hold(theorem_ids: Sequence[str], inst: Instance) -> tuple[bool | None, str]:
    """Run the library's theorems at the instance's point: ``False`` if one is VIOLATED,
    ``True`` if every one HOLDS rigorously and not vacuously, else ``None``; and the reports
    as text."""
    reps = [check(theorem(t), inst).reports[0] for t in theorem_ids]
    text = "; ".join(report_line(r) for r in reps)
    if any(r.verdict is Verdict.VIOLATED for r in reps):
        return False, text
    ok = all(r.verdict is Verdict.HOLDS and not r.vacuous and r.method.rigorous for r in reps)
    return (True if ok else None), text


def search_summary(theorem_id: str, inst: Instance, n_starts: int = 4, seed: int = 0) -> Evidence:
    """``verify.check(theorem(id), inst, find=True)`` summarised: VIOLATED if some report is,
    HOLDS if every report HOLDS, else INCONCLUSIVE; the weakest method (NUMERIC if none)."""
    reps = check(theorem(theorem_id), inst, find=True, n_starts=n_starts, seed=seed).reports
    counts = Counter(f"{r.verdict.value} [{r.method.value}]" for r in reps)
    risks = [to_fraction(r.point["risk"][1]) for r in reps if "risk" in r.point]
    ok: bool | None = (bool(reps) and all(r.verdict is Verdict.HOLDS for r in reps)) or None
    if any(r.verdict is Verdict.VIOLATED for r in reps):
        ok = False
    lowest = f"{float(min(risks)):.6g}" if risks else "n/a"
    return evidence(
        ok,
        weakest(r.method for r in reps) if reps else Method.NUMERIC,
        f"{len(reps)} critical point(s) from {n_starts} seeded starts (lowest risk found "
        f"{lowest}): " + ", ".join(f"{k} x{v}" for k, v in counts.items()) + ".",
    )


def negative_control_search(
    theorem_id: str, inst: Instance, n_starts: int = 4, seed: int = 0
) -> Evidence:
    """``verify.check(theorem(id), inst, find=True)`` for a negative control: HOLDS (with the
    strongest method among them) iff the library's pipeline finds at least one local minimum
    certified by the ``local_minimum`` premise and reports ``theorem_id`` VIOLATED rigorously
    at every one; VIOLATED if it HOLDS (not vacuously) at one; INCONCLUSIVE otherwise (NUMERIC)."""
    try:
        res = check(theorem(theorem_id), inst, find=True, n_starts=n_starts, seed=seed)
    except VerifyError as err:
        return evidence(None, Method.NUMERIC, f"the search raised {type(err).__name__}: {err}")
    minima = [r for r in res.reports if _local_minimum(r)]
    lines = [
        f"{'local min' if r in minima else 'not a min'} ({r.point.get('description', '')}): "
        f"{theorem_id} {r.verdict.value} [{r.method.value}]{' (vacuous)' if r.vacuous else ''}"
        for r in res.reports
    ]
    text = (
        f"{len(res.reports)} critical point(s) from {n_starts} seeded starts (and the "
        "instance's parameters, if any): " + "; ".join(lines)
    )
    if any(r.verdict is Verdict.HOLDS and not r.vacuous for r in minima):
        return evidence(False, Method.EXACT, text + f" -- {theorem_id} holds at a local minimum.")
    if not minima or not all(r.verdict is Verdict.VIOLATED and r.method.rigorous for r in minima):
        return evidence(None, Method.NUMERIC, text + ".")
    return evidence(True, max((r.method for r in minima), key=lambda m: m.rank), text + ".")


def _local_minimum(rep: Report) -> bool:
    premise = dict(rep.premises).get("local_minimum")
    return premise is not None and premise.verdict is Verdict.HOLDS


def conclusion_branch(
    theorem_id: str, inst: Instance, branch: str, others: Mapping[str, str] | None = None
) -> Evidence:
    """The library's ``theorem_id`` report at the instance's point HOLDS rigorously and not
    vacuously with the conclusion branch ``branch`` HOLDS and each branch in ``others`` with
    the verdict given there (e.g. ``{"risk_le_linear": "violated"}``); VIOLATED if the report
    is VIOLATED; INCONCLUSIVE otherwise. Branches are the conclusion witness's entries that
    carry a ``"verdict"``."""
    rep = check(theorem(theorem_id), inst).reports[0]
    wit = rep.conclusion.witness
    names = [k for k, v in wit.items() if isinstance(v, Mapping) and "verdict" in v]
    shown = dict.fromkeys([*names, branch, *(others or {})])
    got = {k: wit.get(k, {}).get("verdict") for k in shown}
    text = f"library {theorem_id} report: {rep.verdict.value.upper()} [{rep.method.value}]; "
    text += "branches " + ", ".join(f"{k} {v}" for k, v in got.items()) + f"; {rep.reason}"
    if rep.verdict is Verdict.VIOLATED:
        return evidence(False, rep.method, text)
    ok = rep.verdict is Verdict.HOLDS and not rep.vacuous and got[branch] == "holds"
    ok = ok and all(got[k] == v for k, v in (others or {}).items()) and rep.method.rigorous
    return evidence(ok or None, rep.method, text)


def first_disagreement(
    claimed: Any, library_value: Callable[[Any], Any], param: Any, probes: Sequence[Any]
) -> str:
    """``""`` if the library's exact value ``library_value(p)`` equals the symbolic ``claimed``
    (a SymPy expression in ``param``) at every probe ``p``; else the first disagreement, as text."""
    for p in probes:
        if (lib := library_value(p)) != to_fraction(claimed.subs(param, p)):
            return f"the library's exact risk at {param} = {p} is {lib}; the two engines disagree."
    return ""
