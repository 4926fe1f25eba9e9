"""Fuzzing the command line with mutated instance files and records (issue 11, Build 7).

Hypothesis mutates valid documents (the example instances and a counterexample
record): leaves replaced by hostile values (huge, tiny, non-finite spellings,
Unicode digits, wrong types), keys deleted or added, lists grown ragged,
numbers rescaled, and the JSON text itself truncated, spliced or given
duplicate keys. Each mutant is written to a file and run through the real
entry point ``verify.cli.main`` in-process. Every run must

* return exit code 0 or 2 (never the internal-error code 70, never raise),
* print exactly one line on stderr when it exits 2, and no traceback,
* print one strict JSON document on stdout (``--json`` is always passed),
* finish within :data:`BOUND_SECONDS`.

The fast slice runs in the default suite (well under 30 s); the long run
(``-m slow``) mutates at least 10,000 files and records its count, time and
failures in ``fuzz-long.json`` under pytest's temporary directory.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from verify.cli import main

ROOT = Path(__file__).resolve().parents[2]
INSTANCES = sorted((ROOT / "examples/instances").glob("*.json"))
SEEDS: list[tuple[str, Any]] = [("instance", json.loads(p.read_text())) for p in INSTANCES]
SEEDS.append(("record", json.loads((ROOT / "tests/io/data/fc1_record.json").read_text())))
BOUND_SECONDS = 60

HOSTILE: list[Any] = [
    0,
    -1,
    1,
    2,
    10**15,
    -(10**15),
    10**16,
    10**399,
    10**500,
    4096,
    4097,
    10**9,
    0.0,
    -0.0,
    1e-320,
    1e15,
    1e16,
    1e300,
    1.7976931348623157e308,
    "1/3",
    "-7/2",
    "0.25",
    "1/0",
    "1e-1",
    "١/٢",
    "１",
    " 1",
    "1 ",
    "+3",
    "0x10",
    "nan",
    "inf",
    "-inf",
    "",
    "relu",
    "tanh",
    "leaky_relu",
    "squared",
    "logistic",
    "1" * 401,
    "9" * 5000,
    True,
    False,
    None,
    [],
    {},
    [0],
    [[0]],
    [[1, 2], [3]],
    {"name": "leaky_relu", "alpha": "1/10"},
    {"name": "leaky_relu", "alpha": 1e999},
    {"name": "huber", "delta": 0},
    [1e15] * 3,
    "sha256:" + "0" * 64,
]
TEXT_EDITS = ["truncate", "nan_token", "inf_token", "big_int", "dup_key", "garbage", "bom"]
THEOREMS = ["Y1", "Y2", "S1", "K2", "FC1", "K3"]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node[:8]):
            out += _paths(v, (*prefix, i))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        node = node[k]
    return node


SCALES = [-3, 0, 1, 2, 8, 14, 15, 16, 300]


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and value.lstrip("-").replace("/", "").isdigit()


def _scaled(value: Any, k: int) -> Any:
    """Rescale by 10**k (k = 0: negate) keeping the number's spelling."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return -value if k == 0 else value * 10**k if k > 0 else value // 10**-k
    if isinstance(value, float):
        return -value if k == 0 else value * 10.0**k
    if isinstance(value, str) and k != 0:
        num, _, den = value.partition("/")
        num = num + "0" * k if k > 0 else num
        den = (den or "1") + ("0" * -k if k < 0 else "")
        return f"{num}/{den}"
    if isinstance(value, str):
        return value[1:] if value.startswith("-") else f"-{value}"
    return value


@st.composite
def mutants(draw: st.DrawFn) -> tuple[str, str]:
    """(kind, JSON text) of a mutated seed document."""
    kind, doc = draw(st.sampled_from(SEEDS))
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 3]))):
        paths = [p for p in _paths(doc) if p]
        numeric = [p for p in paths if _is_number(_get(doc, p))]
        if numeric and draw(st.integers(0, 9)) < 7:
            path = draw(st.sampled_from(numeric))  # mostly: keep the shape, change a value
            op = draw(st.sampled_from(["scale", "scale", "replace"]))
        else:
            path = draw(st.sampled_from(paths))
            op = draw(st.sampled_from(["replace", "delete", "add", "grow"]))
        parent, last = _get(doc, path[:-1]), path[-1]
        if op == "replace":
            parent[last] = copy.deepcopy(draw(st.sampled_from(HOSTILE)))
        elif op == "scale":
            parent[last] = _scaled(parent[last], draw(st.sampled_from(SCALES)))
        elif op == "delete":
            del parent[last]
        elif op == "add" and isinstance(parent, dict):
            key = draw(st.sampled_from(["surprise", "digest", "alpha", "intercept", "d_out"]))
            parent[key] = copy.deepcopy(draw(st.sampled_from(HOSTILE)))
        elif op == "grow" and isinstance(parent[last], list):
            parent[last].append(copy.deepcopy(parent[last][0]) if parent[last] else 0)
    text = json.dumps(doc)
    if draw(st.integers(0, 9)) == 0:
        edit = draw(st.sampled_from(TEXT_EDITS))
        at = draw(st.integers(0, max(0, len(text) - 1)))
        text = {
            "truncate": lambda: text[:at],
            "nan_token": lambda: text[:at] + "NaN" + text[at:],
            "inf_token": lambda: text.replace("0", "Infinity", 1),
            "big_int": lambda: text.replace("1", "1" * 4400, 1),
            "dup_key": lambda: text.replace('{"', '{"loss": "squared", "', 1),
            "garbage": lambda: text[:at] + "\x00\udcff" + text[at:],
            "bom": lambda: "\ufeff" + text,
        }[edit]()
    return kind, text


@st.composite
def runs(draw: st.DrawFn) -> tuple[str, list[str]]:
    kind, text = draw(mutants())
    if kind == "record":
        return text, ["replay", "{}", "--json"]
    command = draw(st.sampled_from(["derive", "derive", "baseline", "check", "check"]))
    if command == "derive":
        extra = draw(st.sampled_from([[], ["--arithmetic", "exact"], ["--arithmetic", "ball"]]))
        return text, ["derive", "{}", *extra, "--json"]
    if command == "baseline":
        return text, ["baseline", "{}", "--json"]
    extra = draw(st.sampled_from([[], [], ["--at"]]))
    return text, ["check", draw(st.sampled_from(THEOREMS)), "{}", *extra, "--json"]


class _Timeout(BaseException):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def run_one(text: str, argv: list[str]) -> str | None:
    """Run one mutant; return a description of what went wrong, or None."""
    with tempfile.TemporaryDirectory() as td:
        path = Path(td) / "mutant.json"
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        full = [str(path) if a == "{}" else a for a in argv]
        out, err = io.StringIO(), io.StringIO()
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, BOUND_SECONDS)
        t0 = time.perf_counter()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(full)
        except _Timeout:
            return f"{argv[0]}: no answer within {BOUND_SECONDS} s"
        except BaseException as exc:
            return f"{argv[0]}: uncaught {type(exc).__name__}: {exc}"[:300]
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        seconds = time.perf_counter() - t0
    e = err.getvalue()
    if code not in (0, 2):
        return f"{argv[0]}: exit {code}: {e[:300]}"
    if code == 2 and e.count("\n") != 1:
        return f"{argv[0]}: exit 2 with {e.count(chr(10))} stderr lines: {e[:300]}"
    if "Traceback" in e:
        return f"{argv[0]}: traceback: {e[:300]}"
    try:
        json.loads(out.getvalue(), parse_constant=_reject)
    except ValueError as exc:
        return f"{argv[0]}: stdout is not one strict JSON document: {exc}"
    if seconds > BOUND_SECONDS:
        return f"{argv[0]}: took {seconds:.1f} s"
    return None


def _reject(name: str) -> Any:
    raise ValueError(f"non-strict constant {name}")


def _campaign(n: int, progress: Path | None = None) -> tuple[int, list[str]]:
    failures: list[str] = []
    count = [0]
    t0 = time.perf_counter()

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(runs())
    def one(case: tuple[str, list[str]]) -> None:
        count[0] += 1
        problem = run_one(*case)
        if problem is not None:
            failures.append(problem)
        if progress is not None and count[0] % 250 == 0:
            seconds = round(time.perf_counter() - t0, 1)
            head = f"{count[0]} runs, {len(failures)} failures, {seconds} s\n"
            progress.write_text(head + "\n".join(failures[:20]) + "\n")

    one()
    return count[0], failures


def test_fuzz_fast_slice() -> None:
    count, failures = _campaign(300)
    assert count >= 150
    assert not failures, failures[:5]


@pytest.mark.slow
def test_fuzz_long_run(tmp_path_factory: pytest.TempPathFactory) -> None:
    t0 = time.perf_counter()
    where = tmp_path_factory.mktemp("fuzz")
    count, failures = _campaign(10_500, progress=where / "progress.txt")
    seconds = time.perf_counter() - t0
    summary = {
        "runs": count,
        "seconds": round(seconds, 1),
        "failures": len(failures),
        "examples": sorted(set(failures))[:50],
    }
    out = where / "fuzz-long.json"
    out.write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary))  # noqa: T201 - the count and time are the result of this test
    assert count >= 10_000
    assert not failures, summary
