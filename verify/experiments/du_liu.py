r"""Du et al. (2018) and Liu et al. (2019, **reconstruction**) experiments on conv nets.

Both use the normalised non-overlapping conv net of CLAIMS.md §L1–L2 with
Gaussian patches, a teacher ``(v*, a*)`` with ``‖v*‖ = 1`` (``v* = e_1``; the
risk depends only on angles, so this is no loss of generality), and gradient
descent on the closed-form population risk
(:func:`verify.population.conv.conv_batch`, all runs as one NumPy batch).

* :func:`du_experiment` — Du et al.: ``w`` uniformly random in direction,
  ``a`` uniform in the ball of radius ``|1ᵀa*|/√k`` (our reading of Du et al.'s
  initialisation [R]); the fraction of runs ending at the global point
  ``(v*, a*)`` vs the spurious point ``(−v*, a_s)`` (the latter certified once in
  closed form by the profile-loss argument, :func:`verify.population.conv.certify_du_spurious`).
* :func:`liu_experiment` — Liu et al., **reconstruction [R]** (CLAIMS §L2, reading
  (A)): GD with normalisation, first layer initialised at ``w = 0`` (convention:
  see :mod:`verify.population.conv` — at ``w = 0`` the filter is 0 and the step
  uses the gradient of the terms differentiable there, i.e. the shortcut's linear
  terms), ``a`` uniform in the same ball; with the average-pooling shortcut and
  without it. Success = final angle < 1e-3 and ``‖a − a*‖ < 1e-3``. A plot shows
  the angle and ``‖a − a*‖`` over iterations for a few runs (the two stages; the
  angle at ``w = 0`` is undefined and is recorded as π/2). Under this reading the
  first stage is a single step: at ``w = 0`` the only gradient is the shortcut's,
  ``−(1ᵀa + 1ᵀa* + 2) v*/(2k)``, so ``w`` jumps onto the ray of ``±v*`` (``+v*`` iff
  ``1ᵀa + 1ᵀa* > −2``) and stays there; the second stage is GD on the convex
  quadratic in ``a``. Without the shortcut nothing moves ``w`` off 0.

Rates are experiments (``Method.SAMPLED``) with 95 % Wilson intervals, run
counts and seeds; every Liu result carries the label "reconstruction".
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from verify.errors import InvalidInput
from verify.experiments.plotting import save_figure
from verify.experiments.stats import wilson
from verify.population.conv import certify_du_spurious, conv_batch, du_spurious_point

#: default teacher output weights: (1ᵀa*)² < ((k + π − 1)/π)‖a*‖², so the spurious minimum exists
ASTAR = (1.0, -1.0, 1.0, 0.5)
PATCH = 4
CLOSE = 1e-3
#: "ends near a point": angle and ‖a − ·‖ within this (GD approaches the spurious point only
#: sublinearly, since the loss is cubic in the angle there; strict 1e-3 counts are reported too)
NEAR = 0.05


def _check(runs: int, iters: int) -> None:
    for name, v in (("runs", runs), ("iters", iters)):
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise InvalidInput(f"{name}={v!r} must be a positive integer.")


def _ball(rng: np.random.Generator, runs: int, k: int, radius: float) -> np.ndarray:
    d = rng.standard_normal((runs, k))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    return d * (radius * rng.uniform(size=(runs, 1)) ** (1.0 / k))


def _gd(
    w: np.ndarray,
    a: np.ndarray,
    astar: np.ndarray,
    *,
    shortcut: bool,
    step: float,
    iters: int,
    tol: float,
    trace: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[dict[str, list[float]]]]:
    v = np.zeros(w.shape[1])
    v[0] = 1.0
    hist: list[dict[str, list[float]]] = [{"angle": [], "a_err": []} for _ in range(trace)]
    done = np.zeros(w.shape[0], dtype=bool)
    for _ in range(iters):
        f, gw, ga, phi = conv_batch(w, a, v, astar, normalise=True, shortcut=shortcut)
        for j in range(trace):
            hist[j]["angle"].append(float(phi[j]))
            hist[j]["a_err"].append(float(np.linalg.norm(a[j] - astar)))
        gmax = np.maximum(np.abs(gw).max(axis=1), np.abs(ga).max(axis=1))
        done = gmax <= tol
        if done.all() and not trace:
            break
        w = w - step * gw * (~done)[:, None]
        a = a - step * ga * (~done)[:, None]
    f, _, _, phi = conv_batch(w, a, v, astar, normalise=True, shortcut=shortcut)
    return w, a, f, phi, hist


def du_experiment(
    runs: int = 200,
    *,
    astar: tuple[float, ...] = ASTAR,
    patch: int = PATCH,
    seed: int = 0,
    step: float = 0.5,
    iters: int = 20_000,
    tol: float = 1e-10,
) -> dict[str, Any]:
    """Fractions of Du et al. GD runs ending at the global vs the spurious point."""
    _check(runs, iters)
    ast = np.asarray(astar, dtype=np.float64)
    k = ast.size
    rng = np.random.default_rng([seed, 1])
    w0 = rng.standard_normal((runs, patch))
    a0 = _ball(rng, runs, k, abs(ast.sum()) / np.sqrt(k))
    t0 = time.perf_counter()
    _, a, _f, phi, _ = _gd(w0, a0, ast, shortcut=False, step=step, iters=iters, tol=tol)
    secs = time.perf_counter() - t0
    a_s = du_spurious_point(ast)
    glob = (phi < NEAR) & (np.linalg.norm(a - ast, axis=1) < NEAR)
    spur = (phi > np.pi - NEAR) & (np.linalg.norm(a - a_s, axis=1) < NEAR)
    glob_strict = (phi < CLOSE) & (np.linalg.norm(a - ast, axis=1) < CLOSE)
    spur_strict = (phi > np.pi - CLOSE) & (np.linalg.norm(a - a_s, axis=1) < CLOSE)
    cert = certify_du_spurious(list(astar))
    return {
        "experiment": "Du et al. 2018: GD on the normalised non-overlapping conv net",
        "method": "sampled (rates); certified (spurious point, profile-loss argument)",
        "setting": {"k": k, "p": patch, "astar": list(astar), "v_star": "e_1", "step": step,
                    "iters": iters, "grad_tol": tol, "seed": seed,
                    "init": "w ~ N(0, I_p); a uniform in ball of radius |1ᵀa*|/sqrt(k)"},
        "runs": runs,
        "global": wilson(int(glob.sum()), runs).to_dict(),
        "spurious": wilson(int(spur.sum()), runs).to_dict(),
        "near_threshold": NEAR,
        "strict_threshold": CLOSE,
        "global_strict": int(glob_strict.sum()),
        "spurious_strict": int(spur_strict.sum()),
        "other": int(runs - glob.sum() - spur.sum()),
        "other_final_angles": sorted(float(x) for x in phi[~glob & ~spur])[:20],
        "spurious_certificate": cert.to_dict(),
        "gd_seconds": secs,
    }


def liu_experiment(
    runs: int = 200,
    *,
    shortcut: bool = True,
    astar: tuple[float, ...] = ASTAR,
    patch: int = PATCH,
    seed: int = 0,
    step: float = 0.5,
    iters: int = 2_000,
    trace: int = 0,
) -> dict[str, Any]:
    """Liu et al. (reconstruction): GD from ``w = 0``, ``a`` in a ball; success rate."""
    _check(runs, iters)
    ast = np.asarray(astar, dtype=np.float64)
    k = ast.size
    rng = np.random.default_rng([seed, 2])
    w0 = np.zeros((runs, patch))
    a0 = _ball(rng, runs, k, abs(ast.sum()) / np.sqrt(k))
    t0 = time.perf_counter()
    w, a, f, phi, hist = _gd(
        w0, a0, ast, shortcut=shortcut, step=step, iters=iters, tol=1e-12, trace=trace
    )
    secs = time.perf_counter() - t0
    ok = (phi < CLOSE) & (np.linalg.norm(a - ast, axis=1) < CLOSE) & (np.linalg.norm(w, axis=1) > 0)
    stuck = int(np.sum(np.linalg.norm(w, axis=1) == 0))
    return {
        "experiment": "Liu et al. 2019 (reconstruction): GD with normalisation from w = 0",
        "label": "reconstruction",
        "method": "sampled",
        "shortcut": "avg_pool" if shortcut else "none",
        "setting": {"k": k, "p": patch, "astar": list(astar), "v_star": "e_1", "step": step,
                    "iters": iters, "seed": seed,
                    "init": "w = 0; a uniform in ball of radius |1ᵀa*|/sqrt(k)",
                    "w0_convention": "at w = 0 the filter is 0 and the step uses the gradient "
                    "of the terms of F differentiable there (the shortcut's linear terms)"},
        "runs": runs,
        "success": wilson(int(ok.sum()), runs).to_dict(),
        "stuck_at_w0": stuck,
        "final_risk_max": float(np.max(f)),
        "gd_seconds": secs,
        "trajectories": hist,
    }


def run_all(out_dir: str | Path, runs: int = 200, seed: int = 0) -> dict[str, Any]:
    """Du and Liu experiments; writes ``du_liu.json``/``.png`` (the two-stage plot)."""
    du = du_experiment(runs, seed=seed)
    liu_on = liu_experiment(runs, shortcut=True, seed=seed, trace=3)
    liu_off = liu_experiment(runs, shortcut=False, seed=seed, trace=0)
    result = {"du": du, "liu_shortcut": liu_on, "liu_no_shortcut": liu_off}

    def draw(ax: Any) -> None:
        for j, tr in enumerate(liu_on["trajectories"]):
            it = np.arange(1, len(tr["angle"]) + 1)
            ax.plot(it, np.maximum(tr["angle"], 1e-17), label=f"angle, run {j}")
            ax.plot(it, np.maximum(tr["a_err"], 1e-17), "--", label=f"|a - a*|, run {j}")
        ax.set_xscale("log")
        ax.set_yscale("log")

    save_figure(Path(out_dir) / "liu_two_stages", draw, result,
                title="Liu et al. (reconstruction): GD from w = 0 with shortcut",
                xlabel="iteration", ylabel="angle(w, v*) [rad] and |a - a*|")
    return result
