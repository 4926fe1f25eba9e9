"""A budget on total work, checked before anything large is allocated.

Each field of an instance has its own cap (widths <= 4096, <= 100000 samples,
64 MiB per file), but products of fields can still ask for petabytes (200
layers of width 4096) or hours (an exact 4096 x 4096 Hessian). The checks here
estimate the work of a command from the sizes alone and refuse it with one
:class:`InvalidInput` line that names the limit and the override flag
``--allow-large``. Hard limits (where native code would abort the process or
the allocation cannot succeed) have no override.

The numbers were measured on the reference 2-core VM (README, Limits): within
them every command finishes within :data:`TIME_BOUND_SECONDS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from verify.errors import InvalidInput
from verify.models import Model

TIME_BOUND_SECONDS = 60
OVERRIDE = "--allow-large"

# hard: an instance with more parameters cannot be held (params of 8-byte floats, P^2 Hessians)
MAX_PARAMS_HARD = 1_000_000
# hard: FLINT aborts the whole process (SIGABRT, message on stdout) when an allocation fails;
# an fmpq_mat of r x c needs 16 r c bytes at once. Measured: under a 2.9 GiB address-space
# limit fmpq_mat(12000, 12000) (2.3 GB) succeeds and fmpq_mat(20000, 20000) (6.4 GB) aborts.
FLINT_MAX_BYTES = 1 << 30
FMPQ_ENTRY_BYTES = 16


def _available_bytes() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_flint_matrix(what: str, rows: int, cols: int) -> None:
    """Refuse an exact matrix FLINT could fail to allocate (no override: it would abort)."""
    need = FMPQ_ENTRY_BYTES * rows * cols
    avail = _available_bytes()
    cap = FLINT_MAX_BYTES if avail is None else min(FLINT_MAX_BYTES, avail // 4)
    if need > cap:
        raise InvalidInput(
            f"{what} would be an exact {rows} x {cols} matrix ({need} bytes); the hard limit "
            f"is {cap} bytes (FLINT aborts the process when an allocation fails), with or "
            f"without {OVERRIDE}; reduce the sizes."
        )


@dataclass(frozen=True)
class Limits:
    """Soft limits of the commands (all lifted by ``--allow-large``)."""

    derive_params: int = 1000  # float Hessian P x P, eigvalsh, JSON of P^2 numbers
    derive_exact_params: int = 100  # exact / ball Hessian: P^2 rational entries
    derive_work: int = 2_000_000_000  # n * P^2: per-sample second-order terms (P=1000: 7 s)
    derive_exact_work: int = 10_000_000  # n * P^2 in exact / ball (P=100, n=1000: 9 s / 25 s)
    baseline_columns: int = 1000  # d: exact rational linear algebra on d x d systems
    baseline_work: int = 500_000_000  # n * d^2: the exact Gram matrix
    check_params: int = 200  # certified pipeline: exact / ball Hessians, Krawczyk boxes
    check_work: int = 10_000_000  # n * P^2 of the certified pipeline (P=220, n=1000: 141 s)
    starts: int = 1000  # random starts for check --find


LIMITS = Limits()


def check_model_size(model: Model, n: int) -> None:
    """Refuse a model whose parameter vector cannot be held at all (no override)."""
    if model.n_params > MAX_PARAMS_HARD:
        raise InvalidInput(
            f"model has {model.n_params} parameters; the hard limit is {MAX_PARAMS_HARD} "
            "(widths multiply: reduce widths or depth)."
        )


def _refuse(what: str, value: int, limit: int, why: str) -> None:
    raise InvalidInput(
        f"{what}={value} exceeds the limit {limit} ({why}); pass {OVERRIDE} to run it anyway "
        f"(it may take far longer than {TIME_BOUND_SECONDS} s or run out of memory)."
    )


def check_derive(n_params: int, n: int, exact: bool, *, allow_large: bool) -> None:
    """Budget of ``derive``: the Hessian has P^2 entries (exact: rational entries)."""
    if exact:
        check_flint_matrix("the Hessian", n_params, n_params)
    if allow_large:
        return
    if exact and n_params > LIMITS.derive_exact_params:
        _refuse(
            "parameters",
            n_params,
            LIMITS.derive_exact_params,
            "exact/ball Hessians of rational entries; use --arithmetic float",
        )
    if n_params > LIMITS.derive_params:
        _refuse("parameters", n_params, LIMITS.derive_params, "derive builds a P x P Hessian")
    work = n * n_params * n_params
    if exact and work > LIMITS.derive_exact_work:
        _refuse(
            "samples*parameters^2",
            work,
            LIMITS.derive_exact_work,
            "exact/ball second derivatives; use --arithmetic float",
        )
    if work > LIMITS.derive_work:
        _refuse("samples*parameters^2", work, LIMITS.derive_work, "per-sample second derivatives")


def check_baseline(n: int, d: int, *, allow_large: bool) -> None:
    """Budget of the linear baseline: exact rational algebra on d columns."""
    check_flint_matrix("the baseline's Gram matrix", d, d)
    check_flint_matrix("the baseline's data matrix", n, d)
    if allow_large:
        return
    if d > LIMITS.baseline_columns:
        _refuse("columns", d, LIMITS.baseline_columns, "the exact certificate solves d x d systems")
    if n * d * d > LIMITS.baseline_work:
        _refuse("samples*columns^2", n * d * d, LIMITS.baseline_work, "the exact Gram matrix")


def check_check(model: Model, n: int, starts: int, *, allow_large: bool) -> None:
    """Budget of ``check`` (and ``replay``): certification at up to 1 + starts points,
    each with derivatives of the model and the linear baseline."""
    check_flint_matrix("the certified Hessian", model.n_params, model.n_params)
    if allow_large:
        return
    if model.n_params > LIMITS.check_params:
        _refuse("parameters", model.n_params, LIMITS.check_params, "certified Hessians and boxes")
    work = n * model.n_params**2
    if work > LIMITS.check_work:
        _refuse("samples*parameters^2", work, LIMITS.check_work, "certified derivatives")
    check_baseline(n, model.d_x, allow_large=False)
    if starts > LIMITS.starts:
        _refuse("--starts", starts, LIMITS.starts, "each start is a local solve and a certificate")
