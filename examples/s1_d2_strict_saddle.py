r"""S1, step D2: at ``w = 0`` a single-block ResNet critical point is a strict saddle.

Statement (Shamir, NeurIPS 2018, "every local minimum has R <= R_lin" [S];
proof step D2 derived in CLAIMS.md S1 [D]). Model ``f(x) = w^T (x + V F(x))``
with ``F(x) = relu(A x + b)``, convex loss, ``g_0 := l'(0; y)``. At a critical
point with ``w = 0`` put ``m = E[g_0 F]`` and ``A_w = E[l''(0; y) h h^T]``,
``h = x + V F``. The Hessian restricted to ``(w, V)`` is
``[[A_w, C], [C^T, 0]]`` with ``d^2R / dw_a dV_bc = delta_ab m_c``. If ``m != 0``
the proof's direction ``(alpha u, -u m^T)`` has curvature

    alpha^2 u^T A_w u - 2 alpha |u|^2 |m|^2 < 0     for 0 < alpha < 2 |u|^2 |m|^2 / u^T A_w u,

so the point is a strict saddle. (CLAIMS.md writes ``-u m^T / |m|`` with a unit
``u``; ``|m|`` may be irrational, so the direction is used unnormalised here,
which multiplies the curvature by the positive number ``|m|^2`` and keeps every
number rational. ``alpha = |u|^2 |m|^2 / u^T A_w u``, the minimiser of the
quadratic, when ``u^T A_w u > 0``, else ``alpha = 1``.) If ``m = 0`` then
``E[g_0 x] = 0``, so ``t = 0`` is optimal for the convex linear problem and
``R = E l(0; y) = R_lin``. (At ``w = 0`` the Hessian's ``(A, b)``-``(A, b)`` and
``(A, b)``-``V`` blocks vanish; the ``w``-``(A, b)`` block ``E[g_0 V dF/d(A, b)]``
does not when ``V != 0``, but the direction has no ``(A, b)`` part, so its
curvature is the ``(w, V)`` quadratic form above -- checked exactly below.)

Instances (squared loss ``(p - y)^2`` without 1/2, so ``g_0 = -2 y`` and
``l'' = 2``; ``A = I``, ``b = (1/4, 1/4)``, kink margin 1/4 > 0):

* ``shamir``: ``examples/instances/shamir_saddle.json``; ``V = 0``,
  ``m = (0, -3/8)``. Since ``V = 0`` criticality forces ``E[g_0 x] = 0``, so here
  ``R = R_lin`` as well: both branches of the dichotomy hold.
* ``bad``: other labels, ``V = -E[g_0 x] m^T / |m|^2 != 0`` (which makes
  ``w = 0`` critical whenever ``m != 0``). Now ``R > R_lin``: the point is a
  *bad* critical point, and only the strict-saddle branch saves the theorem.
* ``flat``: labels orthogonal to both coordinates of ``x`` and of ``F``, so
  ``m = 0`` and ``E[g_0 x] = 0``; ``V = 0``. The Hessian is PSD (no strict
  saddle) and ``R = R_lin`` (D2's second case).

What is checked (every asserted check EXACT: ``Fraction`` by hand and the
library's ``fmpq`` engine, which must agree):

1. the point is exactly critical (library gradient 0; by hand
   ``E[g_0 (x + V F)] = E[g_0 x] + V m = 0``), and the kink margin is > 0;
2. the library's exact Hessian has the (w, V) structure of D2: ``w``-``w`` block
   equal to ``A_w`` (by hand), ``w``-``V`` block ``delta_ab m_c`` (with ``m`` by
   hand), ``V``-``V`` block 0;
3. (``m != 0``) the proof's direction, embedded with zeros in ``A, b``, has exact
   curvature ``v^T H v`` equal to the hand formula and < 0, and
   ``certify_negative_curvature(obj, theta, v)`` agrees (EXACT);
4. ``R`` versus ``R_lin`` exactly (least squares by hand, no intercept);
5. the library's S1 report HOLDS, through the strict-saddle branch (its
   conclusion witness ``negative_curvature`` HOLDS) for ``m != 0``; through
   ``R <= R_lin`` with ``negative_curvature`` VIOLATED (PSD Hessian) for ``m = 0``.

``main()`` returns 0 only if every asserted check HOLDS.
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
    Objective,
    Verdict,
    all_of,
    certify_critical_point,
    certify_negative_curvature,
    check,
    load_instance,
    matrix_inertia,
    parse_instance,
    run_script,
    theorem,
)

HERE = Path(__file__).resolve().parent
SHAMIR_PATH = HERE / "instances" / "shamir_saddle.json"

_MODEL = {
    "kind": "resnet",
    "d_in": 2,
    "blocks": [{"activation": "relu", "hidden": [2], "bias": True}],
}
_A_B = {"blocks[0].phi[0].A": [[1, 0], [0, 1]], "blocks[0].phi[0].b": ["1/4", "1/4"]}

# m != 0 and E[g_0 x] != 0: V = -E[g_0 x] m^T / |m|^2 makes w = 0 critical (see docstring).
BAD_DOC: dict[str, Any] = {
    "format": "resnet-verify/instance@1",
    "name": "shamir-w0-bad-critical-point",
    "model": _MODEL,
    "loss": "squared",
    "data": {"x": [[1, 0], [0, 1], ["1/2", "1/2"], [2, -1]], "y": [-3, 0, 2, 2]},
    "params": {
        **_A_B,
        "blocks[0].V": [["-4/5", "-4/15"], ["2/5", "2/15"]],
        "w": [0, 0],
    },
}

# Labels orthogonal to x_1, x_2, F_1, F_2 on these samples: m = 0 and E[g_0 x] = 0.
FLAT_DOC: dict[str, Any] = {
    "format": "resnet-verify/instance@1",
    "name": "shamir-w0-m-zero",
    "model": _MODEL,
    "loss": "squared",
    "data": {
        "x": [[1, 0], [0, 1], ["1/2", "1/2"], [2, -1], [-1, 2], [1, 1]],
        "y": [5, 5, -2, -1, -1, -3],
    },
    "params": {**_A_B, "blocks[0].V": [[0, 0], [0, 0]], "w": [0, 0]},
}

DEFAULT_U: tuple[Fraction, ...] = (Fraction(1), Fraction(0))

Matrix = list[list[Fraction]]


def _q(v: Any) -> Fraction:
    """An int, Fraction, float or python-flint ``fmpq`` as a ``Fraction``."""
    if isinstance(v, int | Fraction | float):
        return Fraction(v)
    return Fraction(int(v.p), int(v.q))


def _dot(p: Sequence[Fraction], q: Sequence[Fraction]) -> Fraction:
    return sum((a * b for a, b in zip(p, q, strict=True)), Fraction(0))


def _matvec(m: Matrix, v: Sequence[Fraction]) -> list[Fraction]:
    return [_dot(row, v) for row in m]


def _fmt(v: Sequence[Any]) -> str:
    return "(" + ", ".join(str(x) for x in v) + ")"


# ---- the quantities of D2, by hand ---------------------------------------------


@dataclass(frozen=True)
class D2:
    """Hand-computed quantities at a ``w = 0`` point of ``w^T (x + V relu(A x + b))``.

    ``g0`` are the per-sample ``l'(0; y) = -2 y`` (squared loss), ``feats`` the
    ``F(x_i)``, ``margin`` the smallest ``|A x_i + b|``.
    """

    xs: list[list[Fraction]]
    ys: list[Fraction]
    v_mat: Matrix
    w: list[Fraction]
    g0: list[Fraction]
    feats: list[list[Fraction]]
    margin: Fraction

    @property
    def n(self) -> int:
        return len(self.ys)

    def mean(
        self, rows: Sequence[Sequence[Fraction]], weights: Sequence[Fraction]
    ) -> list[Fraction]:
        """``E[weight * row]``."""
        d = len(rows[0])
        return [
            sum((wt * r[k] for wt, r in zip(weights, rows, strict=True)), Fraction(0)) / self.n
            for k in range(d)
        ]

    @property
    def m(self) -> list[Fraction]:
        """``m = E[l'(0; y) F]``."""
        return self.mean(self.feats, self.g0)

    @property
    def g0_x(self) -> list[Fraction]:
        """``E[l'(0; y) x]``."""
        return self.mean(self.xs, self.g0)

    @property
    def hs(self) -> list[list[Fraction]]:
        """``h_i = x_i + V F(x_i)``."""
        return [
            [x + fv for x, fv in zip(xi, _matvec(self.v_mat, fi), strict=True)]
            for xi, fi in zip(self.xs, self.feats, strict=True)
        ]

    @property
    def a_w(self) -> Matrix:
        """``A_w = E[l''(0; y) h h^T]`` with ``l'' = 2``."""
        hs = self.hs
        d = len(hs[0])
        return [
            [sum((2 * h[a] * h[b] for h in hs), Fraction(0)) / self.n for b in range(d)]
            for a in range(d)
        ]


def d2_quantities(inst: Instance) -> D2:
    """Read ``x, y, A, b, V, w`` from a single-block relu instance and compute D2's quantities."""
    model = inst.require_model()
    named = model.unpack(inst.require_params())
    if inst.loss.name != "squared" or model.intercept or model.output_bias:
        raise ValueError("d2_quantities handles the squared loss without intercept/output bias.")
    a_mat = [[_q(v) for v in row] for row in named["blocks[0].phi[0].A"]]
    bias = [_q(v) for v in named["blocks[0].phi[0].b"]]
    xs = [[_q(v) for v in row] for row in inst.data.x]
    ys = [_q(v) for v in inst.data.y]
    pre = [[p + c for p, c in zip(_matvec(a_mat, x), bias, strict=True)] for x in xs]
    return D2(
        xs=xs,
        ys=ys,
        v_mat=[[_q(v) for v in row] for row in named["blocks[0].V"]],
        w=[_q(v) for v in named["w"]],
        g0=[-2 * y for y in ys],
        feats=[[max(p, Fraction(0)) for p in row] for row in pre],
        margin=min(abs(p) for row in pre for p in row),
    )


def _objective(inst: Instance) -> Objective:
    return Objective(inst.require_model(), inst.loss, inst.data)


def _exact_hessian(inst: Instance) -> np.ndarray:
    land = _objective(inst).evaluate(inst.require_params(), "exact", order=2)
    assert land.hessian is not None
    return land.hessian


def _index(inst: Instance, name: str) -> tuple[int, tuple[int, ...]]:
    block = inst.require_model().param(name)
    return block.offset, block.shape


# ---- checks ----------------------------------------------------------------------


def check_critical_at_w0(inst: Instance) -> Evidence:
    """``w = 0``, exact gradient 0 (library), ``E[g_0 x] + V m = 0`` (hand), kink margin > 0."""
    d2 = d2_quantities(inst)
    lib = certify_critical_point(_objective(inst), inst.require_params(), where="at")
    grad_w = [a + b for a, b in zip(d2.g0_x, _matvec(d2.v_mat, d2.m), strict=True)]
    witness = {
        "m": [str(v) for v in d2.m],
        "E[g0 x]": [str(v) for v in d2.g0_x],
        "kink_margin": str(d2.margin),
    }
    if d2.margin <= 0:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            "a sample sits on a ReLU kink (margin 0): R is not differentiable there "
            "in general, so criticality is not decided.",
            witness=witness,
        )
    if any(v != 0 for v in d2.w):
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            f"w = {_fmt(d2.w)} is not 0: not a point of step D2.",
            witness=witness,
        )
    wrong = []
    if any(v != 0 for v in grad_w):
        wrong.append(f"by hand grad_w R = E[g0 x] + V m = {_fmt(grad_w)} != 0")
    hand_ok = not wrong
    if hand_ok != (lib.verdict is Verdict.HOLDS):
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            f"hand computation and library disagree: {'; '.join(wrong) or 'hand: 0'}"
            f"; library: {lib.reason}",
            witness=witness,
        )
    if wrong:
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            "; ".join(wrong) + f"; library: {lib.reason}",
            witness=witness,
        )
    return Evidence(
        Verdict.HOLDS,
        Method.EXACT,
        f"w = 0; library exact gradient = 0; by hand E[g0 x] = {_fmt(d2.g0_x)}, "
        f"m = {_fmt(d2.m)}, E[g0 x] + V m = 0; kink margin {d2.margin} > 0.",
        witness=witness,
    )


def check_hessian_structure(inst: Instance) -> Evidence:
    """The library's exact (w, V) Hessian block is ``[[A_w, delta_ab m_c], [., 0]]``."""
    d2 = d2_quantities(inst)
    h = _exact_hessian(inst)
    ow, (d,) = _index(inst, "w")
    ov, (_, k) = _index(inst, "blocks[0].V")
    m, a_w = d2.m, d2.a_w
    bad: list[str] = []
    for a in range(d):
        for b in range(d):
            if _q(h[ow + a, ow + b]) != a_w[a][b]:
                bad.append(f"H[w{a}, w{b}] = {h[ow + a, ow + b]} != A_w = {a_w[a][b]}")
            for c in range(k):
                want = m[c] if a == b else Fraction(0)
                got = _q(h[ow + a, ov + b * k + c])
                if got != want:
                    bad.append(f"H[w{a}, V{b}{c}] = {got} != delta m = {want}")
    vv = [_q(h[i, j]) for i in range(ov, ov + d * k) for j in range(ov, ov + d * k)]
    if any(v != 0 for v in vv):
        bad.append("the V-V block is not 0")
    witness = {"A_w": [[str(v) for v in row] for row in a_w], "m": [str(v) for v in m]}
    if bad:
        return Evidence(Verdict.VIOLATED, Method.EXACT, "; ".join(bad[:3]) + ".", witness=witness)
    return Evidence(
        Verdict.HOLDS,
        Method.EXACT,
        f"w-w block = A_w = {[[str(v) for v in row] for row in a_w]} (by hand), "
        f"d2R/dw_a dV_bc = delta_ab m_c with m = {_fmt(m)}, V-V block = 0 (library exact Hessian).",
        witness=witness,
    )


def d2_alpha(m: Sequence[Fraction], a_w: Matrix, u: Sequence[Fraction]) -> Fraction:
    """``alpha = |u|^2 |m|^2 / u^T A_w u`` if that denominator is > 0, else 1."""
    uau = _dot(u, _matvec(a_w, u))
    return _dot(u, u) * _dot(m, m) / uau if uau > 0 else Fraction(1)


def d2_direction(
    inst: Instance, u: Sequence[Fraction], alpha: Fraction, sign: int = -1
) -> np.ndarray:
    """The full parameter vector ``(A, b, V, w) = (0, 0, sign * u m^T, alpha u)``.

    ``sign = -1`` is the proof's direction; ``+1`` is the wrong sign (tests).
    """
    model = inst.require_model()
    m = d2_quantities(inst).m
    named = {p.name: np.zeros(p.shape, dtype=object) for p in model.layout}
    named["blocks[0].V"] = np.array([[sign * ua * mc for mc in m] for ua in u], dtype=object)
    named["w"] = np.array([alpha * ua for ua in u], dtype=object)
    return model.pack(named, dtype=object)


def check_descent_direction(
    inst: Instance,
    u: Sequence[Fraction] = DEFAULT_U,
    alpha: Fraction | None = None,
    sign: int = -1,
) -> Evidence:
    """``v^T H v < 0`` exactly for ``v = (alpha u, sign u m^T)``, matching the D2 formula."""
    d2 = d2_quantities(inst)
    m, a_w = d2.m, d2.a_w
    if all(c == 0 for c in m):
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            "m = 0: the D2 direction (alpha u, -u m^T) has no V part and curvature "
            "alpha^2 u^T A_w u >= 0; no strict saddle this way.",
        )
    al = d2_alpha(m, a_w, u) if alpha is None else alpha
    v = d2_direction(inst, u, al, sign)
    h = _exact_hessian(inst)
    vq = [_q(x) for x in v]
    lib_q = _dot(vq, [_dot([_q(e) for e in row], vq) for row in h])
    uau, uu, mm = _dot(u, _matvec(a_w, u)), _dot(u, u), _dot(m, m)
    hand_q = al * al * uau + 2 * sign * al * uu * mm
    cert = certify_negative_curvature(_objective(inst), inst.require_params(), v)
    witness = {
        "u": [str(x) for x in u],
        "alpha": str(al),
        "sign": sign,
        "v": [str(_q(x)) for x in v],
        "vHv": str(lib_q),
        "formula": str(hand_q),
    }
    text = (
        f"u = {_fmt(u)}, alpha = {al}, v = (alpha u, {'-' if sign < 0 else '+'}u m^T): "
        f"alpha^2 u^T A_w u {'-' if sign < 0 else '+'} 2 alpha |u|^2 |m|^2 = "
        f"{al * al * uau} {'-' if sign < 0 else '+'} {2 * al * uu * mm} = {hand_q}; "
        f"library v^T H v = {lib_q}"
    )
    if lib_q != hand_q:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.EXACT,
            text + ": the library and the D2 formula disagree.",
            witness=witness,
        )
    if hand_q >= 0:
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            text + " >= 0: this direction shows no negative curvature.",
            witness=witness,
        )
    if cert.verdict is not Verdict.HOLDS or cert.method is not Method.EXACT:
        return Evidence(
            Verdict.INCONCLUSIVE,
            cert.method,
            text + f" < 0, but certify_negative_curvature says: {cert.reason}",
            witness=witness,
        )
    return Evidence(
        Verdict.HOLDS,
        Method.EXACT,
        text + f" < 0; certify_negative_curvature(v): {cert.reason}",
        margin=float(-hand_q),
        witness=witness,
    )


def linear_risks(inst: Instance) -> tuple[Fraction, Fraction]:
    """``(R at w = 0, R_lin)`` exactly: ``R = E[y^2]``, least squares without intercept."""
    d2 = d2_quantities(inst)
    n, d = d2.n, len(d2.xs[0])
    risk = sum((y * y for y in d2.ys), Fraction(0)) / n
    gram = [[sum((x[a] * x[b] for x in d2.xs), Fraction(0)) for b in range(d)] for a in range(d)]
    rhs = [
        sum((y * x[a] for x, y in zip(d2.xs, d2.ys, strict=True)), Fraction(0)) for a in range(d)
    ]
    t = _solve(gram, rhs)
    resid = [y - _dot(t, x) for x, y in zip(d2.xs, d2.ys, strict=True)]
    return risk, _dot(resid, resid) / n


def _solve(a: Matrix, b: list[Fraction]) -> list[Fraction]:
    """Exact Gauss-Jordan solve of a nonsingular system."""
    n = len(b)
    aug = [[*row, rhs] for row, rhs in zip(a, b, strict=True)]
    for col in range(n):
        piv = next(r for r in range(col, n) if aug[r][col] != 0)
        aug[col], aug[piv] = aug[piv], aug[col]
        p = aug[col][col]
        aug[col] = [v / p for v in aug[col]]
        for r in range(n):
            if r != col and aug[r][col] != 0:
                f = aug[r][col]
                aug[r] = [v - f * pv for v, pv in zip(aug[r], aug[col], strict=True)]
    return [row[n] for row in aug]


def check_risk_vs_linear(inst: Instance, relation: str) -> Evidence:
    """``R > R_lin`` (``relation=">"``) or ``R = R_lin`` (``"="``), exactly."""
    risk, r_lin = linear_risks(inst)
    lib = _q(_objective(inst).evaluate(inst.require_params(), "exact", order=1).risk)
    text = f"R = E[y^2] = {risk} (library {lib}), R_lin = {r_lin} (exact least squares)"
    if lib != risk:
        return Evidence(Verdict.INCONCLUSIVE, Method.EXACT, text + ": engines disagree.")
    ok = risk > r_lin if relation == ">" else risk == r_lin
    return Evidence(
        Verdict.HOLDS if ok else Verdict.VIOLATED,
        Method.EXACT,
        text + (f"; R {relation} R_lin." if ok else f"; not R {relation} R_lin."),
        margin=float(risk - r_lin),
    )


def check_s1_branch(inst: Instance, branch: str, other: str | None) -> Evidence:
    """The library's S1 report HOLDS with conclusion branch ``branch`` HOLDS and, if given,
    the other branch with verdict ``other`` (e.g. ``"violated"``)."""
    rep = check(theorem("S1"), inst).reports[0]
    wit = rep.conclusion.witness
    names = ("negative_curvature", "risk_le_linear")
    got = {k: wit.get(k, {}).get("verdict") for k in names}
    text = (
        f"library S1 report: {rep.verdict.value.upper()} [{rep.method.value}]; branches "
        + ", ".join(f"{k} {v}" for k, v in got.items())
        + f"; {rep.reason}"
    )
    alt = next(k for k in names if k != branch)
    if rep.verdict is Verdict.VIOLATED:
        return Evidence(Verdict.VIOLATED, rep.method, text)
    ok = (
        rep.verdict is Verdict.HOLDS
        and not rep.vacuous
        and got[branch] == "holds"
        and (other is None or got[alt] == other)
        and rep.method.rigorous
    )
    return Evidence(Verdict.HOLDS if ok else Verdict.INCONCLUSIVE, rep.method, text)


def check_flat_case(inst: Instance) -> Evidence:
    """``m = 0`` and ``E[g_0 x] = 0`` exactly, and the exact Hessian is PSD (no strict saddle)."""
    d2 = d2_quantities(inst)
    inertia = matrix_inertia(_exact_hessian(inst))
    text = (
        f"m = {_fmt(d2.m)}, E[g0 x] = {_fmt(d2.g0_x)}; exact Hessian inertia "
        f"(n_pos={inertia.n_pos}, n_zero={inertia.n_zero}, n_neg={inertia.n_neg})"
    )
    if any(v != 0 for v in [*d2.m, *d2.g0_x]):
        return Evidence(Verdict.VIOLATED, Method.EXACT, text + ": m or E[g0 x] is not 0.")
    if inertia.n_neg or inertia.n_unknown:
        return Evidence(Verdict.VIOLATED, inertia.method, text + ": a negative eigenvalue.")
    return Evidence(
        Verdict.HOLDS,
        inertia.method,
        text + ": PSD, so this critical point is not a strict saddle and D2 needs its second case.",
    )


# ---- report -------------------------------------------------------------------


def _both(*parts: Evidence) -> Evidence:
    verdict = all_of(e.verdict for e in parts)
    method = max((e.method for e in parts), key=lambda m: m.rank)
    return Evidence(verdict, method, " | ".join(e.reason for e in parts))


TITLE = "S1/D2  Shamir 2018: single-block ResNet at w = 0 (strict saddle or R <= R_lin)"


def claims(
    shamir: Instance | None = None,
    bad: Instance | None = None,
    flat: Instance | None = None,
    u: Sequence[Fraction] = DEFAULT_U,
    sign: int = -1,
) -> list[Claim]:
    """Run every check; arguments default to the module's instances (tests override them)."""
    shamir = load_instance(SHAMIR_PATH) if shamir is None else shamir
    bad = parse_instance(BAD_DOC) if bad is None else bad
    flat = parse_instance(FLAT_DOC) if flat is None else flat
    rows: list[Claim] = []
    for label, inst in (("shamir_saddle.json", shamir), ("bad (V != 0)", bad)):
        rows += [
            Claim(
                f"[{label}] w = 0 is an exact critical point, no sample on a kink",
                "[D] D2",
                "library exact gradient; E[g0 x] + V m by hand",
                check_critical_at_w0(inst),
            ),
            Claim(
                f"[{label}] (w, V) Hessian block is [[A_w, delta_ab m_c], [., 0]]",
                "[D] D2",
                "library exact Hessian vs hand A_w and m",
                check_hessian_structure(inst),
            ),
            Claim(
                f"[{label}] the D2 direction (alpha u, -u m^T) has v^T H v < 0",
                "[D] D2",
                "exact quadratic form, formula, certify_negative_curvature(v)",
                check_descent_direction(inst, u, sign=sign),
            ),
        ]
    rows += [
        Claim(
            "[shamir_saddle.json] S1 holds via the strict-saddle branch (and R = R_lin: V = 0 "
            "forces E[g0 x] = 0)",
            "[S] S1, [D] D2",
            "verify.check(theorem('S1'), instance)",
            _both(
                check_s1_branch(shamir, "negative_curvature", "holds"),
                check_risk_vs_linear(shamir, "="),
            ),
        ),
        Claim(
            "[bad (V != 0)] R > R_lin, so only the strict-saddle branch holds; S1 holds",
            "[S] S1, [D] D2",
            "exact least squares; verify.check(theorem('S1'), instance)",
            _both(
                check_risk_vs_linear(bad, ">"),
                check_s1_branch(bad, "negative_curvature", "violated"),
            ),
        ),
        Claim(
            "[m = 0] critical at w = 0, PSD Hessian (no strict saddle)",
            "[D] D2, second case",
            "hand m, E[g0 x]; exact inertia of the library Hessian",
            _both(check_critical_at_w0(flat), check_flat_case(flat)),
        ),
        Claim(
            "[m = 0] R = R_lin, and S1 holds via R <= R_lin",
            "[D] D2, second case",
            "exact least squares; verify.check(theorem('S1'), instance)",
            _both(
                check_risk_vs_linear(flat, "="), check_s1_branch(flat, "risk_le_linear", "violated")
            ),
        ),
    ]
    return rows


def main() -> int:
    """Print every claim; exit 0 only if every asserted claim is reproduced."""
    return run_script(TITLE, claims)


if __name__ == "__main__":
    raise SystemExit(main())
