"""Writing result files safely: validated early, atomic, never a silent overwrite.

* :func:`check_out_dir` is called before any work: the ``--out`` directory
  must exist or be creatable, be a directory and be writable (checked by
  creating and removing a probe file), so a long search cannot lose its result
  at the end;
* :func:`write_new` writes through a temporary file in the same directory and
  ``os.link``/``os.replace`` so a reader never sees half a file; an existing
  file is never replaced unless ``force``: the next free name
  ``stem-2.json``, ``stem-3.json``... is used instead. Linking a finished
  temporary file to a name that does not exist is atomic and fails if the name
  appeared meanwhile, so concurrent writers cannot interleave or clobber each
  other.

Source: issue 11 (faults: ``--out`` validated before work, atomic writes, no
silent overwrite, concurrent writers).
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from verify.errors import InvalidInput

MAX_SUFFIX = 10_000


def check_out_dir(option: str, path: str | Path) -> Path:
    """Create ``path`` if needed and prove it is a writable directory (else InvalidInput)."""
    d = Path(path)
    try:
        d.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InvalidInput(
            f"{option}={str(path)!r} is an existing file, not a directory; give a directory."
        ) from None
    except OSError as err:
        raise InvalidInput(
            f"{option}={str(path)!r} cannot be created: {err.strerror or err}; "
            "give a writable directory."
        ) from None
    if not d.is_dir():
        raise InvalidInput(f"{option}={str(path)!r} is not a directory; give a directory.")
    try:
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=d)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise InvalidInput(
            f"{option}={str(path)!r} is not writable: {err.strerror or err}; "
            "give a writable directory."
        ) from None
    return d


def write_new(path: str | Path, text: str, *, force: bool = False) -> Path:
    """Write ``text`` atomically to ``path`` (or the next free ``stem-k`` name unless force)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, target)
            return target
        for k in range(1, MAX_SUFFIX + 1):
            name = target if k == 1 else target.with_name(f"{target.stem}-{k}{target.suffix}")
            try:
                os.link(tmp, name)  # atomic; fails if the name exists
            except FileExistsError:
                continue
            except OSError:  # no hard links here: reserve the name, then replace it
                try:
                    os.close(os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
                except FileExistsError:
                    continue
                os.replace(tmp, name)
            return name
        raise InvalidInput(
            f"{str(target.parent)!r} already holds {MAX_SUFFIX} files named {target.stem}-k; "
            "choose another directory."
        )
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def strict_value(value: Any) -> Any:
    """``value`` with every non-finite float replaced by a string saying why.

    The result serialises with ``json.dumps(..., allow_nan=False)``: no ``NaN``
    or ``Infinity`` tokens, which strict JSON parsers reject. Numpy scalars and
    arrays become Python numbers and lists; other unknown objects their ``str``.
    """
    if isinstance(value, dict):
        return {str(k): strict_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict_value(v) for v in value]
    if hasattr(value, "tolist") and hasattr(value, "dtype"):  # numpy array or scalar
        return strict_value(value.tolist())
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "nan (not a number: float64 overflow or an undefined operation)"
        if math.isinf(value):
            return f"{'+' if value > 0 else '-'}inf (float64 overflow)"
        return value
    return str(value)
