r"""The catalogue: every theorem of the toolkit, by id, and :func:`theorem` to look one up.

==========  ==============================================================  ====  =================
id          claim                                                           tag   kind
==========  ==============================================================  ====  =================
Y1          Yun et al. main theorem: dichotomy at critical points           S     theorem
Y1'         Y1 without premise 1 (derived, docs/claims.md Y1-D)             D     theorem
Y2          Yun et al., L = 1 and w != 0 => R <= R_lin                      S     theorem
S1          Shamir (derived dichotomy D1/D2): R <= R_lin or a strict saddle  D     theorem
K2          Kawaguchi--Bengio, derived form: L = L_basis* under rank cond.   D     theorem
FC1         Y1's dichotomy for fully-connected ReLU nets (no skips)         D     negative_control
K3          K2's bound without the rank condition (d_y > d_x)               D     negative_control
HM          Hardt--Ma: critical points with ||A_i||_2 < 1 are global minima Q     theorem
HM-         HM without the norm bound (singular I + A_i)                    D     negative_control
==========  ==============================================================  ====  =================

Each theorem lives in the module of its paper (:mod:`~verify.theorems.yun`,
:mod:`~verify.theorems.shamir`, :mod:`~verify.theorems.kawaguchi_bengio`,
:mod:`~verify.theorems.controls`, :mod:`~verify.theorems.hardt_ma`); adding one is a new
module plus one line here. ``theorem("Y1'", without=["column_space"])`` is the open probe of
docs/claims.md (Y1-open): not known to be false.
"""

from __future__ import annotations

from verify.errors import InvalidInput
from verify.theorems import controls, hardt_ma, kawaguchi_bengio, shamir, yun
from verify.theorems.core import Theorem

THEOREMS: dict[str, Theorem] = {
    t.id: t
    for t in (*yun.THEOREMS, *shamir.THEOREMS, *kawaguchi_bengio.THEOREMS, *controls.THEOREMS,
              *hardt_ma.THEOREMS)
}
Y1, Y2, S1, K2, FC1, K3 = (THEOREMS[k] for k in ("Y1", "Y2", "S1", "K2", "FC1", "K3"))

#: weakened theorems not known to be true or false, searched by ``resnet-verify all``:
#: Yun et al.'s premise 2 (premise 1 is not needed, docs/claims.md Y1-D)
OPEN_PROBES: tuple[tuple[str, tuple[str, ...]], ...] = (("Y1'", ("column_space",)),)


def theorem(spec: str, without: tuple[str, ...] | list[str] = ()) -> Theorem:
    """Look up a theorem by id (case-insensitive), optionally weakened."""
    key = spec.strip().upper()
    if key not in THEOREMS:
        raise InvalidInput(
            f"theorem={spec!r} is unknown; use one of {', '.join(THEOREMS)} "
            "(see 'resnet-verify check --list')."
        )
    return THEOREMS[key].without(*without)
