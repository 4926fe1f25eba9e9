r"""K3: the library's own search finds a certified local minimum at which K3 is VIOLATED.

Statement
    The K3 construction of ``k3_vector_output_counterexample.py``: ``d_x = d_z = 1``,
    ``d_y = 2``, the block ``y_hat = W (x + V z)`` with ``z = x^2``, squared loss (summed
    over outputs, mean over samples, no 1/2), targets ``y_i = (x_i, z_i)``. There every
    ResNet point has ``L > 0 = L_basis*``, so at every local minimum the negative control
    ``K3`` ("local minima equal the basis-model optimum") is violated. Here the claim is
    about the toolkit: its pipeline, started from seeded random points, finds a local
    minimum, certifies it, and reports K3 VIOLATED there with rigorous evidence.

Reference
    CLAIMS.md K3 [D], a counterexample to the naive reading of Kawaguchi & Bengio 2019
    (K1/K2). Instances: ``examples/instances/k3_vector_output.json`` (``x = (-1, 1, 2)``)
    and ``k3_generic_irrational.json`` (``x = (1, 2, 3)``, irrational minimiser, no
    parameters given).

Checked
    ``verify.check(theorem("K3"), inst, find=True, n_starts=4, seed=0)`` on both
    instances (proof kit :func:`verify.negative_control_search`): HOLDS iff at least one
    critical point found has its ``local_minimum`` premise HOLDS and K3 is VIOLATED with
    rigorous (EXACT or CERTIFIED) evidence at every such point; VIOLATED if K3 holds (not
    vacuously) at a local minimum; INCONCLUSIVE (NUMERIC) if no local minimum is certified.
"""

from __future__ import annotations

from pathlib import Path

from verify import Claim, load_instance, negative_control_search, run_script

TITLE = "K3  vector output (d_y = 2 > d_x = 1): the library's search certifies the violation"
HERE = Path(__file__).resolve().parent
RATIONAL_PATH = HERE / "instances" / "k3_vector_output.json"
GENERIC_PATH = HERE / "instances" / "k3_generic_irrational.json"
N_STARTS, SEED = 4, 0


def claims() -> list[Claim]:
    """The search claim on ``RATIONAL_PATH`` and ``GENERIC_PATH`` (tests monkeypatch them)."""
    pairs = (("rational", RATIONAL_PATH), ("generic", GENERIC_PATH))
    return [
        Claim(
            f"[{label}] library pipeline: a local minimum is found and certified, and the "
            "negative control K3 is VIOLATED at it",
            "[D] K3",
            f"verify.check(theorem('K3'), instance, find=True, n_starts={N_STARTS}, seed={SEED})",
            negative_control_search("K3", load_instance(path), n_starts=N_STARTS, seed=SEED),
        )
        for label, path in pairs
    ]


def main() -> int:
    """Print every claim; exit 0 only if every asserted claim is reproduced."""
    return run_script(TITLE, claims)


if __name__ == "__main__":
    raise SystemExit(main())
