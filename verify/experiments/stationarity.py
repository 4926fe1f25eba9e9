r"""S2: the derived approximate-stationarity bound along gradient-descent paths (CLAIMS.md §S2).

Derived bound [D] (Shamir 2018 proves an epsilon-stationary version whose constants we
could not read): for the single-block ResNet ``f(x) = w^T (x + V F(x))`` and a convex
differentiable loss, if ``||grad_{(w,V)} R|| <= eps`` and ``w != 0`` then for every ``t``

    R <= E l(t^T x; y) + eps (||t|| (1 + ||V||_2 / ||w||) + ||w||).

Proof: with ``a = grad_w R = E[g (x + V F)]`` and ``B = grad_V R = w E[g F]^T``,
``||E[g F]|| = ||B^T w|| / ||w||^2 <= ||B|| / ||w||``, ``E[g x] = a - V E[g F]`` and
``E[g f] = w^T a``; convexity gives ``E l(t^T x) >= R + t^T E[g x] - w^T a``.

What is measured: gradient descent on all parameters (``F(x) = tanh(U x)``, so ``U`` is
trained too) from several random starts; at **every** iterate with ``w != 0`` the bound is
evaluated with the smallest admissible ``eps = ||grad_{(w,V)} R||`` and ``t = t*`` (the
baseline minimizer). Reported: the slack ``RHS - R`` (its distribution over iterates),
and violations. A float violation is NUMERIC only; every one is re-checked in Arb balls at
that iterate (risk, gradient and ``E l(t*^T x)`` enclosed, ``||V||_2 <= ||V||_F`` as a
rigorous upper bound, which can only enlarge the right-hand side), and only a ball check
can make it CERTIFIED.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import flint
import numpy as np

from verify.baseline import best_linear_predictor
from verify.catalogue.losses import loss
from verify.data import Dataset
from verify.experiments.common import NOT_A_PROOF, arb_of, check_budget, check_seed, interval
from verify.experiments.plotting import save_figure
from verify.models import resnet
from verify.objectives.empirical import Objective
from verify.verdict import Method, Verdict

_CONFIG: dict[str, dict[str, Any]] = {
    "quick": {"paths": 3, "steps": 300, "n": 40},
    "deep": {"paths": 12, "steps": 3000, "n": 120},
}
D_X, WIDTH, LR = 3, 3, 0.2


def _datasets(rng: np.random.Generator, n: int) -> dict[str, tuple[Dataset, Any]]:
    x = rng.normal(size=(n, D_X))
    logit = x[:, 0] - x[:, 1] * x[:, 2] + 0.7 * rng.normal(size=n)
    y_log = [1 if v > 0 else -1 for v in logit]
    y_reg = np.sin(2 * x[:, 0]) + 0.5 * x[:, 1] + 0.2 * rng.normal(size=n)
    return {"logistic": (Dataset(x, np.array(y_log)), loss("logistic")),
            "huber": (Dataset(x, y_reg), loss("huber", delta=1))}


@dataclass(frozen=True)
class PathTrace:
    """One GD path: per-iterate risk, eps and slack (NaN-free: iterates with w = 0 skipped)."""

    loss: str
    path: int
    iterations: list[int]
    risk: list[float]
    eps: list[float]
    slack: list[float]
    float_violations: list[int]
    certified: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"loss": self.loss, "path": self.path, "iterations": self.iterations,
                "risk": self.risk, "eps": self.eps, "slack": self.slack,
                "float_violations": self.float_violations, "ball_rechecks": self.certified}


@dataclass(frozen=True)
class StationarityResult:
    traces: list[PathTrace]
    r_t: dict[str, float]
    seed: int
    budget: str
    n: int
    steps: int
    seconds: float

    @property
    def all_slack(self) -> list[float]:
        return [s for t in self.traces for s in t.slack]

    def to_dict(self) -> dict[str, Any]:
        sl = np.array(self.all_slack)
        q = {f"q{p}": float(np.percentile(sl, p)) for p in (0, 5, 50, 95, 100)} if sl.size else {}
        rechecks = [c for t in self.traces for c in t.certified]
        return {
            "experiment": "S2 approximate stationarity bound along GD paths",
            "source": "Shamir 2018 [S: exists]; bound derived [D] (CLAIMS.md S2)",
            "measures": "slack = E l(t*^T x) + eps (||t*||(1 + ||V||_2/||w||) + ||w||) - R at "
                        "every GD iterate with w != 0, eps = ||grad_(w,V) R||",
            "method": Method.NUMERIC.value,
            "evidence": "float64 slack (NUMERIC); float violations re-checked in Arb balls",
            "universal_claim": "not established (sampled paths)",
            "note": NOT_A_PROOF,
            "seed": self.seed, "budget": self.budget, "n_samples": self.n, "d_x": D_X,
            "width": WIDTH, "steps_per_path": self.steps, "learning_rate": LR,
            "iterates_checked": int(sl.size), "slack_quantiles": q,
            "float_violations": sum(len(t.float_violations) for t in self.traces),
            "certified_violations": sum(c["verdict"] == Verdict.VIOLATED.value
                                        for c in rechecks),
            "E_l_tstar": self.r_t, "seconds": self.seconds,
            "paths": [t.to_dict() for t in self.traces],
        }


def _bound_terms(model: Any, theta: np.ndarray, grad: np.ndarray
                 ) -> tuple[float, float, float, float]:
    p = model.unpack(theta)
    g = model.unpack(grad)
    eps = float(np.sqrt(np.sum(g["w"] ** 2) + np.sum(g["blocks[0].V"] ** 2)))
    return (eps, float(np.linalg.norm(p["w"])), float(np.linalg.norm(p["blocks[0].V"], 2)),
            float(np.linalg.norm(p["blocks[0].V"])))


def _ball_recheck(obj: Objective, lin: Objective, theta: np.ndarray, t: np.ndarray
                  ) -> dict[str, Any]:
    model = obj.model
    ls = obj.evaluate(theta, "ball", order=1)
    r_t = lin.evaluate(t, "ball", order=1).risk
    par, gr = model.unpack(np.asarray(theta, dtype=object)), model.unpack(ls.gradient)

    def norm(vals: Any) -> flint.arb:
        s = sum((arb_of(v) * arb_of(v) for v in np.asarray(vals).flat), flint.arb(0))
        return s.sqrt() if (s > 0 or s == 0) else flint.arb(0).union(s.abs_upper().sqrt())

    eps = norm(list(gr["w"].flat) + list(gr["blocks[0].V"].flat))
    w_n, v_fro, t_n = norm(par["w"]), norm(par["blocks[0].V"]), norm(t)
    rhs = r_t + eps * (t_n * (1 + v_fro / w_n) + w_n)
    slack = rhs - ls.risk
    verdict = (Verdict.VIOLATED if slack < 0 else Verdict.HOLDS if slack > 0
               else Verdict.INCONCLUSIVE)
    return {"slack_ball": interval(slack), "verdict": verdict.value,
            "method": Method.CERTIFIED.value}


def run(budget: str = "quick", seed: int = 0) -> StationarityResult:
    """GD paths on single-block ResNets for logistic and Huber losses; see the docstring."""
    check_budget(budget)
    check_seed(seed)
    cfg = _CONFIG[budget]
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    model = resnet(D_X, [{"activation": "tanh", "proj": WIDTH}])
    traces: list[PathTrace] = []
    r_ts: dict[str, float] = {}
    for ds, the_loss in _datasets(rng, cfg["n"]).values():
        base = best_linear_predictor(ds, the_loss)
        if base.minimizer is None:
            continue
        t = np.array([float(v) for v in base.minimizer])
        lin = Objective(resnet(D_X, []), the_loss, ds)
        r_t = lin.value_and_gradient(t)[0]
        r_ts[the_loss.label] = r_t
        t_n = float(np.linalg.norm(t))
        obj = Objective(model, the_loss, ds)
        for k in range(cfg["paths"]):
            theta = rng.normal(0.0, 0.5, size=model.n_params)
            its, risks, epss, slacks, viol, cert = [], [], [], [], [], []
            for it in range(cfg["steps"] + 1):
                r, g = obj.value_and_gradient(theta)
                eps, w_n, v2, _ = _bound_terms(model, theta, g)
                if w_n > 0 and np.isfinite(r):
                    s = r_t + eps * (t_n * (1 + v2 / w_n) + w_n) - r
                    its.append(it)
                    risks.append(r)
                    epss.append(eps)
                    slacks.append(float(s))
                    if s < 0:
                        viol.append(it)
                        cert.append({"iteration": it,
                                     **_ball_recheck(obj, lin, theta.copy(), t)})
                theta = theta - LR * g
            traces.append(PathTrace(the_loss.label, k, its, risks, epss, slacks, viol, cert))
    return StationarityResult(traces, r_ts, seed, budget, cfg["n"], cfg["steps"],
                              time.perf_counter() - start)


def plot(result: StationarityResult, path: Any) -> tuple[Any, Any]:
    """Slack of the S2 bound along each GD path (log scale; a violation would be < 0)."""
    series = [{"label": f"{t.loss}, path {t.path}", "iteration": [float(i) for i in t.iterations],
               "slack": t.slack} for t in result.traces]

    def draw(ax: Any) -> None:
        for s in series:
            ax.plot(s["iteration"], s["slack"], label=s["label"])
        ax.set_yscale("symlog", linthresh=1e-6)
        ax.axhline(0.0, color="red", ls="--", label="violation below this line")
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))

    return save_figure(path, draw, {"seed": result.seed, "series": series},
                       title="S2: slack of R ≤ E ℓ(t*ᵀx) + ε(‖t*‖(1+‖V‖₂/‖w‖)+‖w‖) along GD",
                       xlabel="GD iteration", ylabel="slack (RHS − R)", size=(9.0, 4.5))
