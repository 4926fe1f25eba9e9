"""Benchmark: exact / certified Hessian inertia and Krawczyk certification.

Run: ``python benchmarks/certify.py [--quick]``. Prints tables of medians; never fails.

Inertia (DESIGN.md target: P <= 200 in <= 5 s), on random symmetric matrices with
three kinds of entries:

* ``small``: rationals p/q with |p| <= 8, q <= 8;
* ``float``: float64 values read exactly (53-bit dyadic rationals), what an
  exact evaluation at a float point of a polynomial model produces at best;
* ``net``: the exact Hessian of a ReLU ResNet at a float parameter point
  (rational data), whose entries carry hundreds of bits.

Columns: exact charpoly + Descartes (``exact_inertia``), exact symmetric elimination
(``ldl``, only where it finishes in reasonable time), certified Sylvester +
Gershgorin on Arb balls (``certified_inertia``), the hybrid ``matrix_inertia`` and
float ``numpy.linalg.eigvalsh`` as the floor.

Krawczyk: ``critical_point_near`` and ``certify_local_minimum`` on small models.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import verify as V
from verify.certify import (
    certified_inertia,
    certify_local_minimum,
    critical_point_near,
    exact_inertia,
    matrix_inertia,
)
from verify.data import Dataset
from verify.objectives.empirical import Objective


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def random_matrix(kind: str, p: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "small":
        a = np.array(
            [[Fraction(int(rng.integers(-8, 9)), int(rng.integers(1, 9))) for _ in range(p)]
             for _ in range(p)], dtype=object,
        )  # fmt: skip
        return a + a.T
    a = rng.standard_normal((p, p))
    return (a + a.T) / 2


def network_hessian(p_target: int, rng: np.random.Generator) -> np.ndarray:
    """Exact Hessian of a ReLU ResNet with about p_target parameters at a float point."""
    d = 4
    width = 1
    while True:
        blocks = [{"activation": "relu", "proj": width, "hidden": [width], "bias": True}] * 2
        model = V.resnet(d, blocks)
        if model.n_params >= p_target or width > 40:
            break
        width += 1
    n = 12
    x = [[Fraction(int(rng.integers(-8, 9)), 8) for _ in range(d)] for _ in range(n)]
    y = [Fraction(int(rng.integers(-8, 9)), 8) for _ in range(n)]
    obj = Objective(model, V.loss("squared"), Dataset(x, y))
    theta = rng.standard_normal(model.n_params) * 0.5
    land = obj.evaluate(theta, "exact")
    assert land.hessian is not None
    return land.hessian


def fmt(t: float | None) -> str:
    if t is None:
        return "–"
    return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"


def bench_inertia(sizes: list[int], repeat: int) -> None:
    rng = np.random.default_rng(0)
    print("\n## Inertia (median of", repeat, "runs; 'det' = signs decided by the certified route)")
    hdr = ("kind", "P", "exact charpoly", "exact ldl", "certified", "det", "hybrid", "eigvalsh",
           "agree")  # fmt: skip
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    for kind in ("small", "float", "net"):
        for p in sizes:
            m = network_hessian(p, rng) if kind == "net" else random_matrix(kind, p, rng)
            pp = m.shape[0]
            mf = np.array(m, dtype=float)
            t_np, _ = timed(lambda mf=mf: np.linalg.eigvalsh(mf), max(repeat, 5))
            rep = 1 if pp >= 100 else repeat
            t_ex, ex = timed(lambda m=m: exact_inertia(m), rep)
            ldl_ok = (kind == "small" and pp <= 100) or pp <= 39
            t_ldl = timed(lambda m=m: exact_inertia(m, algorithm="ldl"), 1)[0] if ldl_ok else None
            t_ce, ce = timed(lambda m=m: certified_inertia(m), rep)
            t_hy, hy = timed(lambda m=m: matrix_inertia(m), rep)
            agree = (hy.n_pos, hy.n_zero, hy.n_neg) == (ex.n_pos, ex.n_zero, ex.n_neg) and (
                ce.n_pos <= ex.n_pos <= ce.n_pos + ce.n_unknown
            )
            det = "yes" if ce.determined else f"{ce.n_unknown} open"
            row = (kind, str(pp), fmt(t_ex), fmt(t_ldl), fmt(t_ce), det, fmt(t_hy), fmt(t_np),
                   "yes" if agree else "NO")  # fmt: skip
            print("| " + " | ".join(row) + " |", flush=True)


def tanh_resnet_problem() -> tuple[Objective, np.ndarray]:
    rng = np.random.default_rng(0)
    n = 24
    x = rng.integers(-8, 9, (n, 1)) / 8
    model = V.resnet(1, [{"activation": "tanh", "proj": 1}])
    start = rng.standard_normal(model.n_params)
    obj0 = Objective(model, V.loss("squared"), Dataset(x.tolist(), np.zeros(n).tolist()))
    f = obj0.evaluate(start, order=1).outputs[0]
    y = np.round((f + 0.1 * rng.standard_normal(n)) * 16) / 16
    obj = Objective(model, V.loss("squared"), Dataset(x.tolist(), y.tolist()))
    return obj, _minimize(obj, start)


def fc_tanh_problem(width: int, n: int, seed: int) -> tuple[Objective, np.ndarray]:
    """Teacher-student fully-connected tanh net (2 inputs), minimised from the teacher."""
    rng = np.random.default_rng(seed)
    model = V.fully_connected(2, [width], "tanh")
    x = rng.uniform(-2, 2, (n, 2)).round(3)
    teacher = rng.standard_normal(model.n_params)
    obj0 = Objective(model, V.loss("squared"), Dataset(x.tolist(), np.zeros(n).tolist()))
    f = obj0.evaluate(teacher, order=1).outputs[0]
    y = np.round((f + 0.02 * rng.standard_normal(n)) * 64) / 64
    obj = Objective(model, V.loss("squared"), Dataset(x.tolist(), y.tolist()))
    return obj, _minimize(obj, teacher)


def linear_problem(d: int, n: int) -> tuple[Objective, np.ndarray]:
    rng = np.random.default_rng(1)
    x = [[Fraction(int(rng.integers(-9, 10)), 3) for _ in range(d)] for _ in range(n)]
    y = [Fraction(int(rng.integers(-9, 10)), 7) for _ in range(n)]
    obj = Objective(V.linear_predictor(d), V.loss("squared"), Dataset(x, y))
    xf = np.array(x, dtype=float)
    t = np.linalg.lstsq(xf, np.array(y, dtype=float), rcond=None)[0]
    return obj, t


def _minimize(obj: Objective, start: np.ndarray) -> np.ndarray:
    res = minimize(
        obj.value_and_gradient, start, jac=True, method="trust-exact",
        hess=lambda t: obj.evaluate(t).hessian, options={"gtol": 1e-12},
    )  # fmt: skip
    return np.asarray(res.x)


def bench_krawczyk(repeat: int) -> None:
    print("\n## Krawczyk certification (median of", repeat, "runs)")
    hdr = ("model", "P", "n", "critical_point_near", "verdict", "radius", "local minimum",
           "verdict")  # fmt: skip
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    problems = [
        ("linear d=2", *linear_problem(2, 10)),
        ("linear d=10", *linear_problem(10, 40)),
        ("tanh ResNet d=1, m=1", *tanh_resnet_problem()),
        ("FC tanh 2-3-1", *fc_tanh_problem(3, 60, 1)),
        ("FC tanh 2-6-1", *fc_tanh_problem(6, 200, 1)),
        ("FC tanh 2-6-1 (cond 6e6)", *fc_tanh_problem(6, 200, 3)),
        ("FC tanh 2-10-1", *fc_tanh_problem(10, 300, 4)),
    ]
    for name, obj, th in problems:
        t1, near = timed(lambda obj=obj, th=th: critical_point_near(obj, th), repeat)
        t2, lm = timed(lambda obj=obj, th=th: certify_local_minimum(obj, th), repeat)
        radius = near.witness.get("radius")
        row = (name, str(obj.n_params), str(obj.data.n), fmt(t1),
               f"{near.verdict.value} ({near.method.value})",
               "–" if radius is None else f"{radius:.2g}", fmt(t2),
               f"{lm.verdict.value} ({lm.method.value})")  # fmt: skip
        print("| " + " | ".join(row) + " |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="P = 18, 39 only, one run each")
    args = ap.parse_args()
    sizes = [18, 39] if args.quick else [18, 39, 100, 200]
    repeat = 1 if args.quick else 3
    bench_inertia(sizes, repeat)
    bench_krawczyk(repeat)


if __name__ == "__main__":
    main()
