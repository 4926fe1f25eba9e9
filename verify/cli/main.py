"""The ``resnet-verify`` command line.

Exit codes: 0 ran fine (whatever the verdict), 1 an asserted check failed
(``--strict``), 2 bad input or usage (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import numpy as np

from verify.errors import InvalidInput, VerifyError
from verify.io.instances import load_instance
from verify.numbers.arithmetic import Arithmetic, to_float_array
from verify.objectives.empirical import Objective
from verify.report.encode import encode, fmt, table
from verify.verdict import Verdict

PROG = "resnet-verify"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see '{PROG} --help'.\n")


def _emit(payload: dict[str, Any], text: str, as_json: bool) -> None:
    if as_json:
        json.dump(payload, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(text.rstrip("\n") + "\n")


# ---- derive -------------------------------------------------------------------


def cmd_derive(args: argparse.Namespace) -> int:
    inst = load_instance(args.instance)
    model = inst.require_model()
    theta = inst.require_params()
    arith = Arithmetic.parse(args.arithmetic)
    obj = Objective(model, inst.loss, inst.data)
    land = obj.evaluate(theta, arith, order=2)
    assert land.hessian is not None
    hf = to_float_array(land.hessian)
    eig = np.linalg.eigvalsh((hf + hf.T) / 2)
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
        "hessian_eigenvalues": [float(v) for v in eig],
        "hessian_eigenvalues_method": "numeric",
        "kink_margin": encode(kink),
        "twice_differentiable": None if kink is None else bool(kink > 0),
    }
    lines = [
        f"instance   {args.instance}  ({model.kind}, P={model.n_params}, n={inst.data.n})",
        f"arithmetic {arith.value}: results are {land.method.value.upper()}"
        + (" (float64, not a proof)" if arith is Arithmetic.FLOAT else ""),
        f"risk R     {fmt(land.risk)}",
        "gradient",
    ]
    lines += [f"  {n:<28} {fmt(g)}" for n, g in zip(names, land.gradient, strict=True)]
    lines.append(f"hessian    {model.n_params}x{model.n_params} (use --json for all entries)")
    if model.n_params <= 12:
        lines += ["  " + "  ".join(f"{fmt(v, 4):>10}" for v in row) for row in land.hessian]
    lines.append(
        "eigenvalues (NUMERIC, float64 eigvalsh of the Hessian): "
        + ", ".join(f"{v:.6g}" for v in eig)
    )
    if kink is None:
        lines.append("kinks      none (smooth activations)")
    else:
        state = (
            "not twice differentiable: a sample sits on a kink"
            if not kink > 0
            else "no sample on a kink"
        )
        lines.append(f"kink margin {fmt(kink)} ({state})")
    _emit(payload, "\n".join(lines), args.json)
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
        _emit(payload, table(rows, ["id", "kind", "tag", "claim", "reference"]), args.json)
        return 0
    if args.theorem is None or args.instance is None:
        raise InvalidInput(
            "check needs THEOREM and INSTANCE (or --list); "
            "e.g. resnet-verify check Y1 instance.json."
        )
    thm = theorem(args.theorem, args.without or ())
    inst = load_instance(args.instance)
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
    _emit({"command": "check", **result.to_dict()}, "\n\n".join(lines), args.json)
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
    base = best_linear_predictor(inst.data, inst.loss, intercept=intercept)
    _emit({"command": "baseline", **base.to_dict()}, base.format(), args.json)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from verify.search.engine import search
    from verify.theorems import theorem

    thm = theorem(args.theorem, args.without or ())
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
    _emit({"command": "search", **rep.to_dict()}, rep.format(), args.json)
    return 1 if args.strict and rep.verdict is Verdict.VIOLATED else 0


def cmd_replay(args: argparse.Namespace) -> int:
    from verify.io.instances import load_json
    from verify.io.records import replay

    result = replay(load_json(args.record))
    _emit({"command": "replay", **result.to_dict()}, result.format(), args.json)
    return 1 if args.strict and not result.reproduced else 0


# ---- proofs, examples, all ------------------------------------------------------


def _run_rows(args: argparse.Namespace, tasks: list[Any]) -> int:
    from verify.cli.runall import render, run_tasks, write

    rows = run_tasks(tasks, progress=not args.json and sys.stderr.isatty())
    text = render(rows)
    if getattr(args, "out", None):
        j, m = write(rows, args.out)
        text += f"\nwrote {j} and {m}"
    _emit({"command": args.command, "rows": rows}, text, args.json)
    return 1 if args.strict and not all(r["ok"] for r in rows) else 0


def cmd_proofs(args: argparse.Namespace) -> int:
    from verify.cli.runall import proof_tasks

    return _run_rows(args, proof_tasks(args.names))


def cmd_examples(args: argparse.Namespace) -> int:
    from verify.cli.runall import example_tasks

    return _run_rows(args, example_tasks(args.names))


def cmd_all(args: argparse.Namespace) -> int:
    from verify.cli.runall import example_tasks, proof_tasks, search_tasks

    if args.budget < 1:
        raise InvalidInput(f"--budget={args.budget!r} must be a positive integer.")
    tasks = proof_tasks() + example_tasks() + search_tasks(args.budget, args.seed)
    return _run_rows(args, tasks)


# ---- parser -------------------------------------------------------------------

Handler = Callable[[argparse.Namespace], int]


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
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("baseline", help="best linear predictor R_lin with a certified bracket")
    p.add_argument("instance", help="instance JSON file (the model may be omitted)")
    p.add_argument("--intercept", action="store_true", help="append a constant 1 to x")
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
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except VerifyError as err:
        msg = str(err).replace("\n", " ")
        sys.stderr.write(f"{PROG}: error: {msg}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
