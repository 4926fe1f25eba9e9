r"""Points and boxes of parameter space, and the rigorous evaluation of an objective on them.

:class:`Box` is the axis-aligned box ``centre ± radius`` with an exact (``fmpq``)
centre; a radius of 0 is a single point. Every objective-level certificate in
:mod:`verify.certify` evaluates the risk, gradient and Hessian here, by the
strongest method available: exact rational arithmetic (``Method.EXACT``) at a
point of a model whose activations and loss are rational functions, otherwise
Arb balls (``Method.CERTIFIED``) that enclose the true values at every point of
the box. The evaluation also reports whether the risk is provably C² where it
was evaluated (kink margin exactly positive, or its rigorous lower bound
positive over the whole box; DESIGN.md rule 5), and :func:`kink_reason` says
why not when it is not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.errors import InvalidInput
from verify.numbers.arithmetic import Arithmetic, fmpq_to_fraction, to_fmpq
from verify.objectives.empirical import Objective
from verify.verdict import Method


class Box:
    """The axis-aligned box ``centre ± radius`` in parameter space.

    ``centre`` is stored exactly (object array of ``fmpq``), ``radius`` as
    non-negative float64 (one per coordinate). A radius of 0 is a single point.
    """

    __slots__ = ("centre", "radius")
    centre: np.ndarray
    radius: np.ndarray

    def __init__(self, centre: Any, radius: float | Sequence[float] | np.ndarray = 0.0) -> None:
        c = exact_vector("centre", centre)
        r = np.array(np.broadcast_to(np.asarray(radius, dtype=np.float64), c.shape))
        if not (np.all(np.isfinite(r)) and np.all(r >= 0)):
            raise InvalidInput(
                f"radius={radius!r} must be finite and >= 0 in every coordinate; pass e.g. 1e-8."
            )
        r.setflags(write=False)
        c.setflags(write=False)
        object.__setattr__(self, "centre", c)
        object.__setattr__(self, "radius", r)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Box is immutable; build a new Box instead of setting {name!r}.")

    def __repr__(self) -> str:
        rmax = float(self.radius.max(initial=0.0))
        return f"Box(dim={self.centre.shape[0]}, max_radius={rmax:.3g})"

    @property
    def is_point(self) -> bool:
        return not bool(np.any(self.radius > 0))

    def balls(self) -> np.ndarray:
        """Arb balls that contain every point of the box (object array)."""
        out = np.empty(self.centre.shape, dtype=object)
        for i, (c, r) in enumerate(zip(self.centre, self.radius, strict=True)):
            b = flint.arb(c)
            out[i] = b + flint.arb(0, float(r)) if r > 0 else b
        return out

    def contains(self, theta: Any) -> bool:
        """Exact test ``|theta_i - centre_i| <= radius_i`` for every coordinate."""
        t = exact_vector("theta", theta)
        if t.shape != self.centre.shape:
            raise InvalidInput(f"theta has shape {t.shape}; expected {self.centre.shape}.")
        return all(
            abs(a - c) <= to_fmpq(float(r))
            for a, c, r in zip(t, self.centre, self.radius, strict=True)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form: exact centre (floats when exactly a float, else ``"p/q"``) and radius."""
        radius: Any = (
            float(self.radius[0])
            if self.radius.size and np.all(self.radius == self.radius[0])
            else [float(r) for r in self.radius]
        )
        return {"centre": [q_json(q) for q in self.centre], "radius": radius}

    @classmethod
    def from_dict(cls, data: Any) -> Box:
        """Inverse of :meth:`to_dict`."""
        if not isinstance(data, dict) or "centre" not in data:
            raise InvalidInput(f"box={data!r} must be an object with 'centre' and 'radius'.")
        return cls([_parse_q(v) for v in data["centre"]], data.get("radius", 0.0))


# ---------------------------------------------------------------------------
# Exact input and JSON numbers
# ---------------------------------------------------------------------------


def exact_vector(name: str, values: Any) -> np.ndarray:
    if isinstance(values, Box):
        return values.centre.copy()
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        raise InvalidInput(f"{name} has shape {arr.shape}; pass a 1-D parameter vector.")
    out = np.empty(arr.shape, dtype=object)
    for i, v in enumerate(arr):
        if isinstance(v, bool):
            raise InvalidInput(f"{name}[{i}]={v!r} must be a number, not a bool.")
        try:
            out[i] = to_fmpq(v)
        except InvalidInput:
            raise InvalidInput(
                f"{name}[{i}]={v!r} must be a finite int, float, Fraction or fmpq."
            ) from None
    return out


def q_json(q: Any) -> float | str:
    """A float if the rational is exactly one, else ``"p/q"``."""
    frac = fmpq_to_fraction(q)
    try:
        f = float(frac)
    except OverflowError:
        return f"{frac.numerator}/{frac.denominator}"
    if math.isfinite(f) and Fraction(f) == frac:
        return f
    return f"{frac.numerator}/{frac.denominator}"


def _parse_q(v: Any) -> Fraction:
    if isinstance(v, bool):
        raise InvalidInput(f"box centre entry {v!r} must be a number or a 'p/q' string.")
    if isinstance(v, int | float):
        return Fraction(v)
    if isinstance(v, str):
        try:
            return Fraction(v)
        except (ValueError, ZeroDivisionError):
            pass
    raise InvalidInput(f"box centre entry {v!r} must be a number or a 'p/q' string such as '1/3'.")


# ---------------------------------------------------------------------------
# Evaluation of the objective on a box
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Eval:
    gradient: np.ndarray
    hessian: np.ndarray | None
    method: Method
    kink_free: bool | None  # True: provably no sample on a kink; False: provably on one
    kink: float | None  # kink margin (exact value or rigorous lower bound), None: no kinks
    c2: bool  # loss twice differentiable

    @property
    def smooth(self) -> bool:
        """R is provably C² where it was evaluated."""
        return self.kink_free is True and self.c2


def _exact_available(objective: Objective) -> bool:
    # mirrors Objective._check (exact arithmetic needs rational activations and loss)
    acts = [st.activation for st in objective.model.stages]
    return objective.loss.exact_ok and all(a.exact_ok for a in acts)


def evaluate_box(objective: Objective, box: Box, order: int) -> _Eval:
    c2 = bool(objective.loss.twice_differentiable)
    if box.is_point and _exact_available(objective):
        land = objective.evaluate(box.centre, Arithmetic.EXACT, order=order)
        k = land.kink_margin
        return _Eval(
            land.gradient,
            land.hessian,
            Method.EXACT,
            k is None or k > 0,
            None if k is None else float(fmpq_to_fraction(k)),
            c2,
        )
    land = objective.evaluate(box.balls(), Arithmetic.BALL, order=order)
    k = land.kink_margin
    return _Eval(
        land.gradient, land.hessian, Method.CERTIFIED, True if (k is None or k > 0) else None, k, c2
    )


def kink_reason(ev: _Eval, objective: Objective, where: str) -> str:
    if ev.kink_free is False:
        return (
            f"a sample sits exactly on a kink (pre-activation 0) {where}, so R is not "
            "differentiable there in general (the ReLU'(0) = 0 convention is not a derivative)."
        )
    if ev.kink_free is None:
        return (
            f"the kink margin {where} is not provably positive (rigorous lower bound 0), so a "
            "sample may sit on a kink and R may not be C² there."
        )
    return (
        f"loss {objective.loss.name!r} is not twice differentiable, so no second-order "
        "certificate is possible."
    )


def as_box(objective: Objective, point: Any, name: str = "point") -> Box:
    if point is None or isinstance(point, str | bytes | dict):
        raise InvalidInput(
            f"{name}={point!r} must be a parameter vector or a Box; pass e.g. the optimizer's x."
        )
    box = point if isinstance(point, Box) else Box(exact_vector(name, point))
    if box.centre.shape != (objective.n_params,):
        raise InvalidInput(
            f"point has {box.centre.shape[0]} coordinates but the model has "
            f"{objective.n_params} parameters; pass a vector of length {objective.n_params}."
        )
    return box
