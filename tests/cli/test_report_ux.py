"""Readable, citable reports: terminal tables that fit, progress on stderr,
provenance, exact numbers, schema, Markdown and LaTeX (issue 16)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import flint
import pytest
from rich.cells import cell_len

from verify.cli.runall import document, summary_line
from verify.report.exact import jsonable, number
from verify.report.latex import escape, latex
from verify.report.markdown import markdown
from verify.report.progress import TaskProgress
from verify.report.provenance import header
from verify.report.schema import report_schema, validate
from verify.report.table import render
from verify.report.verdicts import WORDS

ROOT = Path(__file__).resolve().parents[2]
LONG = "a_very_long_unbreakable_identifier_" * 4


def _row(section: str, verdict: str, ok: bool = True, **kw: object) -> dict:
    row = {
        "section": section,
        "id": f"{section}-{verdict}",
        "claim": f"[tag] {verdict} claim E[g x] with a long statement " + LONG,
        "source": "Yun, Sra & Jadbabaie (NeurIPS 2019), main theorem (poster) [S]",
        "checked": "search: 150 instances, seed 0, none found " + LONG,
        "method": "certified",
        "verdict": verdict,
        "expected": "holds",
        "ok": ok,
        "seconds": 12.345,
        "detail": {"kind": "example", "reason": "because"},
    }
    row.update(kw)
    return row


ROWS = [
    _row("proof", "holds"),
    _row("example", "not reproduced"),
    _row("example", "inconclusive", ok=False),
    _row("search", "violated"),
    _row("proof", "partial"),
    _row("search", "does not apply"),
]


def _body_rows(text: str) -> list[list[str]]:
    """Group table lines into rows: a row starts where the verdict column is non-blank."""
    rows: list[list[str]] = []
    in_body = False
    for line in text.splitlines():
        if re.match(r"\d+ rows \(", line):
            break
        if line.startswith("* "):  # footnote under a table
            in_body = False
            continue
        if set(line.strip()) <= {"─", " "} and "─" in line:
            in_body = True
            continue
        if not line.strip():
            continue
        if line.strip() in ("Proofs", "Examples", "Searches", "Other"):
            in_body = False
            continue
        if in_body:
            if line[:18].strip():
                rows.append([line])
            else:
                rows[-1].append(line)
    return rows


@pytest.mark.parametrize("width", [60, 80, 120, 200])
def test_table_fits_width_and_verdict_is_on_the_rows_first_line(width: int) -> None:
    text = render(ROWS, width)
    assert max(cell_len(line) for line in text.splitlines()) <= width
    rows = _body_rows(text)
    assert len(rows) == len(ROWS)
    order = [r for key in ("proof", "example", "search") for r in ROWS if r["section"] == key]
    for lines, row in zip(rows, order, strict=True):
        assert lines[0].lstrip().startswith(row["verdict"].upper())
        assert "12.35" in lines[0]  # time on the first line too
        assert ("yes" if row["ok"] else "NO") in lines[0]
    assert "[tag]" in text  # cells are text, never rich markup


def test_table_header_and_cells_agree() -> None:
    text = render(ROWS, 120)
    assert "as expected" in text
    assert " ok " not in text and "NOT OK" not in text
    assert "(expected: holds)" in text  # a row that is not as expected says what was


def test_every_verdict_word_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for word in WORDS:
        assert f"`{word.upper()}`" in readme, word


def test_progress_writes_one_line_per_task_when_not_a_terminal() -> None:
    buf = io.StringIO()
    with TaskProgress(2, stream=buf) as p:
        p.start("proof a")
        p.done("proof a", "HOLDS", 0.5)
        p.done("search b", "INCONCLUSIVE", 1.25)
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2
    assert re.match(r"\[1/2 +\d+\.\d s\] proof a: HOLDS \(0\.50 s\)", lines[0])
    assert "search b: INCONCLUSIVE (1.25 s)" in lines[1]
    quiet = io.StringIO()
    with TaskProgress(1, stream=quiet, enabled=False) as p:
        p.done("x", "HOLDS", 0.1)
    assert quiet.getvalue() == ""


def test_progress_on_a_terminal_is_a_transient_bar() -> None:
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=80)
    with TaskProgress(2, console=console) as p:
        assert p.live
        p.start("proof a")
        p.done("proof a", "HOLDS", 0.5)
        p.done("proof b", "HOLDS", 0.5)
    assert p.finished == 2
    assert "proof a: HOLDS (0.50 s)" not in buf.getvalue()  # no per-task lines on a terminal


def test_exact_numbers_next_to_floats() -> None:
    assert number(Fraction(-5, 3)) == {"float": -5 / 3, "exact": "-5/3"}
    assert number(flint.fmpq(7, 2)) == {"float": 3.5, "exact": "7/2"}
    assert number(4) == {"float": 4.0, "exact": "4"}
    ball = number(flint.arb(1) / 3)
    lo, hi = (float(v) for v in ball["exact"].strip("[]").split(", "))
    assert lo <= 1 / 3 <= hi and lo < hi
    assert number(0.1) == {"float": 0.1, "exact": None}
    assert jsonable({"m": flint.fmpq(1, 3), "v": [Fraction(2)], "f": float("nan")}) == {
        "m": {"float": 1 / 3, "exact": "1/3"},
        "v": [{"float": 2.0, "exact": "2"}],
        "f": None,
    }


def test_provenance_header() -> None:
    h = header("all", argv=["resnet-verify", "all"], seeds=[3], budget=10)
    assert h["format"] == "resnet-verify/report@1"
    assert h["seeds"] == [3] and h["budget"] == 10
    for dep in ("python", "numpy", "sympy", "hypothesis", "python-flint", "cvxpy"):
        assert h["dependencies"][dep]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$", h["date"])
    assert h["git"] is None or re.fullmatch(r"[0-9a-f]{40}", h["git"]["commit"])
    assert h["version"]


def _doc(rows: list[dict]) -> dict:
    prov = header("all", argv=["resnet-verify", "all"], seeds=[0], budget=5)
    return document("all", rows, 1.5, prov)


def test_schema_accepts_reports_and_rejects_broken_ones() -> None:
    doc = _doc(ROWS)
    assert validate(doc) == []
    bad = json.loads(json.dumps(doc))
    bad["rows"][0]["verdict"] = "HOLDS"
    del bad["provenance"]["seeds"]
    bad["rows"][1]["detail"] = {"kind": "search"}
    errors = validate(bad)
    assert any("rows[0].verdict" in e for e in errors)
    assert any("missing 'seeds'" in e for e in errors)
    assert any("rows[1].detail" in e for e in errors)


def test_schema_agrees_with_jsonschema_when_installed() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(report_schema())
    jsonschema.validate(_doc(ROWS), report_schema())


def test_markdown_links_figures_and_states_provenance(tmp_path: Path) -> None:
    fig = tmp_path / "figs" / "risk vs L.png"
    rows = [_row("example", "holds", figures=[str(fig), {"path": "b.svg", "caption": "B"}])]
    text = markdown(_doc(rows), base=tmp_path)
    assert "[" in text and "(figs/risk%20vs%20L.png)" in text
    assert "- [B](b.svg)" in text
    assert "git revision" in text and "seeds: [0]" in text
    assert "| HOLDS | certified | yes |" in text


def test_latex_table_is_escaped() -> None:
    assert (
        escape("R ≤ R_lin & 5% #1 ~ ρ²")
        == r"R $\le$ R\_lin \& 5\% \#1 \textasciitilde{} $\rho$$^2$"
    )
    text = latex(_doc(ROWS))
    assert text.count(r" \\") == len(ROWS) + 1
    assert r"\begin{tabularx}" in text and r"\bottomrule" in text
    assert "_" not in text.replace(r"\_", "")  # every underscore escaped


def test_summary_line_totals_and_wall_time() -> None:
    s = _doc(ROWS)["summary"]
    line = summary_line(s)
    assert line.startswith("6 rows (")
    assert "5 as expected, 1 NOT as expected (example-inconclusive)" in line
    assert "wall time 1.5 s" in line


def _cli(args: list[str], columns: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "verify", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize("columns", [80, 120])
def test_examples_command_fits_columns_and_reports_progress(columns: int) -> None:
    run = _cli(["examples", "y6_nonmonotone_representations"], columns)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= columns
    rows = _body_rows(run.stdout)
    assert len(rows) == 4 and all(r[0].lstrip().startswith("HOLDS") for r in rows)
    assert "4 rows (4 HOLDS): 4 as expected; wall time" in run.stdout.replace("\n", " ")
    assert re.search(r"\[1/1 .*\] example y6_nonmonotone_representations: 4 HOLDS", run.stderr)
    assert "\x1b[" not in run.stdout + run.stderr  # colour only on a terminal


def test_json_output_validates_and_files_are_named_per_command(tmp_path: Path) -> None:
    run = _cli(["examples", "y6_nonmonotone_representations", "--json", "--out", str(tmp_path)], 80)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert validate(doc) == []
    assert doc["provenance"]["argv"][:2] == ["resnet-verify", "examples"]
    seconds = [r["seconds"] for r in doc["rows"]]
    assert all(s is not None and s >= 0 for s in seconds)
    timing = [r["timing"] for r in doc["rows"]]
    assert timing[0].startswith("since the script started")
    assert all(t == "since the previous claim of the script finished" for t in timing[1:])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["examples.json", "examples.md"]
    assert validate(json.loads((tmp_path / "examples.json").read_text())) == []


def test_a_search_hit_in_a_report_replays() -> None:
    """A search row embeds the counterexample record; it validates and replays."""
    import verify
    from verify.cli.runall import _search_detail
    from verify.io.records import record

    inst = verify.load_instance(ROOT / "examples" / "instances" / "fc_dead_relu.json")
    report = verify.check(verify.theorem("FC1"), inst).reports[0]
    assert report.verdict is verify.Verdict.VIOLATED
    hit = record(inst, report, seed=7)
    search_report = {
        "kind": "negative_control",
        "theorem": "FC1",
        "verdict": "violated",
        "budget": 10,
        "seed": 7,
        "instances_tried": 3,
        "counterexample": hit,
    }
    row = _row("search", "violated", detail=_search_detail(search_report))
    doc = json.loads(json.dumps(_doc([row])))
    assert validate(doc) == []
    detail = doc["rows"][0]["detail"]
    assert detail["kind"] == "search" and detail["theorem_kind"] == "negative_control"
    assert verify.replay(detail["counterexample"]).reproduced
    detail["counterexample"]["params"]["c"] = "5"  # tampered: no longer reproduced
    assert not verify.replay(detail["counterexample"]).reproduced
