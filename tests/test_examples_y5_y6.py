"""The Y5 and Y6 example scripts: they run, they pass, and broken inputs make them fail."""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import pytest
import sympy as sp

import examples
from verify import Verdict

ROOT = Path(__file__).resolve().parents[1]
Y5_PATH = ROOT / "examples" / "y5_fully_connected_vs_resnet.py"
Y6_PATH = ROOT / "examples" / "y6_nonmonotone_representations.py"


def _load(path: Path) -> ModuleType:
    return examples.load(path.stem)


@pytest.fixture(scope="module")
def y5() -> ModuleType:
    return _load(Y5_PATH)


@pytest.fixture(scope="module")
def y6() -> ModuleType:
    return _load(Y6_PATH)


# ---- the scripts as a user runs them ------------------------------------------


@pytest.mark.parametrize("path", [Y5_PATH, Y6_PATH], ids=["y5", "y6"])
def test_script_exits_zero(path: Path) -> None:
    # The package may not be installed; make the checkout importable like `pip install -e .`.
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    proc = subprocess.run(
        [sys.executable, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.rstrip().endswith("reproduced")
    assert "NOT reproduced" not in proc.stdout


# ---- Y5 -------------------------------------------------------------------------


def test_y5_cells_cover_every_kink(y5: ModuleType) -> None:
    fc = y5.kink_cells(y5.X_DATA, (1, -1))
    rn = y5.kink_cells(y5.X_DATA, (1,))
    assert len(fc) == 12 and len(rn) == 6
    # Closed gaps share their endpoints, so kinks on samples are inside some cell.
    gaps = sorted((c.lo, c.hi) for c in rn if c.lo != -sp.oo)
    assert gaps == [(k, k + 1) for k in range(5)]


def test_y5_r_lin_exact(y5: ModuleType) -> None:
    ev = y5.check_linear_risk(y5.X_DATA, y5.Y_DATA, y5.CLAIMED_R_LIN)
    assert ev.verdict is Verdict.HOLDS and ev.rigorous


def test_y5_wrong_r_lin_is_violated(y5: ModuleType) -> None:
    ev = y5.check_linear_risk(y5.X_DATA, y5.Y_DATA, sp.Rational(7, 15) * y5.RHO**2)
    assert ev.verdict is Verdict.VIOLATED


def _fc_bound(y5: ModuleType, claimed: sp.Expr) -> Verdict:
    ones = [sp.Integer(1)] * len(y5.X_DATA)
    cells = y5.kink_cells(y5.X_DATA, (1, -1))
    ev, _ = y5.check_no_point_below(y5.X_DATA, y5.Y_DATA, [ones], cells, claimed, "fc", "const")
    return ev.verdict


def test_y5_fc_bound_certified(y5: ModuleType) -> None:
    assert _fc_bound(y5, y5.CLAIMED_R_LIN) is Verdict.HOLDS


def test_y5_fc_bound_above_r_lin_is_violated(y5: ModuleType) -> None:
    # The net contains every affine function, so nothing above R_lin is a lower bound.
    assert _fc_bound(y5, sp.Rational(9, 15) * y5.RHO**2) is Verdict.VIOLATED


def test_y5_fc_engine_cross_check(y5: ModuleType) -> None:
    ev = y5.check_fc_engine(y5.X_DATA, y5.Y_DATA, y5.kink_cells(y5.X_DATA, (1, -1)))
    assert ev.verdict is Verdict.HOLDS


def _resnet_bound(y5: ModuleType, claimed: sp.Expr) -> Verdict:
    ones = [sp.Integer(1)] * len(y5.X_DATA)
    cells = y5.kink_cells(y5.X_DATA, (1,))
    basis = [ones, list(y5.X_DATA)]
    ev, _ = y5.check_no_point_below(y5.X_DATA, y5.Y_DATA, basis, cells, claimed, "rn", "affine")
    return ev.verdict


def test_y5_resnet_minimum(y5: ModuleType) -> None:
    claimed = y5.CLAIMED_RESNET_MIN
    assert _resnet_bound(y5, claimed) is Verdict.HOLDS
    for point in y5.RESNET_POINTS:
        ev = y5.check_resnet_attains(y5.X_DATA, y5.Y_DATA, point, claimed)
        assert ev.verdict is Verdict.HOLDS


def test_y5_smaller_resnet_minimum_is_not_attained(y5: ModuleType) -> None:
    smaller = sp.Rational(28, 57) * y5.RHO**2
    ev = y5.check_resnet_attains(y5.X_DATA, y5.Y_DATA, y5.RESNET_POINTS[0], smaller)
    assert ev.verdict is Verdict.VIOLATED


def test_y5_larger_resnet_minimum_is_beaten(y5: ModuleType) -> None:
    assert _resnet_bound(y5, sp.Rational(30, 57) * y5.RHO**2) is Verdict.VIOLATED


def test_y5_wrong_resnet_point_is_violated(y5: ModuleType) -> None:
    point = {**y5.RESNET_POINTS[0], "c": -y5.RHO}
    ev = y5.check_resnet_attains(y5.X_DATA, y5.Y_DATA, point, y5.CLAIMED_RESNET_MIN)
    assert ev.verdict is Verdict.VIOLATED


def test_y5_strictly_better(y5: ModuleType) -> None:
    rho = y5.RHO
    assert y5.check_strictly_better(y5.CLAIMED_RESNET_MIN, y5.CLAIMED_R_LIN).verdict is (
        Verdict.HOLDS
    )
    assert y5.check_strictly_better(sp.Rational(8, 15) * rho**2, y5.CLAIMED_R_LIN).verdict is (
        Verdict.VIOLATED
    )


def test_y5_quoted_r2_range(y5: ModuleType) -> None:
    ok = y5.check_quoted_r2_range(y5.QUOTED_R2, y5.CLAIMED_R_LIN, y5.CLAIMED_R2_UPPER)
    assert ok.verdict is Verdict.HOLDS
    bad = y5.check_quoted_r2_range(y5.QUOTED_R2, y5.CLAIMED_R_LIN, sp.Integer(4))
    assert bad.verdict is Verdict.VIOLATED


def test_y5_results_rows(y5: ModuleType) -> None:
    rows = [c.to_dict() for c in y5.claims()]
    keys = {"claim", "source_tag", "checked", "method", "verdict", "asserted"}
    assert all(keys <= set(r) for r in rows)
    asserted = [r for r in rows if r["asserted"]]
    assert asserted and all(r["verdict"] == "holds" and r["method"] == "exact" for r in asserted)
    quoted = [r for r in rows if not r["asserted"]]
    assert len(quoted) == 1 and quoted[0]["verdict"] == "not reproduced"


def test_y5_main_fails_on_wrong_claim(
    y5: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(y5, "CLAIMED_R_LIN", sp.Rational(7, 15) * y5.RHO**2)
    assert y5.main() == 1
    assert "NOT reproduced" in capsys.readouterr().out


# ---- Y6 -------------------------------------------------------------------------


def test_y6_baseline(y6: ModuleType) -> None:
    xs, ys = y6.X_DATA, y6.Y_DATA
    assert y6.check_linear_baseline(xs, ys, Fraction(9, 13), Fraction(25, 78)).verdict is (
        Verdict.HOLDS
    )
    assert y6.check_linear_baseline(xs, ys, Fraction(9, 13), Fraction(1, 3)).verdict is (
        Verdict.VIOLATED
    )


def test_y6_witness_holds(y6: ModuleType) -> None:
    xs, ys, p = y6.X_DATA, y6.Y_DATA, y6.PARAMS
    assert y6.check_global_minimum(xs, ys, p).verdict is Verdict.HOLDS
    assert y6.check_smooth_critical_point(xs, ys, p).verdict is Verdict.HOLDS
    assert y6.check_representation_worse(xs, ys, p).verdict is Verdict.HOLDS


def test_y6_wrong_output_parameter_is_not_a_minimum(y6: ModuleType) -> None:
    p = {**y6.PARAMS, "v2": Fraction(-2)}
    assert y6.check_global_minimum(y6.X_DATA, y6.Y_DATA, p).verdict is Verdict.VIOLATED
    assert y6.check_smooth_critical_point(y6.X_DATA, y6.Y_DATA, p).verdict is Verdict.VIOLATED


def test_y6_identity_first_block_does_not_worsen(y6: ModuleType) -> None:
    p = {**y6.PARAMS, "v1": Fraction(0)}  # h_1 = x: not strictly worse
    assert y6.check_representation_worse(y6.X_DATA, y6.Y_DATA, p).verdict is Verdict.VIOLATED


def test_y6_sample_on_kink_is_detected(y6: ModuleType) -> None:
    # b1 = -5 puts the kink of block 1 at x = 5/2, a sample; keep h_1 = [1, 5/2, 4].
    p = {**y6.PARAMS, "b1": Fraction(-5), "v1": Fraction(1)}
    ev = y6.check_smooth_critical_point(y6.X_DATA, y6.Y_DATA, p)
    assert ev.verdict is Verdict.VIOLATED
    assert "kink" in ev.reason


def test_y6_results_rows(y6: ModuleType) -> None:
    rows = [c.to_dict() for c in y6.claims()]
    assert len(rows) == 4
    assert all(r["verdict"] == "holds" and r["method"] == "exact" for r in rows)


def test_y6_main_fails_on_wrong_parameter(
    y6: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(y6, "PARAMS", {**y6.PARAMS, "w": Fraction(1)})
    assert y6.main() == 1
    assert "NOT reproduced" in capsys.readouterr().out
