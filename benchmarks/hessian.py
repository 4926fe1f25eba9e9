"""Full Hessian of the empirical risk: ours vs ``jax.jit(jax.hessian)`` vs the GEMM floor.

Run from the repository root (a script, never collected as a test)::

    python benchmarks/hessian.py               # full table, about a minute
    python benchmarks/hessian.py --quick       # fewer repeats, no JAX compile column
    python benchmarks/hessian.py --threads 1   # pin BLAS and XLA to one thread

Model (DESIGN.md, "Performance targets"): ``h <- h + V_l tanh(U_l h)`` for every
block, ``f = w^T h_L``, squared loss ``(1/n) sum_i (f(x_i) - y_i)^2``, i.e.
``verify.models.resnet(d, [{"activation": "tanh", "proj": m}] * L)``, with
``P = L * 2 m d + d`` parameters. The JAX model is written independently below.

Printed in one run:

1. For (d, m, L, n) in {(3,2,2,1000), (4,3,3,1000), (8,4,3,1000), (8,4,6,1000),
   (8,4,3,10000)}, CPU-time medians (after warm-ups, the methods called round-robin
   with an untimed settle pause after each JAX call, see :func:`interleaved_cpu_medians`) of

   * ``ours``: ``Objective.evaluate(theta, "float", order=2)`` (risk, gradient
     and Hessian through the public API, as the library ships today);
   * ``jax``: ``jax.jit(jax.hessian(risk))`` with x64, compiled once,
     ``block_until_ready``;
   * ``floor``: one ``J.T @ J`` with ``J`` of shape ``n × P``;

   ``ours`` and ``floor`` alternate in one rotation, ``ours`` and ``jax`` in another
   (a JAX call evicts the caches, which would otherwise inflate the call after it);
   the ratios JAX/ours and ours/floor, the agreement
   ``max|H_ours - H_jax| / max|H_jax|``, and memory traced by ``tracemalloc`` (numpy
   reports its buffers to it) over the bytes of the ``n × P`` float64 Jacobian
   (:func:`memory_profile`): ``mem1`` the peak of the first ``evaluate`` of a fresh
   objective, ``mem`` the peak of a later one including the scratch arena the engine
   keeps between calls, ``kept`` what stays allocated between calls.
2. Derivation + compile for L = 1..8, d = 16, m = 4, each L in a fresh process so
   SymPy's caches are cold: building the model (SymPy derivation and lambdify of
   the activation), the loss, the dataset and the ``Objective`` (network
   compile), plus the first Hessian call minus a steady-state call. JAX's compile
   time (first call minus a steady call) is shown next to it.

JAX is the optional ``bench`` extra; without it the script prints our figures and
"jax not installed".
"""

from __future__ import annotations

import os
import sys


def _pin_threads(argv: list[str]) -> str:
    """Honour ``--threads N`` before numpy / jax are imported."""
    if "--threads" not in argv:
        return os.environ.get("OPENBLAS_NUM_THREADS", "default")
    k = argv[argv.index("--threads") + 1]
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = k
    if k == "1":
        os.environ["XLA_FLAGS"] = (
            os.environ.get("XLA_FLAGS", "")
            + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        )
    return k


THREADS = _pin_threads(sys.argv)

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

from verify.catalogue.losses import loss  # noqa: E402
from verify.data import Dataset  # noqa: E402
from verify.models import Model, resnet  # noqa: E402
from verify.objectives.empirical import Objective  # noqa: E402

try:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    HAVE_JAX = True
except ImportError:  # pragma: no cover - depends on the environment
    HAVE_JAX = False

CONFIGS = (
    (3, 2, 2, 1000), (4, 3, 3, 1000), (8, 4, 3, 1000), (8, 4, 6, 1000), (8, 4, 3, 10000)
)
DERIVE_D, DERIVE_M, DERIVE_N = 16, 4, 200


def median_time(fn: Callable[[], Any], repeats: int, warmup: int = 3) -> float:
    """Median wall time of ``fn()`` in seconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


SETTLE_S = 0.02  # untimed pause after each timed JAX call (see interleaved_cpu_medians)


def interleaved_cpu_medians(
    fns: dict[str, Callable[[], Any]],
    repeats: int,
    warmup: int = 3,
    settle_after: frozenset[str] = frozenset({"jax"}),
) -> dict[str, float]:
    """Median CPU time (process time, all threads) of each function, the functions called
    round-robin (a, b, c, a, b, c, ...) so that a change of machine load hits all alike.

    After every call of a function named in ``settle_after`` the process sleeps
    ``SETTLE_S`` untimed: XLA's worker threads keep spinning for a few milliseconds after
    ``block_until_ready`` returns, and without the pause that CPU time was billed to
    whichever method ran next (measured at P = 200, n = 1000: process time of ``ours``
    11.3 ms against 6.7 ms of its own thread time; with a 10 ms pause both 6.3 ms). The
    pause is not taken after the other methods: a sleep hands the core to other
    processes and the next call then starts with cold caches."""

    def call(k: str, fn: Callable[[], Any]) -> float:
        t0 = time.process_time()
        fn()
        dt = time.process_time() - t0
        if k in settle_after:
            time.sleep(SETTLE_S)
        return dt

    for _ in range(warmup):
        for k, fn in fns.items():
            call(k, fn)
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            times[k].append(call(k, fn))
    return {k: statistics.median(v) for k, v in times.items()}


def memory_profile(make: Callable[[], Any], call: Callable[[Any], Any]) -> dict[str, int]:
    """Traced bytes of ``call(obj)`` on a fresh ``obj = make()`` (tracing from before
    ``make``): ``first`` the peak during the first call, ``steady`` the peak during the
    third call (what the engine keeps between calls included: it was allocated while
    tracing), ``kept`` what stays allocated after the third call returns and its
    result is dropped (scratch memory kept by the engine, plus the objective's cached
    data arrays)."""
    import tracemalloc

    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        obj = make()
        tracemalloc.reset_peak()
        out = call(obj)
        first = tracemalloc.get_traced_memory()[1] - base
        del out
        call(obj)  # the second call lays out the scratch arena planned by the first
        tracemalloc.reset_peak()
        out = call(obj)
        steady = tracemalloc.get_traced_memory()[1] - base
        del out
        kept = tracemalloc.get_traced_memory()[0] - base
        return {"first": first, "steady": steady, "kept": kept}
    finally:
        tracemalloc.stop()


def make_model(d: int, m: int, n_blocks: int) -> Model:
    return resnet(d, [{"activation": "tanh", "proj": m}] * n_blocks)


def make_problem(
    d: int, m: int, n_blocks: int, n: int, seed: int = 0
) -> tuple[Model, np.ndarray, np.ndarray, np.ndarray]:
    """Model, data ``x`` (n × d), labels ``y`` (n,) and a parameter point."""
    rng = np.random.default_rng(seed)
    model = make_model(d, m, n_blocks)
    x = rng.standard_normal((n, d))
    y = np.tanh(x @ rng.standard_normal(d)) + 0.1 * rng.standard_normal(n)
    parts = [rng.standard_normal(p.size) / np.sqrt(p.shape[-1]) for p in model.layout]
    return model, x, y, np.concatenate(parts)


def jax_hessian(model: Model) -> Callable[[Any, Any, Any], Any]:
    """``jax.jit(jax.hessian(risk))`` for the benchmark model, written directly in JAX."""
    layout = {p.name: p for p in model.layout}
    n_blocks = len(model.stages)

    def risk(theta: Any, x: Any, y: Any) -> Any:
        def get(name: str) -> Any:
            p = layout[name]
            return theta[p.offset : p.stop].reshape(p.shape)

        h = x
        for i in range(n_blocks):
            u, v = get(f"blocks[{i}].U"), get(f"blocks[{i}].V")
            h = h + jnp.tanh(h @ u.T) @ v.T
        return jnp.mean((h @ get("w") - y) ** 2)

    return jax.jit(jax.hessian(risk))


def agreement(h: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(h - ref)) / np.max(np.abs(ref)))


def bench_config(d: int, m: int, n_blocks: int, n: int, repeats: int) -> dict[str, Any]:
    model, x, y, theta = make_problem(d, m, n_blocks, n)
    obj = Objective(model, loss("squared"), Dataset(x, y))
    row: dict[str, Any] = {"cfg": (d, m, n_blocks, n), "P": model.n_params}
    h_ours = obj.evaluate(theta, "float", order=2).hessian
    assert h_ours is not None
    jmat = np.random.default_rng(1).standard_normal((n, model.n_params))
    ours = lambda: obj.evaluate(theta, "float", order=2)  # noqa: E731
    # ours against the floor, round-robin: both see the same load and cache conditions
    row.update(interleaved_cpu_medians({"ours": ours, "floor": lambda: jmat.T @ jmat}, repeats))
    if HAVE_JAX:
        hess = jax_hessian(model)
        args = (jnp.asarray(theta), jnp.asarray(x), jnp.asarray(y))
        h_jax = np.asarray(hess(*args).block_until_ready())
        row["agree"] = agreement(h_ours, h_jax)
        # ours against JAX in a rotation of their own: a JAX call (0.1-1.3 s, large
        # buffers) evicts the caches and would inflate a floor timed right after it
        vs = interleaved_cpu_medians(
            {"ours": ours, "jax": lambda: hess(*args).block_until_ready()}, max(5, repeats // 3)
        )
        row["jax"], row["ours_vs_jax"] = vs["jax"], vs["ours"]
    mem = memory_profile(
        lambda: Objective(model, loss("squared"), Dataset(x, y)),
        lambda o: o.evaluate(theta, "float", order=2),
    )
    row.update({f"mem_{k}": v / jmat.nbytes for k, v in mem.items()})
    return row


def bench_configs(repeats: int) -> None:
    print("Full Hessian of the empirical risk (tanh ResNet, squared loss, float64)")
    print(
        f"  CPU-time medians over {repeats} round-robin repeats (settle {SETTLE_S * 1e3:.0f} ms "
        f"untimed after each JAX call); BLAS threads: {THREADS}; cores: {os.cpu_count()}; "
        f"load average at start: {os.getloadavg()[0]:.2f}"
    )
    print("  ours = Objective.evaluate(theta, 'float', order=2); floor = J.T @ J, J of n x P")
    print("  ours and floor are timed in one rotation, ours and jax in another (a third of the"
          " repeats, at least 5); jax/ours uses the second rotation's ours")
    print("  memory (tracemalloc, / bytes of the n x P Jacobian): mem1 = peak of the first ours"
          " call on a fresh objective, mem = peak of a later call (scratch arena kept by the"
          " engine included), kept = still allocated after that call (arena + the objective's"
          " cached data)\n")
    head = (
        f"{'(d,m,L,n)':>16} {'P':>4} {'ours ms':>8} {'jax ms':>8} {'floor ms':>9} "
        f"{'jax/ours':>9} {'ours/floor':>11} {'agree':>8} {'mem1':>6} {'mem':>6} {'kept':>6}"
    )
    print(head)
    print("-" * len(head))
    for cfg in CONFIGS:
        r = bench_config(*cfg, repeats=repeats)
        jax_ms = f"{r['jax'] * 1e3:8.2f}" if HAVE_JAX else f"{'n/a':>8}"
        ratio = f"{r['jax'] / r['ours_vs_jax']:8.1f}x" if HAVE_JAX else f"{'n/a':>9}"
        agree = f"{r['agree']:8.1e}" if HAVE_JAX else f"{'n/a':>8}"
        print(
            f"{r['cfg']!s:>16} {r['P']:>4} {r['ours'] * 1e3:8.2f} {jax_ms} "
            f"{r['floor'] * 1e3:9.3f} {ratio} {r['ours'] / r['floor']:10.2f}x {agree}"
            f" {r['mem_first']:5.2f}x {r['mem_steady']:5.2f}x {r['mem_kept']:5.2f}x", flush=True
        )
    if not HAVE_JAX:
        print("\njax not installed (pip install jax jaxlib): JAX columns skipped")
    print(
        "targets (P ≈ 200, n = 1000 and 10,000; DESIGN.md, issue 15): jax/ours >= 10x, "
        "ours/floor <= 5x, agreement <= 1e-10, memory (mem1 and mem) <= 3x the Jacobian"
    )
    print(f"  load average at end: {os.getloadavg()[0]:.2f}")


def derivation_once(n_blocks: int, with_jax: bool) -> dict[str, Any]:
    """One L in this (fresh) process: our derivation + compile, and JAX's compile."""
    rng = np.random.default_rng(n_blocks)
    x = rng.standard_normal((DERIVE_N, DERIVE_D))
    y = rng.standard_normal(DERIVE_N)
    t0 = time.perf_counter()
    model = make_model(DERIVE_D, DERIVE_M, n_blocks)
    obj = Objective(model, loss("squared"), Dataset(x, y))
    build = time.perf_counter() - t0
    theta = 0.3 * rng.standard_normal(model.n_params) / np.sqrt(DERIVE_D)
    t1 = time.perf_counter()
    obj.evaluate(theta, "float", order=2)
    first = time.perf_counter() - t1
    steady = median_time(lambda: obj.evaluate(theta, "float", order=2), 5, warmup=1)
    out: dict[str, Any] = {
        "P": model.n_params,
        "build": build,
        "first_minus_steady": max(first - steady, 0.0),
        "steady": steady,
    }
    if with_jax:
        hess = jax_hessian(model)
        args = (jnp.asarray(theta), jnp.asarray(x), jnp.asarray(y))
        t2 = time.perf_counter()
        hess(*args).block_until_ready()
        first_j = time.perf_counter() - t2
        steady_j = median_time(lambda: hess(*args).block_until_ready(), 5, warmup=1)
        out["jax_compile"] = max(first_j - steady_j, 0.0)
    return out


def bench_derivation(with_jax: bool) -> None:
    print(
        f"\nDerivation + compile (d = {DERIVE_D}, m = {DERIVE_M}, n = {DERIVE_N}; each L in a "
        "fresh process, imports not counted)"
    )
    head = (
        f"{'L':>3} {'P':>6} {'build s':>8} {'1st-steady s':>13} {'ours total s':>13} "
        f"{'steady ms':>10} {'jax compile s':>14}"
    )
    print(head)
    print("-" * len(head))
    worst = 0.0
    for n_blocks in range(1, 9):
        cmd = [sys.executable, os.path.abspath(__file__), "--derive-one", str(n_blocks)]
        if not with_jax:
            cmd.append("--no-jax")
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=os.environ)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        total = r["build"] + r["first_minus_steady"]
        worst = max(worst, total)
        jtxt = f"{r['jax_compile']:14.3f}" if "jax_compile" in r else f"{'n/a':>14}"
        print(
            f"{n_blocks:>3} {r['P']:>6} {r['build']:8.3f} {r['first_minus_steady']:13.3f} "
            f"{total:13.3f} {r['steady'] * 1e3:10.2f} {jtxt}"
        )
    print(f"target: <= 0.5 s for every L <= 8 (worst here {worst:.3f} s)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no JAX compile")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats per median")
    parser.add_argument("--threads", default=None, help="BLAS/XLA threads (set before import)")
    parser.add_argument("--derive-one", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--no-jax", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.derive_one is not None:
        print(json.dumps(derivation_once(args.derive_one, HAVE_JAX and not args.no_jax)))
        return
    repeats = args.repeats or (7 if args.quick else 25)
    bench_configs(repeats)
    bench_derivation(HAVE_JAX and not args.quick)


if __name__ == "__main__":
    main()
