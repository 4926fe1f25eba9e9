"""Faults at the command line (issue 11, Build 3, 4 and 6).

Ctrl-C at any stage (including imports) is exit 130 with one line; a closed
stdout pipe is quiet; native code writing to fd 1 cannot corrupt ``--json``;
``--out`` is validated before any work; writes are atomic and concurrent
writers never clobber each other; ``--json`` errors are one strict document.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from verify.cli import guard, main
from verify.io.writing import check_out_dir, write_new

cli_main = importlib.import_module("verify.cli.main")  # the attribute is the function
ROOT = Path(__file__).resolve().parents[2]
FC = ROOT / "examples/instances/fc_dead_relu.json"


def _interrupt_after(delay: float, argv: list[str]) -> tuple[int, str, str]:
    p = subprocess.Popen(
        [sys.executable, "-m", "verify", *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay)
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return -1, out, err
    return p.returncode, out, err


# From 0.2 s on, verify's own code is running (the first ~0.1 s are the interpreter's startup).
@pytest.mark.parametrize("delay", [0.2, 0.6, 2.5])
def test_ctrl_c_at_any_stage_is_130_and_one_line(delay: float) -> None:
    code, out, err = _interrupt_after(delay, ["search", "Y1", "--budget", "100000", "--json"])
    assert code == 130, (code, err)
    assert err == "resnet-verify: interrupted\n", err
    assert json.loads(out) == {"error": {"type": "Interrupted", "message": "interrupted"}}


@pytest.mark.slow
def test_no_interrupt_is_swallowed_during_search() -> None:
    """25 interrupts at spread-out moments of a search: every one ends the run with 130."""
    codes = [
        _interrupt_after(1.5 + 0.2 * k, ["search", "S1", "--budget", "100000", "--seed", str(k)])[
            0
        ]
        for k in range(25)
    ]
    assert codes == [130] * 25, codes


def test_closed_stdout_pipe_is_quiet() -> None:
    for argv in (["derive", str(FC), "--json"], ["check", "--list"]):
        p = subprocess.Popen(
            [sys.executable, "-m", "verify", *argv],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert p.stdout is not None and p.stderr is not None
        p.stdout.close()
        err = p.stderr.read().decode()
        p.stderr.close()
        p.wait(timeout=60)
        assert p.returncode == 0 and err == "", (argv, err)


def test_native_writes_to_fd1_do_not_reach_stdout(monkeypatch, capfd) -> None:
    def noisy(args) -> int:
        os.write(1, b"SCS v3.2 noise from C\n")
        cli_main._emit(args, {"command": "noisy", "value": float("inf")}, "text")
        return 0

    monkeypatch.setattr(cli_main, "cmd_baseline", noisy)
    assert main(["baseline", str(FC), "--json"]) == 0
    out, _ = capfd.readouterr()
    assert "noise" not in out
    doc = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-strict {c}"))
    assert doc == {"command": "noisy", "value": "+inf (float64 overflow)"}


def test_native_stdout_captured_restores_fd1(capfd) -> None:
    with guard.native_stdout_captured():
        os.write(1, b"hidden\n")
    os.write(1, b"visible\n")
    out, _ = capfd.readouterr()
    assert out == "visible\n"


def test_internal_errors_are_one_line_exit_70(monkeypatch, capsys) -> None:
    def broken(args) -> int:
        raise KeyError("bug")

    monkeypatch.setattr(cli_main, "cmd_derive", broken)
    assert main(["derive", str(FC), "--json"]) == guard.EXIT_INTERNAL
    cap = capsys.readouterr()
    assert cap.err.count("\n") == 1 and "internal error" in cap.err
    assert json.loads(cap.out)["error"]["type"] == "InternalError"


def test_usage_error_with_json_is_one_document(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["derive", "--json"])
    assert info.value.code == 2
    cap = capsys.readouterr()
    assert json.loads(cap.out)["error"]["type"] == "UsageError"
    assert cap.err.count("\n") == 1


@pytest.mark.parametrize("command", [["proofs"], ["examples"], ["search", "FC1"]])
def test_out_is_validated_before_any_work(command, tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    t0 = time.perf_counter()
    assert main([*command, "--out", str(blocker / "sub")]) == 2
    assert time.perf_counter() - t0 < 2
    assert "--out" in capsys.readouterr().err


def test_out_unwritable_directory(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):  # running as root: permissions do not bind
            pytest.skip("permissions are not enforced for this user")
        with pytest.raises(Exception, match="not writable"):
            check_out_dir("--out", ro)
    finally:
        ro.chmod(0o700)


def test_concurrent_writers_never_clobber(tmp_path: Path) -> None:
    texts = [json.dumps({"writer": k, "pad": "x" * 200_000}) for k in range(12)]
    paths: list[Path] = []
    lock = threading.Lock()

    def write(text: str) -> None:
        p = write_new(tmp_path / "rec.json", text)
        with lock:
            paths.append(p)

    threads = [threading.Thread(target=write, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(paths)) == 12
    assert sorted(json.loads(p.read_text())["writer"] for p in paths) == list(range(12))
    assert not list(tmp_path.glob(".*.tmp"))
