r"""Kawaguchi & Bengio (Neural Networks 2019), "Depth with nonlinearity creates no bad local
minima in ResNets": the derived, provable form K2 (``docs/claims.md`` §K2) and its
negative control K3 (the naive reading without ``d_y <= d_x``).

Model (K0): ``y_hat = W(x + V z(x))``. The toolkit checks it for parameter-free
features ``z(x) = sigma(x)`` (setting :data:`KAWAGUCHI_BENGIO`), where a local
minimum in ``(W, V)`` is a local minimum of the risk.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from verify.catalogue.activations import activation
from verify.models import Model, ResidualBlock
from verify.theorems.cases import instance, labels, rows, start_point
from verify.theorems.conclusions import BASIS
from verify.theorems.core import Theorem
from verify.theorems.premises import CRITICAL, LOCAL_MIN, RANK_K2
from verify.theorems.setting import KAWAGUCHI_BENGIO


def _cases(wide: bool) -> Any:
    @st.composite
    def cases(draw: st.DrawFn, theorem: Theorem) -> tuple[Any, Any]:
        """Single blocks with parameter-free features; ``d_y <= d_x`` (K2) or ``d_y > d_x`` (K3)."""
        d_in = 1 if wide else draw(st.integers(1, 2))
        d_out = 2 if wide else draw(st.integers(1, d_in))
        act = activation(draw(st.sampled_from(("square", "tanh", "softplus"))))
        model = Model(d_in, (ResidualBlock(act),), d_out)
        n = draw(st.integers(3, 7))
        y = labels(draw, n, d_out)
        inst = instance(model, rows(draw, n, d_in), y)
        return inst, start_point(draw, model)

    return cases


K2 = Theorem(
    "K2",
    "critical points under the rank condition equal the basis-model optimum",
    "Kawaguchi & Bengio (2019), derived form K2 (not the paper's theorem text)",
    "D",
    (CRITICAL, RANK_K2),
    BASIS,
    setting=KAWAGUCHI_BENGIO,
    cases=_cases(wide=False),
    saddles=True,
    proof="resnet_local_minima_no_worse_than_basis_model",
)
K3 = Theorem(
    "K3",
    "NEGATIVE CONTROL: local minima equal the basis optimum even when d_y > d_x",
    "docs/claims.md K3: the naive reading of Kawaguchi & Bengio without d_y <= d_x",
    "D",
    (LOCAL_MIN,),
    BASIS,
    kind="negative_control",
    setting=KAWAGUCHI_BENGIO,
    cases=_cases(wide=True),
    examples=("k3",),
)

THEOREMS = (K2, K3)
