"""Load a user's theorem for ``--theorem-module PATH.py:NAME`` (or ``package.module:NAME``).

The user names a Python module of their own on the command line, so importing
it is an explicit request to run their code (unlike an instance file, whose
content is never executed). The attribute ``NAME`` must be a
:class:`verify.Theorem`. Everything that can go wrong before the module's own
code runs (bad spec, missing file, missing attribute, wrong type) is an
:class:`~verify.errors.InvalidInput` with a one-line message.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from verify.errors import InvalidInput

RULE = "must be PATH.py:NAME or package.module:NAME, e.g. my_claims.py:MY_THEOREM"


def _split(spec: str) -> tuple[str, str]:
    where, sep, name = spec.rpartition(":")
    if not sep or not where or not name.isidentifier():
        raise InvalidInput(f"--theorem-module={spec!r} {RULE}.")
    return where, name


def load_module(where: str, spec: str) -> ModuleType:
    """Import ``where``: a ``.py`` file (under a private module name) or a dotted module."""
    path = Path(where)
    if where.endswith(".py") or path.suffix or len(path.parts) > 1:
        if not path.is_file():
            raise InvalidInput(f"--theorem-module={spec!r}: file {where!r} does not exist; {RULE}.")
        digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
        modname = f"_resnet_verify_user_{path.stem}_{digest}"
        if modname in sys.modules:
            return sys.modules[modname]
        loader_spec = importlib.util.spec_from_file_location(modname, path)
        if loader_spec is None or loader_spec.loader is None:
            raise InvalidInput(f"--theorem-module={spec!r}: {where!r} is not a Python file.")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[modname] = module
        try:
            loader_spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[modname]
            raise
        return module
    try:
        return importlib.import_module(where)
    except ModuleNotFoundError as err:
        raise InvalidInput(
            f"--theorem-module={spec!r}: module {where!r} cannot be imported ({err}); {RULE}."
        ) from None


def load_theorem(spec: str) -> Any:
    """The :class:`verify.Theorem` named by ``spec`` (``PATH.py:NAME`` or ``module:NAME``)."""
    from verify.theorems import Theorem

    where, name = _split(spec)
    module = load_module(where, spec)
    if not hasattr(module, name):
        public = sorted(
            k for k, v in vars(module).items() if isinstance(v, Theorem) and not k.startswith("_")
        )
        raise InvalidInput(
            f"--theorem-module={spec!r}: {where!r} defines no {name!r}; "
            f"theorems defined there: {public or 'none'}."
        )
    obj = getattr(module, name)
    if not isinstance(obj, Theorem):
        raise InvalidInput(
            f"--theorem-module={spec!r}: {name!r} is a {type(obj).__name__}, "
            "not a verify.Theorem; build one with verify.Theorem(...) (see the README)."
        )
    return obj


def resolve(theorem_id: str | None, module_spec: str | None, without: list[str] | None) -> Any:
    """The theorem for ``check``/``search``/shards: a named theorem
    (:func:`verify.theorems.registry.named`) or a user module, weakened by ``without``."""
    from verify.theorems.registry import named

    if module_spec is not None:
        if theorem_id is not None:
            raise InvalidInput(
                f"theorem={theorem_id!r} and --theorem-module={module_spec!r} both given; "
                "give one of them."
            )
        return load_theorem(module_spec).without(*(without or ()))
    if theorem_id is None:
        raise InvalidInput("a THEOREM id or --theorem-module PATH.py:NAME is required.")
    return named(theorem_id, without or ())
