"""The facade is the only door: ``verify.__all__`` resolves, shadows no submodule, and is
all that proofs/ and examples/ import; inside the library no private name crosses a
file and the import graph has no cycles."""

from __future__ import annotations

import ast
import pkgutil
from collections import defaultdict
from pathlib import Path

import numpy as np
from hypothesis import given, settings

import verify

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "verify"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[ast.ImportFrom | ast.Import]:
    return [
        n for n in ast.walk(ast.parse(path.read_text()))
        if isinstance(n, ast.ImportFrom | ast.Import)
    ]


def test_all_resolves_and_is_unique() -> None:
    names = verify.__all__
    assert len(names) == len(set(names))
    missing = [n for n in names if not hasattr(verify, n)]
    assert missing == []


def test_no_public_name_shadows_a_submodule() -> None:
    submodules = {m.name for m in pkgutil.iter_modules(verify.__path__)}
    assert submodules, "verify has subpackages"
    assert sorted(submodules & set(verify.__all__)) == []
    for name in submodules:
        attr = getattr(verify, name, None)
        assert attr is None or type(attr).__name__ == "module", name


# the user templates in examples/user/ show the two documented public subpackages a
# user's own property tests need besides the facade
USER_TEMPLATE_MODULES = {"verify.search.strategies", "verify.testing"}


def test_proofs_and_examples_import_only_the_facade() -> None:
    public = set(verify.__all__)
    offenders = []
    for folder in ("proofs", "examples"):
        for path in (ROOT / folder).rglob("*.py"):
            allowed = USER_TEMPLATE_MODULES if path.parent.name == "user" else set()
            for node in _imports(path):
                if isinstance(node, ast.Import):
                    offenders += [
                        (path.name, a.name) for a in node.names if a.name.startswith("verify.")
                    ]
                elif node.module and node.module.startswith("verify"):
                    if node.module in allowed:
                        continue
                    if node.module != "verify":
                        offenders.append((path.name, node.module))
                    else:
                        offenders += [
                            (path.name, a.name) for a in node.names if a.name not in public
                        ]
    assert offenders == []


def test_no_private_name_is_imported_across_files() -> None:
    offenders = []
    for path in LIB.rglob("*.py"):
        for node in _imports(path):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.startswith("verify"):
                if any(part.startswith("_") for part in node.module.split(".")):
                    offenders.append((str(path.relative_to(ROOT)), node.module))
                offenders += [
                    (str(path.relative_to(ROOT)), f"{node.module}.{a.name}")
                    for a in node.names
                    if a.name.startswith("_") and a.name != "__version__"
                ]
    assert offenders == []


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in LIB.rglob("*.py")}
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for node in _imports(path):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for t in targets:
                if t in modules and t != name and t != "verify":
                    graph[name].add(t)
    return graph


def test_import_graph_has_no_cycles_below_the_facade() -> None:
    graph = _graph()
    done: set[str] = set()

    def cycle_from(node: str, path: list[str]) -> list[str]:
        for nxt in sorted(graph.get(node, ())):
            if nxt.startswith(node + "."):  # a package importing its own submodules
                continue
            if nxt in path:
                return [*path[path.index(nxt):], node, nxt]
            if nxt not in done:
                found = cycle_from(nxt, [*path, node])
                if found:
                    return found
        done.add(node)
        return []

    cycles = [c for n in sorted(graph) if n not in done for c in [cycle_from(n, [])] if c]
    assert cycles == []


def test_few_modules_sit_directly_in_verify() -> None:
    top = [p.name for p in LIB.glob("*.py")]
    assert len(top) < 20, top


def test_strategies_are_public_and_usable() -> None:
    from verify.search.strategies import datasets, models, parameter_points

    seen: list[tuple[int, int]] = []

    @settings(max_examples=10, database=None, derandomize=True)
    @given(models(max_params=10).flatmap(lambda m: parameter_points(m).map(lambda p: (m, p))))
    def prop(pair: tuple[verify.Model, np.ndarray]) -> None:
        model, point = pair
        assert model.n_params <= 10 or len(model.stages) == 1
        assert point.shape == (model.n_params,)
        seen.append((model.n_params, len(point)))

    @settings(max_examples=5, database=None, derandomize=True)
    @given(datasets(2, min_n=2, max_n=4))
    def data_prop(data: verify.Dataset) -> None:
        assert isinstance(data, verify.Dataset)
        assert data.d_in == 2 and 2 <= data.n <= 4

    prop()
    data_prop()
    assert seen
