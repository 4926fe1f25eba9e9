r"""Safran & Shamir's (2018) protocol: how often does GD on a two-layer ReLU net get stuck?

Setting (Safran & Shamir, "Spurious local minima are common in two-layer ReLU
neural networks", ICML 2018; CLAIMS.md "Certification technique" [D]): inputs
``x ~ N(0, I_k)``, teacher ``V = I_k`` with output weights 1, student
``f(x) = Σ_i σ(w_iᵀx)`` with ``n = k`` neurons and output weights fixed to 1,
population risk ``F(W) = ½E[(f_W − f_V)²]`` in closed form
(:class:`verify.population.objective.PopulationRisk`).

Protocol as implemented here: Xavier init ``W = randn(k, n)/√k``; gradient descent
with step 0.1 until the largest per-neuron gradient norm ``max_i ‖∇_{w_i}F‖`` is at
most ``1e-9`` or an iteration cap is hit (reported); a run is *bad* if its final
``F ≥ 1e-3``. All runs of one ``(k, n)`` advance together as one NumPy batch
(:func:`verify.population.objective.two_layer_batch`); finished runs leave the batch.

Bad points are grouped into *families* by invariants of the symmetry group
``W ↦ P W Q`` (coordinate permutation ``P`` — the teacher ``I`` is invariant up to
relabelling — and neuron permutation ``Q``): ``F``, the sorted singular values and
the sorted entries, compared with a tolerance. Equal invariants do not prove that
two points are equivalent; distinct invariants prove they are not. One
representative per family is then *certified* by
:func:`verify.classification.classify` (Krawczyk box + positive definite
Hessian over it + risk bracket above the global minimum 0 ⇒ certified spurious
strict local minimum, ``Method.CERTIFIED``). Frequencies are experiments
(``Method.SAMPLED``), with 95 % Wilson intervals, run counts and seeds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from verify.classification import classify
from verify.errors import InvalidInput
from verify.experiments.plotting import save_figure
from verify.experiments.stats import wilson
from verify.population.models import two_layer_relu
from verify.population.objective import PopulationRisk, teacher_identity, two_layer_batch

STEP = 0.1
GRAD_TOL = 1e-9
BAD = 1e-3


@dataclass(frozen=True)
class GDRuns:
    """Final points and diagnostics of a batch of GD runs."""

    k: int
    n: int
    seed: int
    weights: np.ndarray  # (runs, k, n)
    risk: np.ndarray  # (runs,)
    iterations: np.ndarray  # (runs,)
    converged: np.ndarray  # (runs,) bool
    seconds: float
    max_iter: int

    @property
    def runs(self) -> int:
        return int(self.risk.shape[0])

    @property
    def bad(self) -> np.ndarray:
        return self.risk >= BAD


def run_gd(
    k: int,
    runs: int,
    *,
    n: int | None = None,
    seed: int = 0,
    step: float = STEP,
    tol: float = GRAD_TOL,
    max_iter: int = 200_000,
) -> GDRuns:
    """``runs`` GD runs from Xavier inits (``numpy.random.default_rng([seed, k, n])``)."""
    n = k if n is None else n
    for name, val in (("k", k), ("runs", runs), ("n", n), ("max_iter", max_iter)):
        if isinstance(val, bool) or not isinstance(val, int) or val <= 0:
            raise InvalidInput(f"{name}={val!r} must be a positive integer.")
    rng = np.random.default_rng([seed, k, n])
    w = rng.standard_normal((runs, k, n)) / np.sqrt(k)
    a, v, c = np.ones(n), np.eye(k), np.ones(k)
    active = np.arange(runs)
    iters = np.full(runs, max_iter)
    conv = np.zeros(runs, dtype=bool)
    t0 = time.perf_counter()
    for it in range(max_iter + 1):
        if active.size == 0:
            break
        _, g = two_layer_batch(w[active], a, v, c)
        gmax = np.linalg.norm(g, axis=1).max(axis=1)
        done = gmax <= tol
        iters[active[done]] = it
        conv[active[done]] = True
        if it == max_iter:
            break
        keep = active[~done]
        w[keep] -= step * g[~done]
        active = keep
    seconds = time.perf_counter() - t0
    risk, _ = two_layer_batch(w, a, v, c)
    return GDRuns(k, n, seed, w, risk, iters, conv, seconds, max_iter)


@dataclass
class Family:
    """Bad points with equal symmetry invariants (not a proof of equivalence)."""

    representative: int
    members: list[int] = field(default_factory=list)
    risk: float = 0.0


def _invariants(w: np.ndarray) -> np.ndarray:
    sv = np.linalg.svd(w, compute_uv=False)
    return np.concatenate([np.sort(sv), np.sort(w.reshape(-1))])


def families(gd: GDRuns, tol: float = 1e-5) -> list[Family]:
    """Group the converged bad runs by invariants of ``W ↦ P W Q`` (see module docstring)."""
    out: list[tuple[np.ndarray, Family]] = []
    for i in np.nonzero(gd.bad & gd.converged)[0]:
        inv = np.concatenate([[gd.risk[i]], _invariants(gd.weights[i])])
        for ref, fam in out:
            if np.max(np.abs(ref - inv)) <= tol:
                fam.members.append(int(i))
                break
        else:
            out.append((inv, Family(int(i), [int(i)], float(gd.risk[i]))))
    return sorted((f for _, f in out), key=lambda f: -len(f.members))


def objective(k: int, n: int | None = None) -> PopulationRisk:
    """The Safran–Shamir population objective for teacher ``I_k`` and ``n`` student neurons."""
    tm, tp = teacher_identity(k)
    return PopulationRisk(two_layer_relu(k, k if n is None else n), tm, tp)


def certify_family(gd: GDRuns, fam: Family) -> dict[str, Any]:
    """Classify the family's representative; returns the classification and its time."""
    t0 = time.perf_counter()
    c = classify(objective(gd.k, gd.n), gd.weights[fam.representative].reshape(-1))
    return {"classification": c.to_dict(), "seconds": time.perf_counter() - t0,
            "certified_spurious": bool(c.kind == "strict_local_minimum" and c.spurious)}


def sweep(
    ks: tuple[int, ...] = (6, 7, 8, 9, 10),
    runs: int = 500,
    *,
    seed: int = 0,
    certify: bool = True,
    max_iter: int = 200_000,
    out: str | Path | None = None,
) -> dict[str, Any]:
    """Bad-run frequency per ``(k, n = k)`` with Wilson intervals, families, certificates.

    ``out`` (a path without suffix) writes ``out.png`` and ``out.json`` (the plot of the
    bad-run rate against ``k`` and every number reported).
    """
    rows = []
    for k in ks:
        gd = run_gd(k, runs, seed=seed, max_iter=max_iter)
        rate = wilson(int(gd.bad.sum()), gd.runs)
        fams = families(gd)
        certs = [certify_family(gd, f) for f in fams] if certify else []
        rows.append(
            {
                "k": k,
                "n": gd.n,
                "seed": seed,
                "runs": gd.runs,
                "bad": rate.to_dict(),
                "converged": int(gd.converged.sum()),
                "not_converged_bad": int((gd.bad & ~gd.converged).sum()),
                "iteration_cap": max_iter,
                "iterations_median": float(np.median(gd.iterations)),
                "iterations_max": int(gd.iterations.max()),
                "gd_seconds": gd.seconds,
                "seconds_per_1000_runs": gd.seconds * 1000 / gd.runs,
                "families": [
                    {
                        "size": len(f.members),
                        "risk": f.risk,
                        "representative_W": gd.weights[f.representative].tolist(),
                        **(certs[i] if certs else {}),
                    }
                    for i, f in enumerate(fams)
                ],
            }
        )
    result = {
        "experiment": "Safran-Shamir two-layer ReLU, teacher I_k, n = k",
        "method": "sampled (frequencies); certified (each family representative)",
        "protocol": {"init": "randn(k, n)/sqrt(k)", "step": STEP, "grad_tol": GRAD_TOL,
                     "bad_if_risk_at_least": BAD},
        "rows": rows,
    }
    if out is not None:
        _plot(result, out)
    return result


def _plot(result: dict[str, Any], out: str | Path) -> None:
    rows = result["rows"]

    def draw(ax: Any) -> None:
        ks = [r["k"] for r in rows]
        rate = [r["bad"]["rate"] for r in rows]
        lo = [max(0.0, r["bad"]["rate"] - r["bad"]["wilson95"][0]) for r in rows]
        hi = [max(0.0, r["bad"]["wilson95"][1] - r["bad"]["rate"]) for r in rows]
        ax.errorbar(ks, rate, yerr=[lo, hi], fmt="o-", capsize=3, label="bad runs (95% Wilson)")

    save_figure(out, draw, result, title="Safran-Shamir: GD runs ending at F >= 1e-3",
                xlabel="k (= n = d)", ylabel="fraction of runs")
