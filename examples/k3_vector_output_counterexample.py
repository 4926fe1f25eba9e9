r"""K3: without ``d_y <= d_x`` a ResNet local minimum can be worse than the basis model.

Statement
    ``d_x = d_z = 1``, ``d_y = 2``, squared loss (summed over outputs, mean over samples, no
    1/2), the block ``y_hat = W (x + V z)`` with the parameter-free feature ``z = x^2``
    (``resnet(1, [{"activation": "square"}], d_out=2)``), targets ``y_i = (x_i, z_i)`` with
    ``(x_i)``, ``(z_i)`` independent. The basis model ``A x + B z`` attains 0, but every
    output ``W s_i`` (``s = x + V z``) is collinear with ``W``, so ``L > 0`` everywhere and
    every local minimum violates "local minima equal the basis-model optimum" (the
    negative control ``K3``); "no worse than the linear predictor" survives (``V = 0``).
    Exact bound: ``n min_W L = c^T P c / c^T G c`` with ``c = (1, V)``, ``B = [x z]``,
    ``G = B^T B``, ``P = |Y|_F^2 G - B^T Y^T Y B``, so ``n L >= mu := lambda_min(G^-1 P)``,
    the smaller root of ``det(P - mu G) = 0``, in ``Q(sqrt D)``; its eigenvector gives the
    exact global minimiser.

Reference
    CLAIMS.md K3 [D], a counterexample to the naive reading of Kawaguchi & Bengio 2019
    (K1/K2). Instances: ``examples/instances/k3_vector_output.json`` (``x = (-1, 1, 2)``,
    ``inf L = 2/3`` at ``V = 2, W = (1/5, 2/5)``) and ``k3_generic_irrational.json``
    (``x = (1, 2, 3)``, ``V* = (7 + sqrt 85)/6``, ``L* = (56 - 6 sqrt 85)/3``).

Checked
    1. independence (exact Gram determinant); ``L_basis* = 0`` (proof-kit least squares,
       cross-checked with the library's exact risk of the linear model on ``(x, z)``);
    2. ``L >= mu/n > 0`` for every ``(W, V)``: ``p(V) = c^T P c`` has positive leading
       coefficient and negative discriminant; ``mu`` exactly in ``Q(sqrt D)`` (proof-kit
       :class:`Surd`) and a rational lower bound -- EXACT; a real root of ``p`` instead
       gives the exact point with ``L = 0`` (VIOLATED);
    3. rational instance: exact risk ``= mu/n`` (global minimum), ``certify_local_minimum``
       strict, the library's K3 report VIOLATED, ``L <= L_lin*`` -- EXACT;
    4. generic instance: certified in ``k3_generic_certified_minimum.py`` (same data); the
       library's own search on both instances: ``k3_library_search.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from verify import (
    Claim,
    Evidence,
    Instance,
    Method,
    Surd,
    Verdict,
    certify_local_minimum,
    det,
    evidence,
    exact_risk,
    feature_minimiser,
    feature_pencil,
    least_squares,
    linear_predictor,
    load_instance,
    min_pencil_root,
    model_risk,
    negative_control,
    objective_of,
    pencil_root_error,
    run_script,
    to_fraction,
)

TITLE = "K3  vector output (d_y = 2 > d_x = 1): a ResNet local minimum worse than the basis model"
HERE = Path(__file__).resolve().parent
RATIONAL_PATH = HERE / "instances" / "k3_vector_output.json"
GENERIC_PATH = HERE / "instances" / "k3_generic_irrational.json"
EXACT, Q = Method.EXACT, to_fraction
ZERO = Fraction(0)


@dataclass(frozen=True)
class K3Data:
    """Scalar inputs ``x``, features ``z = x^2`` and targets ``Y`` (rows are outputs)."""

    xs: tuple[Fraction, ...]
    ys: tuple[tuple[Fraction, ...], ...]  # d_y rows of length n

    @property
    def n(self) -> int:
        return len(self.xs)

    @property
    def zs(self) -> tuple[Fraction, ...]:
        return tuple(x * x for x in self.xs)

    @property
    def pencil(self) -> tuple[list[list[Fraction]], list[list[Fraction]]]:
        """``(P, G)``: ``G = B^T B``, ``P = |Y|_F^2 G - B^T Y^T Y B`` for ``B = [x z]``."""
        return feature_pencil([self.xs, self.zs], self.ys)


def k3_data(inst: Instance) -> K3Data:
    """Read ``x`` (one column) and ``Y`` from an instance."""
    xs = tuple(Q(row[0]) for row in inst.data.x)
    y = np.asarray(inst.data.y, dtype=object).reshape(len(xs), -1)
    return K3Data(xs, tuple(tuple(Q(v) for v in y[:, o]) for o in range(y.shape[1])))


def _library_linear_risk(feats: Sequence[Sequence[Fraction]], data: K3Data, coef: Any) -> Fraction:
    """The library's exact risk of the linear model ``W f`` on features ``feats``."""
    model = linear_predictor(len(feats), d_out=len(data.ys))
    rows, targets = list(zip(*feats, strict=True)), list(zip(*data.ys, strict=True))
    return model_risk(model, {"W": coef}, rows, targets)


def check_independent(data: K3Data) -> Evidence:
    """``(x_i)`` and ``(z_i)`` are linearly independent: ``det G != 0``."""
    g = data.pencil[1]
    text = f"G = {[[str(v) for v in r] for r in g]}, det G = {det(g)}"
    ok = det(g) != 0
    return evidence(ok, EXACT, text + (" != 0." if ok else ": (x_i) and (z_i) are dependent."))


def check_basis_zero(data: K3Data) -> Evidence:
    """``L_basis* = 0``: each target row lies in ``span{x, z}`` (exact least squares); the
    library's exact risk of ``A x + B z`` at ``A = e_1, B = e_2`` is reported."""
    best = sum((least_squares([data.xs, data.zs], row).risk for row in data.ys), ZERO)
    lib = _library_linear_risk([data.xs, data.zs], data, np.eye(len(data.ys), 2, dtype=int))
    text = f"best basis fit L_basis* = {best} (exact projection); library risk of A x + B z "
    text += f"at (A, B) = (e_1, e_2): {lib}"
    text += "." if best == 0 else ": the basis model does not attain 0."
    return evidence(best == 0, EXACT, text)


def mu_min(data: K3Data) -> Surd:
    """``mu = lambda_min(G^{-1} P)``, the smaller root of ``det(P - mu G) = 0`` (det G > 0)."""
    return min_pencil_root(*data.pencil)


def minimiser(data: K3Data) -> tuple[Surd, list[Surd]] | None:
    """The exact global minimiser ``(V*, W*)``, or None if it is not attained at finite ``V``."""
    found = feature_minimiser([data.xs, data.zs], data.ys)
    return None if found is None else (found[0], found[1])


def check_positive_everywhere(data: K3Data, mu: Surd | None = None) -> Evidence:
    """``L(W, V) > 0`` for every ``(W, V)``, with the exact infimum ``mu / n``. ``p(V) = c^T P c``
    (``c = (1, V)``) is ``>= 0`` by Cauchy-Schwarz; ``L > 0`` everywhere iff ``p`` has no real
    root. A root ``V_0`` with ``s(V_0) != 0`` gives ``W_0 = Y s / |s|^2`` with ``L = 0``."""
    (p, g), n = data.pencil, data.n
    a2, a1, a0 = p[1][1], 2 * p[0][1], p[0][0]  # p(V) = a2 V^2 + a1 V + a0
    disc = a1 * a1 - 4 * a2 * a0
    if (a2 > 0 and disc < 0) or (a2 == 0 and a1 == 0 and a0 > 0):
        text = f"p(V) = {a2} V^2 + {a1} V + {a0} has no real root (discriminant {disc} < 0)"
        if not (det(g) > 0 and a2 > 0):
            return evidence(True, EXACT, text + ": L > 0 everywhere.")
        mu = mu_min(data) if mu is None else mu  # tests pass a wrong root
        wrong = pencil_root_error(p, g, mu)
        if wrong is not None:
            text += f", so L > 0 everywhere; but the stated infimum is unverified: {wrong}."
            return evidence(None, EXACT, text)
        trace = (p[0][0] * g[1][1] + p[1][1] * g[0][0] - 2 * p[0][1] * g[0][1]) / det(g)
        lower = det(p) / det(g) / trace / n
        text += f"; so L >= mu/n everywhere with mu = lambda_min(G^-1 P) = {mu} (~{float(mu):.6g})"
        text += f" > 0, inf L = ({mu})/{n} ~ {float(mu) / n:.6g}; rational bound L >= {lower}"
        text += " (det P / (det G tr G^-1 P) / n)."
        bound = {"mu": str(mu), "lower_bound": str(lower)}
        return evidence(True, EXACT, text, margin=float(mu) / n, witness=bound)
    v0 = -a1 / (2 * a2) if a2 != 0 else ZERO
    s = [x + v0 * z for x, z in zip(data.xs, data.zs, strict=True)]
    if not any(s):
        return evidence(None, EXACT, f"p(V) has a real root V = {v0} where s(V) = 0: not handled.")
    fits = [least_squares([s], row) for row in data.ys]  # W_0 = Y s / |s|^2
    w0, risk = [f.coef[0] for f in fits], sum((f.risk for f in fits), ZERO)
    witness: dict[str, Any] = {"V": str(v0), "W": [str(w) for w in w0], "risk": str(risk)}
    text = f"p(V) has the real root V = {v0}: at V = {v0}, W = {witness['W']} the ResNet risk is "
    return evidence(False, EXACT, text + f"exactly {risk}.", witness=witness)


def check_global_minimum(inst: Instance) -> Evidence:
    """The instance's point has exact risk ``mu / n`` (global minimum) and the library
    certifies a strict local minimum there."""
    data, risk = k3_data(inst), exact_risk(inst)
    inf = mu_min(data) / data.n
    lm = certify_local_minimum(objective_of(inst), inst.require_params())
    text = f"library exact risk {risk}, inf L = {inf}; certify_local_minimum: "
    text += f"{lm.verdict.value.upper()} [{lm.method.value}] {lm.reason}"
    if (inf - risk).sign() != 0:
        return evidence(False, EXACT, text + " -- the point is not the global minimum.")
    if lm.verdict is Verdict.HOLDS:
        text += " The risk equals the exact lower bound, so this is a global (hence local) minimum."
    return evidence(lm.verdict is Verdict.HOLDS or None, lm.method, text)


def check_k3_violated(inst: Instance) -> Evidence:
    """The library's K3 negative control is VIOLATED (rigorously) at the instance's point."""
    return negative_control("K3", inst)


def linear_risk(data: K3Data) -> Fraction:
    """``L_lin* = inf_A E|A x - y|^2`` (no intercept), exactly."""
    return sum((least_squares([data.xs], row).risk for row in data.ys), ZERO)


def check_le_linear(inst: Instance) -> Evidence:
    """``L(theta) <= L_lin*`` exactly at the instance's point."""
    data, risk = k3_data(inst), exact_risk(inst)
    coef = [[least_squares([data.xs], row).coef[0]] for row in data.ys]
    lin, lib = linear_risk(data), _library_linear_risk([data.xs], data, coef)
    text = f"L = {risk}, L_lin* = {lin} (exact least squares on x; library {lib})"
    if lin != lib:
        return evidence(None, EXACT, text + ": engines disagree.")
    text += "; L <= L_lin*." if risk <= lin else "; L > L_lin*."
    return evidence(risk <= lin, EXACT, text, margin=float(lin - risk))


def claims() -> list[Claim]:
    """Every claim, on ``RATIONAL_PATH`` and ``GENERIC_PATH`` (tests monkeypatch them)."""
    rational, generic, k3 = load_instance(RATIONAL_PATH), load_instance(GENERIC_PATH), "[D] K3"
    pairs = (("rational", rational), ("generic", generic))
    rows: list[Claim] = []
    # fmt: off
    for label, data in ((label, k3_data(inst)) for label, inst in pairs):
        rows += [
            Claim(f"[{label}] (x_i) and (z_i = x_i^2) are linearly independent", k3,
                  "exact Gram determinant", check_independent(data)),
            Claim(f"[{label}] the basis model A x + B z attains L_basis* = 0", k3,
                  "exact projection; library exact risk", check_basis_zero(data)),
            Claim(f"[{label}] L(W, V) > 0 for every (W, V), with exact infimum", k3,
                  "exact quadratic p(V), lambda_min(G^-1 P)", check_positive_everywhere(data)),
        ]
    rows += [
        Claim("[rational] V = 2, W = (1/5, 2/5) attains inf L = 2/3: a global, and certified "
              "strict local, minimum", k3, "library exact risk = mu/n; certify_local_minimum",
              check_global_minimum(rational)),
        Claim("[rational] the negative control K3 is VIOLATED there", k3,
              "verify.check(theorem('K3'), instance)", check_k3_violated(rational)),
        Claim("[rational] '<= linear predictor' holds there: L <= L_lin*", k3,
              "exact least squares on x; library exact risks", check_le_linear(rational)),
    ]
    # fmt: on
    return rows


def main() -> int:
    """Print every claim; exit 0 only if every asserted claim is reproduced."""
    return run_script(TITLE, claims)


if __name__ == "__main__":
    raise SystemExit(main())
