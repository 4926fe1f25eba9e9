r"""Architectures for population (Gaussian-input) landscapes, as data.

Every model is written as a *unit expansion* on the full input ``x ∈ R^D``:
``f(x) = Σ_m α_m σ(u_mᵀx) + cᵀx``. The population risk and its derivatives are
computed once for that form (:mod:`verify.population.objective`) and mapped back
to the model's parameters by :meth:`PopulationModel.chain` (a permutation, a
linear map, or — with weight normalisation — the chain rule through
``w ↦ w/‖w‖`` including its second-order term).

* :class:`TwoLayerReLU` (Safran & Shamir 2018): ``f(x) = Σ_i a_i σ(w_iᵀx) [+ bᵀx]``,
  parameters ``W`` (``d_in × width``, **columns are neurons**, flattened row-major),
  then ``a`` if the output weights are trainable (else fixed, default all 1), then
  ``b`` if the learned linear skip is on.
* :class:`ConvReLU` (Du et al. 2018, CLAIMS.md §L1 [D]): ``k`` non-overlapping
  patches ``Z_j = x[jp:(j+1)p]``, ``f = Σ_j a_j σ(w̃ᵀZ_j)``, ``w̃ = w/‖w‖`` with
  normalisation, else ``w``; parameters ``w`` (``p``) then ``a`` (``k``).
  ``shortcut="avg_pool"`` adds ``(1/k) Σ_j w̃ᵀZ_j`` (Liu et al. 2019,
  **reconstruction [R]** of CLAIMS.md §L2, reading (A)); kind
  ``conv_relu_shortcut``. Results on it are labelled "reconstruction".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from verify.errors import InvalidInput
from verify.numbers.arithmetic import Arithmetic, ball_bounds

SHORTCUTS = ("none", "avg_pool")


@dataclass(frozen=True)
class Param:
    """One named parameter block of the flat vector ``theta``."""

    name: str
    shape: tuple[int, ...]
    offset: int

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    @property
    def stop(self) -> int:
        return self.offset + self.size


@dataclass(frozen=True)
class Expansion:
    """``f(x) = Σ_m alpha[m] σ(U[:, m]ᵀx) + cᵀx`` in one arithmetic (``c`` may be None)."""

    units: np.ndarray  # (D, M)
    alpha: np.ndarray  # (M,)
    linear: np.ndarray | None  # (D,)


def _layout(blocks: list[tuple[str, tuple[int, ...]]]) -> tuple[Param, ...]:
    out, off = [], 0
    for name, shape in blocks:
        p = Param(name, shape, off)
        out.append(p)
        off = p.stop
    return tuple(out)


def _positive_int(name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
        raise InvalidInput(f"{name}={v!r} must be a positive integer; pass e.g. 6.")
    return v


@dataclass(frozen=True)
class PopulationModel:
    """Base class: ``kind``, input size ``d_in``, parameter ``layout``."""

    kind: str = field(init=False, default="")
    stages: tuple[()] = field(init=False, default=())  # no empirical stages (duck typing)

    @property
    def d_in(self) -> int:
        raise NotImplementedError

    @property
    def layout(self) -> tuple[Param, ...]:
        raise NotImplementedError

    @property
    def n_params(self) -> int:
        return self.layout[-1].stop

    @property
    def trains_alpha(self) -> bool:
        raise NotImplementedError

    @property
    def trains_linear(self) -> bool:
        raise NotImplementedError

    def unpack(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        return {p.name: theta[p.offset : p.stop].reshape(p.shape) for p in self.layout}

    def expand(self, theta: np.ndarray, arith: Arithmetic) -> Expansion:
        raise NotImplementedError

    def chain(
        self,
        theta: np.ndarray,
        arith: Arithmetic,
        grad_e: np.ndarray,
        hess_e: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray | None, float]:
        """Map expanded derivatives to ``theta``; also a float lower bound of
        any extra smoothness margin (``‖w‖`` under normalisation, else +inf)."""
        raise NotImplementedError

    def forward(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Float64 outputs for rows ``x`` (``N × d_in``), for Monte Carlo checks."""
        e = self.expand(np.asarray(theta, dtype=np.float64), Arithmetic.FLOAT)
        out = np.maximum(x @ e.units, 0.0) @ e.alpha
        return out if e.linear is None else out + x @ e.linear

    def to_spec(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class TwoLayerReLU(PopulationModel):
    """``f(x) = Σ_i a_i σ(w_iᵀx) [+ bᵀx]``; ``W`` is ``d_in × width`` (columns are neurons)."""

    inputs: int = 1
    width: int = 1
    train_output: bool = False
    output: tuple[Fraction | float, ...] | None = None  # fixed a (default all 1)
    skip: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", "two_layer_relu")
        _positive_int("d_in", self.inputs)
        _positive_int("width", self.width)
        if self.output is not None:
            if self.train_output:
                raise InvalidInput("output=... fixes a; it cannot be combined with train_output.")
            if len(self.output) != self.width:
                raise InvalidInput(
                    f"output has {len(self.output)} entries; expected width={self.width}."
                )

    @property
    def d_in(self) -> int:
        return self.inputs

    @property
    def layout(self) -> tuple[Param, ...]:
        blocks: list[tuple[str, tuple[int, ...]]] = [("W", (self.inputs, self.width))]
        if self.train_output:
            blocks.append(("a", (self.width,)))
        if self.skip:
            blocks.append(("b", (self.inputs,)))
        return _layout(blocks)

    @property
    def trains_alpha(self) -> bool:
        return self.train_output

    @property
    def trains_linear(self) -> bool:
        return self.skip

    def fixed_output(self, arith: Arithmetic) -> np.ndarray:
        vals = self.output if self.output is not None else (1,) * self.width
        return arith.array(list(vals)) if arith is not Arithmetic.FLOAT else np.array(
            [float(v) for v in vals]
        )

    def expand(self, theta: np.ndarray, arith: Arithmetic) -> Expansion:
        p = self.unpack(theta)
        alpha = p["a"] if self.train_output else self.fixed_output(arith)
        return Expansion(p["W"], alpha, p["b"] if self.skip else None)

    def _perm(self) -> np.ndarray:
        d, n = self.inputs, self.width
        # expanded order: unit i occupies [i*d, (i+1)*d); W[r, i] sits at theta[r*n + i]
        idx = [r * n + i for i in range(n) for r in range(d)]
        return np.array(idx + list(range(d * n, self.n_params)), dtype=np.intp)

    def chain(
        self,
        theta: np.ndarray,
        arith: Arithmetic,
        grad_e: np.ndarray,
        hess_e: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray | None, float]:
        perm = self._perm()
        grad = np.empty_like(grad_e)
        grad[perm] = grad_e
        hess = None
        if hess_e is not None:
            hess = np.empty_like(hess_e)
            hess[np.ix_(perm, perm)] = hess_e
        return grad, hess, float("inf")

    def to_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"kind": self.kind, "d_in": self.inputs, "width": self.width}
        if self.train_output:
            spec["train_output"] = True
        if self.output is not None:
            spec["output"] = [_json_q(v) for v in self.output]
        if self.skip:
            spec["skip"] = True
        return spec


@dataclass(frozen=True)
class ConvReLU(PopulationModel):
    """Du et al. (2018) non-overlapping conv net, optionally with Liu et al.'s
    average-pooling shortcut (reconstruction [R]) and weight normalisation."""

    patches: int = 1  # k
    patch_size: int = 1  # p
    normalise: bool = False
    shortcut: str = "none"
    liu: bool = False  # kind conv_relu_shortcut (Liu et al. reconstruction), any shortcut reading

    def __post_init__(self) -> None:
        _positive_int("patches", self.patches)
        _positive_int("patch_size", self.patch_size)
        if self.shortcut not in SHORTCUTS:
            raise InvalidInput(
                f"shortcut={self.shortcut!r} must be one of {SHORTCUTS!r}; pass 'avg_pool'."
            )
        if not self.liu and self.shortcut != "none":
            raise InvalidInput(
                f"shortcut={self.shortcut!r} needs kind 'conv_relu_shortcut'; conv_relu has none."
            )
        object.__setattr__(self, "kind", "conv_relu_shortcut" if self.liu else "conv_relu")

    @property
    def reconstruction(self) -> bool:
        """True for Liu et al.'s shortcut network (our reading of the paper, CLAIMS §L2 [R])."""
        return self.liu

    @property
    def d_in(self) -> int:
        return self.patches * self.patch_size

    @property
    def layout(self) -> tuple[Param, ...]:
        return _layout([("w", (self.patch_size,)), ("a", (self.patches,))])

    @property
    def trains_alpha(self) -> bool:
        return True

    @property
    def trains_linear(self) -> bool:
        return self.shortcut == "avg_pool"

    def filter(self, w: np.ndarray, arith: Arithmetic) -> np.ndarray:
        """``w̃``: ``w/‖w‖`` under normalisation, else ``w``."""
        if not self.normalise:
            return w
        if arith is Arithmetic.FLOAT:
            return w / np.linalg.norm(w)
        acc = flint.arb(0)
        for v in w:
            acc += v * v
        return w / acc.sqrt()

    def expand(self, theta: np.ndarray, arith: Arithmetic) -> Expansion:
        p = self.unpack(theta)
        wt = self.filter(p["w"], arith)
        k, q = self.patches, self.patch_size
        units = arith.zeros((self.d_in, k))
        for j in range(k):
            units[j * q : (j + 1) * q, j] = wt
        lin = None
        if self.shortcut == "avg_pool":
            inv_k = 1.0 / k if arith is Arithmetic.FLOAT else arith.scalar(Fraction(1, k))
            lin = np.concatenate([wt * inv_k] * k)
        return Expansion(units, p["a"], lin)

    def _lmap(self, arith: Arithmetic) -> np.ndarray:
        """Linear map ``(w̃, a) ↦ expanded variables`` (units, alpha, linear)."""
        k, q, d = self.patches, self.patch_size, self.d_in
        n_e = k * d + k + (d if self.trains_linear else 0)
        lm = arith.zeros((n_e, q + k))
        one = arith.scalar(1)
        for j in range(k):
            for r in range(q):
                lm[j * d + j * q + r, r] = one
            lm[k * d + j, q + j] = one
        if self.trains_linear:
            inv_k = arith.scalar(Fraction(1, k))
            for j in range(k):
                for r in range(q):
                    lm[k * d + k + j * q + r, r] = inv_k
        return lm

    def chain(
        self,
        theta: np.ndarray,
        arith: Arithmetic,
        grad_e: np.ndarray,
        hess_e: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray | None, float]:
        q = self.patch_size
        lm = self._lmap(arith)
        gz = lm.T @ grad_e
        hz = None if hess_e is None else lm.T @ (hess_e @ lm)
        if not self.normalise:
            return gz, hz, float("inf")
        w = theta[:q]
        return _normalise_chain(w, gz, hz, q, arith)

    def to_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "kind": self.kind,
            "patches": self.patches,
            "patch_size": self.patch_size,
            "normalise": self.normalise,
        }
        if self.liu:
            spec["shortcut"] = self.shortcut
        return spec


def _normalise_chain(
    w: np.ndarray, gz: np.ndarray, hz: np.ndarray | None, q: int, arith: Arithmetic
) -> tuple[np.ndarray, np.ndarray | None, float]:
    r"""Chain rule through ``w̃ = w/‖w‖``: ``J = (I − ŵŵᵀ)/r`` and
    ``Σ_m g_m ∇²w̃_m = −(g wᵀ + w gᵀ + (gᵀw) I)/r³ + 3 (gᵀw) w wᵀ / r⁵``."""
    r: Any
    if arith is Arithmetic.FLOAT:
        r = float(np.linalg.norm(w))
        eye = np.eye(q)
        margin = r
    else:
        acc = flint.arb(0)
        for v in w:
            acc += v * v
        r = acc.sqrt()
        eye = arith.zeros((q, q))
        for i in range(q):
            eye[i, i] = arith.scalar(1)
        lo, _ = ball_bounds(np.array([r], dtype=object))
        margin = max(float(lo[0]), 0.0) if np.isfinite(lo[0]) else 0.0
    wh = w / r
    jac = (eye - np.outer(wh, wh)) / r
    g_u = gz[:q]
    grad = gz.copy()
    grad[:q] = jac @ g_u
    if hz is None:
        return grad, None, margin
    gw = g_u @ w
    r3 = r * r * r
    second = -(np.outer(g_u, w) + np.outer(w, g_u) + gw * eye) / r3 + (3 * gw / (r3 * r * r)) * (
        np.outer(w, w)
    )
    hess = hz.copy()
    hess[:q, :q] = jac @ hz[:q, :q] @ jac + second
    hess[:q, q:] = jac @ hz[:q, q:]
    hess[q:, :q] = hess[:q, q:].T
    return grad, hess, margin


def _json_q(v: Any) -> Any:
    if isinstance(v, int | float):
        return v
    q = Fraction(v)
    return q.numerator if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def two_layer_relu(
    d_in: int,
    width: int,
    *,
    train_output: bool = False,
    output: Any = None,
    skip: bool = False,
) -> TwoLayerReLU:
    """Safran–Shamir two-layer ReLU net (``W`` is ``d_in × width``, columns are neurons)."""
    out = None if output is None else tuple(output)
    return TwoLayerReLU(d_in, width, train_output, out, skip)


def conv_relu(patches: int, patch_size: int, *, normalise: bool = False) -> ConvReLU:
    """Du et al. (2018) non-overlapping convolutional ReLU net."""
    return ConvReLU(patches, patch_size, normalise, "none", False)


def conv_relu_shortcut(
    patches: int, patch_size: int, *, normalise: bool = True, shortcut: str = "avg_pool"
) -> ConvReLU:
    """Liu et al. (2019) conv net with shortcut — **reconstruction [R]** (CLAIMS.md §L2)."""
    return ConvReLU(patches, patch_size, normalise, shortcut, True)
