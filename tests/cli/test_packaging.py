"""Packaging (issue 16): the papers' proofs and examples ship inside the package,
no generic top-level package is installed, every subpackage is listed."""

from __future__ import annotations

import configparser
import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from setuptools import find_packages

from verify.bundled import data_path, package
from verify.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]


def _options() -> configparser.SectionProxy:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return cfg["options"]


def test_every_subpackage_is_listed_and_nothing_top_level_but_verify() -> None:
    listed = set(_options()["packages"].split())
    found = {"verify", *(f"verify.{p}" for p in find_packages(str(ROOT / "verify")))}
    bundled = {"verify.bundled.proofs", "verify.bundled.examples"}
    assert listed == found | bundled
    assert all(p == "verify" or p.startswith("verify.") for p in listed)


def test_bundled_packages_map_to_the_top_level_sources() -> None:
    mapping = dict(line.split(" = ") for line in _options()["package_dir"].strip().splitlines())
    assert mapping == {"verify.bundled.proofs": "proofs", "verify.bundled.examples": "examples"}


def test_in_tree_loader_uses_the_checkout() -> None:
    proofs, examples = package("proofs"), package("examples")
    assert Path(proofs.__file__).resolve() == ROOT / "proofs" / "__init__.py"
    assert Path(examples.__file__).resolve() == ROOT / "examples" / "__init__.py"
    assert proofs.load(proofs.ALL[0]).PROOF.steps
    assert data_path("instances", "shamir_saddle.json").is_file()
    with pytest.raises(InvalidInput, match="must be one of"):
        package("tests")


def test_proofs_use_relative_imports_only() -> None:
    """Absolute ``proofs.`` imports would break inside verify.bundled.proofs."""
    for path in (ROOT / "proofs").glob("*.py"):
        text = path.read_text()
        assert "from proofs" not in text and "import proofs" not in text, path


@pytest.mark.skipif(
    importlib.util.find_spec("wheel") is None, reason="building a wheel needs 'wheel'"
)
def test_wheel_ships_bundles_schema_and_entry_points(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(".git", "tests", "benchmarks", "__pycache__", "*.egg-info"),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            str(src),
            "-w",
            str(tmp_path / "dist"),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {
        "verify",
        wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info",
    }
    for need in (
        "verify/bundled/proofs/resnet_block_no_bad_local_minima.py",
        "verify/bundled/proofs/_common.py",
        "verify/bundled/examples/s1_d2_strict_saddle.py",
        "verify/bundled/examples/instances/shamir_saddle.json",
        "verify/bundled/examples/user/my_claims.py",
        "verify/report/report.schema.json",
    ):
        assert need in names, need
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry).decode()
    assert "resnet_verify = verify.testing.plugin" in text
    assert "resnet-verify = verify.cli:main" in text
