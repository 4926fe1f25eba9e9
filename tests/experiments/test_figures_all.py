"""Figures are written (not their pixels): experiment command, all --out, search/derive --plot.

Budgets are shrunk with ``monkeypatch.setitem`` on each experiment module's ``quick``
configuration so the plumbing (runs, rows, figures, links, schema) is tested in seconds;
the numbers themselves are tested in tests/test_experiments.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from verify.cli import runall
from verify.cli.main import EXPERIMENTS, main
from verify.experiments import (
    commands,
    near_identity,
    near_identity_critical,
    rademacher,
    sgd,
    stationarity,
)
from verify.experiments.search_plot import plot_search
from verify.report.schema import validate

PNG = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[2]
TINY = {
    near_identity: {"depths": (1, 2), "draws": 1, "n": 12},
    near_identity_critical: {"depths": (1, 2), "draws": 1, "n": 12, "maxiter": 20},
    rademacher: {"depths": (1, 2), "sigmas": 2, "starts": 1, "steps": 5, "n": 6},
    stationarity: {"paths": 1, "steps": 10, "n": 12},
    sgd: {"widths": (1,), "seeds": 1, "steps": 20, "every": 10, "n": 12},
}
#: per experiment: (figure stems, for each figure the data keys of the measured series and
#: of the bound series; None where the figure has no bound curve)
STEMS = {
    "y3": {"y3_depth": ("gap_max", "bound_min"), "y3_ratio": ("max_ratio", None)},
    "y3-critical": {"y3_critical_depth": ("gap_max", "bound_min"),
                    "y3_critical_ratio": ("max_ratio", None)},
    "y4": {"y4_depth": ("estimate", "bound")},
    "s2": {"s2_slack": ("slack", None)},
    "s3": {"s3_sgd": ("risk_minus_r_lin", None)},
}


def _strict(text: str) -> dict:
    def no_constant(name: str) -> object:
        raise ValueError(f"non-strict JSON constant {name}")

    return json.loads(text, parse_constant=no_constant)


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    for mod, cfg in TINY.items():
        monkeypatch.setitem(mod._CONFIG, "quick", cfg)


def _series(data: dict) -> list[dict]:
    s = data["series"]
    return list(s.values()) if isinstance(s, dict) else s


def _check_figure(png: Path, measured: str | None = None, bound: str | None = None) -> dict:
    assert png.is_file() and png.stat().st_size > 1000, png
    assert png.read_bytes()[:8] == PNG
    doc = _strict(png.with_suffix(".json").read_text())
    assert doc["xlabel"].strip() and doc["ylabel"].strip() and doc["title"].strip()
    if measured is not None:
        series = _series(doc["data"])
        assert series and all(s[measured] for s in series), (png, measured)
        if bound is not None:
            assert all(len(s[bound]) == len(s[measured]) for s in series)
    return doc


def test_cli_choices_match_the_runner() -> None:
    assert set(EXPERIMENTS) == set(commands.NAMES)


@pytest.mark.parametrize("name", sorted(STEMS))
def test_experiment_command_writes_png_json_and_states_evidence(
    name: str, tiny: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["experiment", name, "--out", str(tmp_path), "--json", "--seed", "1"]) == 0
    doc = _strict(capsys.readouterr().out)
    assert doc["provenance"]["seeds"] == [1] and doc["budget"] == "quick"
    assert doc["experiment"] == name and doc["sizes"] and doc["evidence"]
    assert doc["result"]["method"] in ("sampled", "numeric")
    assert doc["certified_violations"] == 0
    for stem, (measured, bound) in STEMS[name].items():
        _check_figure(tmp_path / f"{stem}.png", measured, bound)
    assert sorted(Path(f["path"]).stem for f in doc["figures"]) == sorted(STEMS[name])
    result = _strict((tmp_path / f"{name.replace('-', '_')}_result.json").read_text())
    assert result["seed"] == 1


def test_experiment_text_says_what_and_how_many(tiny: None, capsys) -> None:
    assert main(["experiment", "y4"]) == 0
    text = capsys.readouterr().out
    assert "lower estimate" in text and "sizes:" in text and "SAMPLED" in text
    assert "never a certified violation" in text


def test_all_out_writes_every_figure_and_the_markdown_links_them(
    tiny: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    for name in ("proof_tasks", "example_tasks"):
        monkeypatch.setattr(runall, name, lambda *a, **k: [])
    monkeypatch.setattr(runall, "SEARCHES", (("Y1", ()),))
    monkeypatch.setattr(runall, "SS_K", 3)
    monkeypatch.setattr(runall, "SS_RUNS", 3)
    monkeypatch.setattr(runall, "LIU_RUNS", 6)
    monkeypatch.setattr(runall, "LIU_ITERS", 30)
    out = tmp_path / "report"
    assert main(["all", "--budget", "2", "--out", str(out), "--json", "--quiet"]) == 0
    doc = _strict(capsys.readouterr().out)
    assert validate(doc) == []
    assert doc["provenance"]["settings"]["experiments"] == "quick"
    rows = {r["id"]: r for r in doc["rows"]}
    experiments = [r for r in doc["rows"] if r["section"] == "experiment"]
    assert len(experiments) == 5
    for r in experiments:
        assert r["verdict"] == "inconclusive" and r["method"] in ("sampled", "numeric")
        assert r["expected"].startswith("reported only") and r["ok"]
        assert "Sizes:" in r["checked"] and "Evidence:" in r["checked"]
        assert r["detail"]["kind"] == "experiment"
    md = (out / "all.md").read_text()
    linked = set(re.findall(r"\]\((figures/[^)]+\.png)\)", md))
    wanted = {
        "y3-near-identity": 2, "y3-near-identity-critical": 2, "y4-rademacher": 1,
        "s2-approximate-stationarity": 1, "s3-sgd-experiment": 1, "Y1": 1,
        "liu-shortcut": 1, "safran-shamir-k3": 1,
    }
    for rid, n in wanted.items():
        figs = rows[rid]["figures"]
        assert len(figs) == n, rid
        for f in figs:
            assert not Path(f["path"]).is_absolute() and f["caption"]
            _check_figure(out / f["path"])
            assert f["path"] in linked
    scatter = _strict((out / "figures" / "search_Y1_dichotomy.json").read_text())["data"]
    assert scatter["theorem"] == "Y1" and scatter["instances_tried"] == 2
    assert len(scatter["gap"]) == len(scatter["lambda_min"]) == len(scatter["certified"])
    assert "du-spurious" in rows and "figures" not in rows["du-spurious"]


def test_all_without_out_writes_no_figures(monkeypatch, tiny: None, capsys) -> None:
    for name in ("proof_tasks", "example_tasks", "search_tasks", "population_tasks"):
        monkeypatch.setattr(runall, name, lambda *a, **k: [])
    assert main(["all", "--json", "--quiet"]) == 0
    doc = _strict(capsys.readouterr().out)
    assert [r["section"] for r in doc["rows"]] == ["experiment"] * 5
    assert all("figures" not in r for r in doc["rows"])
    assert validate(doc) == []


def test_a_certified_violation_makes_the_row_violated(monkeypatch, tiny: None) -> None:
    from verify.cli import experiment_rows
    from verify.experiments import sweeps

    real = sweeps.run_sweep_outcome

    def broken(*a, **k):
        o = real(*a, **k)
        o.certified_violations = 1
        return o

    monkeypatch.setattr(sweeps, "run_sweep_outcome", broken)
    [(_, task)] = [t for t in experiment_rows.experiment_tasks() if "s2" in t[0]]
    [row] = task()
    assert (row["verdict"], row["method"], row["ok"]) == ("violated", "certified", False)


def _point(gap, lam, certified=False, covered=True, verdict=None):
    return SimpleNamespace(gap=gap, lambda_min=lam, certified=certified, covered=covered,
                           gap_tol=1e-9, lambda_tol=1e-9, verdict=verdict)


def test_dichotomy_scatter_of_a_search_snaps_noise_and_lists_forbidden_points(tmp_path) -> None:
    thm = SimpleNamespace(label="T", kind="theorem",
                          conclusion=SimpleNamespace(statement="R <= R_lin or lambda_min < 0"))
    points = (
        _point(1e-15, 1e-14),  # R = R_lin up to rounding: not worse than linear
        _point(-0.2, 0.5, certified=True, verdict="holds"),
        _point(0.3, -0.1),  # a saddle: allowed
        _point(0.3, 1e-12, certified=True, verdict="inconclusive"),  # forbidden (lambda ~ 0)
        _point(0.4, 0.2, covered=False),  # a premise fails: not drawn
    )
    rep = SimpleNamespace(theorem=thm, points=points, tried=5, seed=0)
    png, _ = plot_search(rep, tmp_path / "s.png")
    data = _check_figure(png)["data"]
    assert data["points_examined"] == 5 and data["points_not_covered"] == 1
    assert data["gap"] == [0.0, -0.2, 0.3, 0.3] and data["lambda_min"][3] == 0.0
    assert data["n_forbidden"] == 1
    assert data["forbidden_points"] == [
        {"gap": 0.3, "lambda_min": 1e-12, "certified_verdict": "inconclusive"}
    ]
    assert data["certified"] == [False, True, False, True]
    assert data["gap_float_unsnapped"][0] == 1e-15
    assert data["lambda_min_float_unsnapped"][3] == 1e-12


def test_search_plot_flag(tmp_path: Path, capsys) -> None:
    f = tmp_path / "scatter.png"
    assert main(["search", "Y1", "--budget", "2", "--plot", str(f), "--json"]) == 0
    doc = _strict(capsys.readouterr().out)
    assert doc["figure"] == str(f)
    data = _check_figure(f)["data"]
    assert data["instances_tried"] == 2 and data["theorem"] == "Y1"


@pytest.mark.parametrize(
    "instance",
    ["examples/instances/shamir_saddle.json", "examples/instances/planted_saddle_k3.json"],
)
def test_derive_plot_draws_the_spectrum(instance: str, tmp_path: Path, capsys) -> None:
    f = tmp_path / "spectrum.png"
    assert main(["derive", str(ROOT / instance), "--plot", str(f), "--json"]) == 0
    doc = _strict(capsys.readouterr().out)
    data = _check_figure(f)["data"]
    assert data["eigenvalues"] == sorted(doc["hessian_eigenvalues"])
    assert data["n_negative"] == sum(v < 0 for v in doc["hessian_eigenvalues"]) >= 1



def test_search_collects_points_only_when_asked() -> None:
    from verify import theorem
    from verify.search.engine import search

    plain = search(theorem("Y1"), budget=3, seed=0)
    assert plain.points == ()
    rep = search(theorem("Y1"), budget=3, seed=0, collect_points=True)
    assert (rep.verdict, rep.tried, rep.counts) == (plain.verdict, plain.tried, plain.counts)
    screened = sum(v for k, v in rep.counts.items() if k.startswith("screen"))
    assert 0 < len(rep.points) <= screened
    assert all(p.gap_tol > 0 and p.lambda_tol > 0 for p in rep.points)


@pytest.mark.slow
def test_collected_points_mark_the_certified_counterexample_of_a_negative_control() -> None:
    from verify import theorem
    from verify.search.engine import search

    rep = search(theorem("FC1"), budget=10, seed=0, collect_points=True, shrink_calls=1,
                 shrink_seconds=0.5)
    assert rep.verdict.value == "violated"
    hit = [p for p in rep.points if p.verdict == "violated"]
    assert hit and all(p.certified and p.covered and p.gap > p.gap_tol for p in hit)
    assert all(p.lambda_min >= -p.lambda_tol for p in hit)  # in the forbidden quadrant
