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

from verify.arith import Arithmetic, to_float_array
from verify.errors import InvalidInput, VerifyError
from verify.instances import load_instance
from verify.landscape import Objective
from verify.report import encode, fmt, table
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
    from verify.check import check
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
