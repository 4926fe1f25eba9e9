r"""The point a theorem is evaluated at: certified (:class:`Context`) or float64.

A :class:`Context` first certifies a critical point
(:func:`verify.certify.certify_critical_point`): either a rational point is
exactly critical (then everything is evaluated EXACTLY there), or a Krawczyk
box around the input contains a unique critical point (then everything is
evaluated over the box in Arb ball arithmetic, so each statement holds for the
certified critical point, CERTIFIED). If no critical point is certified, the
other checks are still evaluated at the given point, for information.

The point checked may differ from the input: float minimisers of
piecewise-linear models are snapped to a nearby *exactly* critical rational
point (ReLU gauge fixed, output layer re-solved), and Krawczyk certifies a box,
not the input. The context keeps both and says which is which
(:meth:`Context.point_summary`): every margin in a report is about the checked
point, and the report names it.

A :class:`FloatContext` holds the float64 facts the search screens with.
"""

from __future__ import annotations

import time
from dataclasses import replace
from functools import cached_property
from typing import Any

import numpy as np

from verify.baseline import best_linear_predictor
from verify.certify import Box, box_from_evidence, certify_critical_point, is_critical_at
from verify.certify.box import exact_vector, q_json
from verify.critical.snapping import snap_rational
from verify.numbers.arithmetic import Arithmetic, ball_bounds, fmpq_to_fraction
from verify.numbers.format import fmt_number, safe_float
from verify.objectives.empirical import Landscape, Objective
from verify.tolerances import DEFAULT, Tolerance
from verify.verdict import Evidence, Method, Verdict


class Context:
    """One point (or certified box) of one objective, with lazily computed facts."""

    def __init__(self, objective: Objective, theta: Any, *, where: str = "near") -> None:
        t0 = time.perf_counter()
        self.objective = objective
        self.input_theta = exact_vector("theta", theta)
        self.input_critical: Evidence | None = None
        self.snapped = False
        point: Any = self.input_theta
        if objective.exact_ok and where == "near":
            # an input that is itself exactly critical is checked as given (never moved);
            # otherwise a nearby exactly critical rational point may replace it, and says so
            at_input = is_critical_at(objective, self.input_theta)
            snapped = (
                None
                if at_input.verdict is Verdict.HOLDS
                else snap_rational(objective, self.input_theta.astype(np.float64))
            )
            moved = snapped is not None and any(
                a != b
                for a, b in zip(exact_vector("snapped", snapped), self.input_theta, strict=True)
            )
            if moved:
                point, self.snapped = snapped, True
                self.input_critical = at_input
        self.critical: Evidence = certify_critical_point(objective, point, where=where)  # type: ignore[arg-type]
        if self.snapped and self.critical.verdict is Verdict.HOLDS:
            ic = self.input_critical
            about_input = (
                f"the input theta is not ({ic.reason})"
                if ic is not None and ic.verdict is Verdict.VIOLATED
                else "the input theta is not known to be critical"
            )
            self.critical = replace(
                self.critical,
                reason=(
                    "theta* (the input snapped to a nearby rational point, shown) is an exact "
                    f"critical point: its exact gradient is 0; {about_input}"
                ),
            )
        if self.critical.verdict is not Verdict.HOLDS and where == "near":
            # no certified critical point near theta; if theta is not even numerically
            # critical, prove that theta itself is not a critical point
            g = objective.value_and_gradient(self.input_theta.astype(np.float64))[1]
            if not float(np.linalg.norm(g)) <= 1e-6:
                at = is_critical_at(objective, self.input_theta)
                if at.verdict is Verdict.VIOLATED:
                    self.critical = at
        box = box_from_evidence(self.critical)
        self.box: Box = box if box is not None else Box(exact_vector("theta", point))
        exact = objective.exact_ok and self.box.is_point
        self.arith = Arithmetic.EXACT if exact else Arithmetic.BALL
        self.values = self.box.centre if self.arith is Arithmetic.EXACT else self.box.balls()
        self.land: Landscape = objective.evaluate(self.values, self.arith, order=2)
        self.setup_seconds = time.perf_counter() - t0

    @property
    def method(self) -> Method:
        return self.arith.method

    @property
    def loss(self) -> Any:
        return self.objective.loss

    @cached_property
    def baseline(self) -> Any:
        m = self.objective.model
        return best_linear_predictor(
            self.objective.data, self.objective.loss, intercept=m.intercept or m.output_bias
        )

    @cached_property
    def features(self) -> tuple[np.ndarray, np.ndarray]:
        """``(h_L, f)``: the last state (width × n) and outputs, in the context's arithmetic."""
        net = self.objective.network
        x, _ = self.objective.arrays(self.arith)
        fw = net.forward(self.values, x, self.arith)
        return net.last_state(fw), fw.output

    def param(self, name: str) -> np.ndarray:
        return self.objective.model.unpack(self.values)[name]

    @property
    def relation(self) -> str:
        """How the checked point relates to the input: ``same``, ``snapped`` or ``box``."""
        if not self.box.is_point:
            return "box"
        return "snapped" if self.snapped else "same"

    def point_summary(self) -> dict[str, Any]:
        """Which point the report is about, and the input when it differs."""
        if not self.box.is_point:
            radius = float(self.box.radius.max())
            where = (
                f"Krawczyk box of radius {radius:.3g} around the input, containing a unique "
                "certified critical point theta*"
            )
            if "slice" in self.critical.witness:
                where = (
                    f"box of radius {radius:.3g} around the input (zero radius on the "
                    "coordinates fixed by the slice), containing a certified critical point theta* "
                    "(unique within the slice)"
                )
        elif self.critical.verdict is Verdict.HOLDS:
            where = "theta* = an exactly critical rational point"
        else:
            where = "the given point (no critical point certified there)"
        if self.snapped:
            ic = self.input_critical
            status = "not critical" if ic is not None and ic.verdict is Verdict.VIOLATED else (
                "exactly critical" if ic is not None and ic.verdict is Verdict.HOLDS else
                "criticality undecided"
            )
            g = self.objective.value_and_gradient(self.input_theta.astype(np.float64))[1]
            where = (
                f"input theta ({status}, float |grad R| = {float(np.linalg.norm(g)):.3g}) "
                f"-> snapped to {where}"
            )
        model = self.objective.model
        star = coordinates(model, self.box.centre)
        if not self.box.is_point:
            star += f" (box centre, radius {float(self.box.radius.max()):.3g})"
        out: dict[str, Any] = {
            "description": f"{where} ({self.arith.value} arithmetic)",
            "relation": self.relation,
            "box": self.box.to_dict(),
            "theta_star": [q_json(v) for v in self.box.centre],
            "theta_star_text": star,
            "risk": _interval(self.land.risk),
            "risk_text": fmt_number(self.land.risk),
        }
        if self.relation != "same":
            out["input"] = [q_json(v) for v in self.input_theta]
            out["input_text"] = coordinates(model, self.input_theta)
        return out


def _exact_text(value: Any) -> str:
    """A rational as ``p/q`` when short, else in scientific form from the exact value."""
    q = fmpq_to_fraction(value)
    text = str(q)
    return text if len(text) <= 24 else fmt_number(q, 8)


def coordinates(model: Any, vector: Any) -> str:
    """``name=value`` for every parameter (exact values), in layout order."""
    flat = list(vector)
    parts: list[str] = []
    k = 0
    for p in model.layout:
        for idx in np.ndindex(p.shape) if p.shape else [()]:
            label = f"{p.name}{list(idx) if idx else ''}"
            parts.append(f"{label}={_exact_text(flat[k])}")
            k += 1
    return ", ".join(parts)


def _interval(value: Any) -> list[float]:
    lo, hi = ball_bounds(np.array([value], dtype=object))
    return [safe_float(lo[0]), safe_float(hi[0])]


class FloatContext:
    """Float64 facts at one point (NUMERIC only: for screening, never for a verdict)."""

    def __init__(self, objective: Objective, theta: np.ndarray, tol: Tolerance = DEFAULT) -> None:
        self.objective = objective
        self.theta = theta
        self.tol = tol

    @property
    def loss(self) -> Any:
        return self.objective.loss

    @cached_property
    def land(self) -> Landscape:
        return self.objective.evaluate(self.theta, "float")

    @cached_property
    def eigenvalues(self) -> np.ndarray:
        h = self.land.hessian
        assert h is not None
        return np.linalg.eigvalsh((h + h.T) / 2)

    @cached_property
    def hscale(self) -> float:
        return max(1.0, float(np.max(np.abs(self.eigenvalues), initial=0.0)))

    @cached_property
    def r_lin(self) -> float:
        return linear_risk_float(self.objective)

    @cached_property
    def features(self) -> tuple[np.ndarray, np.ndarray]:
        net = self.objective.network
        x, _ = self.objective.arrays(self.land.arithmetic)
        fw = net.forward(self.theta, x, self.land.arithmetic)
        return net.last_state(fw), fw.output

    def param(self, name: str) -> np.ndarray:
        return self.objective.model.unpack(self.theta)[name]


def linear_risk_float(obj: Objective) -> float:
    """Float R_lin for screening: least squares for squared losses, else the baseline's value."""
    m = obj.model
    if obj.loss.name in ("squared", "squared_half"):
        x = np.asarray(obj.data.x, dtype=np.float64)
        if m.intercept or m.output_bias:
            x = np.column_stack([x, np.ones(len(x))])
        y = np.asarray(obj.data.y, dtype=np.float64).reshape(len(x), -1)
        with np.errstate(all="ignore"):
            t = np.linalg.lstsq(x, y, rcond=None)[0]
            r = float(np.sum((x @ t - y) ** 2) / len(x))
        return r / 2 if obj.loss.name == "squared_half" else r
    base = best_linear_predictor(obj.data, obj.loss, intercept=m.intercept or m.output_bias)
    value = base.value if base.value is not None else base.upper
    return safe_float(value) if value is not None else float("nan")
