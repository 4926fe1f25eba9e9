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
import textwrap
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
from verify.report.encode import derivative_lines, encode, fmt, table
from verify.report.provenance import header, tool_version
from verify.theorems.usermodule import resolve
from verify.verdict import Verdict

PROG = "resnet-verify"
#: the names ``resnet-verify experiment`` accepts (verify.experiments.commands.NAMES)
EXPERIMENTS = ("du", "liu", "safran-shamir", "y3", "y3-critical", "y4", "s2", "s3")


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
    from verify.io.documents import load_document
    from verify.population.spec import PopulationInstance

    inst = load_document(args.instance)
    if isinstance(inst, PopulationInstance):
        from verify.cli.population import derive_population

        payload, text = derive_population(inst, str(args.instance), args.arithmetic)
        _emit(args, *_spectrum(args, payload, text))
        return 0
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
    inertia = _rigorous_inertia(land, arith)
    if eig is not None and inertia is not None and inertia.n_zero:
        # the exact inertia proves n_zero eigenvalues are 0: show those as 0, not as the
        # float64 round-off (e.g. -5e-17) that looks negative
        eig = np.sort(eig)
        nearest = np.argsort(np.abs(eig))[: inertia.n_zero]
        eig[nearest] = 0.0
    payload = {
        "provenance": header("derive", settings={"arithmetic": arith.value}),
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
        "hessian_inertia": None if inertia is None else inertia.to_dict(),
        "kink_margin": encode(kink),
        "twice_differentiable": None if kink is None else bool(kink > 0),
    }
    lines = [
        f"instance   {args.instance}  ({model.kind}, P={model.n_params}, n={inst.data.n})",
        f"arithmetic {arith.value}: results are {land.method.value.upper()}"
        + (" (float64, not a proof)" if arith is Arithmetic.FLOAT else ""),
        f"risk R     {_fmt(land.risk)}",
    ]
    eig_text = no_eig if eig is None else ", ".join(f"{v:.6g}" for v in eig)
    lines += derivative_lines(names, land.gradient, land.hessian, eig_text, _fmt)
    if inertia is not None:
        lines.append(
            f"inertia    {inertia.method.value.upper()}: {inertia.n_pos} positive, "
            f"{inertia.n_zero} zero, {inertia.n_neg} negative, {inertia.n_unknown} undecided"
            + (" (the zero eigenvalues above are exact)" if inertia.n_zero else "")
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
    _emit(args, *_spectrum(args, payload, "\n".join(lines)))
    return 0


def _rigorous_inertia(land: Any, arith: Arithmetic) -> Any:
    """The Hessian's exact (fmpq) or certified (ball) inertia; ``None`` in float64."""
    if arith is Arithmetic.FLOAT:
        return None
    from verify.certify import matrix_inertia

    try:
        return matrix_inertia(land.hessian)
    except (ArithmeticError, ValueError):  # no enclosure to work with: say nothing
        return None


def _spectrum(
    args: argparse.Namespace, payload: dict[str, Any], text: str
) -> tuple[dict[str, Any], str]:
    """With ``--plot FILE``: draw the Hessian spectrum (PNG + JSON) and say so."""
    if not getattr(args, "plot", None):
        return payload, text
    from verify.experiments.figures import spectrum_plot

    png, js = spectrum_plot(
        payload["hessian_eigenvalues"],
        args.plot,
        title=f"Hessian spectrum at {args.instance} (float64 eigvalsh, NUMERIC)",
    )
    payload = {**payload, "figure": str(png), "figure_data": str(js)}
    return payload, text + f"\nwrote {png} and {js} (Hessian spectrum, NUMERIC)"


# ---- classify -------------------------------------------------------------------


def cmd_classify(args: argparse.Namespace) -> int:
    from verify.classification import classify
    from verify.io.documents import load_document
    from verify.population.spec import PopulationInstance

    inst = load_document(args.instance)
    if isinstance(inst, PopulationInstance):
        from verify.cli.population import require_point

        objective: Any = inst.objective
        theta = require_point(inst)
    else:
        objective = Objective(inst.require_model(), inst.loss, inst.data)
        theta = inst.require_params()
    result = classify(objective, theta)
    payload = {
        "provenance": header("classify"),
        "command": "classify",
        "instance": str(args.instance),
        **result.to_dict(),
    }
    _emit(args, payload, result.format(str(args.instance)))
    return 0


def cmd_experiment(args: argparse.Namespace) -> int:
    from verify.experiments.commands import run_experiment

    payload, text = run_experiment(args.name, args.budget, args.seed, args.out)
    prov = header("experiment", seeds=[args.seed], settings={"budget": args.budget})
    _emit(args, {"provenance": prov, "command": "experiment", **payload}, text)
    return 0


# ---- check --------------------------------------------------------------------


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    keys = (
        "theorem", "theorem_module", "without", "profile", "find", "starts", "at", "no_target",
        "points",
    )
    return {k: getattr(args, k) for k in keys if getattr(args, k, None) not in (None, False)}


def cmd_check(args: argparse.Namespace) -> int:
    from verify.pipeline import check
    from verify.theorems.registry import GROUPS

    if args.list:
        listed = [(g, key, t) for g, members in GROUPS.items() for key, t in members.items()]
        rows = [[key, g, t.kind, f"[{t.tag}]", t.title, t.reference] for g, key, t in listed]
        payload = {
            "provenance": header("check"),
            "theorems": [
                {
                    "id": key,
                    "group": g,
                    "kind": t.kind,
                    "tag": t.tag,
                    "title": t.title,
                    "reference": t.reference,
                    "premises": list(t.premise_names),
                    "conclusion": t.conclusion.name,
                }
                for g, key, t in listed
            ],
        }
        _emit(args, payload, table(rows, ["id", "group", "kind", "tag", "claim", "reference"]))
        return 0
    if args.theorem_module and args.instance is None:  # check --theorem-module M INSTANCE
        args.instance, args.theorem = args.theorem, None
    if (args.theorem is None and not args.theorem_module) or args.instance is None:
        raise InvalidInput(
            "check needs THEOREM and INSTANCE (or --list); "
            "e.g. resnet-verify check Y1 instance.json."
        )
    _nonneg("--starts", args.starts)
    _nonneg("--seed", args.seed, SEED_MAX)
    thm = resolve(args.theorem, args.theorem_module, args.without)
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
    if args.find or args.points or len(result.reports) != 1 or result.escapes:
        lines.append(f"summary: {result.summary()}")
    if args.points:
        point_rows = [
            f"  [{p['index']}] {p['status']:<7} "
            + (f"{p['verdict'].upper()} [{p['method']}]" if p["verdict"] else
               f"|theta| = {p['norm']:.3g}, float R = {p['risk']:.6g}")
            + f"  {p['text']}"
            for p in result.points()
        ]
        lines.append("points:\n" + "\n".join(point_rows))
    prov = header("check", seeds=[args.seed], settings=_settings(args))
    payload = {"provenance": prov, "command": "check", **result.to_dict()}
    if args.points:
        payload["points"] = result.points()
    _emit(args, payload, "\n\n".join(lines))
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
    prov = header("baseline", settings={"intercept": bool(intercept)})
    _emit(args, {"provenance": prov, "command": "baseline", **base.to_dict()}, base.format())
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from verify.search.engine import search

    if not 1 <= args.budget <= 1_000_000:
        raise InvalidInput(f"--budget={args.budget!r} must be an integer between 1 and 1000000.")
    _nonneg("--seed", args.seed, SEED_MAX)
    thm = resolve(args.theorem, args.theorem_module, args.without)
    if args.out is not None:
        check_out_dir("--out", args.out)
    if args.workers is not None or args.scheduler or args.target or args.checkpoint:
        return _search_campaign(args, thm)
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
        collect_points=args.plot is not None,
    )
    if bar is not None:
        bar.close()
    prov = header("search", seeds=[args.seed], budget=args.budget, settings=_settings(args))
    payload, text = {"provenance": prov, "command": "search", **rep.to_dict()}, rep.format()
    if args.plot is not None:
        from verify.experiments.search_plot import plot_search

        png, js = plot_search(rep, args.plot)
        payload |= {"figure": str(png), "figure_data": str(js)}
        text += (
            f"\n  wrote {png} and {js}: R - R_lin against lambda_min at the "
            f"{sum(p.covered for p in rep.points)} covered critical points examined (float)"
        )
    _emit(args, payload, text)
    return 1 if args.strict and rep.verdict is Verdict.VIOLATED else 0


def _search_campaign(args: argparse.Namespace, thm: Any) -> int:
    """``search`` in shards of --shard-budget instances: serially (--workers 1), on a local
    Dask cluster (--workers N) or an existing one (--scheduler), with checkpoints."""
    from verify.search.campaign import campaign
    from verify.search.distributed import TheoremSpec

    if args.workers is not None and not 0 <= args.workers <= 1024:
        raise InvalidInput(
            f"--workers={args.workers!r} must be between 0 and 1024 (1 runs the shards here)."
        )
    spec = TheoremSpec(
        None if args.theorem_module else args.theorem,
        args.theorem_module,
        tuple(args.without or ()),
    )
    options = {"profile": args.profile, "use_target": not args.no_target}

    def progress(done: int, target: int) -> None:
        if not args.json and sys.stderr.isatty():
            sys.stderr.write(f"\r{done}/{target} instances")
            sys.stderr.flush()

    rep = campaign(
        spec,
        target=args.target or args.budget,
        shard_budget=args.shard_budget,
        seed=args.seed,
        spec=options,
        workers=args.workers if args.workers is not None else 1,
        scheduler=args.scheduler,
        checkpoint=args.checkpoint,
        out=args.out,
        progress=progress,
    )
    if not args.json and sys.stderr.isatty():
        sys.stderr.write("\n")
    prov = header("search", seeds=[args.seed], budget=rep.target, settings=_settings(args))
    _emit(args, {"provenance": prov, "command": "search", **rep.to_dict()}, rep.format())
    return 1 if args.strict and rep.verdict is Verdict.VIOLATED else 0


def cmd_replay(args: argparse.Namespace) -> int:
    from verify.io.instances import load_json
    from verify.io.records import replay

    result = replay(load_json(args.record), source=str(args.record), allow_large=args.allow_large)
    prov = header("replay")
    _emit(args, {"provenance": prov, "command": "replay", **result.to_dict()}, result.format())
    return 1 if args.strict and not result.reproduced else 0


# ---- proofs, examples, all ------------------------------------------------------


def _run_rows(args: argparse.Namespace, tasks: list[Any]) -> int:
    from verify.cli.runall import run_command

    if getattr(args, "out", None):
        check_out_dir("--out", args.out)
    return run_command(args, tasks, lambda payload, text, _as_json: _emit(args, payload, text))


def cmd_proofs(args: argparse.Namespace) -> int:
    from verify.cli.runall import proof_tasks

    return _run_rows(args, proof_tasks(args.names))


def cmd_examples(args: argparse.Namespace) -> int:
    from verify.cli.runall import example_tasks

    return _run_rows(args, example_tasks(args.names))


def cmd_all(args: argparse.Namespace) -> int:
    from verify.cli.runall import (
        example_tasks,
        experiment_tasks,
        population_tasks,
        proof_tasks,
        search_tasks,
    )

    if not 1 <= args.budget <= 1_000_000:
        raise InvalidInput(f"--budget={args.budget!r} must be an integer between 1 and 1000000.")
    _nonneg("--seed", args.seed, SEED_MAX)
    level = "deep" if args.deep else "quick"
    out = None if args.out is None else str(args.out)
    tasks = (
        proof_tasks()
        + example_tasks()
        + search_tasks(args.budget, args.seed, out, args.workers)
        + population_tasks(out)
        + experiment_tasks(level, args.seed, out)
    )
    return _run_rows(args, tasks)


# ---- parser -------------------------------------------------------------------

Handler = Callable[[argparse.Namespace], int]

EPILOG = """\
exit codes: 0 ran fine (whatever the verdict), 1 an asserted check failed (--strict),
2 bad input or usage. Every command takes --json (one JSON document on stdout).
Statements, provenance tags and sources of every claim: docs/claims.md (source tree).
"""

VERDICTS_HELP = """\
verdicts: HOLDS (established, method shown), VIOLATED (false, EXACT/CERTIFIED evidence
for every part), INCONCLUSIVE (not decided; a search that finds nothing), PARTIAL
(every proof step holds, but only within the stated scope), NOT REPRODUCED (a quoted
statement the toolkit could not reproduce; not asserted), DOES NOT APPLY (outside the
theorem's setting). "as expected": yes when the row is what the papers predict.
"""

THEOREM_MODULE_HELP = """\
your own theorem: --theorem-module my_claims.py:MY_THEOREM loads the verify.Theorem
MY_THEOREM from your module (its code runs: only name modules you trust). See the
README section "Your own theorems" and examples/user/my_claims.py.
"""


def _describe(text: str) -> str:
    """A description wrapped for the raw formatter (which keeps the epilog's lines)."""
    return textwrap.fill(text, 78)


def _loss_catalogue() -> str:
    from verify.catalogue.losses import LOSS_NAMES, loss

    lines = ['losses (instance field "loss"; parameters as {"name": ..., "delta": "1/2"}):']
    for name in LOSS_NAMES:
        lss = loss(name)
        lines.append(
            f"  {name:<15} labels {lss.labels:<5} convex {'yes' if lss.convex else 'no':<3} "
            f"C2 {'yes' if lss.twice_differentiable else 'no':<3} "
            f"Lipschitz {'no' if lss.lipschitz is None else lss.lipschitz}"
        )
    return "\n".join(lines)


def _theorem_args(p: argparse.ArgumentParser, listing: str, verb: str, tail: str) -> None:
    """The THEOREM argument and ``--theorem-module`` shared by check and search."""
    p.add_argument("theorem", nargs="?", help=f"theorem id, e.g. Y1 ({listing})")
    p.add_argument(
        "--theorem-module",
        metavar="PATH.py:NAME",
        help=f"{verb} the verify.Theorem NAME defined in your module{tail}",
    )


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
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {tool_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser(
        "derive",
        help="risk, gradient and Hessian at the instance's parameters",
        description="Risk, gradient and Hessian of the empirical risk at the instance's "
        "parameters, with the kink margin of piecewise-linear activations; for a population "
        "instance (data.distribution) the closed-form Gaussian population risk, with its "
        "smoothness margin (float or ball arithmetic). The Hessian eigenvalues printed are "
        "always float64 (NUMERIC).",
        epilog=_loss_catalogue(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("instance", help="instance JSON file (format resnet-verify/instance@1)")
    p.add_argument(
        "--arithmetic",
        choices=[a.value for a in Arithmetic],
        default="float",
        help="float: float64 (NUMERIC); exact: rationals (EXACT; rational data, "
        "piecewise-linear or polynomial activations); ball: Arb balls (CERTIFIED)",
    )
    p.add_argument(
        "--plot",
        metavar="FILE",
        help="also draw the Hessian spectrum (sorted eigenvalues) as FILE (PNG; data as .json)",
    )
    _allow_large(p)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_derive)

    p = sub.add_parser(
        "classify",
        help="is the instance's point a strict local minimum, a strict saddle, or not critical?",
        description="Classify the instance's point (empirical or population instance) without "
        "choosing a theorem: a certified critical point (the point is polished and the "
        "certificate is for the unique critical point in a stated box around it; both points "
        "are reported), then a strict local minimum (positive definite Hessian over the box), "
        "a strict saddle (certified direction of negative curvature) or undecided; "
        "not_critical if the gradient provably has no zero near the point. The risk is "
        "bracketed (spurious if above a known global minimum; for empirical instances compared "
        "with R_lin). Du et al.'s spurious point is decided by the profile-loss argument "
        "(kind local_minimum: not strict, flat along w -> c*w).",
    )
    p.add_argument("instance", help="instance JSON file with 'params' (empirical or population)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_classify)

    p = sub.add_parser(
        "experiment",
        help="experiments: du, liu, safran-shamir, y3, y3-critical, y4, s2, s3",
        description="Run one experiment and report what it measures, its sample sizes and "
        "its evidence level; rates come with their run count and 95%% Wilson interval. "
        "Population landscapes: du (GD on Du et al.'s conv "
        "net: how often it ends at the certified spurious minimum), liu (Liu et al., "
        "RECONSTRUCTION: success with and without the shortcut from the same inits), "
        "safran-shamir (bad-run frequency per k with certified representatives). "
        "Yun et al.: y3 (near-identity risk bound against depth L = 1..16, each instance "
        "certified), y3-critical (the same at trained critical points, alpha measured), y4 "
        "(sampled lower estimate of the Rademacher complexity against the bound, per L). "
        "Shamir: s2 (slack of the approximate-stationarity bound along GD paths), s3 (SGD "
        "against R_lin: an experiment, not the theorem). Experiments are SAMPLED: they "
        "never prove a universal claim. With --out, every figure is written as PNG + JSON.",
    )
    p.add_argument("name", choices=list(EXPERIMENTS), help="which experiment")
    p.add_argument(
        "--budget",
        choices=["quick", "deep"],
        default="quick",
        help="quick: seconds to a minute each; deep: the full sweeps (minutes)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of every random draw")
    p.add_argument("--out", metavar="DIR", help="write the JSON and PNG here")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_experiment)

    p = sub.add_parser(
        "check",
        help="decide a theorem at an instance (see --list)",
        description="Decide THEOREM at the instance's point (certified critical point or "
        "Krawczyk box), or at critical points found from it with --find. The verdict is "
        "HOLDS, VIOLATED or INCONCLUSIVE with its method; outside the theorem's setting "
        "the answer is 'does not apply'.",
        epilog=THEOREM_MODULE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _theorem_args(p, "see --list", "use", " instead of a built-in id")
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
        "--points",
        action="store_true",
        help="list every point found (checked theta* and escapes) with its coordinates",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 unless the theorem HOLDS at every point checked",
    )
    _allow_large(p)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser(
        "baseline",
        help="best linear predictor R_lin with a certified bracket",
        description="The best linear predictor R_lin = inf_t E[l(t^T x; y)] of the instance's "
        "data and loss (CVXPY), re-checked: a certified bracket, attainment and separability.",
        epilog=_loss_catalogue(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("instance", help="instance JSON file (the model may be omitted)")
    p.add_argument("--intercept", action="store_true", help="append a constant 1 to x")
    _allow_large(p)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_baseline)

    p = sub.add_parser(
        "search",
        help="Hypothesis search for certified violations",
        description="Draw tiny instances with Hypothesis, find critical points, screen the "
        "theorem in float64 and certify every suspicious point; only a certified violation "
        "counts (VIOLATED, with a replayable record). Finding nothing is INCONCLUSIVE.",
        epilog=THEOREM_MODULE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _theorem_args(p, "see 'check --list'", "search", "")
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
    p.add_argument(
        "--plot",
        metavar="FILE",
        help="also draw R - R_lin against lambda_min over the critical points examined "
        "(PNG; data as .json)",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 if a violation is found")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument(
        "--workers", type=int, metavar="N",
        help="run the search in shards on a local Dask cluster of N processes (one thread "
        "each); 1 runs the same shards in this process (same records for the same seeds)",
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="run the shards on an existing Dask cluster, e.g. tcp://host:8786 "
        "(dask scheduler + dask worker --nthreads 1; see README)",
    )
    p.add_argument(
        "--shard-budget", type=int, default=50, metavar="K",
        help="instances per shard (each shard has its own seed; default 50)",
    )
    p.add_argument(
        "--target", type=int, metavar="INSTANCES",
        help="campaign: instances to try in all (default --budget); stops at the first "
        "certified counterexample",
    )
    p.add_argument(
        "--checkpoint", metavar="FILE",
        help="campaign checkpoint (JSON, written atomically); an existing one is resumed",
    )
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser(
        "replay",
        help="recompute a counterexample record's verdict",
        description="Recompute the verdict of a counterexample record (written by "
        "'search --out', or the 'counterexample' of a search row in all.json) from its "
        "instance alone, and say whether the recorded verdict is reproduced.",
    )
    p.add_argument("record", help="record JSON written by 'search --out'")
    p.add_argument("--strict", action="store_true", help="exit 1 if not reproduced")
    _allow_large(p)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_replay)

    for name, handler, what in (
        ("proofs", cmd_proofs, "machine-checked proof steps"),
        ("examples", cmd_examples, "the papers' hand-built examples"),
    ):
        p = sub.add_parser(
            name,
            help=f"run the {what}",
            description=f"Run the {what} and print a table (verdict, method, as expected, "
            "seconds, claim / source / checked) that fits the terminal width (COLUMNS); "
            "progress goes to stderr.",
            epilog=VERDICTS_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("names", nargs="*", help="run only these (default: all)")
        p.add_argument(
            "--out", metavar="DIR", help=f"also write {name}.json (with provenance) and {name}.md"
        )
        p.add_argument("--latex", metavar="FILE", help="also write the table as LaTeX (booktabs)")
        p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
        p.add_argument(
            "--strict", action="store_true", help="exit 1 unless every row is as expected"
        )
        p.add_argument("--json", action="store_true", help="print one JSON document")
        p.set_defaults(handler=handler)

    p = sub.add_parser(
        "all",
        help="every proof, every example, a bounded search per theorem, population rows, "
        "experiments",
        description="Run every proof, every example, a bounded search per theorem, the "
        "population-landscape rows (Du et al.'s certified spurious minimum, a Safran-Shamir "
        "spurious minimum found and certified by the toolkit, Liu et al.'s experiment as a "
        "reconstruction) and the experiments Y3, Y4, S2, S3 (quick budget; --deep for the "
        "full sweeps; rows are 'reported only', never HOLDS), and "
        "print one table per kind that fits the terminal width (COLUMNS); progress goes to "
        "stderr, one line per finished task when stderr is not a terminal. With --out DIR "
        "every figure (experiments, population experiments, a dichotomy scatter per search) "
        "is written to DIR/figures and linked from all.md.",
        epilog=VERDICTS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--budget", type=int, default=150, help="instances per search")
    p.add_argument("--seed", type=int, default=0, help="seed of every search and experiment")
    p.add_argument(
        "--deep",
        action="store_true",
        help="run the experiments' full sweeps (budget 'deep', tens of minutes) instead of "
        "'quick' (seconds each)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=0,
        metavar="N",
        help="run the searches in parallel on a local Dask cluster of N processes",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="also write all.json (with provenance), all.md and every figure (DIR/figures)",
    )
    p.add_argument("--latex", metavar="FILE", help="also write the table as LaTeX (booktabs)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--strict", action="store_true", help="exit 1 unless every row is as expected")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(handler=cmd_all)
    for command in sub.choices.values():  # raw formatters keep epilog tables: wrap here
        if command.description:
            command.description = _describe(command.description)
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
