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


@dataclass(frozen=True)
class Limits:
    """Soft limits of the commands (all lifted by ``--allow-large``)."""

    derive_params: int = 1000  # float Hessian P x P, eigvalsh, JSON of P^2 numbers
    derive_exact_params: int = 100  # exact / ball Hessian: P^2 rational entries
    derive_work: int = 2_000_000_000  # n * P^2: per-sample second-order terms
    baseline_columns: int = 1000  # d: exact rational linear algebra on d x d systems
    baseline_work: int = 500_000_000  # n * d^2: the exact Gram matrix
    check_params: int = 200  # certified pipeline: exact / ball Hessians, Krawczyk boxes
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
    if work > LIMITS.derive_work:
        _refuse("samples*parameters^2", work, LIMITS.derive_work, "per-sample second derivatives")


def check_baseline(n: int, d: int, *, allow_large: bool) -> None:
    """Budget of the linear baseline: exact rational algebra on d columns."""
    if allow_large:
        return
    if d > LIMITS.baseline_columns:
        _refuse("columns", d, LIMITS.baseline_columns, "the exact certificate solves d x d systems")
    if n * d * d > LIMITS.baseline_work:
        _refuse("samples*columns^2", n * d * d, LIMITS.baseline_work, "the exact Gram matrix")


def check_check(model: Model, n: int, starts: int, *, allow_large: bool) -> None:
    """Budget of ``check`` (and ``replay``): certification at up to 1 + starts points,
    each with derivatives of the model and the linear baseline."""
    if allow_large:
        return
    if model.n_params > LIMITS.check_params:
        _refuse("parameters", model.n_params, LIMITS.check_params, "certified Hessians and boxes")
    check_derive(model.n_params, n, False, allow_large=False)
    check_baseline(n, model.d_x, allow_large=False)
    if starts > LIMITS.starts:
        _refuse("--starts", starts, LIMITS.starts, "each start is a local solve and a certificate")
