r"""Y4: empirical Rademacher complexity of depth-L ResNets, lower estimates against the bound.

Claim [S] (Yun, Sra & Jadbabaie 2019, CLAIMS.md §Y4): for
``h_l = h_{l-1} + V_l relu(U_l h_{l-1})``, ``f = w^T h_L`` and
``F_L = {||w|| <= 1, ||V_l||_F <= 1/sqrt(L), ||U_l||_F <= 1/sqrt(L)}``,
``Rad(F_L | S) = E_sigma sup_{f in F_L} (1/n) sum_i sigma_i f(x_i) <= e^2 max_i ||x_i|| / sqrt(n)``.

What is measured (all SAMPLED, never a certificate):

* **lower estimate (sampled)** of ``Rad(F_L | S)``: for each sampled sign vector
  ``sigma``, the inner sup is *under*-estimated by multi-start projected gradient ascent
  over the norm balls (every value is attained at a feasible point, so it is at most the
  sup); one start is the best linear function (``V = 0``, ``w = s/||s||``), so each inner
  value is at least the linear one. The mean over ``sigma`` comes with its standard
  error; it estimates a lower bound of the expectation, with sampling error.
* the **linear-subclass lower bound** ``E_sigma ||sum_i sigma_i x_i|| / n`` (the class
  contains ``V = 0``): exact enumeration over all ``2^n`` sign vectors when ``n <= 16``,
  otherwise Monte Carlo with a standard error;
* the **bound** ``e^2 max ||x_i|| / sqrt(n)``.

An estimate above the bound would be reported as "estimate exceeds bound (sampled, not a
certified violation)": a certified violation would need the sup certified, which is not
attempted.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.experiments.common import NOT_A_PROOF, check_budget, check_depths, check_seed
from verify.experiments.plotting import save_figure
from verify.experiments.stats import mean_and_se
from verify.verdict import Method

_CONFIG: dict[str, dict[str, Any]] = {
    "quick": {"depths": (1, 2, 4, 8, 16), "sigmas": 6, "starts": 2, "steps": 60, "n": 12},
    "deep": {"depths": tuple(range(1, 17)), "sigmas": 32, "starts": 3, "steps": 150, "n": 16},
}
PROJ = 4


def datasets(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """A few sample sets ``S`` (rows are samples)."""
    g = rng.normal(size=(n, 3))
    sphere = rng.normal(size=(n, 5))
    sphere /= np.linalg.norm(sphere, axis=1, keepdims=True)
    clusters = np.repeat(rng.normal(size=(2, 4)) * 2, (n + 1) // 2, axis=0)[:n]
    clusters = clusters + 0.1 * rng.normal(size=(n, 4))
    return {"gaussian_d3": g, "sphere_d5": sphere, "two_clusters_d4": clusters}


# ---------------------------------------------------------------------------
# The network and its gradient (float64)
# ---------------------------------------------------------------------------


def forward(params: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """``f(x_i)`` for every row of ``x``: ``h <- h + V relu(U h)`` for each block, ``w^T h``."""
    h = x
    for U, V in params["blocks"]:
        h = h + np.maximum(h @ U.T, 0.0) @ V.T
    return np.asarray(h @ params["w"])


def _value_and_grad(params: dict[str, Any], x: np.ndarray, c: np.ndarray
                    ) -> tuple[float, dict[str, Any]]:
    """``J = c^T f(x)`` and its gradient (``c = sigma / n``)."""
    hs, acts = [x], []
    for U, V in params["blocks"]:
        a = hs[-1] @ U.T
        acts.append(a)
        hs.append(hs[-1] + np.maximum(a, 0.0) @ V.T)
    w = params["w"]
    value = float(c @ (hs[-1] @ w))
    dh = np.outer(c, w)
    gw = hs[-1].T @ c
    grads = []
    for (U, V), a, h in zip(reversed(params["blocks"]), reversed(acts), reversed(hs[:-1]),
                            strict=True):
        r = np.maximum(a, 0.0)
        gV = dh.T @ r
        da = (dh @ V) * (a > 0)
        gU = da.T @ h
        dh = dh + da @ U
        grads.append((gU, gV))
    return value, {"w": gw, "blocks": grads[::-1]}


def _project(params: dict[str, Any], radius: float) -> dict[str, Any]:
    def ball(m: np.ndarray, r: float) -> np.ndarray:
        nrm = float(np.linalg.norm(m))
        return m if nrm <= r else m * (r / nrm)

    return {"w": ball(params["w"], 1.0),
            "blocks": [(ball(U, radius), ball(V, radius)) for U, V in params["blocks"]]}


def inner_sup(x: np.ndarray, sigma: np.ndarray, depth: int, rng: np.random.Generator,
              starts: int, steps: int) -> float:
    """A lower estimate of ``sup_{f in F_L} (1/n) sum sigma_i f(x_i)`` (feasible points only)."""
    n, d = x.shape
    c = sigma / n
    radius = 1.0 / math.sqrt(depth)
    s = x.T @ c
    lin = float(np.linalg.norm(s))
    best = lin
    for k in range(starts):
        blocks = []
        for _ in range(depth):
            U, V = rng.normal(size=(PROJ, d)), rng.normal(size=(d, PROJ))
            blocks.append((U * radius / np.linalg.norm(U), V * radius / np.linalg.norm(V)))
        w = s / lin if (k == 0 and lin > 0) else rng.normal(size=d)
        p = _project({"w": w, "blocks": blocks}, radius)
        lr = 0.5
        for _ in range(steps):
            val, g = _value_and_grad(p, x, c)
            best = max(best, val)
            cand = _project({"w": p["w"] + lr * g["w"],
                             "blocks": [(U + lr * gU, V + lr * gV) for (U, V), (gU, gV)
                                        in zip(p["blocks"], g["blocks"], strict=True)]}, radius)
            if _value_and_grad(cand, x, c)[0] >= val:
                p = cand
            else:
                lr *= 0.5
        best = max(best, _value_and_grad(p, x, c)[0])
    return best


def linear_lower_bound(x: np.ndarray, rng: np.random.Generator, samples: int
                       ) -> tuple[float, float, str]:
    """``E_sigma ||sum sigma_i x_i|| / n``: exact enumeration for n <= 16, else Monte Carlo."""
    n = x.shape[0]
    if n <= 16:
        signs = np.array(list(itertools.product((-1.0, 1.0), repeat=n)))
        vals = np.linalg.norm(signs @ x, axis=1) / n
        return float(vals.mean()), 0.0, f"exact over all 2^{n} sign vectors (float64 sum)"
    sig = rng.choice((-1.0, 1.0), size=(samples, n))
    m, se = mean_and_se(list(np.linalg.norm(sig @ x, axis=1) / n))
    return m, se, f"Monte Carlo over {samples} sign vectors"


@dataclass(frozen=True)
class Y4Row:
    dataset: str
    depth: int
    estimate: float
    se: float
    linear: float
    linear_se: float
    linear_how: str
    bound: float
    n_sigma: int

    @property
    def ratio(self) -> float:
        return self.estimate / self.bound

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset, "depth": self.depth,
            "lower_estimate_sampled": self.estimate, "standard_error": self.se,
            "n_sign_vectors": self.n_sigma,
            "linear_subclass_lower_bound": self.linear, "linear_standard_error": self.linear_se,
            "linear_how": self.linear_how, "bound_e2_max_norm_over_sqrt_n": self.bound,
            "estimate_to_bound_ratio": self.ratio,
            "estimate_exceeds_bound": ("yes (sampled, not a certified violation)"
                                       if self.estimate > self.bound else "no"),
        }


@dataclass(frozen=True)
class RademacherResult:
    rows: list[Y4Row]
    seed: int
    budget: str
    n: int
    starts: int
    steps: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment": "Y4 empirical Rademacher complexity of F_L, depth sweep",
            "source": "Yun, Sra & Jadbabaie 2019 [S] (CLAIMS.md Y4)",
            "measures": "lower estimate (sampled) of Rad(F_L|S) by multi-start projected "
                        "gradient ascent per sign vector, the linear-subclass lower bound, "
                        "and the bound e^2 max||x_i||/sqrt(n)",
            "method": Method.SAMPLED.value,
            "universal_claim": "not established (sampled); an estimate above the bound "
                               "would not be a certified violation",
            "note": NOT_A_PROOF,
            "seed": self.seed, "budget": self.budget, "n_samples": self.n,
            "proj_width": PROJ, "starts_per_sigma": self.starts, "ascent_steps": self.steps,
            "max_estimate_to_bound_ratio": max((r.ratio for r in self.rows), default=0.0),
            "exceedances": sum(r.estimate > r.bound for r in self.rows),
            "seconds": self.seconds, "rows": [r.to_dict() for r in self.rows],
        }


def run(budget: str = "quick", seed: int = 0, *, depths: Any = None) -> RademacherResult:
    """Run the Y4 sweep over depths and datasets; see the module docstring."""
    check_budget(budget)
    check_seed(seed)
    cfg = _CONFIG[budget]
    Ls = check_depths(depths if depths is not None else cfg["depths"])
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    rows = []
    for name, x in datasets(rng, cfg["n"]).items():
        n = x.shape[0]
        bound = math.e**2 * float(np.max(np.linalg.norm(x, axis=1))) / math.sqrt(n)
        lin, lin_se, how = linear_lower_bound(x, rng, 4096)
        sigmas = rng.choice((-1.0, 1.0), size=(cfg["sigmas"], n))
        for L in Ls:
            vals = [inner_sup(x, s, L, rng, cfg["starts"], cfg["steps"]) for s in sigmas]
            m, se = mean_and_se(vals)
            rows.append(Y4Row(name, L, m, se, lin, lin_se, how, bound, len(vals)))
    return RademacherResult(rows, seed, budget, cfg["n"], cfg["starts"], cfg["steps"],
                            time.perf_counter() - start)


def plot(result: RademacherResult, path: Any) -> tuple[Any, Any]:
    """Lower estimate (± 2 SE), linear lower bound and the bound against L, per dataset."""
    series: dict[str, dict[str, list[float]]] = {}
    for name in dict.fromkeys(r.dataset for r in result.rows):
        rs = sorted((r for r in result.rows if r.dataset == name), key=lambda r: r.depth)
        series[name] = {"depth": [float(r.depth) for r in rs],
                        "estimate": [r.estimate for r in rs], "se": [r.se for r in rs],
                        "linear": [r.linear for r in rs], "bound": [r.bound for r in rs]}

    def draw(ax: Any) -> None:
        for k, (name, s) in enumerate(series.items()):
            c = f"C{k}"
            ax.errorbar(s["depth"], s["estimate"], yerr=[2 * v for v in s["se"]], fmt="o-",
                        color=c, capsize=3, label=f"lower estimate (sampled), {name}")
            ax.plot(s["depth"], s["linear"], ":", color=c, label=f"linear lower bound, {name}")
            ax.plot(s["depth"], s["bound"], "--", color=c, label=f"bound e²max‖x‖/√n, {name}")
        ax.set_yscale("log")
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))

    return save_figure(path, draw, {"seed": result.seed, "series": series},
                       title="Y4 Rademacher complexity of F_L vs depth",
                       xlabel="depth L", ylabel="empirical Rademacher complexity",
                       size=(10.0, 5.0))
