r"""Classify a point of a risk landscape: critical? strict local minimum? strict saddle?

Works for any objective with the duck-typed interface of :class:`verify.Objective`
(empirical risks) and :class:`verify.population.objective.PopulationRisk`
(population risks): it reuses the shared certificates of :mod:`verify.certify`
(Krawczyk uniqueness boxes, certified inertia, certified negative curvature).

1. **Critical** — :func:`verify.certify.critical_point_near`: the input point is
   polished (float Newton) and the Krawczyk test proves a *unique* critical point
   in a stated box around the polished point (or the input is exactly critical).
   The input point and the certified box are both reported.
2. **Second order** over the tight box that contains that critical point: a
   certified positive-definite Hessian ⇒ ``strict_local_minimum``; a direction
   ``v`` with ``vᵀHv < 0`` proved over the box ⇒ ``strict_saddle`` (``v`` given);
   else ``undecided``.
   *Profile-loss path* (Du et al.'s normalised ``conv_relu``, CLAIMS.md §L1 [D]): at
   the spurious point ``(−v̄*, a_s)`` the Hessian is singular (flat radial
   direction, third-order change in the angle) and the filter is antiparallel to
   the teacher's (non-smooth set), so no Hessian certificate can apply; if the
   input is within ``max_distance`` of that ray,
   :func:`verify.population.conv.certify_du_spurious` decides it by the
   profile-loss argument and the kind is ``local_minimum``: a certified local
   minimum that is *not strict* (flat along ``w ↦ c·w``), strict modulo that
   direction. The reason says so.
3. **Not critical** — if no critical point could be certified, the gradient is
   enclosed over the box ``input ± radius``: if some entry provably excludes 0
   there, no critical point lies within ``radius`` (∞-norm) of the input:
   ``not_critical``. Otherwise ``undecided``.
4. **Value bracket** — the risk enclosed over the certified box (or at the input
   point). If the objective knows its global minimum (``global_minimum``, e.g. 0
   for a realisable population teacher) a strict local minimum whose bracket lies
   above it is a **certified spurious** local minimum. For an empirical
   :class:`verify.Objective` the bracket is also compared with the rigorous
   bracket of the linear baseline ``R_lin`` (:func:`verify.best_linear_predictor`,
   intercept iff the model has one): ``r_lin`` says "below", "above" or "undecided".

Every certificate is issued only where the risk is provably C²: the smoothness
(kink) margin's rigorous lower bound is positive over the whole box — for
population objectives no unit vanishes and no pair of units is (anti)parallel
there (the non-smooth set of the Gaussian ReLU kernel); for empirical ReLU
objectives no sample sits on a kink. The reason says so. Method is
``CERTIFIED`` (Arb balls) or ``EXACT``; float64 only finds candidates.
Safran & Shamir (2018) is the source of the technique (CLAIMS.md "Certification
technique" [D]).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from verify.baseline import best_linear_predictor
from verify.certify import (
    Box,
    box_from_evidence,
    certify_hessian_pd,
    certify_negative_curvature,
    critical_point_near,
)
from verify.errors import InvalidInput
from verify.numbers.arithmetic import Arithmetic, ball_bounds, to_float_array
from verify.objectives.empirical import Objective
from verify.verdict import Evidence, Method, Verdict, weakest

#: ``local_minimum`` (certified, not strict: flat along a stated symmetry direction) is
#: issued only by the profile-loss path; the other four come from the generic tests.
KINDS = ("strict_local_minimum", "strict_saddle", "not_critical", "undecided", "local_minimum")


@dataclass(frozen=True)
class Classification:
    """The answer of :func:`classify` (JSON via :meth:`to_dict`)."""

    critical: Verdict
    kind: str
    method: Method
    value: tuple[float, float] | None
    point: list[float]
    certified_point: dict[str, Any] | None
    direction: list[Any] | None
    spurious: bool | None
    reason: str
    smoothness: str
    reconstruction: bool = False
    evidence: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "critical": self.critical.value,
            "kind": self.kind,
            "method": self.method.value,
            "value": None if self.value is None else [self.value[0], self.value[1]],
            "point": self.point,
            "certified_point": self.certified_point,
            "direction": self.direction,
            "spurious": self.spurious,
            "reason": self.reason,
            "smoothness": self.smoothness,
        }
        if self.baseline is not None:
            out["r_lin"] = self.baseline
        if self.reconstruction:
            out["label"] = "reconstruction"
        return out

    def format(self, name: str = "") -> str:
        """Readable text (what ``resnet-verify classify`` prints)."""
        return format_classification(self, name)


def classify(
    objective: Any,
    theta: Any,
    *,
    radius: float | None = None,
    max_distance: float | None = None,
    global_minimum: float | None = None,
    baseline: bool = True,
    **options: Any,
) -> Classification:
    r"""Classify ``theta`` (see the module docstring).

    ``radius`` is the half-width of the box around the input in which
    ``not_critical`` is proved (default ``1e-6 · max(1, ‖theta‖∞)``);
    ``max_distance`` bounds how far (∞-norm) the polished, certified critical point
    may be from the input and still count as "this point" (default
    ``1e-4 · max(1, ‖theta‖∞)``; a farther one is reported in the reason only);
    ``global_minimum`` overrides ``objective.global_minimum`` (if any) for the
    spurious test; ``baseline=False`` skips the ``R_lin`` comparison of empirical
    objectives; ``options`` go to :func:`verify.certify.critical_point_near`.
    """
    th = np.asarray(theta, dtype=object).reshape(-1)
    if th.shape != (objective.n_params,):
        raise InvalidInput(
            f"theta has {th.size} entries but the model has {objective.n_params} parameters; "
            f"pass a vector of length {objective.n_params}."
        )
    point = [float(v) for v in to_float_array(Box(th).centre)]
    if not all(math.isfinite(v) for v in point):
        raise InvalidInput(f"theta={point!r} must be finite.")
    gmin = global_minimum if global_minimum is not None else getattr(
        objective, "global_minimum", None
    )
    recon = bool(getattr(objective, "reconstruction", False))
    pop = hasattr(objective, "teacher")
    far = 1e-4 * max(1.0, max(abs(v) for v in point)) if max_distance is None else max_distance
    if not (math.isfinite(far) and far >= 0):
        raise InvalidInput(f"max_distance={max_distance!r} must be a float >= 0; pass e.g. 1e-4.")
    out: Classification | None = _du_profile(objective, th, point, far, gmin)
    if out is not None:
        return out
    cp = critical_point_near(objective, th, **options)
    if cp.verdict is Verdict.HOLDS:
        dist = float(cp.witness.get("distance_from_theta", 0.0))
        if dist <= far:
            out = _second_order(objective, cp, point, gmin, recon, pop)
        else:
            cp = Evidence(
                Verdict.INCONCLUSIVE,
                cp.method,
                f"polishing reached a certified critical point {dist:.3g} away from the input, "
                f"farther than max_distance={far:.3g}, so it is not taken as this point",
                witness=cp.witness,
            )
    if out is None:
        out = _not_critical(objective, th, point, cp, radius, recon, pop)
    if isinstance(objective, Objective) and baseline:
        out = replace(out, baseline=_against_r_lin(objective, out.value))
    return out


def _against_r_lin(objective: Objective, value: tuple[float, float] | None) -> dict[str, Any]:
    m = objective.model
    base = best_linear_predictor(
        objective.data, objective.loss, intercept=bool(m.intercept or m.output_bias)
    )
    lo, hi = float(base.lower), float(base.upper)
    # float() of a Fraction rounds to nearest: widen by one ulp each way to stay rigorous
    lo, hi = math.nextafter(lo, -math.inf), math.nextafter(hi, math.inf)
    if value is None:
        cmp = "undecided"
    elif value[1] < lo:
        cmp = "below"
    elif value[0] > hi:
        cmp = "above"
    else:
        cmp = "undecided"
    return {
        "bracket": [lo, hi],
        "method": base.bracket_method.value,
        "status": base.status,
        "risk_vs_r_lin": cmp,
    }


def _smooth_text(margin: float, where: str, pop: bool) -> str:
    what = (
        "no unit vector is 0 and no pair of units is (anti)parallel, so the population risk "
        "is C² (real-analytic) there"
        if pop
        else "no sample sits on a kink, so the risk is C² there"
    )
    return f"smoothness margin >= {margin:.3g} > 0 over {where} (rigorous lower bound): {what}."


def _bracket(objective: Any, box: Box) -> tuple[tuple[float, float] | None, float | None]:
    land = objective.evaluate(box.balls(), Arithmetic.BALL, order=1)
    lo, hi = ball_bounds(np.array([land.risk], dtype=object))
    k = land.kink_margin
    margin = None if k is None else float(k) if isinstance(k, float | int) else _lower(k)
    if not (math.isfinite(lo[0]) and math.isfinite(hi[0])):
        return None, margin
    return (float(lo[0]), float(hi[0])), margin


def _lower(x: Any) -> float:
    lo, _ = ball_bounds(np.array([x], dtype=object))
    return float(lo[0])


def _second_order(
    objective: Any, cp: Evidence, point: list[float], gmin: float | None, recon: bool, pop: bool
) -> Classification:
    tight = box_from_evidence(cp)
    wide = box_from_evidence(cp, tight=False)
    assert tight is not None and wide is not None
    cw = cp.witness
    certified = {
        "centre": cw["centre"],
        "uniqueness_radius": cw["radius"],
        "enclosure_radius": cw["enclosure_radius"],
        "distance_from_input": cw.get("distance_from_theta", 0.0),
    }
    value, margin = _bracket(objective, tight)
    smooth = (
        _smooth_text(margin, "the enclosure box", pop)
        if margin is not None and margin > 0
        else "no kinks in this model (smooth everywhere)."
        if margin is None
        else "smoothness margin not provably positive on the enclosure box."
    )
    where = (
        f"unique critical point within {cw['enclosure_radius']:.3g} (∞-norm) of the polished "
        f"point, which is {certified['distance_from_input']:.3g} from the input "
        f"(uniqueness box radius {cw['radius']:.3g})"
        if cw["radius"]
        else "the input point is itself critical"
    )
    evidence: dict[str, Any] = {"critical_point": cp.to_dict()}
    pd = certify_hessian_pd(objective, tight)
    evidence["hessian_pd"] = pd.to_dict()
    if pd.verdict is Verdict.HOLDS:
        spurious = None
        extra = ""
        if gmin is not None and value is not None:
            spurious = value[0] > gmin
            extra = (
                f" Risk in [{value[0]:.6g}, {value[1]:.6g}] > global minimum {gmin:g}: "
                "certified SPURIOUS strict local minimum."
                if spurious
                else f" Risk bracket [{value[0]:.3g}, {value[1]:.3g}] does not exclude the "
                f"global minimum {gmin:g}."
            )
        return Classification(
            Verdict.HOLDS,
            "strict_local_minimum",
            weakest([cp.method, pd.method]),
            value,
            point,
            certified,
            None,
            spurious,
            f"Strict local minimum: {where}; Hessian positive definite over the box "
            f"({pd.reason}).{extra}",
            smooth,
            recon,
            evidence,
        )
    neg = certify_negative_curvature(objective, tight)
    evidence["negative_curvature"] = neg.to_dict()
    if neg.verdict is Verdict.HOLDS:
        return Classification(
            Verdict.HOLDS,
            "strict_saddle",
            weakest([cp.method, neg.method]),
            value,
            point,
            certified,
            list(neg.witness["v"]),
            False,
            f"Strict saddle: {where}; certified direction v with {neg.reason}",
            smooth,
            recon,
            evidence,
        )
    return Classification(
        Verdict.HOLDS,
        "undecided",
        weakest([cp.method, pd.method]),
        value,
        point,
        certified,
        None,
        None,
        f"Critical point certified ({where}), but the second-order test cannot decide: "
        f"{pd.reason} {neg.reason}",
        smooth,
        recon,
        evidence,
    )


def _not_critical(
    objective: Any,
    th: np.ndarray,
    point: list[float],
    cp: Evidence,
    radius: float | None,
    recon: bool,
    pop: bool,
) -> Classification:
    r = 1e-6 * max(1.0, max(abs(v) for v in point)) if radius is None else float(radius)
    if not (math.isfinite(r) and r > 0):
        raise InvalidInput(f"radius={radius!r} must be a positive float; pass e.g. 1e-6.")
    box = Box(th, r)
    land = objective.evaluate(box.balls(), Arithmetic.BALL, order=1)
    k = land.kink_margin
    margin = None if k is None else float(k) if isinstance(k, float | int) else _lower(k)
    value, _ = _bracket(objective, Box(th))
    evidence = {"critical_point": cp.to_dict()}
    if margin is not None and not margin > 0:
        return Classification(
            Verdict.INCONCLUSIVE, "undecided", Method.CERTIFIED, value, point, None, None,
            None,
            f"No critical point certified ({cp.reason}) and the box of radius {r:.3g} around "
            "the input touches the non-smooth set, so nothing is proved there.",
            "smoothness margin not provably positive near the input.", recon, evidence,
        )
    lo, hi = ball_bounds(np.asarray(land.gradient, dtype=object))
    excl = np.maximum(lo, -hi)
    i = int(np.argmax(excl))
    smooth = (
        _smooth_text(margin, f"the box of radius {r:.3g}", pop)
        if margin is not None
        else "no kinks in this model."
    )
    if excl[i] > 0:
        return Classification(
            Verdict.VIOLATED, "not_critical", Method.CERTIFIED, value, point, None, None, None,
            f"Not critical: gradient entry {i} lies in [{lo[i]:.6g}, {hi[i]:.6g}] for every "
            f"point within {r:.3g} (∞-norm) of the input, so no critical point is there.",
            smooth, recon, evidence,
        )
    return Classification(
        Verdict.INCONCLUSIVE, "undecided", cp.method, value, point, None, None, None,
        f"No critical point certified near the input ({cp.reason}), and the gradient is not "
        f"provably nonzero on the box of radius {r:.3g}.",
        smooth, recon, evidence,
    )


def _du_profile(
    objective: Any, th: np.ndarray, point: list[float], far: float, gmin: float | None
) -> Classification | None:
    """Du et al.'s spurious point by the profile-loss argument (see the module docstring)."""
    from verify.population.conv import certify_du_spurious, du_point_match

    match = du_point_match(objective, th)
    if match is None or not match["distance_from_input"] <= far:
        return None
    ev = certify_du_spurious(match["astar"])
    wit = ev.witness
    certified = {
        "centre": match["centre"],
        "uniqueness_radius": None,
        "enclosure_radius": match["enclosure_radius"],
        "distance_from_input": match["distance_from_input"],
        "flat_direction": "radial: w -> c*w, c > 0 (normalisation; every point of the ray is "
        "the same network)",
    }
    value = (float(wit["value_interval"][0]), float(wit["value_interval"][1]))
    where = (
        f"the spurious point (−‖w‖·v̄*, a_s) of Du et al. (CLAIMS.md §L1), enclosed within "
        f"{match['enclosure_radius']:.3g} of the stated centre, {match['distance_from_input']:.3g}"
        " (∞-norm) from the input"
    )
    evidence = {"profile_loss": ev.to_dict()}
    smooth = (
        "the filter is antiparallel to the teacher's (non-smooth set of the kernel) and the "
        "Hessian is singular there: no Hessian test is used; the profile-loss argument needs "
        "neither."
    )
    recon = bool(getattr(objective, "reconstruction", False))
    if ev.verdict is Verdict.HOLDS:
        spurious = None if gmin is None else value[0] > gmin
        return Classification(
            Verdict.HOLDS, "local_minimum", ev.method, value, point, certified, None, spurious,
            f"Local minimum, not strict (flat along w -> c*w; strict in (w/‖w‖, a)): {where}. "
            f"{ev.reason}", smooth, recon, evidence,
        )
    if ev.verdict is Verdict.VIOLATED:
        return Classification(
            Verdict.HOLDS, "undecided", ev.method, value, point, certified, None, False,
            f"Critical point ({where}) but not a local minimum: {ev.reason} It is a degenerate "
            "critical point (singular Hessian); no saddle direction is certified.",
            smooth, recon, evidence,
        )
    return None


def _fmt_vec(v: list[Any] | None, limit: int = 8) -> str:
    if v is None:
        return "-"
    shown = ", ".join(f"{float(x):.10g}" if not isinstance(x, str) else x for x in v[:limit])
    return f"[{shown}{', ...' if len(v) > limit else ''}] ({len(v)} entries)"


def format_classification(c: Classification, name: str = "") -> str:
    """Readable text of a :class:`Classification` (the CLI default output)."""
    kind = c.kind.replace("_", " ").upper()
    if c.spurious is True:
        kind += ", SPURIOUS (risk bracket above the global minimum)"
    lines = [f"point      {name}" if name else "point"]
    lines.append(f"kind       {kind}  [{c.method.value.upper()}]")
    lines.append(f"critical   {c.critical.value}")
    lines.append(f"input      {_fmt_vec(c.point)}")
    if c.certified_point is not None:
        cp = c.certified_point
        lines.append(f"certified  {_fmt_vec(cp['centre'])}")
        box = (
            f"within {cp['enclosure_radius']:.3g} (∞-norm) of this centre, which is "
            f"{cp['distance_from_input']:.3g} from the input"
        )
        if cp.get("uniqueness_radius"):
            box += f"; unique critical point in the box of radius {cp['uniqueness_radius']:.3g}"
        lines.append(f"           the critical point lies {box}")
    if c.value is not None:
        lines.append(f"risk       in [{c.value[0]:.12g}, {c.value[1]:.12g}]")
    if c.direction is not None:
        lines.append(f"direction  {_fmt_vec(c.direction)} (certified negative curvature)")
    if c.baseline is not None:
        b = c.baseline
        lines.append(
            f"R_lin      in [{b['bracket'][0]:.12g}, {b['bracket'][1]:.12g}] ({b['method']}); "
            f"risk is {b['risk_vs_r_lin']} R_lin"
        )
    lines.append(f"reason     {c.reason}")
    lines.append(f"smoothness {c.smoothness}")
    if c.reconstruction:
        lines.append("label      reconstruction (Liu et al. 2019, our reading; CLAIMS.md §L2 [R])")
    return "\n".join(lines)
