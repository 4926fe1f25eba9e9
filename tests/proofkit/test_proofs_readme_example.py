"""The README's "Write your own proof step" example: HOLDS in general dimension, and a
wrong formula is VIOLATED at once with a concrete witness (sizes and matrices)."""

from __future__ import annotations

import pathlib

import sympy

from proofs import _example_user_block as ex
from verify.proofkit.steps import check_proof

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_readme_example_holds_in_general_dimension() -> None:
    report = check_proof(ex.build_proof())
    assert report.status == "HOLDS"
    assert report.results[0].step.scope.general and "symbolic in all dimensions" in report.scope


def test_readme_example_wrong_formula_gives_a_witness() -> None:
    report = check_proof(ex.build_proof(lambda b: b + ex.V * ex.J * ex.U * b))
    assert report.status == "VIOLATED"
    witness = report.results[0].evidence.witness
    assert witness["sizes"] == {"d": 3, "m": 2, "k": 4}
    # Re-check the witness independently: rebuild the matrices and compare exactly.
    mats = {name: sympy.Matrix(sympy.sympify(value)) for name, value in witness["point"].items()}
    b, u, v, j = mats["b"], mats["U"], mats["V"], mats["J"]
    lhs = (sympy.eye(3) + v * j * u).T * b
    assert lhs != b + v * j * u * b


def test_readme_shows_the_example_code() -> None:
    text = (ROOT / "proofs" / "README.md").read_text()
    source = (ROOT / "proofs" / "_example_user_block.py").read_text()
    assert "## Write your own proof step" in text
    for line in (
        "return b + U.T * J.T * V.T * b",
        "SIZES = ({d: 3, m: 2, k: 4}, {d: 5, m: 4, k: 3})",
    ):
        assert line in text and line in source
