"""The public API is what ``verify/__init__.py`` re-exports; proofs/ and
examples/ use only public modules, and the strategies are importable by users."""

from __future__ import annotations

import ast
from pathlib import Path

import verify

ROOT = Path(__file__).resolve().parents[1]


def test_reexports_resolve() -> None:
    tree = ast.parse((ROOT / "verify/__init__.py").read_text())
    names = [a.asname for n in tree.body if isinstance(n, ast.ImportFrom)
             for a in n.names if a.asname]
    assert len(names) > 40
    for name in names:
        assert getattr(verify, name) is not None


def test_proofs_and_examples_import_no_private_modules() -> None:
    for folder in ("proofs", "examples"):
        for path in (ROOT / folder).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module and \
                        node.module.startswith("verify."):
                    assert not node.module.split(".")[1].startswith("_"), (path, node.module)


def test_strategies_are_public_and_usable() -> None:
    from hypothesis import given, settings

    from verify.search.strategies import datasets, models, parameter_points

    @settings(max_examples=5, database=None)
    @given(models(max_params=10))
    def prop(model: verify.Model) -> None:
        assert model.n_params <= 10 or len(model.stages) == 1

    prop()
    assert datasets and parameter_points
