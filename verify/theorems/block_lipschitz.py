r"""Certified bounds on ``alpha = L max_l Lip(h -> V_l phi_l(U_l h))`` for Yun-form ResNets
without biases (docs/claims.md Y3: each block is ``(alpha/L)``-Lipschitz).

* :func:`alpha_upper`: an upper bound, ``L max_l Lip(sigma)^{r_l} ||V_l|| prod ||A_{l,j}||
  ||U_l||`` with every spectral norm bounded by ``min(||M||_F, sqrt(||M||_1 ||M||_inf))``
  (an upper bound is the safe side for a *violation*: the premise holds with it);
* :func:`alpha_lower`: a lower bound, ``L`` times the largest certified difference quotient
  ``||V phi(U h) - V phi(0)|| / ||h||`` (``phi(0) = 0``) over a few rational probe inputs
  ``h`` (a lower bound is the safe side for a *proof* that the bound holds: the
  right-hand side grows with ``alpha``);
* :func:`alpha_float`: the float64 twin of the upper bound, for screening only.

Values are exact rationals or Arb balls (a certified box): every bound holds for every
parameter point in the enclosure. The activations allowed (``sigma(0) = 0``, Lipschitz)
are listed in :data:`LIPSCHITZ_AT_ZERO`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.models import Model, ResidualBlock
from verify.numbers.arithmetic import Arithmetic, to_fmpq

#: activations with ``sigma(0) = 0`` and a Lipschitz constant (leaky_relu: ``max(1, |a|)``)
LIPSCHITZ_AT_ZERO = ("relu", "leaky_relu", "identity", "tanh")


def activation_lipschitz(act: Any) -> Fraction:
    """Lipschitz constant of an activation of :data:`LIPSCHITZ_AT_ZERO`."""
    if act.name == "leaky_relu":
        return max(Fraction(1), abs(Fraction(act.alpha)))
    return Fraction(1)


def as_arb(v: Any) -> flint.arb:
    """An Arb ball for an exact rational or a ball."""
    return v if isinstance(v, flint.arb) else flint.arb(to_fmpq(v))


@dataclass(frozen=True)
class _Block:
    """``h -> V phi(U h)``, ``phi = sigma o A_r o ... o sigma o A_1`` (no hidden layers:
    ``phi = sigma``); absent matrices are ``None`` / left out."""

    activation: Any
    u: np.ndarray | None
    hidden: tuple[np.ndarray, ...]
    v: np.ndarray | None

    @property
    def mats(self) -> list[np.ndarray]:
        return [m for m in (self.u, *self.hidden, self.v) if m is not None]

    @property
    def activations(self) -> int:
        return max(1, len(self.hidden))


def _blocks(model: Model, values: Any) -> list[_Block]:
    named = model.unpack(np.asarray(values, dtype=object))
    out = []
    for i, b in enumerate(model.stages):
        assert isinstance(b, ResidualBlock)
        get = lambda k: np.atleast_2d(named[k]) if k in named else None  # noqa: E731
        hidden = tuple(np.atleast_2d(named[f"blocks[{i}].phi[{j}].A"])
                       for j in range(len(b.hidden)))
        out.append(_Block(b.activation, get(f"blocks[{i}].U"), hidden, get(f"blocks[{i}].V")))
    return out


# ---- upper bound ------------------------------------------------------------------------------


def _norm2_upper(m: np.ndarray) -> flint.arb:
    """A ball whose upper end bounds ``||M||_2`` for every ``M`` in the enclosure."""
    a = np.array([[abs(as_arb(v)).upper() for v in row] for row in m], dtype=object)
    frob = sum((v * v for v in a.flat), flint.arb(0)).sqrt()
    one = max(sum(a[:, j], flint.arb(0)) for j in range(a.shape[1]))
    inf = max(sum(a[i, :], flint.arb(0)) for i in range(a.shape[0]))
    mixed = (one * inf).sqrt()
    return mixed if mixed.upper() < frob.upper() else frob


def block_lipschitz(model: Model, values: Any) -> list[flint.arb]:
    """Per block, a ball whose upper end bounds its Lipschitz constant at ``values``."""
    out = []
    for blk in _blocks(model, values):
        lip = flint.arb(1)
        for _ in range(blk.activations):
            lip = lip * flint.arb(to_fmpq(activation_lipschitz(blk.activation)))
        for m in blk.mats:
            lip = lip * _norm2_upper(m)
        out.append(lip)
    return out


def alpha_upper(model: Model, values: Any) -> flint.arb:
    """``alpha_bar``: an exact Arb number ``>= L max_l Lip(block l)`` over the enclosure."""
    top = flint.arb(0)
    for lip in block_lipschitz(model, values):
        top = top.union(lip.upper()).upper()  # the larger of two upper ends (or above both)
    return (flint.arb(len(model.stages)) * top).upper()


def alpha_float(model: Model, theta: np.ndarray) -> float:
    """Float64 twin of :func:`alpha_upper` (screening only)."""
    best = 0.0
    for blk in _blocks(model, np.asarray(theta, dtype=np.float64)):
        lip = float(activation_lipschitz(blk.activation)) ** blk.activations
        for m in blk.mats:
            a = np.abs(np.asarray(m, dtype=np.float64))
            frob = float(np.sqrt(np.sum(a * a)))
            mixed = float(np.sqrt(np.max(a.sum(axis=0)) * np.max(a.sum(axis=1))))
            lip *= min(frob, mixed)
        best = max(best, lip)
    return len(model.stages) * best


# ---- lower bound ------------------------------------------------------------------------------


def _apply(blk: _Block, h: np.ndarray) -> np.ndarray:
    """``V phi(U h)`` in Arb balls."""
    z = h if blk.u is None else _matvec(blk.u, h)
    if blk.hidden:
        for a in blk.hidden:
            z = blk.activation.value(Arithmetic.BALL, _matvec(a, z))
    else:
        z = blk.activation.value(Arithmetic.BALL, z)
    return z if blk.v is None else _matvec(blk.v, z)


def _matvec(m: np.ndarray, z: np.ndarray) -> np.ndarray:
    return np.array([sum((as_arb(m[i, j]) * z[j] for j in range(m.shape[1])), flint.arb(0))
                     for i in range(m.shape[0])], dtype=object)


def _norm_lower(z: np.ndarray) -> flint.arb:
    """An exact number ``<= ||z||`` for every vector in the enclosure."""
    lows = [flint.arb(0) if v.contains(0) else abs(v).lower() for v in z]
    return sum((v * v for v in lows), flint.arb(0)).sqrt().lower()


def _probes(blk: _Block, width: int) -> list[np.ndarray]:
    """Rational probe inputs: ``±e_k`` and ``±`` the top right singular vector of the float
    linearisation ``V A_r ... A_1 U``, each at scales 1 and 1/64."""
    dirs = [np.eye(width)[k] for k in range(width)]
    with np.errstate(all="ignore"):
        prod = np.eye(width)
        for m in (blk.u, *blk.hidden, blk.v):
            if m is not None:
                mf = np.array([[float(as_arb(v).mid()) for v in row] for row in m])
                prod = mf @ prod
        if np.isfinite(prod).all() and prod.size:
            dirs.append(np.linalg.svd(prod)[2][0])
    out = []
    for d in dirs:
        for sign in (1, -1):
            for scale in (Fraction(1), Fraction(1, 64)):
                q = [sign * scale * Fraction(float(v)).limit_denominator(256) for v in d]
                if any(q):
                    out.append(np.array([flint.arb(to_fmpq(v)) for v in q], dtype=object))
    return out


def alpha_lower(model: Model, values: Any) -> flint.arb:
    """An exact Arb number ``<= L max_l Lip(block l)`` for every point in the enclosure:
    ``L`` times the largest certified lower end of ``||V phi(U h)|| / ||h||`` over the probe
    inputs of :func:`_probes` (``phi(0) = 0``: a difference quotient at ``(h, 0)``)."""
    best = flint.arb(0)
    for blk in _blocks(model, values):
        for h in _probes(blk, model.d_x):
            q = (_norm_lower(_apply(blk, h)) / sum((v * v for v in h), flint.arb(0)).sqrt())
            lo = q.lower()
            if lo.is_finite() and lo > best:
                best = lo
    return (flint.arb(len(model.stages)) * best).lower()
