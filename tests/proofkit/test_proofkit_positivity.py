"""verify.proofkit.positivity: Polya-type certificates for one-kink ReLU fits."""

from __future__ import annotations

import sympy as sp

from verify import (
    BETA,
    Verdict,
    cells_cover,
    kink_cells,
    no_point_below,
    nonnegative_coefficients,
    polya_form,
)

RHO = sp.Symbol("rho", positive=True)
XS = [sp.Integer(i) for i in range(6)]
YS = [x + s * RHO for x, s in zip(XS, (-1, -1, 1, -1, 1, 1), strict=True)]
PROBES = [sp.Rational(1, 2), sp.Integer(1), sp.Integer(2)]
ONES = [sp.Integer(1)] * 6


def test_cells_and_cover() -> None:
    cells = kink_cells(XS, (1, -1))
    assert len(cells) == 12
    assert cells_cover(XS, cells, (1, -1)).verdict is Verdict.HOLDS
    # Dropping a cell leaves a gap: the enumeration no longer proves anything.
    assert cells_cover(XS, cells[1:], (1, -1)).verdict is Verdict.INCONCLUSIVE


def test_polya_form_on_a_gap() -> None:
    # (beta - 1)(2 - beta) >= 0 on [1, 2]: after beta = (s + 2t)/(s + t), times (s + t)^2 it is s t.
    form = polya_form((BETA - 1) * (2 - BETA), sp.Integer(1), sp.Integer(2), RHO)
    assert form.as_expr() == sp.Symbol("s", nonnegative=True) * sp.Symbol("t", nonnegative=True)
    assert nonnegative_coefficients(RHO**2 + 3 * RHO, RHO) == (True, True)
    assert nonnegative_coefficients(RHO**2 - RHO, RHO) == (False, True)


def test_true_bound_is_certified_and_a_false_one_refuted() -> None:
    cells = kink_cells(XS, (1, -1))
    ok, results = no_point_below(
        YS, [ONES], cells, sp.Rational(8, 15) * RHO**2, "fc", "const", param=RHO, probes=PROBES
    )
    assert ok.verdict is Verdict.HOLDS and ok.method.rigorous
    assert all(r.certified for r in results)
    bad, _ = no_point_below(
        YS, [ONES], cells, sp.Rational(9, 15) * RHO**2, "fc", "const", param=RHO, probes=PROBES
    )
    assert bad.verdict is Verdict.VIOLATED and "risk" in bad.witness
