"""verify.proofkit.exact: exact least squares, solves, determinants (Fraction and SymPy)."""

from __future__ import annotations

from fractions import Fraction as Q

import numpy as np
import pytest
import sympy as sp
from flint import fmpq

from verify import InvalidInput, det, dot, gram, least_squares, linear_risk, solve, to_fraction


def test_to_fraction_accepts_every_exact_type() -> None:
    assert to_fraction(3) == Q(3)
    assert to_fraction(fmpq(2, 7)) == Q(2, 7)
    assert to_fraction(sp.Rational(-5, 3)) == Q(-5, 3)
    assert to_fraction(0.5) == Q(1, 2)
    with pytest.raises(InvalidInput, match="v="):
        to_fraction(sp.sqrt(2))
    with pytest.raises(InvalidInput, match="bool"):
        to_fraction(True)


def test_line_with_intercept_matches_closed_form() -> None:
    # FC1's data: slope 13/10, intercept -1/5, R_lin = 3/40.
    fit = least_squares([[0, 1, 2, 3]], [0, 1, 2, 4], intercept=True)
    assert fit.coef == [Q(13, 10), Q(-1, 5)]
    assert fit.risk == Q(3, 40) and fit.rank == 2
    assert sum(fit.residual, Q(0)) == 0  # residual orthogonal to the constant
    assert all(isinstance(c, Q) for c in fit.coef)


def test_against_numpy_lstsq() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(-5, 6, size=(7, 3))
    y = rng.integers(-5, 6, size=7)
    fit = least_squares([list(c) for c in x.T], list(y))
    coef, res, *_ = np.linalg.lstsq(x.astype(float), y.astype(float), rcond=None)
    assert np.allclose([float(c) for c in fit.coef], coef)
    assert float(fit.risk) == pytest.approx(float(res[0]) / 7)


def test_dependent_basis_gives_minimum_norm_coefficients() -> None:
    fit = least_squares([[1, 2, 3], [2, 4, 6]], [1, 2, 4])
    assert fit.rank == 1
    # min-norm: coefficient vector parallel to (1, 2)
    assert fit.coef[1] == 2 * fit.coef[0]
    assert fit.risk == least_squares([[1, 2, 3]], [1, 2, 4]).risk


def test_symbolic_labels() -> None:
    rho = sp.Symbol("rho", positive=True)
    xs = list(range(6))
    ys = [x + s * rho for x, s in zip(xs, (-1, -1, 1, -1, 1, 1), strict=True)]
    fit = least_squares([xs], ys, intercept=True)
    assert sp.simplify(fit.risk - sp.Rational(8, 15) * rho**2) == 0


def test_linear_risk_vector_targets_and_no_intercept() -> None:
    xs = [[-1], [1], [2]]
    ys = [[-1, 1], [1, 1], [2, 4]]
    assert linear_risk(xs, ys) == Q(22, 9)  # K3's rational instance
    assert linear_risk(xs, [-1, 1, 2]) == 0


def test_empty_basis_is_the_mean_square() -> None:
    assert least_squares([], [1, 2]).risk == Q(5, 2)


def test_solve_det_gram_dot() -> None:
    assert solve([[2, 1], [1, 3]], [3, 5]) == [Q(4, 5), Q(7, 5)]
    assert det([[Q(1, 2), 1], [1, 4]]) == 1
    assert gram([[1, 2], [3, 4]]) == [[5, 11], [11, 25]]
    assert dot([1, 2], [3, 4]) == 11
    with pytest.raises(InvalidInput, match="singular"):
        solve([[1, 2], [2, 4]], [1, 2])
    with pytest.raises(InvalidInput, match="len"):
        dot([1], [1, 2])
    with pytest.raises(InvalidInput, match="basis vector lengths"):
        least_squares([[1, 2, 3]], [1, 2])


@pytest.mark.parametrize("intercept", [False, True])
def test_agrees_with_the_library_exact_baseline(intercept: bool) -> None:
    """The proof kit's R_lin equals best_linear_predictor's exact closed form (squared loss)."""
    from verify import Dataset, best_linear_predictor

    rng = np.random.default_rng(1)
    x = [[Q(int(v), 3) for v in row] for row in rng.integers(-6, 7, size=(6, 2))]
    y = [Q(int(v), 2) for v in rng.integers(-5, 6, size=6)]
    base = best_linear_predictor(
        Dataset(np.array(x, dtype=object), np.array(y, dtype=object)), "squared",
        intercept=intercept, method="closed_form",
    )  # fmt: skip
    assert isinstance(base.value, Q)
    assert linear_risk(x, y, intercept=intercept) == base.value
