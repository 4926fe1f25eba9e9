r"""Counterexample search with Hypothesis: screen numerically, certify hits, shrink.

``search(theorem, budget=..., seed=...)`` draws instances from
:attr:`Theorem.cases` (inside its setting), finds a numerical critical point of
each (a local minimum, and a saddle for theorems with ``saddles=True``), screens
the theorem there with each condition's float twin (:func:`verify.theorems.core.screen`),
steers the
generation with ``hypothesis.target`` on the violation score, and re-verifies
every screened candidate with the certified pipeline. Only a certified
VIOLATED counts as a counterexample; Hypothesis then shrinks it to a minimal
one, which is written as a replayable JSON record.

"None found in N instances" is reported as INCONCLUSIVE with the effort: a
search never proves a theorem.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import Phase, find, settings, target
from hypothesis.errors import NoSuchExample, Unsatisfiable
from threadpoolctl import threadpool_limits

from verify.certify import Box
from verify.critical.finders import find_saddle, minimize
from verify.data import Instance
from verify.errors import InvalidInput
from verify.io.instances import instance_to_json
from verify.io.records import record, write_record
from verify.models import ResidualBlock
from verify.objectives.empirical import Objective
from verify.pipeline import certify_point
from verify.search.generation import stable_generation
from verify.search.strategies import PROFILES, register_profiles, search_cases
from verify.theorems.context import FloatContext
from verify.theorems.core import Report, Theorem, screen
from verify.verdict import Verdict


@dataclass(frozen=True)
class ExaminedPoint:
    """A critical point the search examined (``search(..., collect_points=True)``).

    ``gap = R(theta) - R_lin`` and ``lambda_min`` are the float64 screen's values
    (NUMERIC), ``gap_tol`` and ``lambda_tol`` the screen's bands for them (within a band
    the sign is not decided in float); ``certified`` says the certified pipeline ran
    there and certified a critical point; ``covered`` says no premise other than a
    qualifier failed the screen.
    """

    gap: float
    lambda_min: float
    certified: bool
    covered: bool
    gap_tol: float
    lambda_tol: float
    verdict: str | None  # the certified report's verdict where the pipeline ran


@dataclass
class _Tally:
    counts: Counter[str] = field(default_factory=Counter)
    tried: int = 0
    first_hit: int | None = None
    first_hit_seconds: float | None = None
    hit: tuple[Instance, Report] | None = None
    first_hit_cpu: float | None = None
    decided: int = 0  # instances with a certified HOLDS or VIOLATED at some point
    screened: int = 0  # instances with a definite float screen at every point
    by_class: dict[str, Counter[str]] = field(default_factory=dict)
    t0: float = field(default_factory=time.perf_counter)
    points: list[ExaminedPoint] | None = None  # collected only when asked for
    c0: float = field(default_factory=time.process_time)


@dataclass(frozen=True)
class SearchReport:
    """What a search did and found."""

    theorem: Theorem
    budget: int
    seed: int
    profile: str
    targeted: bool
    tried: int
    counts: dict[str, int]
    seconds: float
    first_hit: int | None
    first_hit_seconds: float | None
    counterexample: dict[str, Any] | None
    record_path: str | None = None
    cpu_seconds: float = 0.0
    first_hit_cpu_seconds: float | None = None
    decided: int = 0
    screened: int = 0
    by_class: dict[str, dict[str, int]] = field(default_factory=dict)
    points: tuple[ExaminedPoint, ...] = ()  # only with collect_points=True

    @property
    def verdict(self) -> Verdict:
        return Verdict.VIOLATED if self.counterexample is not None else Verdict.INCONCLUSIVE

    @property
    def rate(self) -> float:
        return self.tried / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_rate(self) -> float:
        """Instances per CPU-second of this process (robust to a loaded machine)."""
        return self.tried / self.cpu_seconds if self.cpu_seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "theorem": self.theorem.label,
            "kind": self.theorem.kind,
            "verdict": self.verdict.value,
            "budget": self.budget,
            "seed": self.seed,
            "profile": self.profile,
            "targeted": self.targeted,
            "instances_tried": self.tried,
            "outcomes": self.counts,
            "seconds": round(self.seconds, 3),
            "instances_per_second": round(self.rate, 2),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "instances_per_cpu_second": round(self.cpu_rate, 2),
            "decisive": {"certified": self.decided, "screened": self.screened},
            "by_model_class": self.by_class,
            "first_hit_instance": self.first_hit,
            "first_hit_seconds": None
            if self.first_hit_seconds is None
            else round(self.first_hit_seconds, 3),
            "first_hit_cpu_seconds": None
            if self.first_hit_cpu_seconds is None
            else round(self.first_hit_cpu_seconds, 3),
            "record": self.record_path,
            "counterexample": self.counterexample,
        }

    def format(self) -> str:
        head = (
            f"search {self.theorem.label} ({self.theorem.kind}): "
            f"{self.tried} instances in {self.seconds:.1f} s ({self.rate:.1f}/s), "
            f"seed {self.seed}, profile {self.profile}"
            + ("" if self.targeted else ", without target()")
        )
        outcome = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        if self.counterexample is None:
            verdict = (
                f"INCONCLUSIVE: no certified violation in {self.tried} instances "
                "(a search cannot prove the theorem)"
            )
        else:
            rep = self.counterexample["record"]["report"]
            verdict = (
                f"VIOLATED [{rep['method']}]: certified counterexample "
                f"(first hit after {self.first_hit} instances, "
                f"{self.first_hit_seconds:.1f} s; shrunk)\n  {rep['reason']}"
            )
            if self.record_path:
                verdict += f"\n  record: {self.record_path}"
        return f"{head}\n  outcomes: {outcome}\n  {verdict}"


def _points(theorem: Theorem, obj: Objective, start: np.ndarray) -> list[np.ndarray]:
    cands = [minimize(obj, start, max_iter=200)]
    if theorem.saddles:
        cands.append(find_saddle(obj, start, max_iter=60))
    return [c.theta for c in cands if c.converged]


def _examine(
    theorem: Theorem,
    case: tuple[Instance, np.ndarray],
    tally: _Tally,
    counting: bool,
    use_target: bool,
    certify_all: bool = False,
) -> bool:
    inst, start = case
    assert inst.model is not None
    obj = Objective(inst.model, inst.loss, inst.data)
    cls = tally.by_class.setdefault(model_class(inst), Counter()) if counting else Counter()
    if counting:
        tally.tried += 1
        cls["instances"] += 1
    best = -np.inf
    found = False
    decided = False
    screened = True
    points = _points(theorem, obj, start)
    if not points and counting:
        tally.counts["no critical point"] += 1
    for theta in points:
        fctx = FloatContext(obj, theta)
        verdict, vacuous, score, details = screen(theorem, fctx)
        best = max(best, score)
        screened = screened and (vacuous or verdict is not Verdict.INCONCLUSIVE)
        if counting:
            key = "vacuous" if vacuous else verdict.value
            tally.counts[f"screen {key}"] += 1
        if not (details["candidate"] or certify_all):
            if counting and tally.points is not None:
                _collect(tally.points, theorem, fctx, details, None)
            continue
        try:
            report = certify_point(theorem, obj, theta, qualifiers_first=True)
        except (ArithmeticError, ValueError) as err:  # a bug to report, not a verdict
            if counting:
                tally.counts[f"certification error {type(err).__name__}"] += 1
            continue
        decided = decided or report.verdict is not Verdict.INCONCLUSIVE
        if counting:
            tally.counts[f"certified {report.verdict.value}"] += 1
            if tally.points is not None:
                _collect(tally.points, theorem, fctx, details, report)
            crit = dict(report.premises).get("critical_point")
            if crit is not None and crit.verdict is Verdict.HOLDS:
                cls["certified critical points"] += 1
            cls[f"certified {report.verdict.value}"] += 1
        if report.verdict is Verdict.VIOLATED:
            found = True
            if tally.hit is None or not counting:
                tally.hit = (
                    Instance(
                        inst.loss,
                        inst.data,
                        inst.model,
                        _checked_point(report),
                    ),
                    report,
                )
            if tally.first_hit is None:
                tally.first_hit = tally.tried
                tally.first_hit_seconds = time.perf_counter() - tally.t0
                tally.first_hit_cpu = time.process_time() - tally.c0
            break
    if counting:
        tally.decided += int(decided)
        tally.screened += int(screened and bool(points))
    if use_target and np.isfinite(best):
        target(float(np.clip(best, -1e6, 1e6)), label="violation score")
    return found


def _collect(
    points: list[ExaminedPoint],
    theorem: Theorem,
    fctx: FloatContext,
    details: dict[str, Any],
    report: Report | None,
) -> None:
    """Append the point's float ``(R - R_lin, lambda_min)``; skipped if not finite."""
    with np.errstate(all="ignore"):
        risk, r_lin = float(fctx.land.risk), float(fctx.r_lin)
        gap = risk - r_lin
        lam = float(fctx.eigenvalues[0]) if len(fctx.eigenvalues) else float("nan")
    if not (np.isfinite(gap) and np.isfinite(lam)):
        return
    certified = report is not None and any(
        n == "critical_point" and e.verdict is Verdict.HOLDS for n, e in report.premises
    )
    covered = all(
        v != Verdict.VIOLATED.value
        for n, v in details["premises"].items()
        if n not in theorem.qualifiers
    )
    gap_tol = fctx.tol.band(max(abs(risk), abs(r_lin)))
    points.append(ExaminedPoint(gap, lam, certified, covered, gap_tol, 1e-9 * fctx.hscale,
                                None if report is None else report.verdict.value))


def search(
    theorem: Theorem,
    *,
    budget: int = 100,
    seed: int = 0,
    profile: str = "dev",
    use_target: bool = True,
    out: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    shrink_calls: int = 60,
    shrink_seconds: float = 15.0,
    collect_points: bool = False,
    certify_all: bool = False,
) -> SearchReport:
    """Search for a certified violation of ``theorem`` among ``budget`` generated instances.

    Every screened candidate is certified; the first certified violation is shrunk
    (at most ``shrink_calls`` evaluations or ``shrink_seconds``) and returned as a
    record (written to ``out`` if given). Randomness comes only from ``seed``.
    With ``collect_points`` the report lists every critical point examined while
    counting (:class:`ExaminedPoint`; costs a float R_lin and eigvalsh per point for
    theorems whose screen does not compute them).
    With ``certify_all`` every critical point found is certified, not only the
    screened candidates (slower; the effort of an open probe is then counted in
    certified critical points, by model class).
    """
    if not isinstance(budget, int) or budget < 1 or budget > 1_000_000:
        raise InvalidInput(f"budget={budget!r} must be an integer between 1 and 1000000.")
    if profile not in PROFILES:
        raise InvalidInput(f"profile={profile!r} is unknown; use one of {', '.join(PROFILES)}.")
    register_profiles()
    base = settings.get_profile(profile)
    phases = (
        [Phase.generate]
        + ([Phase.shrink] if shrink_calls > 0 else [])  # 0: keep the first hit as found
        + ([Phase.target] if use_target else [])
    )
    conf = settings(
        base,
        max_examples=2 * budget,  # replays of seen cases do not count; ``tried`` caps at budget
        database=None,
        phases=phases,
        derandomize=False,
        report_multiple_bugs=False,
    )
    tally = _Tally(points=[] if collect_points else None)
    state: dict[str, Any] = {"shrinking": False, "shrink_calls": 0, "shrink_t0": 0.0}

    seen: dict[str, bool] = {}

    def condition(case: tuple[Instance, np.ndarray]) -> bool:
        key = _case_key(case)
        if key in seen:  # Hypothesis replays examples: answer consistently
            return seen[key]
        seen[key] = _condition(case)
        return seen[key]

    def _condition(case: tuple[Instance, np.ndarray]) -> bool:
        counting = not state["shrinking"]
        if counting and tally.tried >= budget:
            # budget spent and nothing found: stop Hypothesis rather than let it draw up to
            # ``max_examples`` more cases only to discard them (5-7% of a search's CPU)
            raise _BudgetSpent
        if not counting:
            state["shrink_calls"] += 1
            spent = time.perf_counter() - state["shrink_t0"]
            if state["shrink_calls"] > shrink_calls or spent > shrink_seconds:
                return False  # stop shrinking: keep the smallest hit so far
        hit = _examine(theorem, case, tally, counting, use_target, certify_all)
        if progress is not None and counting:
            progress(tally.tried)
        if hit and not state["shrinking"]:
            state["shrinking"] = True
            state["shrink_t0"] = time.perf_counter()
        return hit

    with (
        stable_generation(),  # the same cases whatever the process imported before
        threadpool_limits(1),  # BLAS on one thread: tiny matrices, and other processes' cores
        contextlib.suppress(NoSuchExample, Unsatisfiable, _BudgetSpent),  # nothing found
    ):
        find(
            search_cases(theorem),
            condition,
            settings=conf,
            random=random.Random(seed),
        )
    seconds = time.perf_counter() - tally.t0
    counter = None
    path = None
    if tally.hit is not None:
        inst, report = tally.hit
        counter = record(inst, report, seed=seed)
        if out is not None:
            path = str(write_record(counter, out, theorem))
    return SearchReport(
        theorem,
        budget,
        seed,
        profile,
        use_target,
        tally.tried,
        dict(tally.counts),
        seconds,
        tally.first_hit,
        tally.first_hit_seconds,
        counter,
        path,
        cpu_seconds=time.process_time() - tally.c0,
        first_hit_cpu_seconds=tally.first_hit_cpu,
        decided=tally.decided,
        screened=tally.screened,
        by_class={k: dict(v) for k, v in sorted(tally.by_class.items())},
        points=tuple(tally.points or ()),
    )


class _BudgetSpent(BaseException):
    """Raised through Hypothesis (which catches ``Exception`` as a test failure, never a
    ``BaseException``) to end a search whose budget is spent without a hit."""


def model_class(inst: Instance) -> str:
    """A coarse model class for effort reports: kind, depth, activations, loss."""
    model = inst.require_model()
    acts = sorted({st.activation.name for st in model.stages})
    kind = "resnet" if any(isinstance(st, ResidualBlock) for st in model.stages) else (
        "fully_connected" if model.stages else "linear"
    )
    return f"{kind} depth {len(model.stages)} {'+'.join(acts) or '-'} {inst.loss.name} loss"


def _checked_point(report: Report) -> np.ndarray:
    """The exact centre of the point or box the report is about (a record's params)."""
    return np.asarray(Box.from_dict(report.point["box"]).centre, dtype=object)


def _case_key(case: tuple[Instance, np.ndarray]) -> str:
    inst, start = case
    return json.dumps(instance_to_json(inst), sort_keys=True) + np.asarray(start).tobytes().hex()
