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
* :func:`liu_experiment` / :func:`liu_comparison` — Liu et al., **reconstruction [R]**
  (CLAIMS §L2, reading (A): the average-pooled first-layer output ``(1/k)Σ_j w̃ᵀZ_j`` is
  added to the output). Liu et al. initialise ``w = 0``; there ``w/‖w‖`` is undefined and
  without the shortcut ``F`` has no gradient in ``w`` (its ReLU terms are positively
  homogeneous), so a comparison started exactly at 0 is degenerate (the no-shortcut runs
  never move). Both variants therefore start from the *same* tiny random ``w``
  (``‖w‖ = 1e-3``, uniform direction) and the same ``a`` (uniform in the ball of radius
  ``|1ᵀa*|/√k``), with the same step ``η``; after each step ``w`` is rescaled to unit norm
  (no loss value changes: ``F`` depends on ``w/‖w‖``; without the rescaling the first step,
  whose gradient is ∝ 1/‖w‖, makes ``‖w‖`` huge and GD stalls). The first step from the
  tiny ``w`` moves the direction to the side of ``±v*`` given by the sign of
  ``(π − φ₀) aᵀa*/(2π) [+ (1ᵀa + 1ᵀa* + 2)/(2k)`` with the shortcut``]`` (stage one); the
  rest is convergence of ``(w/‖w‖, a)`` (stage two). Success = angle < 1e-3 and
  ``‖a − a*‖ < 1e-3``; a plot shows the angle and ``‖a − a*‖`` over iterations.

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
        "final_angles": [float(x) for x in phi],
        "spurious_certificate": cert.to_dict(),
        "gd_seconds": secs,
    }


def _liu_gd(
    w: np.ndarray,
    a: np.ndarray,
    astar: np.ndarray,
    *,
    shortcut: bool,
    step: float,
    iters: int,
    renormalise: bool,
    trace: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[dict[str, list[float]]]]:
    v = np.zeros(w.shape[1])
    v[0] = 1.0
    hist: list[dict[str, list[float]]] = [{"angle": [], "a_err": []} for _ in range(trace)]
    for _ in range(iters):
        _f, gw, ga, phi = conv_batch(w, a, v, astar, normalise=True, shortcut=shortcut)
        for j in range(trace):
            hist[j]["angle"].append(float(phi[j]))
            hist[j]["a_err"].append(float(np.linalg.norm(a[j] - astar)))
        w = w - step * gw
        a = a - step * ga
        if renormalise:
            w = w / np.linalg.norm(w, axis=1, keepdims=True)
    f, _, _, phi = conv_batch(w, a, v, astar, normalise=True, shortcut=shortcut)
    return w, a, f, phi, hist


def liu_experiment(
    runs: int = 200,
    *,
    shortcut: bool = True,
    astar: tuple[float, ...] = ASTAR,
    patch: int = PATCH,
    seed: int = 0,
    step: float = 0.5,
    iters: int = 3_000,
    w0_norm: float = 1e-3,
    renormalise: bool = True,
    trace: int = 0,
) -> dict[str, Any]:
    r"""Liu et al. (reconstruction): success rate of GD with normalisation from a tiny ``w``.

    Initialisation (identical for both variants for the same ``seed``): ``w`` uniformly
    random in direction with ``‖w‖ = w0_norm`` (default 1e-3, a stand-in for Liu et al.'s
    ``w = 0``, where ``w/‖w‖`` is undefined and, without the shortcut, GD cannot move),
    ``a`` uniform in the ball of radius ``|1ᵀa*|/√k``. Step: ``w ← w − η∇_wF``,
    ``a ← a − η∇_aF`` with the same ``η`` for both variants; with ``renormalise`` (default)
    ``w`` is then rescaled to ``‖w‖ = 1`` (``F`` depends on ``w`` only through ``w/‖w‖``, so
    this changes no loss value; it keeps the step on the sphere equal to ``η``). Without it
    the first step from ``‖w‖ = 1e-3`` (gradient ∝ 1/‖w‖) makes ``‖w‖`` ~ 10²–10³ and GD
    stalls (measured, seed 0, 200 runs, η = 0.5, 20 000 steps, no rescaling: median
    ``‖w‖`` 190 with / 35 without the shortcut, successes 10/200 and 71/200 — a statement
    about the step size, not about the landscape). With the rescaling and seed 0, 1000
    runs, 3000 steps: 1000/1000 successes with the shortcut, 513/1000 without (487 end
    near the spurious point); from ``‖w‖ = 1`` instead: 1000/1000 and 654/1000.
    Outcomes after ``iters`` steps: *success* (angle < 1e-3 and ``‖a − a*‖ < 1e-3``),
    *near Du's spurious point* ``(−v*, a_s)`` (within ``NEAR``), *other*.
    """
    _check(runs, iters)
    if not (np.isfinite(w0_norm) and w0_norm > 0):
        raise InvalidInput(f"w0_norm={w0_norm!r} must be a positive float; pass e.g. 1e-3.")
    ast = np.asarray(astar, dtype=np.float64)
    k = ast.size
    rng = np.random.default_rng([seed, 2])
    w0 = rng.standard_normal((runs, patch))
    w0 *= w0_norm / np.linalg.norm(w0, axis=1, keepdims=True)
    a0 = _ball(rng, runs, k, abs(ast.sum()) / np.sqrt(k))
    t0 = time.perf_counter()
    _w, a, f, phi, hist = _liu_gd(
        w0, a0, ast, shortcut=shortcut, step=step, iters=iters, renormalise=renormalise,
        trace=trace,
    )
    secs = time.perf_counter() - t0
    ok = (phi < CLOSE) & (np.linalg.norm(a - ast, axis=1) < CLOSE)
    a_s = du_spurious_point(ast)
    spur = (phi > np.pi - NEAR) & (np.linalg.norm(a - a_s, axis=1) < NEAR)
    return {
        "experiment": "Liu et al. 2019 (reconstruction): GD with normalisation from a tiny w",
        "label": "reconstruction",
        "method": "sampled",
        "shortcut": "avg_pool" if shortcut else "none",
        "setting": {"k": k, "p": patch, "astar": list(astar), "v_star": "e_1", "step": step,
                    "iters": iters, "seed": seed, "w0_norm": w0_norm,
                    "renormalise_w_after_each_step": renormalise,
                    "init": f"w uniform in direction with |w| = {w0_norm:g}; a uniform in the "
                    "ball of radius |1ᵀa*|/sqrt(k); the same draws for both variants"},
        "runs": runs,
        "success": wilson(int(ok.sum()), runs).to_dict(),
        "near_spurious": wilson(int(spur.sum()), runs).to_dict(),
        "other": int(runs - ok.sum() - spur.sum()),
        "success_rule": f"angle(w, v*) < {CLOSE:g} and |a - a*| < {CLOSE:g} after {iters} steps",
        "final_risk_max": float(np.max(f)),
        "gd_seconds": secs,
        "trajectories": hist,
    }


def liu_comparison(
    runs: int = 200, *, seed: int = 0, trace: int = 0, **options: Any
) -> dict[str, Any]:
    """Both Liu variants (with and without the shortcut) from the same initial draws."""
    on = liu_experiment(runs, shortcut=True, seed=seed, trace=trace, **options)
    off = liu_experiment(runs, shortcut=False, seed=seed, trace=trace, **options)
    return {"label": "reconstruction", "with_shortcut": on, "without_shortcut": off}


def run_all(out_dir: str | Path, runs: int = 200, seed: int = 0) -> dict[str, Any]:
    """Du and Liu experiments; writes ``liu_two_stages.json``/``.png`` (the two-stage plot)."""
    du = du_experiment(runs, seed=seed)
    liu = liu_comparison(runs, seed=seed, trace=3)
    result = {"du": du, "liu_shortcut": liu["with_shortcut"],
              "liu_no_shortcut": liu["without_shortcut"]}
    liu_plot(liu, Path(out_dir) / "liu_two_stages")
    return result


def liu_plot(liu: dict[str, Any], path: str | Path) -> tuple[Path, Path]:
    """Angle and ``‖a − a*‖`` over iterations for the traced runs of both variants."""

    def draw(ax: Any) -> None:
        for key, style in (("with_shortcut", "-"), ("without_shortcut", ":")):
            name = "shortcut" if key == "with_shortcut" else "no shortcut"
            for j, tr in enumerate(liu[key]["trajectories"]):
                it = np.arange(1, len(tr["angle"]) + 1)
                ax.plot(it, np.maximum(tr["angle"], 1e-17), style, color=f"C{2 * j}",
                        label=f"angle, run {j}, {name}")
                ax.plot(it, np.maximum(tr["a_err"], 1e-17), style, color=f"C{2 * j + 1}",
                        label=f"|a - a*|, run {j}, {name}")
        ax.set_xscale("log")
        ax.set_yscale("log")

    return save_figure(path, draw, liu, size=(8.0, 5.0),
                       title="Liu et al. (reconstruction): GD with normalisation, |w0| = 1e-3",
                       xlabel="iteration", ylabel="angle(w, v*) [rad] and |a - a*|")
