r"""<ID>: <the claim in one line, as the paper states it>.

Statement
    The mathematical statement reproduced here, with every convention that matters
    (loss normalisation, intercepts, data, parameters). Say which parts are the paper's
    and which are derived here.

Reference
    Author, venue year, theorem/example number; CLAIMS.md tag ([S] stated, [Q] quoted,
    [D] derived here, [R] reproduced) and the instance files used, e.g.
    ``examples/instances/<name>.json``.

Checked
    What exactly is computed for each claim and how (EXACT: Fraction / fmpq / SymPy;
    CERTIFIED: Arb balls, Krawczyk; NUMERIC or SAMPLED only as reported, never asserted),
    and what a failure means (VIOLATED needs an exact or certified witness).

Copy this file to ``examples/<id>_<topic>.py``, add the name to ``examples.ALL`` and a line
to ``examples/README.md``; keep it at most 250 lines (``tests/test_examples.py``). Shared
exact machinery lives in the proof kit (``verify.least_squares``, ``verify.Surd``,
``verify.no_point_below``, ``verify.exact_risk``, ``verify.negative_control``, ...).
"""

from __future__ import annotations

from fractions import Fraction

from verify import Claim, Evidence, Method, evidence, least_squares, run_script

TITLE = "<ID>  <author year>: <one line>"
X_DATA = (Fraction(0), Fraction(1), Fraction(2))
Y_DATA = (Fraction(0), Fraction(1), Fraction(3))
CLAIMED_R_LIN = Fraction(1, 18)


def check_linear_risk(claimed: Fraction) -> Evidence:
    """``R_lin`` (least squares with intercept) equals ``claimed`` exactly."""
    risk = least_squares([X_DATA], Y_DATA, intercept=True).risk
    return evidence(risk == claimed, Method.EXACT, f"R_lin = {risk}; claimed {claimed}.")


def claims() -> list[Claim]:
    """Every claim of the example, at the module constants (tests may monkeypatch them)."""
    return [
        Claim(
            f"R_lin = {CLAIMED_R_LIN}",
            "[D]",
            "exact least squares with intercept",
            check_linear_risk(CLAIMED_R_LIN),
        ),
    ]


def main() -> int:
    """Print every claim; exit 0 only if every asserted claim is reproduced."""
    return run_script(TITLE, claims)


if __name__ == "__main__":
    raise SystemExit(main())
