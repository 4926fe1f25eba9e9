r"""K3, generic data: a certified local minimum (irrational) at which K3's conclusion fails.

Statement
    For the K3 construction (see ``k3_vector_output_counterexample.py``: ``y_hat = W (x + V z)``,
    ``z = x^2``, targets ``y = (x, z)``, squared loss) on ``x = (1, 2, 3)`` the global minimum is
    irrational: ``V* = (7 + sqrt 85)/6``, ``L* = (56 - 6 sqrt 85)/3``. A numerically found
    minimum is a certified strict local minimum, the K3 conclusion fails there, the risk is
    below ``L_lin*``, and it is the exact global minimiser.

Reference
    CLAIMS.md K3 [D] (negative control for Kawaguchi & Bengio 2019, K1/K2). Instance
    ``examples/instances/k3_generic_irrational.json``.

Checked
    1. SciPy BFGS on the library's float risk from a fixed start; ``certify_local_minimum``
       (Krawczyk box + certified positive definite Hessian) -- CERTIFIED;
    2. over the enclosure box an entry of ``E[g x]``, ``E[g z]`` (``g = 2 (y_hat - y)``)
       excludes 0, so K3's conclusion fails at the certified point (Arb) -- CERTIFIED;
    3. the risk enclosure over the box lies below the exact ``L_lin*`` -- CERTIFIED;
    4. the exact minimiser in ``Q(sqrt D)`` (proof-kit :class:`verify.Surd`) lies in the
       Krawczyk uniqueness box (exact sign tests), so the certified minimum is global.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import scipy.optimize as so

from verify import (
    Box,
    Claim,
    Evidence,
    Instance,
    Method,
    Surd,
    Verdict,
    certify_local_minimum,
    evidence,
    feature_minimiser,
    linear_risk,
    load_instance,
    objective_of,
    run_script,
    to_fraction,
)

TITLE = "K3  generic data: a certified (irrational) local minimum worse than the basis model"
GENERIC_PATH = Path(__file__).resolve().parent / "instances" / "k3_generic_irrational.json"
GENERIC_START = (1.0, 0.5, 0.5)  # (V, W_1, W_2): a fixed float start for BFGS
EXACT, CERTIFIED, Q = Method.EXACT, Method.CERTIFIED, to_fraction


@dataclass(frozen=True)
class K3Data:
    """Samples ``x``, features ``z = x^2``, target rows ``ys`` (one per output), exactly."""

    xs: list[Fraction]
    zs: list[Fraction]
    ys: list[list[Fraction]]

    @property
    def n(self) -> int:
        return len(self.xs)


def k3_data(inst: Instance) -> K3Data:
    xs = [Q(row[0]) for row in inst.data.x]
    y = np.asarray(inst.data.y, dtype=object).reshape(len(xs), -1)
    return K3Data(xs, [x * x for x in xs], [[Q(v) for v in y[:, o]] for o in range(y.shape[1])])


def minimiser(data: K3Data) -> tuple[Surd, list[Surd], Surd] | None:
    """``(V*, W*, mu)``: ``n L >= mu = lambda_min(G^-1 P)`` (``G = B^T B``, ``B = [x z]``,
    ``P = |Y|_F^2 G - B^T Y^T Y B``), attained at ``c = (1, V*)`` in the kernel of
    ``P - mu G`` with ``W* = Y s / |s|^2``, ``s = x + V* z``; None if not attained."""
    return feature_minimiser([data.xs, data.zs], data.ys)


@dataclass(frozen=True)
class CertifiedMinimum:
    """``certify_local_minimum``'s evidence and its boxes (``None`` unless HOLDS)."""

    evidence: Evidence
    enclosure: Box | None  # contains the certified critical point
    uniqueness: Box | None  # contains no other critical point


def certified_minimum(inst: Instance, start: Sequence[float] = GENERIC_START) -> CertifiedMinimum:
    """Minimise the float risk with BFGS from ``start`` and certify the result."""
    obj = objective_of(inst)
    options = {"gtol": 1e-12, "maxiter": 500}
    res = so.minimize(
        obj.value_and_gradient,
        np.asarray(start, dtype=np.float64),
        jac=True,
        method="BFGS",
        options=options,
    )
    ev = certify_local_minimum(obj, res.x)
    if ev.verdict is not Verdict.HOLDS:
        return CertifiedMinimum(ev, None, None)
    w = ev.witness["critical_point"]["witness"]
    box = {"centre": w["centre"], "radius": w["enclosure_radius"]}
    return CertifiedMinimum(ev, Box.from_dict(box), Box.from_dict({**box, "radius": w["radius"]}))


def check_certified_local_minimum(cm: CertifiedMinimum) -> Evidence:
    ev = cm.evidence
    if ev.verdict is not Verdict.HOLDS or cm.enclosure is None:
        return Evidence(ev.verdict, ev.method, ev.reason)
    centre = ", ".join(f"{float(Q(c)):.12g}" for c in cm.enclosure.centre)
    radius = float(cm.enclosure.radius.max())
    return evidence(
        True,
        ev.method,
        f"(V, W_1, W_2) ~ ({centre}) +- {radius:.2g}: {ev.reason} "
        f"{ev.witness['critical_point']['reason']}",
    )


def check_k3_violated_on_box(inst: Instance, cm: CertifiedMinimum) -> Evidence:
    """Over the enclosure box some entry of ``E[g x]``, ``E[g z]`` (``g = 2 (y_hat - y)``)
    excludes 0, so K3's conclusion fails at the certified local minimum (Arb)."""
    if cm.enclosure is None:
        return evidence(None, cm.evidence.method, "no certified local minimum.")
    data = k3_data(inst)
    out = objective_of(inst).evaluate(cm.enclosure.balls(), "ball", order=1).outputs
    found = []
    for o, row in enumerate(data.ys):
        # ball - q and ball * q for exact rationals q, without importing flint
        g = [
            (out[o][i] * y.denominator - y.numerator) / y.denominator * 2 for i, y in enumerate(row)
        ]
        for name, feat in (("x", data.xs), ("z", data.zs)):
            terms = [gi * f.numerator / f.denominator for gi, f in zip(g, feat, strict=True)]
            mean = sum(terms[1:], terms[0]) / data.n
            if mean > 0 or mean < 0:
                found.append(f"E[g_{o + 1} {name}] in {mean}")
    if not found:
        return evidence(
            None, CERTIFIED, "every enclosure of E[g x], E[g z] contains 0 over the box."
        )
    return evidence(
        True,
        CERTIFIED,
        "K3's conclusion fails over the whole box (so at the certified local minimum): "
        + "; ".join(found)
        + " excludes 0 (Arb enclosure).",
    )


def check_le_linear_on_box(inst: Instance, cm: CertifiedMinimum) -> Evidence:
    """The risk enclosure over the box lies below the exact ``L_lin*``."""
    if cm.enclosure is None:
        return evidence(None, cm.evidence.method, "no certified local minimum.")
    risk = objective_of(inst).evaluate(cm.enclosure.balls(), "ball", order=1).risk
    data = k3_data(inst)
    lin = linear_risk([[x] for x in data.xs], list(zip(*data.ys, strict=True)))
    text = f"L in {risk} over the box, L_lin* = {lin} ~ {float(lin):.6g} (exact)"
    if risk * lin.denominator < lin.numerator:
        return evidence(True, CERTIFIED, text + ": L < L_lin*.")
    return evidence(
        False if risk * lin.denominator > lin.numerator else None, CERTIFIED, text + "."
    )


def check_is_global_minimiser(inst: Instance, cm: CertifiedMinimum) -> Evidence:
    """The exact global minimiser (in ``Q(sqrt D)``) lies in the Krawczyk uniqueness box, so
    the certified critical point is the global minimiser and its risk is ``mu / n``."""
    if cm.uniqueness is None:
        return evidence(None, cm.evidence.method, "no certified local minimum.")
    data = k3_data(inst)
    exact = minimiser(data)
    if exact is None:
        return evidence(None, EXACT, "the infimum is not attained.")
    (v, w, mu), box = exact, cm.uniqueness
    inside = all(
        (c - Q(ctr) - Q(float(r))).sign() <= 0 and (c - Q(ctr) + Q(float(r))).sign() >= 0
        for c, ctr, r in zip([v, *w], box.centre, box.radius, strict=True)  # V, then W
    )
    text = f"exact minimiser V* = {v}, W* = ({w[0]}, {w[1]}); L* = ({mu})/{data.n} ~ "
    text += f"{float(mu) / data.n:.12g}"
    if not inside:
        return evidence(
            None, CERTIFIED, text + "; it is not in the uniqueness box (another local minimum?)."
        )
    return evidence(
        True,
        CERTIFIED,
        text
        + f"; it lies in the Krawczyk uniqueness box (radius {float(box.radius.max()):.2g}; exact "
        "sign tests), so the certified local minimum is the global minimum.",
    )


def claims() -> list[Claim]:
    """Every claim, on ``GENERIC_PATH`` (tests monkeypatch it)."""
    generic, k3 = load_instance(GENERIC_PATH), "[D] K3"
    cm = certified_minimum(generic)
    # fmt: off
    return [
        Claim("[generic] a numerically found minimum is a certified strict local minimum", k3,
              "SciPy BFGS; certify_local_minimum (Krawczyk + PD Hessian)",
              check_certified_local_minimum(cm)),
        Claim("[generic] K3's conclusion fails at it (the negative control is VIOLATED)", k3,
              "Arb enclosures of E[g x], E[g z] over the Krawczyk box",
              check_k3_violated_on_box(generic, cm)),
        Claim("[generic] '<= linear predictor' holds there: L < L_lin*", k3,
              "Arb risk enclosure vs exact L_lin*", check_le_linear_on_box(generic, cm)),
        Claim("[generic] the certified minimum is the exact (irrational) global minimiser", k3,
              "exact minimiser in Q(sqrt D) inside the uniqueness box",
              check_is_global_minimiser(generic, cm)),
    ]
    # fmt: on


def main() -> int:
    """Print every claim; exit 0 only if every asserted claim is reproduced."""
    return run_script(TITLE, claims)


if __name__ == "__main__":
    raise SystemExit(main())
