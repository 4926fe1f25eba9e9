"""verify.proofkit.surds: exact Q(sqrt d) arithmetic and 2x2 pencil roots."""

from __future__ import annotations

import math
from fractions import Fraction as Q

import pytest
import scipy.linalg

from verify import InvalidInput, Surd, min_pencil_root, pencil_kernel, pencil_root_error


def test_make_reduces_and_signs() -> None:
    assert str(Surd.make(Q(0), Q(1), Q(12))) == "2*sqrt(3)"
    assert Surd.make(Q(3), Q(-1), Q(9)).sign() == 0  # 3 - sqrt 9
    assert Surd.make(Q(-14142, 10000), Q(1), Q(2)).sign() == 1  # sqrt 2 > 1.4142
    assert Surd.make(Q(-14143, 10000), Q(1), Q(2)).sign() == -1
    assert Surd.make(Q(0), Q(1), Q(1, 2)) == Surd(Q(0), Q(1, 2), Q(2))  # sqrt(1/2) = sqrt(2)/2
    with pytest.raises(InvalidInput, match="d="):
        Surd.make(Q(0), Q(1), Q(-2))


def test_field_operations_match_floats() -> None:
    a, b = Surd.make(Q(1), Q(2), Q(5)), Surd.make(Q(-3, 2), Q(1, 3), Q(5))
    fa, fb = float(a), float(b)
    assert float(a + b) == pytest.approx(fa + fb)
    assert float(a * b) == pytest.approx(fa * fb)
    assert float(a / b) == pytest.approx(fa / fb)
    assert (Surd.make(Q(1), Q(1), Q(8)) * Surd.make(Q(1), Q(-1), Q(8))).a == Q(-7)
    with pytest.raises(ZeroDivisionError):
        Surd(Q(0), Q(0), Q(5)).inverse()
    with pytest.raises(InvalidInput, match="common"):
        _ = a + Surd.make(Q(0), Q(1), Q(3))


def test_pencil_root_is_the_smallest_generalised_eigenvalue() -> None:
    g = [[Q(6), Q(8)], [Q(8), Q(18)]]  # K3 rational instance: P = tr(G) G - G^2, mu = 2
    p = [
        [24 * g[i][j] - sum(g[i][k] * g[k][j] for k in range(2)) for j in range(2)]
        for i in range(2)
    ]
    mu = min_pencil_root(p, g)
    assert str(mu) == "2"
    assert pencil_root_error(p, g, mu) is None
    assert "larger root" in (pencil_root_error(p, g, Surd.make(Q(22), Q(0), Q(0))) or "")
    assert "not an eigenvalue" in (pencil_root_error(p, g, Surd.make(Q(3), Q(0), Q(0))) or "")
    c = pencil_kernel(p, g, mu)
    assert c is not None and c[0].sign() != 0


def test_irrational_pencil_root_against_floats() -> None:
    g = [[Q(2), Q(1)], [Q(1), Q(3)]]
    p = [[Q(5), Q(-1)], [Q(-1), Q(1)]]
    mu = min_pencil_root(p, g)
    # det(P - mu G) = 5 mu^2 - 19 mu + 4 -> smaller root (19 - sqrt 281)/10
    assert str(mu) == "19/10 - 1/10*sqrt(281)"
    assert float(mu) == pytest.approx((19 - math.sqrt(281)) / 10)
    pf, gf = ([[float(v) for v in row] for row in m] for m in (p, g))
    assert float(mu) == pytest.approx(min(scipy.linalg.eigh(pf, gf, eigvals_only=True)))
    assert pencil_root_error(p, g, mu) is None
    with pytest.raises(InvalidInput, match="det G"):
        min_pencil_root(p, [[Q(1), Q(2)], [Q(2), Q(1)]])
