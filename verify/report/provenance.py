"""Provenance header of every JSON report: what produced it, with what, when, where.

:func:`header` returns a JSON-ready dictionary with the tool version, the
versions of the libraries a verdict depends on, the command line, seeds,
budget, UTC date, platform and — when the package runs from a git checkout —
the git revision (with a ``dirty`` flag). A cited result can be re-run from it.
"""

from __future__ import annotations

import configparser
import datetime as _dt
import platform
import subprocess
import sys
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

FORMAT = "resnet-verify/report@1"
DEPENDENCIES = (
    "numpy",
    "scipy",
    "sympy",
    "cvxpy",
    "hypothesis",
    "python-flint",
    "rich",
)
_ROOT = Path(__file__).resolve().parents[2]


def tool_version() -> str:
    """The installed distribution's version, or ``<setup.cfg version>+source`` in a checkout."""
    try:
        return version("resnet-verify")
    except PackageNotFoundError:
        cfg = _ROOT / "setup.cfg"
        if cfg.is_file():
            parser = configparser.ConfigParser()
            parser.read(cfg)
            found = parser.get("metadata", "version", fallback=None)
            if found:
                return f"{found}+source"
        return "0+unknown"


def dependency_versions(names: Sequence[str] = DEPENDENCIES) -> dict[str, str]:
    """``{distribution: version}``, ``"not installed"`` when absent, plus ``python``."""
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_revision(root: Path = _ROOT) -> dict[str, Any] | None:
    """``{"commit": sha, "dirty": bool}`` if ``root`` is a git work tree, else ``None``."""
    if not (root / ".git").exists():
        return None
    try:
        sha = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": sha, "dirty": bool(status.strip())} if sha else None


def header(
    command: str,
    *,
    argv: Sequence[str] | None = None,
    seeds: Sequence[int] = (),
    budget: int | None = None,
    settings: Mapping[str, Any] | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """The provenance header of a report written by ``command``.

    ``argv`` defaults to ``sys.argv`` with the program shown as ``resnet-verify``;
    ``settings`` holds other options that change the result (profile, arithmetic,
    theorem module, ...).
    """
    when = (now or _dt.datetime.now(_dt.timezone.utc)).replace(microsecond=0)
    return {
        "format": FORMAT,
        "tool": "resnet-verify",
        "version": tool_version(),
        "command": command,
        "argv": ["resnet-verify", *sys.argv[1:]] if argv is None else list(argv),
        "python_executable": sys.executable,
        "seeds": [int(s) for s in seeds],
        "budget": budget,
        "settings": dict(settings or {}),
        "date": when.isoformat(),
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "python_implementation": platform.python_implementation(),
        },
        "dependencies": dependency_versions(),
        "git": git_revision(),
        "claims_catalogue": "docs/claims.md",
    }
