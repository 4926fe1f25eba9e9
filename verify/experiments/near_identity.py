r"""Y3: the near-identity risk bound against depth (Yun, Sra & Jadbabaie 2019, CLAIMS.md §Y3).

Derived lemma [D]: for ``h_l = h_{l-1} + phi^l(h_{l-1})`` with each ``phi^l``
``(alpha/L)``-Lipschitz, ``phi^l(0) = 0``, ``f = w^T h_L`` and a convex ``G``-Lipschitz
loss, any point with ``grad_w R = 0`` satisfies, for every ``t``,

    R(theta) <= E l(t^T x; y) + G (e^alpha - 1) E||x|| ||t||.

The proof (CLAIMS.md §Y3) uses only ``grad_w R``; with a residual ``g_w = grad_w R`` the
same steps give ``R <= E l(t^T x) + G (e^alpha - 1) E||x|| ||t|| + ||g_w|| (||t|| + ||w||)``
(from ``E[l' w^T h_L] = w^T g_w`` and ``E[l' x] = E[l' (x - h_L)] + g_w``), which is what is
checked when ``w`` is only approximately stationary.

What this experiment measures, for L = 1..16: blocks ``phi^l(h) = V_l relu(U_l h)`` with
rational ``U_l, V_l`` and ``||V_l||_F^2 ||U_l||_F^2 <= (alpha/L)^2`` checked **exactly**
(so ``phi^l`` is provably ``(alpha/L)``-Lipschitz, since ``||.||_2 <= ||.||_F`` and relu
is 1-Lipschitz with relu(0) = 0); the output ``w*`` of the convex problem in ``w`` with
the blocks fixed:

* Huber (``G = delta``): exact active-set solution, checked to have ``grad_w R = 0``
  exactly by the engine (``Objective.evaluate(..., "exact")``);
* logistic (``G = 1``): damped Newton in float64, rounded to a dyadic rational, then
  ``grad_w R`` enclosed in Arb balls and carried through the epsilon term above.

Then ``gap = R(theta*) - E l(t*^T x)`` (``t*`` the baseline's minimizer, from
:func:`verify.best_linear_predictor`) against ``bound = G (e^alpha - 1) E||x|| ||t*||``,
in Arb balls; the ratio ``gap / bound`` is the tightness. A row's verdict is about the
lemma *at that instance* (CERTIFIED or EXACT); the universal lemma is never reported
as holding (see :data:`~verify.experiments.common.NOT_A_PROOF`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.baseline import best_linear_predictor
from verify.catalogue.losses import loss
from verify.data import Dataset
from verify.errors import InvalidInput
from verify.experiments.common import (
    NOT_A_PROOF,
    arb_of,
    check_budget,
    check_depths,
    check_seed,
    dyadic,
    interval,
    mid,
)
from verify.experiments.plotting import save_figure
from verify.models import resnet
from verify.numbers.arithmetic import Arithmetic
from verify.objectives.empirical import Objective
from verify.verdict import Method, Verdict

_CONFIG = {
    "quick": {"depths": tuple(range(1, 17)), "draws": 1, "n": 24},
    "deep": {"depths": tuple(range(1, 17)), "draws": 6, "n": 80},
}
D_X, PROJ = 3, 2


@dataclass(frozen=True)
class Y3Row:
    """One instance: depth, loss, draw, and the certified comparison."""

    depth: int
    loss: str
    draw: int
    rank_one: bool
    lipschitz_exact: bool
    stationarity: str  # "exact" or "approximate (ball)"
    gap: list[float]
    bound: list[float]
    eps_term: list[float]
    ratio: float
    verdict: Verdict
    method: Method
    r_lin: list[float]
    kind: str = "blocks drawn, w solved"
    alpha: list[float] | None = None  # measured alpha at a full critical point
    full_grad_norm: float | None = None  # NUMERIC, full critical points only

    def to_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"kind": self.kind}
        if self.alpha is not None:
            extra["alpha_measured"] = self.alpha
        if self.full_grad_norm is not None:
            extra["full_gradient_norm_float"] = self.full_grad_norm
        return extra | {
            "depth": self.depth, "loss": self.loss, "draw": self.draw,
            "rank_one_blocks": self.rank_one,
            "lipschitz_certified_exactly": self.lipschitz_exact,
            "stationarity_in_w": self.stationarity,
            "gap_R_minus_R_t": self.gap, "bound": self.bound, "eps_term": self.eps_term,
            "ratio_gap_over_bound": self.ratio,
            "bound_at_this_instance_only": self.verdict.value,
            "method": self.method.value, "r_lin_bracket": self.r_lin,
        }


@dataclass(frozen=True)
class NearIdentityResult:
    """Depth sweep of the Y3 derived bound."""

    rows: list[Y3Row]
    seed: int
    budget: str
    alpha: Fraction | None  # None: measured per row (full critical points)
    n: int
    seconds: float
    skipped: list[str] = field(default_factory=list)

    @property
    def violations(self) -> list[Y3Row]:
        return [r for r in self.rows if r.verdict is Verdict.VIOLATED]

    def max_ratio_by_depth(self, loss_name: str) -> dict[int, float]:
        out: dict[int, float] = {}
        for r in self.rows:
            if r.loss == loss_name:
                out[r.depth] = max(out.get(r.depth, -math.inf), r.ratio)
        return out

    def to_dict(self) -> dict[str, Any]:
        losses = sorted({r.loss for r in self.rows})
        return {
            "experiment": "Y3 near-identity risk bound, depth sweep"
                          + (" at trained full critical points" if self.alpha is None else ""),
            "source": "Yun, Sra & Jadbabaie 2019 [S]; explicit constant derived [D] (CLAIMS.md Y3)",
            "measures": "gap = R(theta*) - E l(t*^T x) at w exactly/approximately stationary "
                        "against G (e^alpha - 1) E||x|| ||t*||, per depth L",
            "evidence": "each row: CERTIFIED (Arb) or EXACT at that instance; the universal "
                        "lemma: SAMPLED only",
            "method": Method.SAMPLED.value,
            "universal_claim": "not established (sampled)",
            "note": NOT_A_PROOF,
            "seed": self.seed, "budget": self.budget,
            "alpha": "measured per row" if self.alpha is None else str(self.alpha),
            "n_samples": self.n, "d_x": D_X, "proj_width": PROJ, "instances": len(self.rows),
            "violations": len(self.violations),
            "inconclusive": sum(r.verdict is Verdict.INCONCLUSIVE for r in self.rows),
            "max_ratio_by_depth": {name: {str(k): v for k, v in
                                          self.max_ratio_by_depth(name).items()}
                                   for name in losses},
            "skipped": self.skipped, "seconds": self.seconds,
            "rows": [r.to_dict() for r in self.rows],
        }


# ---------------------------------------------------------------------------
# Instances
# ---------------------------------------------------------------------------


def datasets(rng: np.random.Generator, n: int) -> dict[str, Dataset]:
    x = dyadic(rng.normal(size=(n, D_X)))
    xf = x.astype(float)
    logits = xf[:, 0] - 0.5 * xf[:, 1] + 0.8 * rng.normal(size=n)
    y_log = [1 if v > 0 else -1 for v in logits]
    y_hub = dyadic(xf[:, 0] + 0.7 * np.abs(xf[:, 1]) - 0.5 * xf[:, 2] ** 2
                   + 0.3 * rng.normal(size=n))
    return {"logistic": Dataset(x, np.array(y_log)), "huber": Dataset(x, y_hub)}


def _blocks(rng: np.random.Generator, depth: int, alpha: Fraction, rank_one: bool
            ) -> tuple[list[tuple[np.ndarray, np.ndarray]], bool]:
    """Rational ``(U_l, V_l)`` with ``||V||_F^2 ||U||_F^2 <= (alpha/L)^2`` (checked exactly)."""
    cap = (alpha / depth) ** 2
    out = []
    ok = True
    for _ in range(depth):
        if rank_one:
            U0 = np.outer(rng.normal(size=PROJ), rng.normal(size=D_X))
            V0 = np.outer(rng.normal(size=D_X), rng.normal(size=PROJ))
        else:
            U0, V0 = rng.normal(size=(PROJ, D_X)), rng.normal(size=(D_X, PROJ))
        s = math.sqrt(float(alpha) / depth / (np.linalg.norm(U0) * np.linalg.norm(V0)))
        for shrink in (1.0, 0.999, 0.99, 0.9):
            U, V = dyadic(U0 * s * shrink, 20), dyadic(V0 * s * shrink, 20)
            fro = sum(v * v for v in U.flat) * sum(v * v for v in V.flat)
            if fro <= cap:
                break
        ok = ok and fro <= cap
        out.append((U, V))
    return out, ok


def _theta(model: Any, blocks: list[tuple[np.ndarray, np.ndarray]], w: np.ndarray) -> np.ndarray:
    params: dict[str, Any] = {"w": w}
    for i, (U, V) in enumerate(blocks):
        params[f"blocks[{i}].U"], params[f"blocks[{i}].V"] = U, V
    return model.pack(params, dtype=object)


def _features(obj: Objective, theta: np.ndarray) -> np.ndarray:
    """``h_L(x_i)`` exactly, as ``n × d`` (the Jacobian of ``f = w^T h_L`` in ``w``)."""
    p = obj.model.param("w")
    _, J, _ = obj.output_derivatives(theta, "exact")
    return np.asarray(J[0, p.offset:p.stop, :]).T


# ---------------------------------------------------------------------------
# Solving for w
# ---------------------------------------------------------------------------


def _huber_exact_w(Z: np.ndarray, y: np.ndarray, delta: Fraction) -> np.ndarray | None:
    """Exact minimizer of ``E huber(w^T z - y)`` by active sets, or ``None`` if not found."""
    Zf, yf, dl = Z.astype(float), y.astype(float), float(delta)
    w = np.linalg.lstsq(Zf, yf, rcond=None)[0]
    state = None
    for _ in range(60):
        r = Zf @ w - yf
        act = np.abs(r) <= dl
        sgn = np.sign(r) * (~act)
        if state is not None and np.array_equal(state[0], act) and np.array_equal(state[1], sgn):
            break
        state = (act, sgn)
        A = Zf[act].T @ Zf[act]
        b = Zf[act].T @ yf[act] - dl * Zf[~act].T @ sgn[~act]
        w = np.linalg.lstsq(A, b, rcond=None)[0]
    act, sgn = state  # type: ignore[misc]
    q = Arithmetic.EXACT.scalar
    d = Z.shape[1]
    A = flint.fmpq_mat(d, d, [sum((q(Z[i, a]) * q(Z[i, b])
                                   for i in np.flatnonzero(act)), flint.fmpq(0))
                              for a in range(d) for b in range(d)])
    if A.rank() < d:
        return None
    rhs = [sum((q(y[i]) * q(Z[i, a]) for i in np.flatnonzero(act)),
               flint.fmpq(0))
           - q(delta) * sum((int(sgn[i]) * q(Z[i, a])
                                      for i in np.flatnonzero(~act)), flint.fmpq(0))
           for a in range(d)]
    sol = A.solve(flint.fmpq_mat(d, 1, rhs))
    return np.array([Fraction(int(sol[a, 0].p), int(sol[a, 0].q)) for a in range(d)],
                    dtype=object)


def _logistic_w(Z: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """Damped Newton for ``E log(1 + exp(-y w^T z))``; ``None`` if it does not converge."""
    Zf, yf = Z.astype(float), y.astype(float)
    n, d = Zf.shape
    w = np.zeros(d)

    def obj(v: np.ndarray) -> float:
        return float(np.logaddexp(0.0, -yf * (Zf @ v)).mean())

    for _ in range(100):
        m = yf * (Zf @ w)
        s = 0.5 * (1.0 - np.tanh(m / 2.0))  # sigmoid(-m)
        g = -(Zf.T @ (yf * s)) / n
        if np.linalg.norm(g) < 1e-14:
            break
        H = (Zf.T * (s * (1 - s))) @ Zf / n + 1e-14 * np.eye(d)
        step = np.linalg.solve(H, -g)
        a, f0 = 1.0, obj(w)
        while obj(w + a * step) > f0 + 1e-4 * a * float(g @ step) and a > 1e-10:
            a /= 2
        w = w + a * step
    if not np.all(np.isfinite(w)) or np.linalg.norm(w) > 1e4 or np.linalg.norm(g) > 1e-9:
        return None
    return dyadic(w, 48)


# ---------------------------------------------------------------------------
# The experiment
# ---------------------------------------------------------------------------


def _norm(values: Any) -> flint.arb:
    s = flint.arb(0)
    for v in values:
        b = arb_of(v)
        s += b * b
    if s > 0 or s == 0:
        return s.sqrt()
    return flint.arb(0).union(s.abs_upper().sqrt())  # true value in [0, sqrt(upper)]


def compare(obj: Objective, theta: np.ndarray, alpha: flint.arb, t: list[Any],
            r_t: flint.arb, arith: str
            ) -> tuple[flint.arb, flint.arb, flint.arb, Verdict, bool]:
    """Balls for ``gap = R(theta) - E l(t^T x)``, the bound, the eps term; the verdict.

    ``arith`` is ``"exact"`` (rational loss: exact risk and ``grad_w R``; eps = 0 when the
    gradient is exactly zero) or ``"ball"``. HOLDS/VIOLATED only when the ball decides.
    """
    ds, the_loss, model = obj.data, obj.loss, obj.model
    ls = obj.evaluate(theta, arith, order=1)
    p = model.param("w")
    g_w = ls.gradient[p.offset:p.stop]
    w = np.asarray(theta, dtype=object)[p.offset:p.stop]
    exact_stat = arith == "exact" and all(v == 0 for v in g_w)
    if the_loss.lipschitz is None:
        raise InvalidInput(f"loss {the_loss.label!r} is not Lipschitz; the Y3 bound needs G.")
    G = arb_of(Fraction(the_loss.lipschitz))
    e_norm_x = sum((_norm(row) for row in ds.x), flint.arb(0)) / ds.n
    t_norm = _norm(t)
    bound = G * (alpha.exp() - 1) * e_norm_x * t_norm
    eps = flint.arb(0) if exact_stat else _norm(g_w) * (t_norm + _norm(w))
    gap = arb_of(ls.risk) - r_t
    slack = bound + eps - gap
    if slack >= 0:
        verdict = Verdict.HOLDS
    elif slack < 0:
        verdict = Verdict.VIOLATED
    else:
        verdict = Verdict.INCONCLUSIVE
    return gap, bound, eps, verdict, exact_stat


def _instance(ds: Dataset, name: str, the_loss: Any, t: list[Any], r_t: flint.arb,
              r_lin: list[float], depth: int, draw: int, alpha: Fraction,
              rng: np.random.Generator) -> Y3Row | None:
    rank_one = draw % 2 == 0
    blocks, lip_ok = _blocks(rng, depth, alpha, rank_one)
    model = resnet(D_X, [{"activation": "relu", "proj": PROJ}] * depth)
    obj = Objective(model, the_loss, ds)
    zero_w = np.array([Fraction(0)] * D_X, dtype=object)
    # features do not depend on the loss; a rational loss lets the engine run exactly
    Z = _features(Objective(model, loss("squared"), ds), _theta(model, blocks, zero_w))
    y = np.asarray(ds.y, dtype=object)
    if name == "huber":
        w = _huber_exact_w(Z, y, the_loss.param("delta"))
    else:
        w = _logistic_w(Z, y.astype(float))
    if w is None:
        return None
    theta = _theta(model, blocks, w)
    arith = "exact" if name == "huber" else "ball"
    gap, bound, eps, verdict, exact_stat = compare(obj, theta, arb_of(alpha), t, r_t, arith)
    return Y3Row(
        depth, the_loss.label, draw, rank_one, lip_ok,
        "exact" if exact_stat else "approximate (ball-enclosed gradient)",
        interval(gap), interval(bound), interval(eps), mid(gap) / mid(bound),
        verdict if lip_ok else Verdict.INCONCLUSIVE,
        Method.CERTIFIED, r_lin,
    )


def prepare(name: str, ds: Dataset) -> tuple[Any, list[Any], flint.arb, list[float]] | str:
    """The loss, the baseline's ``t*``, a ball for ``E l(t*^T x)`` and the ``R_lin`` bracket
    (or the reason it is skipped)."""
    the_loss = loss("huber", delta=1) if name == "huber" else loss("logistic")
    base = best_linear_predictor(ds, the_loss)
    if base.minimizer is None:
        return f"{name}: baseline minimizer not settled ({base.status})"
    t = list(base.minimizer)
    lin = Objective(resnet(D_X, []), the_loss, ds)
    arith = "exact" if name == "huber" else "ball"
    r_t = arb_of(lin.evaluate(np.array(t, dtype=object), arith, order=1).risk)
    return the_loss, t, r_t, [float(base.lower), float(base.upper)]


def run(budget: str = "quick", seed: int = 0, *, alpha: Fraction | int | str = 1,
        depths: Any = None) -> NearIdentityResult:
    """Run the Y3 depth sweep (logistic and Huber(delta=1)); see the module docstring."""
    check_budget(budget)
    check_seed(seed)
    try:
        a = Fraction(alpha)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"alpha={alpha!r} must be a positive rational, e.g. 1 or '1/2'."
        ) from None
    if a <= 0:
        raise InvalidInput(f"alpha={alpha!r} must be > 0 (the blocks' total Lipschitz budget).")
    cfg = _CONFIG[budget]
    Ls = check_depths(depths if depths is not None else cfg["depths"])
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    rows: list[Y3Row] = []
    skipped: list[str] = []
    sets = datasets(rng, int(cfg["n"]))  # type: ignore[call-overload]
    for name, ds in sets.items():
        prep = prepare(name, ds)
        if isinstance(prep, str):
            skipped.append(prep)
            continue
        the_loss, t, r_t, r_lin = prep
        for depth in Ls:
            for draw in range(int(cfg["draws"])):  # type: ignore[call-overload]
                row = _instance(ds, name, the_loss, t, r_t, r_lin, depth, draw, a, rng)
                if row is None:
                    skipped.append(f"{name} L={depth} draw={draw}: w-problem not solved")
                else:
                    rows.append(row)
    return NearIdentityResult(rows, seed, budget, a, int(cfg["n"]),  # type: ignore[call-overload]
                              time.perf_counter() - start, skipped)


def plot(result: NearIdentityResult, path: Any) -> tuple[Any, Any]:
    """Bound and measured gap against depth L, one colour per loss (PNG + JSON)."""
    series: dict[str, dict[str, list[float]]] = {}
    for name in sorted({r.loss for r in result.rows}):
        rs = [r for r in result.rows if r.loss == name]
        depths = sorted({r.depth for r in rs})
        series[name] = {
            "depth": [float(L) for L in depths],
            "gap_max": [max(r.gap[1] for r in rs if r.depth == L) for L in depths],
            "bound_min": [min(r.bound[0] for r in rs if r.depth == L) for L in depths],
        }

    def draw(ax: Any) -> None:
        for k, (name, s) in enumerate(series.items()):
            c = f"C{k}"
            ax.plot(s["depth"], s["bound_min"], "--", color=c,
                    label=f"bound G(e^α−1)E‖x‖‖t*‖, {name}")
            ax.plot(s["depth"], s["gap_max"], "o-", color=c,
                    label=f"measured R(θ*)−E ℓ(t*ᵀx), {name}")
        ax.axhline(0.0, color="grey", lw=0.5)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))

    a = "measured per point" if result.alpha is None else str(result.alpha)
    return save_figure(path, draw, {"alpha": a, "seed": result.seed,
                                    "series": series}, size=(9.0, 4.5),
                       title=f"Y3 near-identity bound vs depth (α {a})",
                       xlabel="depth L", ylabel="risk gap to linear predictor t*")


def plot_ratio(result: NearIdentityResult, path: Any) -> tuple[Any, Any]:
    """Tightness ``max (gap / bound)`` over draws against depth L (1 would be tight)."""
    series = {name: {"depth": [float(k) for k in sorted(m)], "max_ratio": [m[k] for k in sorted(m)]}
              for name in sorted({r.loss for r in result.rows})
              for m in [result.max_ratio_by_depth(name)]}

    def draw(ax: Any) -> None:
        for name, s in series.items():
            ax.plot(s["depth"], s["max_ratio"], "o-", label=name)
        ax.axhline(1.0, color="red", ls="--", label="bound (ratio 1)")
        ax.axhline(0.0, color="grey", lw=0.5)

    return save_figure(path, draw, {"alpha": str(result.alpha), "seed": result.seed,
                                    "kind": result.rows[0].kind if result.rows else "",
                                    "series": series},
                       title="Y3 tightness: (R(θ*) − E ℓ(t*ᵀx)) / bound",
                       xlabel="depth L", ylabel="max ratio over draws")
