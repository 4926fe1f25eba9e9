"""Counterexample records: write them, and replay them field by field.

A record is an instance file (``resnet-verify/instance@1``) whose ``params``
are the certified point (exact rationals) and whose ``record`` field states
what is asserted: the theorem, the dropped premises, the verdict and method,
the full evidence report, the seed, the library versions, and a content
digest ``"sha256:<hex>"`` over the canonical JSON of the whole document
without the digest itself (sorted keys, no spaces, ASCII).

:func:`replay` answers every record with a :class:`Replay`, never a traceback:

* *integrity* -- the digest is recomputed; any edit (also of informational
  fields: name, seed, versions, report text) is a ``digest mismatch``. Records
  written before digests existed replay with the note ``no digest``;
* *problems* -- the record's shape is validated (types, known theorem and
  premises, verdict and method names, report fields consistent with the
  record head); a malformed record is NOT REPRODUCED with the reason;
* *differences* -- the verdict is recomputed from the instance alone and the
  recomputed report is compared with the recorded one field by field (every
  field except the timing ``seconds``; floats to a relative 1e-9).

A record is REPRODUCED only with no problem, no difference and an intact (or
absent) digest. Source: issue 11 (records that cannot be tampered with
silently); the record format is DESIGN.md's "counterexample records".
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from verify.errors import InvalidInput, VerifyError
from verify.io.budget import check_check
from verify.io.instances import Instance, instance_to_json, parse_instance
from verify.io.writing import strict_value, write_new
from verify.theorems.core import Report, Theorem
from verify.theorems.registry import named as lookup
from verify.verdict import Method, Verdict

PACKAGES = ("resnet-verify", "numpy", "scipy", "sympy", "cvxpy", "hypothesis", "python-flint")
_REPORT_STR = (
    "theorem",
    "label",
    "title",
    "reference",
    "tag",
    "kind",
    "verdict",
    "method",
    "reason",
)
_FLOAT_RTOL = 1e-9
_MAX_DIFFS = 20


def versions() -> dict[str, str]:
    """Library versions, stored in records for provenance."""
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def canonical(doc: Any) -> bytes:
    """Canonical JSON bytes of a document (sorted keys, no spaces, ASCII, strict)."""
    return json.dumps(
        doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def digest(doc: dict[str, Any]) -> str:
    """``"sha256:<hex>"`` over the document without ``record.digest``."""
    body = dict(doc)
    rec = body.get("record")
    if isinstance(rec, dict):
        body["record"] = {k: v for k, v in rec.items() if k != "digest"}
    return "sha256:" + hashlib.sha256(canonical(body)).hexdigest()


def record(inst: Instance, report: Report, *, seed: int) -> dict[str, Any]:
    """A counterexample record: the instance plus verdict, evidence, seed, versions, digest.

    The stored report is the one :func:`replay` will recompute: the verdict is
    re-derived from the stored instance (whose params may be the certified
    point rather than the search's float start, which moves the Krawczyk box).
    If that re-derivation does not give the same verdict and method, the search's
    report is kept, and replay will honestly say NOT REPRODUCED.
    """
    from verify.pipeline import check

    again = check(report.theorem, inst).reports
    if again and (again[0].verdict, again[0].method) == (report.verdict, report.method):
        report = again[0]
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
    doc = strict_value(doc)
    doc["record"]["digest"] = digest(doc)
    return doc


def write_record(
    doc: dict[str, Any], out: str | Path, theorem: Theorem, *, force: bool = False
) -> Path:
    """Write a record as ``<theorem label>_seed<seed>.json`` in directory ``out``.

    The write is atomic; an existing file is kept and the next free name
    (``..._seed1-2.json``) is used unless ``force``.
    """
    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    label = theorem.label.replace(" ", "_").replace(",", "")
    text = json.dumps(strict_value(doc), indent=1, allow_nan=False) + "\n"
    return write_new(d / f"{label}_seed{doc['record']['seed']}.json", text, force=force)


@dataclass(frozen=True)
class Replay:
    """Outcome of replaying a record (see the module docstring)."""

    reproduced: bool
    claimed: dict[str, Any]
    report: Report | None
    differences: tuple[str, ...]
    integrity: str = "no digest"
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return strict_value(
            {
                "reproduced": self.reproduced,
                "claimed": self.claimed,
                "integrity": self.integrity,
                "problems": list(self.problems),
                "differences": list(self.differences),
                "notes": list(self.notes),
                "recomputed": None if self.report is None else self.report.to_dict(),
            }
        )

    def format(self) -> str:
        head = "REPRODUCED" if self.reproduced else "NOT REPRODUCED"
        claim = f"{str(self.claimed.get('verdict')).upper()} [{self.claimed.get('method')}]"
        what = self.report.theorem.label if self.report is not None else self.claimed.get("theorem")
        lines = [f"replay: {head} (record claims {claim} for {what})"]
        lines.append(f"  integrity: {self.integrity}")
        lines += [f"  malformed: {p}" for p in self.problems]
        lines += [f"  difference: {d}" for d in self.differences]
        lines += [f"  note: {n}" for n in self.notes]
        if self.report is not None:
            lines.append(self.report.format())
        return "\n".join(lines)


def replay(
    doc: Any, theorem: Any = None, *, source: str = "the record", allow_large: bool = True
) -> Replay:
    """Recompute a record's verdict and report and compare them with its claims.

    ``theorem`` is the theorem object for records of user-defined theorems (which
    the catalogue does not know); its id must be the record's.

    With ``allow_large=False`` the recomputation is refused (InvalidInput) when
    the record's instance exceeds the work budget of ``check`` (README, Limits).
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("record"), dict):
        raise InvalidInput(
            f"{source} has no 'record' object; replay needs a counterexample "
            "record written by 'resnet-verify search --out DIR'."
        )
    rec = doc["record"]
    claimed = {k: _short(rec.get(k)) for k in ("theorem", "without", "verdict", "method")}
    integrity = _integrity(doc)
    problems = _validate(rec)
    notes = _version_notes(rec.get("versions"))
    thm = None
    if not problems:
        without = tuple(rec.get("without", []))
        try:
            if theorem is None:
                thm = lookup(rec["theorem"], without)
            elif theorem.id != rec["theorem"]:
                problems.append(
                    f"theorem: the record is about {rec['theorem']!r}, not {theorem.id!r}"
                )
            else:
                thm = theorem.without(*without)
        except VerifyError as err:
            problems.append(f"theorem: {err}")
    inst = None
    try:
        inst = parse_instance(doc)
        if inst.params is None:
            problems.append("the record has no 'params' (the point it asserts about)")
    except VerifyError as err:
        problems.append(f"instance: {err}")
    if problems or thm is None or inst is None or inst.params is None:
        return Replay(False, claimed, None, (), integrity, tuple(problems), tuple(notes))

    from verify.pipeline import check

    if inst.model is not None:
        check_check(inst.model, inst.data.n, 0, allow_large=allow_large)
    result = check(thm, inst)
    if not result.reports:
        return Replay(
            False, claimed, None, ("nothing was recomputed",), integrity, (), tuple(notes)
        )
    rep = result.reports[0]
    diffs: list[str] = []
    if rep.verdict.value != rec["verdict"]:
        diffs.append(f"verdict: recomputed {rep.verdict.value!r}, recorded {rec['verdict']!r}")
    if rep.method.value != rec["method"]:
        diffs.append(f"method: recomputed {rep.method.value!r}, recorded {rec['method']!r}")
    new = strict_value(rep.to_dict())
    old = {k: v for k, v in rec["report"].items() if k != "seconds"}
    new.pop("seconds", None)
    _compare("report", new, old, diffs)
    ok = not diffs and integrity.startswith(("ok", "no digest"))
    return Replay(ok, claimed, rep, tuple(diffs[:_MAX_DIFFS]), integrity, (), tuple(notes))


def _integrity(doc: dict[str, Any]) -> str:
    stated = doc["record"].get("digest")
    if stated is None:
        return "no digest (a record written before digests; edits cannot be detected)"
    if not isinstance(stated, str) or not stated.startswith("sha256:"):
        return f"digest mismatch: record.digest={_short(stated)} is not 'sha256:<hex>'"
    try:
        actual = digest(doc)
    except (ValueError, TypeError, RecursionError):
        return "digest mismatch: the record cannot be put in canonical form"
    if actual != stated:
        return "digest mismatch: the record was edited after it was written"
    return "ok"


def _validate(rec: dict[str, Any]) -> list[str]:
    """Shape problems of a record head and report (empty: well-formed)."""
    p: list[str] = []
    verdicts = {v.value for v in Verdict}
    methods = {m.value for m in Method}
    if rec.get("kind") != "counterexample":
        p.append(f"record.kind={_short(rec.get('kind'))} must be 'counterexample'")
    if not isinstance(rec.get("theorem"), str):
        p.append(f"record.theorem={_short(rec.get('theorem'))} must be a theorem id")
    without = rec.get("without", [])
    if not isinstance(without, list) or not all(isinstance(w, str) for w in without):
        p.append(f"record.without={_short(without)} must be a list of premise names")
    if rec.get("verdict") not in verdicts:
        p.append(f"record.verdict={_short(rec.get('verdict'))} must be one of {sorted(verdicts)}")
    if rec.get("method") not in methods:
        p.append(f"record.method={_short(rec.get('method'))} must be one of {sorted(methods)}")
    seed = rec.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        p.append(f"record.seed={_short(seed)} must be a non-negative integer")
    vers = rec.get("versions")
    if not isinstance(vers, dict) or not all(isinstance(v, str) for v in vers.values()):
        p.append(f"record.versions={_short(vers)} must map package names to versions")
    elif missing := [k for k in ("python", *PACKAGES) if k not in vers]:
        p.append(f"record.versions lacks {missing}")
    rep = rec.get("report")
    if not isinstance(rep, dict):
        p.append(f"record.report={_short(rep)} must be an object (the evidence report)")
        return p
    for key in _REPORT_STR:
        if not isinstance(rep.get(key), str):
            p.append(f"record.report.{key}={_short(rep.get(key))} must be a string")
    if not isinstance(rep.get("vacuous"), bool):
        p.append(f"record.report.vacuous={_short(rep.get('vacuous'))} must be true or false")
    if rep.get("dropped") != without:
        p.append(f"record.report.dropped={_short(rep.get('dropped'))} != record.without")
    for key in ("theorem", "verdict", "method"):
        if rep.get(key) != rec.get(key):
            p.append(f"record.report.{key}={_short(rep.get(key))} != record.{key}")
    prem = rep.get("premises")
    if not isinstance(prem, dict) or not prem:
        p.append(f"record.report.premises={_short(prem)} must be a non-empty object")
    else:
        for name, ev in prem.items():
            p += _evidence_problems(f"record.report.premises.{name}", ev, verdicts, methods)
    p += _evidence_problems("record.report.conclusion", rep.get("conclusion"), verdicts, methods)
    if not isinstance(rep.get("point"), dict):
        p.append(f"record.report.point={_short(rep.get('point'))} must be an object")
    return p


def _evidence_problems(where: str, ev: Any, verdicts: set[str], methods: set[str]) -> list[str]:
    if not isinstance(ev, dict):
        return [f"{where}={_short(ev)} must be an evidence object"]
    out = []
    if ev.get("verdict") not in verdicts:
        out.append(f"{where}.verdict={_short(ev.get('verdict'))} is not a verdict")
    if ev.get("method") not in methods:
        out.append(f"{where}.method={_short(ev.get('method'))} is not a method")
    if not isinstance(ev.get("reason"), str):
        out.append(f"{where}.reason={_short(ev.get('reason'))} must be a string")
    return out


def _version_notes(vers: Any) -> list[str]:
    if not isinstance(vers, dict):
        return []
    now = versions()
    return [
        f"recorded with {k} {vers[k]}, replayed with {now[k]}"
        for k in sorted(now)
        if k in vers and vers[k] != now[k]
    ]


def _compare(path: str, new: Any, old: Any, diffs: list[str]) -> None:
    """Append every field where the recomputed value ``new`` differs from ``old``."""
    if len(diffs) > _MAX_DIFFS:
        return
    if isinstance(new, dict) and isinstance(old, dict):
        for k in sorted(set(new) | set(old)):
            if k not in old:
                diffs.append(f"{path}.{k}: recomputed, missing from the record")
            elif k not in new:
                diffs.append(f"{path}.{k}: in the record, not recomputed")
            else:
                _compare(f"{path}.{k}", new[k], old[k], diffs)
        return
    if isinstance(new, list) and isinstance(old, list):
        if len(new) != len(old):
            diffs.append(f"{path}: recomputed {len(new)} entries, recorded {len(old)}")
            return
        for i, (a, b) in enumerate(zip(new, old, strict=True)):
            _compare(f"{path}[{i}]", a, b, diffs)
        return
    if _same_number(new, old):
        return
    if type(new) is not type(old) or new != old:
        diffs.append(f"{path}: recomputed {_short(new)}, recorded {_short(old)}")


def _same_number(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        if a == b:
            return True
        fa, fb = float(a), float(b)
        return (
            math.isfinite(fa)
            and math.isfinite(fb)
            and (abs(fa - fb) <= _FLOAT_RTOL * max(abs(fa), abs(fb)))
        )
    return False


def _short(v: Any) -> Any:
    if isinstance(v, str | int | float | bool) or v is None:
        r = v if not isinstance(v, str) or len(v) <= 80 else v[:77] + "..."
        return r
    r = repr(v)
    return r if len(r) <= 80 else r[:77] + "..."
