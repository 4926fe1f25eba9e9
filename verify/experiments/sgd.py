r"""S3 (experiment, not the theorem): plain SGD on single-block ResNets against ``R_lin``.

Shamir (2018) states [S] that "with a certain tweak to the architecture, training with
standard SGD achieves an objective value close or better than any linear predictor"; the
tweak and the constants could not be read (CLAIMS.md §S3). This module therefore does
**not** implement that theorem. It measures, as an experiment: plain minibatch SGD on
``f(x) = w^T (x + V tanh(U x))`` (width ``k`` of ``U``), across seeds and widths, the
full empirical risk along the iterations against the best linear predictor's risk
``R_lin`` (:func:`verify.best_linear_predictor`, rigorous bracket; its upper end is used),
and the fraction of runs whose final risk is at most ``R_lin + eps`` with a 95 % Wilson
interval. Evidence: SAMPLED (finitely many runs; float64 risks).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.baseline import best_linear_predictor
from verify.catalogue.losses import loss
from verify.data import Dataset
from verify.experiments.common import NOT_A_PROOF, check_budget, check_seed
from verify.experiments.plotting import save_figure
from verify.experiments.stats import wilson
from verify.models import resnet
from verify.numbers.arithmetic import Arithmetic
from verify.objectives.empirical import Objective
from verify.verdict import Method

_CONFIG: dict[str, dict[str, Any]] = {
    "quick": {"widths": (1, 4), "seeds": 4, "steps": 1500, "every": 100, "n": 40},
    "deep": {"widths": (1, 2, 4, 8), "seeds": 20, "steps": 20000, "every": 500, "n": 200},
}
D_X, LR, BATCH = 3, 0.05, 4
EPS = 0.01


def _datasets(rng: np.random.Generator, n: int) -> dict[str, tuple[Dataset, Any]]:
    x = rng.normal(size=(n, D_X))
    logit = x[:, 0] - x[:, 1] * x[:, 2] + 0.7 * rng.normal(size=n)
    y_reg = np.sin(2 * x[:, 0]) + 0.5 * x[:, 1] + 0.2 * rng.normal(size=n)
    return {"logistic": (Dataset(x, np.where(logit > 0, 1, -1)), loss("logistic")),
            "huber": (Dataset(x, y_reg), loss("huber", delta=1))}


def minibatch_gradient(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
                       the_loss: Any) -> dict[str, np.ndarray]:
    """Gradient of the mean loss over the rows of ``x`` for ``w^T (x + V tanh(U x))``."""
    a = x @ params["U"].T
    z = np.tanh(a)
    h = x + z @ params["V"].T
    f = h @ params["w"]
    g = np.asarray(the_loss.d1(Arithmetic.FLOAT, f, y), dtype=float) / len(y)
    gw = h.T @ g
    dz = np.outer(g, params["w"]) @ params["V"]  # (b, k)
    gV = np.outer(params["w"], z.T @ g)
    gU = (dz * (1 - z * z)).T @ x
    return {"U": gU, "V": gV, "w": gw}


@dataclass(frozen=True)
class SGDRun:
    loss: str
    width: int
    seed: int
    iterations: list[int]
    risk: list[float]
    r_lin: float
    final_gap: float

    @property
    def success(self) -> bool:
        return self.final_gap <= EPS

    def to_dict(self) -> dict[str, Any]:
        return {"loss": self.loss, "width": self.width, "seed": self.seed,
                "iterations": self.iterations, "risk": self.risk, "r_lin_upper": self.r_lin,
                "final_gap": self.final_gap, "within_eps_or_below": self.success}


@dataclass(frozen=True)
class SGDResult:
    runs: list[SGDRun]
    seed: int
    budget: str
    n: int
    steps: int
    seconds: float

    def rates(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for name in dict.fromkeys(r.loss for r in self.runs):
            out[name] = {}
            for k in sorted({r.width for r in self.runs if r.loss == name}):
                rs = [r for r in self.runs if r.loss == name and r.width == k]
                out[name][str(k)] = wilson(sum(r.success for r in rs), len(rs)).to_dict()
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment": "S3 substitute: plain SGD on single-block ResNets vs R_lin "
                          "(an experiment, not Shamir's theorem: the tweak is unknown)",
            "source": "Shamir 2018 [S: exists; details unknown] (CLAIMS.md S3)",
            "measures": f"full empirical risk along SGD (batch {BATCH}, lr {LR}); fraction "
                        f"of runs ending with R <= R_lin + {EPS} (R_lin: upper end of the "
                        "rigorous bracket), 95% Wilson intervals",
            "method": Method.SAMPLED.value, "note": NOT_A_PROOF,
            "seed": self.seed, "budget": self.budget, "n_samples": self.n, "d_x": D_X,
            "steps": self.steps, "batch": BATCH, "learning_rate": LR, "eps": EPS,
            "success_rates": self.rates(), "seconds": self.seconds,
            "runs": [r.to_dict() for r in self.runs],
        }


def run(budget: str = "quick", seed: int = 0) -> SGDResult:
    """SGD runs over widths and seeds for logistic and Huber losses; see the docstring."""
    check_budget(budget)
    check_seed(seed)
    cfg = _CONFIG[budget]
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    runs: list[SGDRun] = []
    for ds, the_loss in _datasets(rng, cfg["n"]).values():
        base = best_linear_predictor(ds, the_loss)
        r_lin = float(base.upper)
        x = np.asarray(ds.x, dtype=float)
        y = np.asarray(ds.y, dtype=float)
        for k in cfg["widths"]:
            model = resnet(D_X, [{"activation": "tanh", "proj": k}])
            obj = Objective(model, the_loss, ds)
            for s in range(cfg["seeds"]):
                r = np.random.default_rng([seed, k, s])
                p = {"U": r.normal(0, 0.3, (k, D_X)), "V": r.normal(0, 0.3, (D_X, k)),
                     "w": r.normal(0, 0.3, D_X)}
                its, risks = [], []
                for it in range(cfg["steps"] + 1):
                    if it % cfg["every"] == 0 or it == cfg["steps"]:
                        theta = model.pack({"blocks[0].U": p["U"], "blocks[0].V": p["V"],
                                            "w": p["w"]})
                        its.append(it)
                        risks.append(obj.value_and_gradient(theta)[0])
                    if it == cfg["steps"]:
                        break
                    idx = r.integers(0, ds.n, BATCH)
                    g = minibatch_gradient(p, x[idx], y[idx], the_loss)
                    p = {key: p[key] - LR * g[key] for key in p}
                runs.append(SGDRun(the_loss.label, k, s, its, risks, r_lin,
                                   risks[-1] - r_lin))
    return SGDResult(runs, seed, budget, cfg["n"], cfg["steps"], time.perf_counter() - start)


def plot(result: SGDResult, path: Any) -> tuple[Any, Any]:
    """``R - R_lin`` along SGD for every run, coloured by loss and width (symlog)."""
    keys = list(dict.fromkeys((r.loss, r.width) for r in result.runs))
    series: list[dict[str, Any]] = [{"loss": r.loss, "width": r.width, "seed": r.seed,
               "iteration": [float(i) for i in r.iterations],
               "risk_minus_r_lin": [v - r.r_lin for v in r.risk]} for r in result.runs]

    def draw(ax: Any) -> None:
        seen: set[tuple[str, int]] = set()
        for s in series:
            key = (s["loss"], s["width"])
            c = f"C{keys.index(key)}"
            label = None if key in seen else f"{key[0]}, width {key[1]}"
            seen.add(key)
            ax.plot(s["iteration"], s["risk_minus_r_lin"], color=c, lw=0.8, label=label)
        ax.axhline(0.0, color="black", ls="--", label="R_lin (linear predictor)")
        ax.axhline(EPS, color="grey", ls=":", label=f"R_lin + ε (ε = {EPS})")
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))

    return save_figure(path, draw, {"seed": result.seed, "eps": EPS, "series": series},
                       title="S3 experiment: SGD risk minus R_lin", xlabel="SGD iteration",
                       ylabel="R(θ) − R_lin", size=(9.0, 4.5))
