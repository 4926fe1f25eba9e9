r"""K3: without ``d_y <= d_x`` a ResNet local minimum can be worse than the basis model.

Statement (CLAIMS.md K3 [D], a counterexample to the naive reading of Kawaguchi &
Bengio 2019, K1/K2). Take ``d_x = d_z = 1``, ``d_y = 2``, squared loss (summed
over outputs, mean over samples, no 1/2), the single block
``y_hat = W (x + V z)`` with the parameter-free feature ``z = x^2``
(``resnet(1, [{"activation": "square"}], d_out=2)``, parameters ``V`` (1x1) and
``W`` (2x1)), and targets ``y_i = (x_i, z_i)`` with ``(x_i)``, ``(z_i)``
linearly independent. Then

* the basis model ``A x + B z`` attains 0 (``A = e_1``, ``B = e_2``), so
  ``L_basis* = 0`` at every parameter (the feature has no parameters);
* every ResNet output ``W s_i`` (``s = x + V z``) is collinear with ``W``, so
  ``L > 0`` everywhere; hence every local minimum violates "local minima equal
  the basis-model optimum" (the library's negative control ``K3``);
* the reading "no worse than the linear predictor" survives: ``V = 0`` is the
  linear predictor, so the global minimum is ``<= L_lin*``.

Exact lower bound [D]. For fixed ``V`` the best ``W`` is ``Y s / |s|^2`` and
``n min_W L = |Y|_F^2 - |Y s|^2 / |s|^2 = p(V) / |s|^2``. With
``s = B c``, ``B = [x z]``, ``c = (1, V)``, ``G = B^T B`` and
``P = |Y|_F^2 G - B^T Y^T Y B`` this is the ratio ``c^T P c / c^T G c``, so
``n L >= mu := lambda_min(G^{-1} P)`` everywhere, and ``mu > 0`` iff ``P`` is
positive definite. For ``Y = (x, z)`` one gets ``P = tr(G) G - G^2`` and
``mu = lambda_min(G)``. ``mu`` is the smaller root of the quadratic
``det(P - mu G) = 0``, an element of ``Q(sqrt D)``; its eigenvector gives the
exact global minimiser (when its first coordinate is nonzero).

Instances. ``examples/instances/k3_vector_output.json``: ``x = (-1, 1, 2)``,
``G = [[6, 8], [8, 18]]`` has eigenvalues 22 and 2, so ``inf L = 2/3``, attained
at the rational point ``V = 2, W = (1/5, 2/5)``. ``k3_generic_irrational.json``:
``x = (1, 2, 3)``; the minimiser is irrational (``V = (7 + sqrt 85)/6``,
``L = (56 - 6 sqrt 85)/3``), so it is found numerically and certified.

What is checked, and how:

1. independence of ``(x_i)``, ``(z_i)`` (exact Gram determinant); ``L_basis* = 0``
   (exact projection, cross-checked with the library's exact risk of the linear
   model on the features ``(x, z)``) -- EXACT;
2. ``L >= mu/n > 0`` for **every** ``(W, V)``: the quadratic ``p`` has positive
   leading coefficient and negative discriminant (exact), ``mu`` in closed form
   and a rational lower bound ``det P / (det G tr(G^{-1} P)) <= mu`` -- EXACT.
   If ``p`` has a real root, the check instead returns the exact point where
   ``L = 0`` (VIOLATED);
3. rational instance: the library's exact risk at the given point equals
   ``mu/n`` (so it is a global, hence local, minimum -- EXACT), and
   ``certify_local_minimum`` proves it strict (exact gradient 0, PD Hessian);
   ``verify.check(theorem("K3"), instance)`` is VIOLATED (EXACT); ``L <= L_lin*``
   exactly (least squares of each target on ``x``, cross-checked with the library);
4. generic instance: a float minimiser (SciPy BFGS on the library's float risk)
   is certified by ``certify_local_minimum`` (Krawczyk box + certified positive
   definite Hessian -- CERTIFIED); over the enclosure box the K3 conclusion
   fails (an entry of ``E[g x]``, ``E[g z]`` excludes 0) and ``L < L_lin*``
   (Arb enclosures -- CERTIFIED); and the exact algebraic global minimiser lies
   in the Krawczyk uniqueness box (exact sign tests in ``Q(sqrt D)``), so the
   certified minimum *is* the global minimum;
5. the library's own pipeline, ``verify.check(theorem("K3"), instance,
   find=True, n_starts=4)``, on both instances: it finds and certifies a local
   minimum (EXACT on the rational data, CERTIFIED by Krawczyk on the generic
   data) and reports K3 VIOLATED there. Step 4 is the independent, by-hand
   cross-check of the certified verdict.

``main()`` returns 0 only if every asserted check HOLDS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import scipy.optimize as so
import sympy as sp

from verify import (
    Box,
    Claim,
    Dataset,
    Evidence,
    Instance,
    Method,
    Objective,
    Verdict,
    VerifyError,
    certify_local_minimum,
    check,
    linear_predictor,
    load_instance,
    loss,
    run_script,
    theorem,
)

HERE = Path(__file__).resolve().parent
RATIONAL_PATH = HERE / "instances" / "k3_vector_output.json"
GENERIC_PATH = HERE / "instances" / "k3_generic_irrational.json"
GENERIC_START = (1.0, 0.5, 0.5)  # (V, W_1, W_2): a fixed float start for BFGS

Vec = Sequence[Fraction]
Mat = list[list[Fraction]]


def _q(v: Any) -> Fraction:
    """An int, Fraction, float or python-flint ``fmpq`` as a ``Fraction``."""
    if isinstance(v, int | Fraction | float):
        return Fraction(v)
    return Fraction(int(v.p), int(v.q))


def _dot(p: Vec, q: Vec) -> Fraction:
    return sum((a * b for a, b in zip(p, q, strict=True)), Fraction(0))


# ---- exact arithmetic in Q(sqrt d) ------------------------------------------------


def _rational_sqrt(d: Fraction) -> Fraction | None:
    if d < 0:
        return None
    num, den = _isqrt(d.numerator), _isqrt(d.denominator)
    return None if num is None or den is None else Fraction(num, den)


def _isqrt(k: int) -> int | None:
    r = int(np.floor(np.sqrt(float(k))))
    for c in (r - 1, r, r + 1):
        if c >= 0 and c * c == k:
            return c
    return None


@dataclass(frozen=True)
class Surd:
    """The real number ``a + b sqrt(d)`` (``d >= 0`` rational, not a square unless ``b = 0``)."""

    a: Fraction
    b: Fraction
    d: Fraction

    @staticmethod
    def make(a: Fraction, b: Fraction, d: Fraction) -> Surd:
        """``a + b sqrt(d)`` with ``d`` reduced to a square-free integer (``d >= 0``)."""
        if d < 0:
            raise ValueError(f"d={d} must be >= 0.")
        root = _rational_sqrt(d)
        if root is not None:
            return Surd(a + b * root, Fraction(0), Fraction(0))
        # sqrt(p/q) = sqrt(p q) / q, and p q = k^2 r with r square-free.
        k, r = 1, 1
        for prime, mult in sp.factorint(d.numerator * d.denominator).items():
            k *= int(prime) ** (mult // 2)
            r *= int(prime) ** (mult % 2)
        return Surd(a, b * Fraction(k, d.denominator), Fraction(r))

    def _lift(self, other: Surd | Fraction | int) -> Surd:
        if isinstance(other, Surd):
            if other.b and self.b and other.d != self.d:
                raise ValueError("Surd arithmetic needs a common sqrt(d).")
            return other
        return Surd(Fraction(other), Fraction(0), self.d)

    def _d(self, o: Surd) -> Fraction:
        return self.d if self.b else o.d

    def __add__(self, other: Surd | Fraction | int) -> Surd:
        o = self._lift(other)
        return Surd(self.a + o.a, self.b + o.b, self._d(o))

    def __sub__(self, other: Surd | Fraction | int) -> Surd:
        o = self._lift(other)
        return Surd(self.a - o.a, self.b - o.b, self._d(o))

    def __mul__(self, other: Surd | Fraction | int) -> Surd:
        o = self._lift(other)
        d = self._d(o)
        return Surd(self.a * o.a + self.b * o.b * d, self.a * o.b + self.b * o.a, d)

    def inverse(self) -> Surd:
        norm = self.a * self.a - self.b * self.b * self.d
        if norm == 0:
            raise ZeroDivisionError("Surd is zero")
        return Surd(self.a / norm, -self.b / norm, self.d)

    def __truediv__(self, other: Surd | Fraction | int) -> Surd:
        return self * self._lift(other).inverse()

    def sign(self) -> int:
        """Exact sign, by comparing ``a^2`` with ``b^2 d``."""
        sa = (self.a > 0) - (self.a < 0)
        sb = (self.b > 0) - (self.b < 0)
        if sb == 0 or self.d == 0:
            return sa
        if sa == 0 or sa == sb:
            return sb
        lhs, rhs = self.a * self.a, self.b * self.b * self.d
        return sa if lhs > rhs else (sb if lhs < rhs else 0)

    def __float__(self) -> float:
        return float(self.a) + float(self.b) * float(np.sqrt(float(self.d)))

    def __str__(self) -> str:
        if self.b == 0:
            return str(self.a)
        root = f"{abs(self.b)}*sqrt({self.d})" if abs(self.b) != 1 else f"sqrt({self.d})"
        if self.a == 0:
            return root if self.b > 0 else f"-{root}"
        return f"{self.a} {'+' if self.b > 0 else '-'} {root}"


# ---- the data --------------------------------------------------------------------


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
    def gram(self) -> Mat:
        """``G = B^T B`` for ``B = [x z]``."""
        cols = (self.xs, self.zs)
        return [[_dot(p, q) for q in cols] for p in cols]

    @property
    def pencil(self) -> Mat:
        """``P = |Y|_F^2 G - B^T Y^T Y B``: ``c^T P c = |Y|^2 |s|^2 - |Y s|^2`` for ``s = B c``."""
        cols = (self.xs, self.zs)
        yy = sum((_dot(row, row) for row in self.ys), Fraction(0))
        yb = [[_dot(row, col) for col in cols] for row in self.ys]  # d_y x 2
        return [
            [yy * self.gram[i][j] - sum((r[i] * r[j] for r in yb), Fraction(0)) for j in range(2)]
            for i in range(2)
        ]


def k3_data(inst: Instance) -> K3Data:
    """Read ``x`` (one column) and ``Y`` from an instance."""
    xs = tuple(_q(row[0]) for row in inst.data.x)
    y = np.asarray(inst.data.y, dtype=object).reshape(len(xs), -1)
    return K3Data(xs, tuple(tuple(_q(v) for v in y[:, o]) for o in range(y.shape[1])))


def _objective(inst: Instance) -> Objective:
    return Objective(inst.require_model(), inst.loss, inst.data)


def _det(m: Mat) -> Fraction:
    return m[0][0] * m[1][1] - m[0][1] * m[1][0]


def _residual(vec: Vec, basis: Sequence[Vec]) -> list[Fraction]:
    """``vec`` minus its orthogonal projection on ``span(basis)`` (exact Gram-Schmidt)."""
    ortho: list[list[Fraction]] = []
    for b in basis:
        r = list(b)
        for o in ortho:
            r = [ri - _dot(r, o) / _dot(o, o) * oi for ri, oi in zip(r, o, strict=True)]
        if any(v != 0 for v in r):
            ortho.append(r)
    out = list(vec)
    for o in ortho:
        out = [vi - _dot(out, o) / _dot(o, o) * oi for vi, oi in zip(out, o, strict=True)]
    return out


# ---- checks: exact ---------------------------------------------------------------


def check_independent(data: K3Data) -> Evidence:
    """``(x_i)`` and ``(z_i)`` are linearly independent: ``det G != 0``."""
    det = _det(data.gram)
    text = f"G = {[[str(v) for v in r] for r in data.gram]}, det G = {det}"
    if det != 0:
        return Evidence(Verdict.HOLDS, Method.EXACT, text + " != 0.")
    return Evidence(Verdict.VIOLATED, Method.EXACT, text + ": (x_i) and (z_i) are dependent.")


def check_basis_zero(data: K3Data) -> Evidence:
    """``L_basis* = 0``: each target row lies in ``span{x, z}`` (exact projection); the library's
    exact risk of the linear model on the features ``(x, z)`` at ``A = e_1, B = e_2`` agrees."""
    resid = [_residual(row, [data.xs, data.zs]) for row in data.ys]
    best = sum((_dot(r, r) for r in resid), Fraction(0)) / data.n
    feats = np.array([[x, z] for x, z in zip(data.xs, data.zs, strict=True)], dtype=object)
    targets = np.array([list(col) for col in zip(*data.ys, strict=True)], dtype=object)
    model = linear_predictor(2, d_out=len(data.ys))
    obj = Objective(model, loss("squared"), Dataset(feats, targets))
    coef = np.eye(len(data.ys), 2, dtype=int).astype(object)
    lib = _q(obj.evaluate(model.pack({"W": coef}, dtype=object), "exact", order=1).risk)
    text = (
        f"best basis fit L_basis* = {best} (exact projection); library risk of A x + B z "
        f"at (A, B) = (e_1, e_2): {lib}"
    )
    if best == 0:
        return Evidence(Verdict.HOLDS, Method.EXACT, text + ".")
    return Evidence(Verdict.VIOLATED, Method.EXACT, text + ": the basis model does not attain 0.")


def mu_min(data: K3Data) -> Surd:
    """``mu = lambda_min(G^{-1} P)``, the smaller root of ``det(P - mu G) = 0`` (det G > 0)."""
    g, p = data.gram, data.pencil
    alpha = _det(g)
    beta = -(p[0][0] * g[1][1] + p[1][1] * g[0][0] - 2 * p[0][1] * g[0][1])
    gamma = _det(p)
    disc = beta * beta - 4 * alpha * gamma
    return Surd.make(-beta / (2 * alpha), -1 / (2 * alpha), disc)


def minimiser(data: K3Data) -> tuple[Surd, list[Surd]] | None:
    """The exact global minimiser ``(V*, W*)``, or None if it is not attained at finite ``V``."""
    g, p, mu = data.gram, data.pencil, mu_min(data)
    rows = [[mu * (-g[i][j]) + p[i][j] for j in range(2)] for i in range(2)]  # P - mu G
    nonzero = [r for r in rows if r[0].sign() or r[1].sign()]
    if not nonzero:  # P = mu G: the ratio is constant, V = 0 is a minimiser
        return _fit_at(data, Surd(Fraction(0), Fraction(0), Fraction(0)))
    r = nonzero[0]
    c1, c2 = r[1], Surd(Fraction(0), Fraction(0), mu.d) - r[0]  # (P - mu G) c = 0
    if c1.sign() == 0:
        return None
    return _fit_at(data, c2 / c1)


def _fit_at(data: K3Data, v: Surd) -> tuple[Surd, list[Surd]]:
    """``(V, W)`` with the best ``W = Y s / |s|^2`` for ``s = x + V z``."""
    s = [v * z + x for x, z in zip(data.xs, data.zs, strict=True)]
    ss = sum((si * si for si in s[1:]), s[0] * s[0])
    w = [
        sum((si * yi for si, yi in zip(s[1:], row[1:], strict=True)), s[0] * row[0]) / ss
        for row in data.ys
    ]
    return v, w


def mu_is_smallest_root(data: K3Data, mu: Surd) -> str | None:
    """None if ``mu`` is exactly the smaller root of ``det(P - mu G) = 0``, else why not.

    Checked in exact ``Q(sqrt D)`` arithmetic: ``det(P - mu G) = 0`` and the other root
    ``-beta/alpha - mu`` (Vieta) is ``>= mu``.
    """
    g, p = data.gram, data.pencil
    rows = [[mu * (-g[i][j]) + p[i][j] for j in range(2)] for i in range(2)]
    det = rows[0][0] * rows[1][1] - rows[0][1] * rows[1][0]
    if det.sign() != 0:
        return f"det(P - mu G) = {det} != 0 at mu = {mu}: mu is not an eigenvalue of G^-1 P"
    alpha = _det(g)
    beta = -(p[0][0] * g[1][1] + p[1][1] * g[0][0] - 2 * p[0][1] * g[0][1])
    other = Surd(-beta / alpha, Fraction(0), mu.d) - mu
    if (other - mu).sign() < 0:
        return f"mu = {mu} is the larger root (the other root is {other})"
    return None


def check_positive_everywhere(data: K3Data, mu: Surd | None = None) -> Evidence:
    """``L(W, V) > 0`` for every ``(W, V)``, with the exact infimum ``mu / n``.

    ``p(V) = c^T P c`` (``c = (1, V)``) is ``>= 0`` by Cauchy-Schwarz; ``L > 0``
    everywhere iff ``p`` has no real root (then ``s(V) != 0``). A root ``V_0``
    with ``s(V_0) != 0`` gives ``W_0 = Y s / |s|^2`` with ``L = 0`` (VIOLATED).
    """
    p = data.pencil
    a2, a1, a0 = p[1][1], 2 * p[0][1], p[0][0]  # p(V) = a2 V^2 + a1 V + a0
    disc = a1 * a1 - 4 * a2 * a0
    if (a2 > 0 and disc < 0) or (a2 == 0 and a1 == 0 and a0 > 0):
        text = f"p(V) = {a2} V^2 + {a1} V + {a0} has no real root (discriminant {disc} < 0)"
        if _det(data.gram) > 0 and a2 > 0:
            mu = mu_min(data) if mu is None else mu
            wrong = mu_is_smallest_root(data, mu)
            if wrong is not None:
                return Evidence(
                    Verdict.INCONCLUSIVE,
                    Method.EXACT,
                    f"{text}, so L > 0 everywhere; but the stated infimum is unverified: {wrong}.",
                )
            g_inv_p_tr = (
                p[0][0] * data.gram[1][1]
                + p[1][1] * data.gram[0][0]
                - 2 * p[0][1] * data.gram[0][1]
            ) / _det(data.gram)
            lower = _det(p) / _det(data.gram) / g_inv_p_tr
            text += (
                f"; so L >= mu/n everywhere with mu = lambda_min(G^-1 P) = {mu} "
                f"(~{float(mu):.6g}) > 0, inf L = ({mu})/{data.n} ~ "
                f"{float(mu) / data.n:.6g}; rational bound L >= {lower / data.n} "
                f"(det P / (det G tr G^-1 P) / n)"
            )
            return Evidence(
                Verdict.HOLDS,
                Method.EXACT,
                text + ".",
                margin=float(mu) / data.n,
                witness={"mu": str(mu), "lower_bound": str(lower / data.n)},
            )
        return Evidence(Verdict.HOLDS, Method.EXACT, text + ": L > 0 everywhere.")
    v0 = -a1 / (2 * a2) if a2 != 0 else Fraction(0)
    s = [x + v0 * z for x, z in zip(data.xs, data.zs, strict=True)]
    if any(v != 0 for v in s):
        w0 = [_dot(row, s) / _dot(s, s) for row in data.ys]
        resid = [
            [y - wo * si for y, si in zip(row, s, strict=True)]
            for row, wo in zip(data.ys, w0, strict=True)
        ]
        risk = sum((_dot(r, r) for r in resid), Fraction(0)) / data.n
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            f"p(V) has the real root V = {v0}: at V = {v0}, W = {[str(w) for w in w0]}"
            f" the ResNet risk is exactly {risk}.",
            witness={"V": str(v0), "W": [str(w) for w in w0], "risk": str(risk)},
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.EXACT,
        f"p(V) has a real root V = {v0} where s(V) = 0; case not handled.",
    )


def check_global_minimum(inst: Instance) -> Evidence:
    """The instance's point has exact risk ``mu / n`` (global minimum) and the library
    certifies a strict local minimum there."""
    data = k3_data(inst)
    obj = _objective(inst)
    risk = _q(obj.evaluate(inst.require_params(), "exact", order=1).risk)
    inf = mu_min(data) / data.n
    lm = certify_local_minimum(obj, inst.require_params())
    text = (
        f"library exact risk {risk}, inf L = {inf}; certify_local_minimum: "
        f"{lm.verdict.value.upper()} [{lm.method.value}] {lm.reason}"
    )
    if (inf - risk).sign() != 0:
        return Evidence(
            Verdict.VIOLATED, Method.EXACT, text + " -- the point is not the global minimum."
        )
    if lm.verdict is not Verdict.HOLDS:
        return Evidence(Verdict.INCONCLUSIVE, lm.method, text)
    return Evidence(
        Verdict.HOLDS,
        lm.method,
        text + " The risk equals the exact lower bound, so this is a global (hence local) minimum.",
    )


def check_k3_violated(inst: Instance) -> Evidence:
    """The library's K3 negative control is VIOLATED (rigorously) at the instance's point."""
    rep = check(theorem("K3"), inst).reports[0]
    text = f"library K3 report: {rep.verdict.value.upper()} [{rep.method.value}]; {rep.reason}"
    if rep.verdict is Verdict.VIOLATED and rep.method.rigorous:
        return Evidence(Verdict.HOLDS, rep.method, text)
    if rep.verdict is Verdict.HOLDS:
        return Evidence(Verdict.VIOLATED, rep.method, text)
    return Evidence(Verdict.INCONCLUSIVE, rep.method, text)


def linear_risk(data: K3Data) -> Fraction:
    """``L_lin* = inf_A E|A x - y|^2`` (no intercept), exactly."""
    resid = [_residual(row, [data.xs]) for row in data.ys]
    return sum((_dot(r, r) for r in resid), Fraction(0)) / data.n


def _library_linear_risk(data: K3Data) -> Fraction:
    model = linear_predictor(1, d_out=len(data.ys))
    xs = np.array([[x] for x in data.xs], dtype=object)
    targets = np.array([list(col) for col in zip(*data.ys, strict=True)], dtype=object)
    obj = Objective(model, loss("squared"), Dataset(xs, targets))
    coef = np.array(
        [[_dot(row, data.xs) / _dot(data.xs, data.xs)] for row in data.ys], dtype=object
    )
    return _q(obj.evaluate(model.pack({"W": coef}, dtype=object), "exact", order=1).risk)


def check_le_linear(inst: Instance) -> Evidence:
    """``L(theta) <= L_lin*`` exactly at the instance's point."""
    data = k3_data(inst)
    risk = _q(_objective(inst).evaluate(inst.require_params(), "exact", order=1).risk)
    lin, lib = linear_risk(data), _library_linear_risk(data)
    text = f"L = {risk}, L_lin* = {lin} (exact least squares on x; library {lib})"
    if lin != lib:
        return Evidence(Verdict.INCONCLUSIVE, Method.EXACT, text + ": engines disagree.")
    ok = risk <= lin
    return Evidence(
        Verdict.HOLDS if ok else Verdict.VIOLATED,
        Method.EXACT,
        text + ("; L <= L_lin*." if ok else "; L > L_lin*."),
        margin=float(lin - risk),
    )


# ---- checks: certified (generic data, irrational minimum) -------------------------


@dataclass(frozen=True)
class CertifiedMinimum:
    """``certify_local_minimum``'s evidence and its boxes (``None`` unless HOLDS)."""

    evidence: Evidence
    enclosure: Box | None  # contains the certified critical point
    uniqueness: Box | None  # contains no other critical point


def certified_minimum(inst: Instance, start: Sequence[float] = GENERIC_START) -> CertifiedMinimum:
    """Minimise the float risk with BFGS from ``start`` and certify the result."""
    obj = _objective(inst)
    res = so.minimize(
        obj.value_and_gradient,
        np.asarray(start, dtype=np.float64),
        jac=True,
        method="BFGS",
        options={"gtol": 1e-12, "maxiter": 500},
    )
    ev = certify_local_minimum(obj, res.x)
    if ev.verdict is not Verdict.HOLDS:
        return CertifiedMinimum(ev, None, None)
    w = ev.witness["critical_point"]["witness"]
    return CertifiedMinimum(
        ev,
        Box.from_dict({"centre": w["centre"], "radius": w["enclosure_radius"]}),
        Box.from_dict({"centre": w["centre"], "radius": w["radius"]}),
    )


def check_certified_local_minimum(cm: CertifiedMinimum) -> Evidence:
    ev = cm.evidence
    if ev.verdict is Verdict.HOLDS and cm.enclosure is not None:
        r = float(cm.enclosure.radius.max())
        centre = [f"{float(_q(c)):.12g}" for c in cm.enclosure.centre]
        return Evidence(
            Verdict.HOLDS,
            ev.method,
            f"(V, W_1, W_2) ~ ({', '.join(centre)}) +- {r:.2g}: {ev.reason} "
            f"{ev.witness['critical_point']['reason']}",
        )
    return Evidence(ev.verdict, ev.method, ev.reason)


def check_k3_violated_on_box(inst: Instance, cm: CertifiedMinimum) -> Evidence:
    """Over the enclosure box: some entry of ``E[g x]``, ``E[g z]`` excludes 0 (K3's
    conclusion fails at the certified local minimum), with ``g = 2 (y_hat - y)``."""
    if cm.enclosure is None:
        return Evidence(Verdict.INCONCLUSIVE, cm.evidence.method, "no certified local minimum.")
    data = k3_data(inst)
    out = _objective(inst).evaluate(cm.enclosure.balls(), "ball", order=1).outputs
    found = []
    for o, row in enumerate(data.ys):
        g = [_ball_minus(out[o][i], y) * 2 for i, y in enumerate(row)]
        for name, feat in (("x", data.xs), ("z", data.zs)):
            mean = (
                sum(
                    (_ball_times(gi, f) for gi, f in zip(g[1:], feat[1:], strict=True)),
                    _ball_times(g[0], feat[0]),
                )
                / data.n
            )
            if mean > 0 or mean < 0:
                found.append(f"E[g_{o + 1} {name}] in {mean}")
    if found:
        return Evidence(
            Verdict.HOLDS,
            Method.CERTIFIED,
            "K3's conclusion fails over the whole box (so at the certified local "
            "minimum): " + "; ".join(found) + " excludes 0 (Arb enclosure).",
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.CERTIFIED,
        "every enclosure of E[g x], E[g z] contains 0 over the box.",
    )


def _ball_minus(ball: Any, q: Fraction) -> Any:
    """``ball - q`` for an Arb ball and an exact rational, without importing flint."""
    return (ball * q.denominator - q.numerator) / q.denominator


def _ball_times(ball: Any, q: Fraction) -> Any:
    return ball * q.numerator / q.denominator


def check_le_linear_on_box(inst: Instance, cm: CertifiedMinimum) -> Evidence:
    """The risk enclosure over the box lies below the exact ``L_lin*``."""
    if cm.enclosure is None:
        return Evidence(Verdict.INCONCLUSIVE, cm.evidence.method, "no certified local minimum.")
    risk = _objective(inst).evaluate(cm.enclosure.balls(), "ball", order=1).risk
    lin = linear_risk(k3_data(inst))
    below = risk * lin.denominator < lin.numerator
    text = f"L in {risk} over the box, L_lin* = {lin} ~ {float(lin):.6g} (exact)"
    if below:
        return Evidence(Verdict.HOLDS, Method.CERTIFIED, text + ": L < L_lin*.")
    above = risk * lin.denominator > lin.numerator
    return Evidence(
        Verdict.VIOLATED if above else Verdict.INCONCLUSIVE, Method.CERTIFIED, text + "."
    )


def check_is_global_minimiser(inst: Instance, cm: CertifiedMinimum) -> Evidence:
    """The exact global minimiser (in ``Q(sqrt D)``) lies in the Krawczyk uniqueness box, so
    the certified critical point is the global minimiser and its risk is ``mu / n``."""
    if cm.uniqueness is None:
        return Evidence(Verdict.INCONCLUSIVE, cm.evidence.method, "no certified local minimum.")
    data = k3_data(inst)
    exact = minimiser(data)
    if exact is None:
        return Evidence(Verdict.INCONCLUSIVE, Method.EXACT, "the infimum is not attained.")
    v, w = exact
    coords = [v, *w]  # layout: blocks[0].V, then W (row-major)
    inside = all(
        (c - _q(ctr) - _q(float(r))).sign() <= 0 and (c - _q(ctr) + _q(float(r))).sign() >= 0
        for c, ctr, r in zip(coords, cm.uniqueness.centre, cm.uniqueness.radius, strict=True)
    )
    mu = mu_min(data)
    text = (
        f"exact minimiser V* = {v}, W* = ({w[0]}, {w[1]}); L* = ({mu})/{data.n} ~ "
        f"{float(mu) / data.n:.12g}"
    )
    if inside:
        return Evidence(
            Verdict.HOLDS,
            Method.CERTIFIED,
            text + f"; it lies in the Krawczyk uniqueness box (radius "
            f"{float(cm.uniqueness.radius.max()):.2g}; exact sign tests), so the "
            "certified local minimum is the global minimum.",
        )
    return Evidence(
        Verdict.INCONCLUSIVE,
        Method.CERTIFIED,
        text + "; it is not in the uniqueness box (another local minimum?).",
    )


def check_library_search(inst: Instance, n_starts: int = 4, seed: int = 0) -> Evidence:
    """``verify.check(theorem("K3"), inst, find=True)``: the library's own pipeline finds at
    least one certified local minimum, and K3 is VIOLATED (rigorously) at every one."""
    try:
        res = check(theorem("K3"), inst, find=True, n_starts=n_starts, seed=seed)
    except VerifyError as err:
        return Evidence(
            Verdict.INCONCLUSIVE,
            Method.NUMERIC,
            f"the library's search raised {type(err).__name__}: {err}",
        )
    minima = [r for r in res.reports if dict(r.premises)["local_minimum"].verdict is Verdict.HOLDS]
    lines = [
        f"{'local min' if r in minima else 'not a min'} ("
        f"{r.point.get('description', '')}): K3 {r.verdict.value} [{r.method.value}]"
        f"{' (vacuous)' if r.vacuous else ''}"
        for r in res.reports
    ]
    text = (
        f"{len(res.reports)} critical point(s) from {n_starts} seeded starts (and the "
        f"instance's parameters, if any): " + "; ".join(lines)
    )
    if any(r.verdict is Verdict.HOLDS and not r.vacuous for r in minima):
        return Evidence(
            Verdict.VIOLATED,
            Method.EXACT,
            text + " -- K3 holds at a local minimum, contradicting L > 0.",
        )
    ok = bool(minima) and all(r.verdict is Verdict.VIOLATED and r.method.rigorous for r in minima)
    if not ok:
        return Evidence(Verdict.INCONCLUSIVE, Method.NUMERIC, text + ".")
    method = max((r.method for r in minima), key=lambda m: m.rank)
    return Evidence(Verdict.HOLDS, method, text + ".")


# ---- report -------------------------------------------------------------------


TITLE = "K3  vector output (d_y = 2 > d_x = 1): a ResNet local minimum worse than the basis model"


def claims(
    rational: Instance | None = None,
    generic: Instance | None = None,
    start: Sequence[float] = GENERIC_START,
    search: bool = True,
) -> list[Claim]:
    """Run every check; arguments default to the module's instances (tests override them)."""
    rational = load_instance(RATIONAL_PATH) if rational is None else rational
    generic = load_instance(GENERIC_PATH) if generic is None else generic
    rows: list[Claim] = []
    for label, inst in (("rational", rational), ("generic", generic)):
        data = k3_data(inst)
        rows += [
            Claim(
                f"[{label}] (x_i) and (z_i = x_i^2) are linearly independent",
                "[D] K3",
                "exact Gram determinant",
                check_independent(data),
            ),
            Claim(
                f"[{label}] the basis model A x + B z attains L_basis* = 0",
                "[D] K3",
                "exact projection; library exact risk",
                check_basis_zero(data),
            ),
            Claim(
                f"[{label}] L(W, V) > 0 for every (W, V), with exact infimum",
                "[D] K3",
                "exact quadratic p(V), lambda_min(G^-1 P)",
                check_positive_everywhere(data),
            ),
        ]
    rows += [
        Claim(
            "[rational] V = 2, W = (1/5, 2/5) attains inf L = 2/3: a global, and certified "
            "strict local, minimum",
            "[D] K3",
            "library exact risk = mu/n; certify_local_minimum",
            check_global_minimum(rational),
        ),
        Claim(
            "[rational] the negative control K3 is VIOLATED there",
            "[D] K3",
            "verify.check(theorem('K3'), instance)",
            check_k3_violated(rational),
        ),
        Claim(
            "[rational] '<= linear predictor' holds there: L <= L_lin*",
            "[D] K3",
            "exact least squares on x; library exact risks",
            check_le_linear(rational),
        ),
    ]
    cm = certified_minimum(generic, start)
    rows += [
        Claim(
            "[generic] a numerically found minimum is a certified strict local minimum",
            "[D] K3",
            "SciPy BFGS; certify_local_minimum (Krawczyk + PD Hessian)",
            check_certified_local_minimum(cm),
        ),
        Claim(
            "[generic] K3's conclusion fails at it (the negative control is VIOLATED)",
            "[D] K3",
            "Arb enclosures of E[g x], E[g z] over the Krawczyk box",
            check_k3_violated_on_box(generic, cm),
        ),
        Claim(
            "[generic] '<= linear predictor' holds there: L < L_lin*",
            "[D] K3",
            "Arb risk enclosure vs exact L_lin*",
            check_le_linear_on_box(generic, cm),
        ),
        Claim(
            "[generic] the certified minimum is the exact (irrational) global minimiser",
            "[D] K3",
            "exact minimiser in Q(sqrt D) inside the uniqueness box",
            check_is_global_minimiser(generic, cm),
        ),
    ]
    if search:
        rows += [
            Claim(
                f"[{label}] library pipeline: a local minimum is found and certified, and the "
                "negative control K3 is VIOLATED at it",
                "[D] K3",
                "verify.check(theorem('K3'), instance, find=True, n_starts=4, seed=0)",
                check_library_search(inst),
            )
            for label, inst in (("rational", rational), ("generic", generic))
        ]
    return rows


def main() -> int:
    """Print every claim; exit 0 only if every asserted claim is reproduced."""
    return run_script(TITLE, claims)


if __name__ == "__main__":
    raise SystemExit(main())
