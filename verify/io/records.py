"""Counterexample records: write them, and replay them to the identical verdict.

A record is an instance file (``resnet-verify/instance@1``) whose ``params``
are the certified point (exact rationals) and whose ``record`` field holds the
theorem, the dropped premises, the verdict, the full evidence report, the seed
and the library versions. :func:`replay` recomputes the verdict from the
instance alone and compares it with what the record claims; a tampered or
inconsistent record is reported as not reproduced.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from verify.errors import InvalidInput
from verify.io.instances import Instance, instance_to_json, parse_instance
from verify.theorems.core import Report, Theorem


def versions() -> dict[str, str]:
    """Library versions, stored in records for provenance."""
    out = {"python": platform.python_version()}
    for pkg in ("resnet-verify", "numpy", "scipy", "sympy", "cvxpy", "hypothesis", "python-flint"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def record(inst: Instance, report: Report, *, seed: int) -> dict[str, Any]:
    """A counterexample record: the instance plus verdict, evidence, seed and versions."""
    doc = instance_to_json(inst)
    doc["name"] = f"counterexample-{report.theorem.id}"
    doc["record"] = {
        "kind": "counterexample",
        "theorem": report.theorem.id,
        "without": list(report.theorem.dropped),
        "verdict": report.verdict.value,
        "method": report.method.value,
        "seed": seed,
        "versions": versions(),
        "report": report.to_dict(),
    }
    return doc


def write_record(doc: dict[str, Any], out: str | Path, theorem: Theorem) -> Path:
    """Write a record as ``<theorem label>_seed<seed>.json`` in directory ``out``."""
    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    label = theorem.label.replace(" ", "_").replace(",", "")
    path = d / f"{label}_seed{doc['record']['seed']}.json"
    path.write_text(json.dumps(doc, indent=1) + "\n")
    return path


@dataclass(frozen=True)
class Replay:
    """Outcome of replaying a record."""

    reproduced: bool
    claimed: dict[str, Any]
    report: Report
    differences: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "reproduced": self.reproduced,
            "claimed": self.claimed,
            "differences": list(self.differences),
            "recomputed": self.report.to_dict(),
        }

    def format(self) -> str:
        head = "REPRODUCED" if self.reproduced else "NOT REPRODUCED"
        claim = f"{self.claimed['verdict'].upper()} [{self.claimed['method']}]"
        lines = [f"replay: {head} (record claims {claim} for {self.report.theorem.label})"]
        lines += [f"  difference: {d}" for d in self.differences]
        lines.append(self.report.format())
        return "\n".join(lines)


def replay(doc: Any, theorem: Any = None) -> Replay:
    """Recompute a record's verdict from its instance and compare with its claims.

    ``theorem`` is the theorem object for records of user-defined theorems (which
    the catalogue does not know); it must carry the record's theorem id.
    """
    from verify.pipeline import check
    from verify.theorems import theorem as lookup

    if not isinstance(doc, dict) or not isinstance(doc.get("record"), dict):
        raise InvalidInput(
            "the file has no 'record' object; replay needs a counterexample "
            "record written by 'resnet-verify search --out DIR'."
        )
    rec = doc["record"]
    for key in ("theorem", "verdict", "method", "report"):
        if key not in rec:
            raise InvalidInput(f"record is missing {key!r}; it is not a complete record.")
    without = rec.get("without", [])
    if not isinstance(without, list) or not all(isinstance(w, str) for w in without):
        raise InvalidInput(f"record.without={without!r} must be a list of premise names.")
    if theorem is None:
        thm = lookup(str(rec["theorem"]), tuple(without))
    elif theorem.id != rec["theorem"]:
        raise InvalidInput(
            f"theorem={theorem.id!r} does not match the record's theorem {rec['theorem']!r}."
        )
    else:
        thm = theorem.without(*without)
    inst = parse_instance(doc)
    if inst.params is None:
        raise InvalidInput("the record has no 'params'; it cannot be replayed.")
    result = check(thm, inst)
    rep = result.reports[0]
    diffs = []
    if rep.verdict.value != rec["verdict"]:
        diffs.append(f"verdict {rep.verdict.value!r} != recorded {rec['verdict']!r}")
    if rep.method.value != rec["method"]:
        diffs.append(f"method {rep.method.value!r} != recorded {rec['method']!r}")
    old = rec["report"] if isinstance(rec["report"], dict) else {}
    old_prem = {
        k: v.get("verdict") for k, v in old.get("premises", {}).items() if isinstance(v, dict)
    }
    new_prem = {n: e.verdict.value for n, e in rep.premises}
    if old_prem and old_prem != new_prem:
        diffs.append(f"premises {new_prem} != recorded {old_prem}")
    old_risk = old.get("point", {}).get("risk") if isinstance(old.get("point"), dict) else None
    new_risk = rep.point.get("risk")
    if (
        isinstance(old_risk, list)
        and len(old_risk) == 2
        and new_risk is not None
        and (old_risk[1] < new_risk[0] or new_risk[1] < old_risk[0])
    ):
        diffs.append(f"risk enclosure {new_risk} does not meet recorded {old_risk}")
    claimed = {"verdict": rec["verdict"], "method": rec["method"]}
    return Replay(not diffs, claimed, rep, tuple(diffs))
