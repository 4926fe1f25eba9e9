"""Reading input files safely: regular files only, a byte cap, strict JSON.

Everything a file can say is answered with data or one :class:`InvalidInput`
line, never a hang or an exception from deeper down:

* only regular files are read: FIFOs, devices, sockets and directories are
  refused after ``os.stat`` (and again on the open descriptor, which is opened
  non-blocking, so a FIFO swapped in between cannot block);
* at most :data:`MAX_FILE_BYTES` bytes are read, counted while reading (not
  trusted from ``st_size``, which is 0 for ``/proc`` files and devices);
* the JSON is decoded strictly: no ``NaN``/``Infinity`` constants, no float
  literal that overflows float64 (``1e999``), no integer literal longer than
  :data:`MAX_INT_DIGITS` digits (Python refuses more than 4300 anyway, with an
  exception of its own), no duplicate keys in an object, UTF-8 only.

Source: issue 11 (robustness contract of the command line, DESIGN.md
"bad input gets one line and exit 2").
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from verify.errors import InvalidInput

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_INT_DIGITS = 400


def read_bytes(path: str | Path, *, what: str = "file", cap: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, at most ``cap`` of them (else InvalidInput)."""
    shown = str(path)
    try:
        st = os.stat(path)
    except OSError as err:
        raise InvalidInput(f"{what} {shown!r} cannot be read: {err.strerror or err}.") from None
    _require_regular(what, shown, st.st_mode)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as err:
        raise InvalidInput(f"{what} {shown!r} cannot be read: {err.strerror or err}.") from None
    try:
        _require_regular(what, shown, os.fstat(fd).st_mode)
        chunks = []
        total = 0
        while True:
            block = os.read(fd, min(1 << 20, cap + 1 - total))
            if not block:
                break
            chunks.append(block)
            total += len(block)
            if total > cap:
                raise InvalidInput(
                    f"{what} {shown!r} is larger than the limit of {cap} bytes; "
                    "split it or reduce the data."
                )
    except OSError as err:
        raise InvalidInput(f"{what} {shown!r} cannot be read: {err.strerror or err}.") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def _require_regular(what: str, shown: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = (
        "a directory"
        if stat.S_ISDIR(mode)
        else "a FIFO"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    raise InvalidInput(f"{what} {shown!r} is {kind}; give the path of a regular file.")


def loads_strict(text: str | bytes, *, where: str = "the input") -> Any:
    """Decode one JSON document strictly (see the module docstring)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InvalidInput(
                f"{where} is not UTF-8 text (byte {err.start}); save it as UTF-8 JSON."
            ) from None
    try:
        return json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError as err:
        raise InvalidInput(
            f"{where} is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}."
        ) from None
    except RecursionError:
        raise InvalidInput(f"{where} is nested too deeply to be an instance or record.") from None


def load_json(path: str | Path, *, what: str = "file") -> Any:
    """Read and strictly decode a JSON file (regular files only, byte-capped)."""
    return loads_strict(read_bytes(path, what=what), where=f"{what} {str(path)!r}")


def _parse_int(s: str) -> int:
    digits = len(s.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise InvalidInput(
            f"a JSON integer has {digits} digits; the limit is {MAX_INT_DIGITS}. "
            'Write large exact values as "p/q" strings of moderate size.'
        )
    return int(s)


def _parse_float(s: str) -> float:
    if len(s) > MAX_INT_DIGITS:
        raise InvalidInput(f"a JSON number has {len(s)} characters; the limit is {MAX_INT_DIGITS}.")
    v = float(s)
    if not math.isfinite(v):
        raise InvalidInput(
            f"the JSON number {s} overflows float64 (it reads as {v}); numbers must be finite."
        )
    return v


def _reject_constant(name: str) -> Any:
    raise InvalidInput(f"the JSON constant {name} is not allowed; numbers must be finite.")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise InvalidInput(
                f"duplicate key {k[:60]!r} in a JSON object; each key may appear once."
            )
        out[k] = v
    return out
