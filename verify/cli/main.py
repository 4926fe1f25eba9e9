"""The ``resnet-verify`` command line.

Exit codes: 0 ran fine (whatever the verdict), 1 an asserted check failed
(``--strict``), 2 bad input or usage (one line on stderr, no traceback; with
``--json`` also one ``{"error": {"type": ..., "message": ...}}`` document on
stdout), 130 interrupted (Ctrl-C), 70 an internal error (a bug: one line, no
traceback). Every option is validated and every ``--out`` is checked for
writability before any work; the work itself is budgeted
(:mod:`verify.io.budget`) and runs with native stdout captured
(:mod:`verify.cli.guard`).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import numpy as np

from verify.cli import guard
from verify.errors import InvalidInput
from verify.io import budget
from verify.io.instances import load_instance
from verify.io.writing import check_out_dir
from verify.numbers.arithmetic import Arithmetic
from verify.numbers.bounds import all_finite, finite_float_array, fmt6
from verify.objectives.empirical import Objective
from verify.report.encode import encode, fmt, table
from verify.verdict import Verdict

PROG = "resnet-verify"


class UsageError(InvalidInput):
    """A command line argparse rejects."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        where = self.prog[len(PROG) :].strip()
        raise UsageError(f"{where + ': ' if where else ''}{message}; see '{PROG} --help'.")


def _emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    """Queue the command's output; :func:`main` writes it once the work is done."""
    args.output.append(guard.strict_json(payload) if args.json else text.rstrip("\n"))


def _write_stdout(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _nonneg(name: str, value: int, high: int | None = None) -> int:
    if value < 0 or (high is not None and value > high):
        rule = f"between 0 and {high}" if high is not None else "a non-negative integer"
        raise InvalidInput(f"{name}={value!r} must be {rule}.")
    return value


SEED_MAX = 2**32 - 1


def _fmt(value: Any, digits: int = 6) -> str:
    """``fmt`` that survives exact values beyond float64 (printed with ``fmt6``)."""
    try:
        return fmt(value, digits)
    except OverflowError:
        return fmt6(value)


# ---- derive -------------------------------------------------------------------


def cmd_derive(args: argparse.Namespace) -> int:
    inst = load_instance(args.instance)
    model = inst.require_model()
    theta = inst.require_params()
    arith = Arithmetic.parse(args.arithmetic)
    budget.check_derive(
        model.n_params, inst.data.n, arith is not Arithmetic.FLOAT, allow_large=args.allow_large
    )
    obj = Objective(model, inst.loss, inst.data)
    land = obj.evaluate(theta, arith, order=2)
    assert land.hessian is not None
    eig: Any = None
    if arith is Arithmetic.FLOAT or all_finite(land.hessian):
        # float results that overflowed are meaningless: one line, exit 2
        hf = finite_float_array("the float64 Hessian", land.hessian)
        eig = np.linalg.eigvalsh((hf + hf.T) / 2)
    no_eig = "not computed: the Hessian is beyond float64 (float64 overflow)"
    names = [
        f"{p.name}{list(idx) if p.shape else ''}"
        for p in model.layout
        for idx in (np.ndindex(p.shape) if p.shape else [()])
    ]
    kink = land.kink_margin
    payload = {
        "command": "derive",
        "instance": str(args.instance),
        "arithmetic": arith.value,
        "method": land.method.value,
        "parameters": names,
        "risk": encode(land.risk),
        "gradient": encode(land.gradient),
        "hessian": encode(land.hessian),
        "hessian_eigenvalues": no_eig if eig is None else [float(v) for v in eig],
        "hessian_eigenvalues_method": "numeric",
        "kink_margin": encode(kink),
        "twice_differentiable": None if kink is None else bool(kink > 0),
    }
    lines = [
        f"instance   {args.instance}  ({model.kind}, P={model.n_params}, n={inst.data.n})",
        f"arithmetic {arith.value}: results are {land.method.value.upper()}"
        + (" (float64, not a proof)" if arith is Arithmetic.FLOAT else ""),
        f"risk R     {_fmt(land.risk)}",
        "gradient",
    ]
    lines += [f"  {n:<28} {_fmt(g)}" for n, g in zip(names, land.gradient, strict=True)]
    lines.append(f"hessian    {model.n_params}x{model.n_params} (use --json for all entries)")
    if model.n_params <= 12:
        lines += ["  " + "  ".join(f"{_fmt(v, 4):>10}" for v in row) for row in land.hessian]
    lines.append(
        "eigenvalues (NUMERIC, float64 eigvalsh of the Hessian): "
        + (no_eig if eig is None else ", ".join(f"{v:.6g}" for v in eig))
    )
    if kink is None:
        lines.append("kinks      none (smooth activations)")
    else:
        state = (
            "not twice differentiable: a sample sits on a kink"
            if not kink > 0
            else "no sample on a kink"
        )
        lines.append(f"kink margin {_fmt(kink)} ({state})")
    _emit(args, payload, "\n".join(lines))
    return 0


# ---- check --------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    from verify.pipeline import check
    from verify.theorems import THEOREMS, theorem

    if args.list:
        rows = [[t.id, t.kind, f"[{t.tag}]", t.title, t.reference] for t in THEOREMS.values()]
        payload = {
            "theorems": [
                {
                    "id": t.id,
                    "kind": t.kind,
                    "tag": t.tag,
                    "title": t.title,
                    "reference": t.reference,
                    "premises": list(t.premise_names),
                    "conclusion": t.conclusion.name,
                }
                for t in THEOREMS.values()
            ]
        }
        _emit(args, payload, table(rows, ["id", "kind", "tag", "claim", "reference"]))
        return 0
    if args.theorem is None or args.instance is None:
        raise InvalidInput(
            "check needs THEOREM and INSTANCE (or --list); "
            "e.g. resnet-verify check Y1 instance.json."
        )
    _nonneg("--starts", args.starts)
    _nonneg("--seed", args.seed, SEED_MAX)
    thm = theorem(args.theorem, args.without or ())
    inst = load_instance(args.instance)
    model = inst.require_model()
    budget.check_check(model, inst.data.n, args.starts, allow_large=args.allow_large)
    result = check(
        thm,
        inst,
        find=args.find,
        n_starts=args.starts,
        seed=args.seed,
        where="at" if args.at else "near",
    )
    nothing = (
        f"{thm.label}: no critical point was found from {args.starts} start(s); "
        "nothing checked (INCONCLUSIVE)."
    )
    lines = [r.format() for r in result.reports] or [nothing]
    _emit(args, {"command": "check", **result.to_dict()}, "\n\n".join(lines))
    if args.strict and (
        not result.reports or any(r.verdict is not Verdict.HOLDS for r in result.reports)
    ):
        return 1
    return 0


# ---- baseline, search, replay ---------------------------------------------------


def cmd_baseline(args: argparse.Namespace) -> int:
    from verify.baseline import best_linear_predictor

    inst = load_instance(args.instance)
    m = inst.model
    intercept = args.intercept or (m is not None and (m.intercept or m.output_bias))
    budget.check_baseline(
        inst.data.n, inst.data.d_in + int(bool(intercept)), allow_large=args.allow_large
    )
    base = best_linear_predictor(inst.data, inst.loss, intercept=intercept)
    _emit(args, {"command": "baseline", **base.to_dict()}, base.format())
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from verify.search.engine import search
    from verify.theorems import theorem

    if not 1 <= args.budget <= 1_000_000:
        raise InvalidInput(f"--budget={args.budget!r} must be an integer between 1 and 1000000.")
    _nonneg("--seed", args.seed, SEED_MAX)
    thm = theorem(args.theorem, args.without or ())
    if args.out is not None:
        check_out_dir("--out", args.out)
    bar: Any = None
    if not args.json and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=args.budget, unit="inst", leave=False, desc=f"search {thm.label}")

    def progress(n: int) -> None:
        if bar is not None:
            bar.n = n
            bar.refresh()

    rep = search(
        thm,
        budget=args.budget,
        seed=args.seed,
        profile=args.profile,
        use_target=not args.no_target,
        out=args.out,
        progress=progress,
    )
    if bar is not None:
        bar.close()
    _emit(args, {"command": "search", **rep.to_dict()}, rep.format())
    return 1 if args.strict and rep.verdict is Verdict.VIOLATED else 0


def cmd_replay(args: argparse.Namespace) -> int:
    from verify.io.instances import load_json
    from verify.io.records import replay

    result = replay(load_json(args.record), source=str(args.record), allow_large=args.allow_large)
    _emit(args, {"command": "replay", **result.to_dict()}, result.format())
    return 1 if args.strict and not result.reproduced else 0


# ---- proofs, examples, all ------------------------------------------------------


def _run_rows(args: argparse.Namespace, tasks: list[Any]) -> int:
    from verify.cli.runall import render, run_tasks, write

    if getattr(args, "out", None):
        check_out_dir("--out", args.out)
    rows = run_tasks(tasks, progress=not args.json and sys.stderr.isatty())
    text = render(rows)
    if getattr(args, "out", None):
        j, m = write(rows, args.out)
        text += f"\nwrote {j} and {m}"
    _emit(args, {"command": args.command, "rows": rows}, text)
    return 1 if args.strict and not all(r["ok"] for r in rows) else 0


def cmd_proofs(args: argparse.Namespace) -> int:
    from verify.cli.runall import proof_tasks

    return _run_rows(args, proof_tasks(args.names))


def cmd_examples(args: argparse.Namespace) -> int:
    from verify.cli.runall import example_tasks

    return _run_rows(args, example_tasks(args.names))


def cmd_all(args: argparse.Namespace) -> int:
    from verify.cli.runall import example_tasks, proof_tasks, search_tasks

    if not 1 <= args.budget <= 1_000_000:
        raise InvalidInput(f"--budget={args.budget!r} must be an integer between 1 and 1000000.")
    _nonneg("--seed", args.seed, SEED_MAX)
    tasks = proof_tasks() + example_tasks() + search_tasks(args.budget, args.seed)
    return _run_rows(args, tasks)


# ---- parser -------------------------------------------------------------------

Handler = Callable[[argparse.Namespace], int]


def _allow_large(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-large",
        action="store_true",
        help="lift the work budget (README, Limits); may take far longer than 60 s",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Computer checks of optimization-landscape theorems about residual networks.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("derive", help="risk, gradient and Hessian at the instance's parameters")
    p.add_argument("instance", help="instance JSON file (format resnet-verify/instance@1)")
    p.add_argument("--arithmetic", choices=[a.value for a in Arithmetic], default="float")
    _allow_large(p)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_derive)

    p = sub.add_parser("check", help="decide a theorem at an instance (see --list)")
    p.add_argument("theorem", nargs="?", help="theorem id, e.g. Y1 (see --list)")
    p.add_argument("instance", nargs="?", help="instance JSON file")
    p.add_argument("--list", action="store_true", help="list the theorems and exit")
    p.add_argument(
        "--without",
        action="append",
        metavar="PREMISE",
        help="drop a premise (repeatable): checks the weakened claim",
    )
    p.add_argument(
        "--find",
        action="store_true",
        help="search critical points from the instance's parameters and --starts",
    )
    p.add_argument("--starts", type=int, default=0, help="extra seeded random starts for --find")
    p.add_argument("--seed", type=int, default=0, help="seed for --starts")
    p.add_argument(
        "--at",
        action="store_true",
        help="require the given point itself to be critical (no Krawczyk box)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 unless the theorem HOLDS at every point checked",
    )
    _allow_large(p)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("baseline", help="best linear predictor R_lin with a certified bracket")
    p.add_argument("instance", help="instance JSON file (the model may be omitted)")
    p.add_argument("--intercept", action="store_true", help="append a constant 1 to x")
    _allow_large(p)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_baseline)

    p = sub.add_parser("search", help="Hypothesis search for certified violations")
    p.add_argument("theorem", help="theorem id, e.g. Y1 (see 'check --list')")
    p.add_argument("--budget", type=int, default=100, help="instances to generate")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--without",
        action="append",
        metavar="PREMISE",
        help="drop a premise (repeatable): probe whether it is needed",
    )
    p.add_argument("--profile", choices=["dev", "ci", "deep"], default="dev")
    p.add_argument("--no-target", action="store_true", help="do not steer with target()")
    p.add_argument("--out", metavar="DIR", help="write the counterexample record here")
    p.add_argument("--strict", action="store_true", help="exit 1 if a violation is found")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("replay", help="recompute a counterexample record's verdict")
    p.add_argument("record", help="record JSON written by 'search --out'")
    p.add_argument("--strict", action="store_true", help="exit 1 if not reproduced")
    _allow_large(p)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_replay)

    for name, handler, what in (
        ("proofs", cmd_proofs, "machine-checked proof steps"),
        ("examples", cmd_examples, "the papers' hand-built examples"),
    ):
        p = sub.add_parser(name, help=f"run the {what}")
        p.add_argument("names", nargs="*", help="run only these (default: all)")
        p.add_argument("--out", metavar="DIR", help="also write all.json and all.md here")
        p.add_argument(
            "--strict", action="store_true", help="exit 1 unless every row is as expected"
        )
        p.add_argument("--json", action="store_true", help="print one JSON document")
        p.set_defaults(handler=handler)

    p = sub.add_parser("all", help="every proof, every example and a bounded search per theorem")
    p.add_argument("--budget", type=int, default=150, help="instances per search")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", metavar="DIR", help="also write all.json and all.md here")
    p.add_argument("--strict", action="store_true", help="exit 1 unless every row is as expected")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_all)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (see the module docstring).

    Usage errors raise ``SystemExit(2)`` after printing their line (argparse's
    convention; ``--help`` exits 0).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    output: list[str] = []
    with guard.Interrupts() as interrupts:
        try:
            code = _run(argv, as_json, output)
            if interrupts.received:  # swallowed somewhere below (a gc callback): still 130
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            interrupts.done()
            return _fail(guard.EXIT_INTERRUPTED, "Interrupted", "interrupted", as_json)
        try:
            if output:
                _write_stdout("\n".join(output) + "\n")
        except BrokenPipeError:
            guard.quiet_broken_pipe()
        except KeyboardInterrupt:
            interrupts.done()
            return _fail(guard.EXIT_INTERRUPTED, "Interrupted", "interrupted", False)
        return code


def _run(argv: list[str], as_json: bool, output: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as err:
        raise SystemExit(_fail(2, "UsageError", str(err), as_json)) from None
    args.output = output
    handler: Handler = args.handler
    try:
        with guard.native_stdout_captured():
            return handler(args)
    except KeyboardInterrupt:
        raise
    except Exception as err:  # the fault boundary: every exception becomes one line
        output.clear()
        code, kind, message = guard.classify(err)
        return _fail(code, kind, message, as_json)


def _fail(code: int, kind: str, message: str, as_json: bool) -> int:
    """Print one error line on stderr (and the JSON error document with ``--json``)."""
    message = " ".join(message.split())
    try:
        if as_json:
            _write_stdout(guard.error_document(kind, message) + "\n")
    except BrokenPipeError:
        guard.quiet_broken_pipe()
    line = f"{PROG}: {message}" if code == guard.EXIT_INTERRUPTED else f"{PROG}: error: {message}"
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
