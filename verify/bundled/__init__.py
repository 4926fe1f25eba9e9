"""The papers' proofs and examples as shipped with the package.

The source of truth is the repository's top-level ``proofs/`` and
``examples/``. An installed distribution carries them inside this package as
``verify.bundled.proofs`` and ``verify.bundled.examples`` (``package_dir`` in
``setup.cfg``), so no generic top-level ``proofs``/``examples`` lands in
site-packages. In a source checkout those subpackages do not exist here and
:func:`package` loads the checkout's top-level packages instead.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from verify.errors import InvalidInput, VerifyError

NAMES = ("proofs", "examples")


def package(name: str) -> ModuleType:
    """The ``proofs`` or ``examples`` package: installed copy first, else the source checkout."""
    if name not in NAMES:
        raise InvalidInput(f"name={name!r} must be one of {NAMES}; use 'proofs' or 'examples'.")
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"{__name__}.{name}":
            raise
    root = Path(__file__).resolve().parents[2]
    init = root / name / "__init__.py"
    if not init.is_file():
        raise VerifyError(
            f"the {name!r} package is neither installed (verify.bundled.{name}) nor in a "
            f"source checkout at {str(root)!r}; reinstall with 'pip install resnet-verify'."
        )
    loaded = sys.modules.get(name)
    if loaded is None:
        spec = importlib.util.find_spec(name) if str(root) in sys.path else None
        if spec is None or spec.origin is None or Path(spec.origin).resolve() != init:
            spec = importlib.util.spec_from_file_location(
                name, init, submodule_search_locations=[str(init.parent)]
            )
        assert spec is not None and spec.loader is not None
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[name] = loaded
        try:
            spec.loader.exec_module(loaded)
        except BaseException:
            del sys.modules[name]
            raise
    origin = getattr(loaded, "__file__", None)
    if origin is None or Path(origin).resolve() != init:
        raise VerifyError(
            f"a different package named {name!r} ({origin!r}) shadows the checkout's "
            f"{str(init.parent)!r}; rename it or run from another directory."
        )
    return loaded


def data_path(*parts: str) -> Path:
    """Path of a file shipped with the examples, e.g. ``data_path("instances", "k3.json")``."""
    init = package("examples").__file__
    assert init is not None  # a regular package, never a namespace package
    return Path(init).resolve().parent.joinpath(*parts)
