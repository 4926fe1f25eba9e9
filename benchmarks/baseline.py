"""Benchmark: the best-linear-predictor baseline (CVXPY reuse, solvers, accuracy).

Measures, on repeated problems of one shape:

1. raw CVXPY solves per second: a fresh ``cp.Problem`` per solve versus one
   parametrized (DPP) problem whose parameters are reassigned, for Clarabel and SCS;
2. full ``best_linear_predictor`` calls per second (LP separability test, solve,
   Newton polish, KKT re-check, exact dual certificate) without and with a
   ``ProblemCache``;
3. accuracy against the exact closed form for squared loss: the raw solver
   objective and the certified bracket of ``method="cvxpy"``.

Prints tables of medians and ratios; never fails.  Run::

    python benchmarks/baseline.py            # about a minute
    python benchmarks/baseline.py --quick    # a few seconds
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from fractions import Fraction

import numpy as np

from verify.baseline import ProblemCache, best_linear_predictor
from verify.catalogue.losses import Loss, loss
from verify.data import Dataset

SHAPES = ((20, 3), (200, 10))


def _problems(kind: str, n: int, d: int, count: int, seed: int) -> list[tuple[np.ndarray, ...]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        x = rng.standard_normal((n, d))
        score = x @ rng.standard_normal(d) + rng.standard_normal(n)
        y = np.where(score > 0, 1.0, -1.0) if kind == "margin" else score
        out.append((x, y))
    return out


def _rate(fn: Callable[[], None], count: int, rounds: int) -> float:
    """Median calls per second over ``rounds`` rounds of ``count`` calls."""
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(count):
            fn()
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def _raw_objective(the_loss: Loss, x_param: object, y_param: object, t: object) -> object:
    if the_loss.margin:
        return the_loss.cvxpy_margin(x_param @ t)  # type: ignore[operator]
    return the_loss.cvxpy(x_param @ t, y_param)  # type: ignore[operator]


def raw_solver_rates(count: int, rounds: int) -> list[tuple[str, ...]]:
    import cvxpy as cp

    rows = []
    for name in ("logistic", "huber"):
        the_loss = loss(name)
        kind = "margin" if the_loss.margin else "regression"
        for n, d in SHAPES:
            data = _problems(kind, n, d, count, seed=n + d)
            for solver in ("CLARABEL", "SCS"):
                it = iter(range(10**9))

                def fresh(data=data, solver=solver, the_loss=the_loss, it=it, n=n, d=d) -> None:
                    x, y = data[next(it) % len(data)]
                    mat = y[:, None] * x if the_loss.margin else x
                    t = cp.Variable(d)
                    expr = _raw_objective(the_loss, mat, y, t)
                    cp.Problem(cp.Minimize(cp.sum(expr) / n)).solve(solver=solver)

                xp, yp, tv = cp.Parameter((n, d)), cp.Parameter(n), cp.Variable(d)
                prob = cp.Problem(cp.Minimize(cp.sum(_raw_objective(the_loss, xp, yp, tv)) / n))
                it2 = iter(range(10**9))

                def reuse(
                    data=data, solver=solver, prob=prob, xp=xp, yp=yp, it2=it2, the_loss=the_loss
                ) -> None:
                    x, y = data[next(it2) % len(data)]
                    xp.value = y[:, None] * x if the_loss.margin else x
                    yp.value = y
                    prob.solve(solver=solver, warm_start=False)  # as the library does

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    reuse()  # compile once
                    r_fresh = _rate(fresh, count, rounds)
                    r_reuse = _rate(reuse, count, rounds)
                rows.append(
                    (
                        name,
                        f"{n}x{d}",
                        solver.lower(),
                        f"{r_fresh:8.1f}",
                        f"{r_reuse:8.1f}",
                        f"{r_reuse / r_fresh:5.2f}x",
                    )
                )
    return rows


def pipeline_rates(count: int, rounds: int) -> list[tuple[str, ...]]:
    rows = []
    for name in ("logistic", "huber"):
        the_loss = loss(name)
        kind = "margin" if the_loss.margin else "regression"
        for n, d in SHAPES:
            datasets = [Dataset(x, y) for x, y in _problems(kind, n, d, count, seed=7 * n + d)]
            for solver in ("clarabel", "scs"):
                cache = ProblemCache()
                it = iter(range(10**9))
                it2 = iter(range(10**9))

                def without(datasets=datasets, solver=solver, it=it, the_loss=the_loss) -> None:
                    best_linear_predictor(
                        datasets[next(it) % len(datasets)], the_loss, solver=solver
                    )

                def with_cache(
                    datasets=datasets, solver=solver, it2=it2, cache=cache, the_loss=the_loss
                ) -> None:
                    best_linear_predictor(
                        datasets[next(it2) % len(datasets)], the_loss, solver=solver, cache=cache
                    )

                with_cache()
                r0 = _rate(without, count, rounds)
                r1 = _rate(with_cache, count, rounds)
                settled = sum(
                    best_linear_predictor(ds, the_loss, solver=solver, cache=cache).status
                    != "inconclusive"
                    for ds in datasets
                )
                rows.append(
                    (
                        name,
                        f"{n}x{d}",
                        solver,
                        f"{r0:8.1f}",
                        f"{r1:8.1f}",
                        f"{r1 / r0:5.2f}x",
                        f"{settled}/{len(datasets)}",
                    )
                )
    return rows


def accuracy_rows(count: int) -> list[tuple[str, ...]]:
    rows = []
    for n, d in SHAPES:
        problems = _problems("regression", n, d, count, seed=3 * n + d)
        for solver in ("clarabel", "scs"):
            raw_err, raw_kkt, width, val_err = [], [], [], []
            for x, y in problems:
                data = Dataset(x, y)
                exact = best_linear_predictor(data, "squared")
                ex = Fraction(exact.lower) if not isinstance(exact.lower, Fraction) else exact.lower
                b = best_linear_predictor(data, "squared", method="cvxpy", solver=solver)
                attempt = b.details["solve"]["attempts"][0]
                scale = max(1.0, abs(float(ex)))
                if "solver_objective" in attempt:
                    raw_err.append(abs(attempt["solver_objective"] - float(ex)) / scale)
                raw_kkt.append(attempt.get("raw_kkt", float("nan")))
                width.append(b.width / scale)
                if b.value is not None:
                    val_err.append(abs(float(b.value) - float(ex)) / scale)
                assert Fraction(b.lower) <= ex <= Fraction(b.upper)  # the bracket is rigorous
            rows.append(
                (
                    f"{n}x{d}",
                    solver,
                    f"{statistics.median(raw_err):9.2e}",
                    f"{max(raw_err):9.2e}",
                    f"{statistics.median(raw_kkt):9.2e}",
                    f"{statistics.median(width):9.2e}",
                    f"{max(val_err) if val_err else float('nan'):9.2e}",
                )
            )
    return rows


def _table(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    count, rounds = (10, 1) if args.quick else (40, 3)
    _table(
        "1. raw CVXPY solves/s, same-shape problems (median of rounds)",
        ("loss", "n x d", "solver", "fresh", "reuse", "ratio"),
        raw_solver_rates(count, rounds),
    )
    _table(
        "2. best_linear_predictor calls/s (LP + solve + polish + certificate)",
        ("loss", "n x d", "solver", "no cache", "cache", "ratio", "settled"),
        pipeline_rates(count, rounds),
    )
    _table(
        "3. squared loss via CVXPY vs the exact closed form (relative errors)",
        ("n x d", "solver", "raw med", "raw max", "raw KKT", "bracket w", "value max"),
        accuracy_rows(count),
    )


if __name__ == "__main__":
    main()
