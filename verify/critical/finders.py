r"""Finding critical points of the empirical risk (minima and saddles), in float64.

Everything here is NUMERIC: it produces *candidates*. Whether a candidate is a
critical point is decided later by :mod:`verify.certify` (exact zero gradient
or a Krawczyk box on Arb balls).

* :func:`minimize` — damped (Levenberg--Marquardt) Newton with the exact Hessian
  through its eigendecomposition from a start (no SciPy fallback: issue 15
  measured it at 40-66% of the search time for no certified verdict gained),
  then :func:`polish` (Newton with a least-squares solve, so singular Hessians
  from symmetries do not stop it).
* :func:`find_saddle` — minimises ``||grad R||^2 / 2`` (gradient ``H g``),
  then polishes, so saddles are reached too.
* Escapes to infinity (``||theta||`` beyond ``max_norm``, or a risk that keeps
  decreasing with growing norm) are reported as such, never as critical points.
* :func:`dedupe` — merges candidates equal up to permutations of hidden units.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from verify.critical.tiny import TinyEngine
from verify.models import DenseLayer, ResidualBlock
from verify.numbers.arithmetic import Arithmetic
from verify.objectives.empirical import Objective

MAX_NORM = 1e4
ESCAPE_NORM = 20.0  # beyond this norm, a point whose risk decreases along its ray is an escape


def _all_margins_positive(obj: Objective) -> float:
    """``l(0; 1) / n``: below it, every sample of a margin loss has a positive margin."""
    with np.errstate(all="ignore"):
        v = obj.loss.value(Arithmetic.FLOAT, np.array([[0.0]]), np.array([[1.0]]))
    return float(np.asarray(v, dtype=np.float64).reshape(-1)[0]) / obj.data.n


def _output_mask(obj: Objective) -> np.ndarray:
    """1 on the output layer's parameters (``w``/``W``, ``c``), 0 elsewhere."""
    named = obj.model.unpack(np.zeros(obj.n_params))
    return obj.model.pack(
        {k: np.ones_like(v) if k in ("w", "W", "c") else np.zeros_like(v) for k, v in named.items()}
    )


def _decreases_along_ray(
    risk_of: Any, th: np.ndarray, risk: float, mask: np.ndarray | None = None
) -> bool:
    """True if ``R(t theta) < R(theta)`` for t = 1.5 and 2 (strictly, beyond float noise);
    with ``mask`` only the masked coordinates are scaled (e.g. the output layer, along which
    separable logistic data run off to infinity in a ResNet). ``risk_of``: the float risk."""
    scale = (lambda t: t * th) if mask is None else (lambda t: th + (t - 1) * mask * th)
    values = [risk_of(scale(t)) for t in (1.5, 2.0)]
    noise = 1e-12 * abs(risk) + 1e-300  # relative: risks near an unattained infimum 0 count
    return all(np.isfinite(v) and v < risk - noise for v in values) and values[1] <= values[0]


@dataclass(frozen=True)
class Candidate:
    """A numerically found critical-point candidate (NUMERIC evidence only)."""

    theta: np.ndarray
    risk: float
    grad_norm: float
    min_eig: float
    escaped: bool
    start: int
    kind: str  # "minimum" | "saddle"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def converged(self) -> bool:
        return not self.escaped and self.grad_norm <= 1e-10 * max(1.0, abs(self.risk))


def polish(obj: Objective, theta: np.ndarray, steps: int = 30) -> np.ndarray:
    """Newton steps ``theta -= lstsq(H, g)`` while they reduce ``||g||`` (derivatives from
    :func:`_evaluators`)."""
    th = np.array(theta, dtype=np.float64)
    _, derivs = _evaluators(obj)
    _, g, h = derivs(th)
    gnorm = float(np.linalg.norm(g))
    for _ in range(steps):
        if gnorm == 0.0 or not np.all(np.isfinite(h)):
            break
        step = np.linalg.lstsq(h, g, rcond=1e-13)[0]
        trial = th - step
        if not np.all(np.isfinite(trial)):
            break
        _, new_g, new_h = derivs(trial)
        new_norm = float(np.linalg.norm(new_g))
        if not new_norm < gnorm:
            break
        th, g, h, gnorm = trial, new_g, new_h, new_norm
    return th


def _summary(obj: Objective, th: np.ndarray, start: int, kind: str, notes: list[str]) -> Candidate:
    risk_of, derivs = _evaluators(obj)
    risk, gradient, hessian = derivs(th)
    eig = float(np.linalg.eigvalsh(hessian)[0]) if th.size else 0.0
    norm = float(np.linalg.norm(th))
    escaped = norm > MAX_NORM or not np.all(np.isfinite(th))
    if escaped:
        notes = [*notes, f"||theta|| = {norm:.3g} exceeds {MAX_NORM:g}: escape to infinity"]
    elif obj.loss.margin and risk < _all_margins_positive(obj):
        # R < l(0)/n forces y_i f_i > 0 for every sample, so E[g f] < 0; but at a critical
        # point E[g f] = (w, c) . grad_{(w, c)} R = 0 (f is linear in the output layer)
        escaped = True
        notes = [
            *notes,
            (
                f"float R = {risk:.3g} < l(0)/n: every margin is positive, so "
                "E[g f] < 0 and no critical point is here; R tends to its unattained "
                f"infimum 0 ({obj.loss.label}): an escape to infinity (||theta|| = {norm:.3g})"
            ),
        ]
    elif norm > ESCAPE_NORM and (
        _decreases_along_ray(risk_of, th, risk)
        or _decreases_along_ray(risk_of, th, risk, _output_mask(obj))
    ):
        escaped = True
        notes = [
            *notes,
            (
                f"||theta|| = {norm:.3g} and R keeps decreasing along the ray t*theta (or along "
                "t times the output layer), t > 1: "
                "an escape to infinity (an infimum not attained), not a critical point"
            ),
        ]
    return Candidate(
        th,
        risk,
        float(np.linalg.norm(gradient)),
        eig,
        escaped,
        start,
        kind,
        tuple(notes),
    )


def minimize(
    obj: Objective, theta0: np.ndarray, *, start: int = 0, max_iter: int = 300
) -> Candidate:
    """Damped Newton with the exact Hessian from ``theta0``, then :func:`polish`.

    Each step solves ``(H + mu I) s = -g`` through the eigendecomposition of
    ``H`` with ``mu > -lambda_min(H)``, so every step is a descent direction
    (negative curvature is followed, saddles are escaped); ``mu`` shrinks after
    accepted steps and grows after rejected ones (Levenberg--Marquardt).
    """
    th = np.asarray(theta0, dtype=np.float64).copy()
    notes: list[str] = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if th.size:
            th = _damped_newton(obj, th, max_iter, notes)
        th = polish(obj, th)
    return _summary(obj, th, start, "minimum", notes)


Derivatives = tuple[float, np.ndarray, np.ndarray]


def _evaluators(obj: Objective) -> tuple[Any, Any]:
    """``(theta -> risk, theta -> (risk, gradient, Hessian))`` in float64: forward mode for
    tiny networks (:mod:`verify.critical.tiny`, no per-call bookkeeping), else the
    reference engine. Both are NUMERIC: a candidate is re-evaluated by the reference engine
    in the float screen (:class:`verify.theorems.context.FloatContext`) and rigorously
    by certification before anything is reported about it."""
    if TinyEngine.fits(obj):
        tiny = obj.derived("tiny engine", lambda: TinyEngine(obj))
        return tiny.risk, tiny.evaluate

    def reference(th: np.ndarray) -> Derivatives:
        land = obj.evaluate(th, "float")
        assert land.hessian is not None
        return float(land.risk), land.gradient, land.hessian

    def risk(th: np.ndarray) -> float:  # one forward pass, no derivatives
        x, y = obj.arrays(Arithmetic.FLOAT)
        f = obj.network.forward(th, x, Arithmetic.FLOAT).output
        return float(obj.loss.value(Arithmetic.FLOAT, f, y).sum() / x.shape[1])

    return risk, reference


def _damped_newton(obj: Objective, th: np.ndarray, max_iter: int, notes: list[str]) -> np.ndarray:
    risk_of, derivs = _evaluators(obj)
    risk, g, h = derivs(th)
    mu = 1e-3
    eig = None  # (eigenvalues, eigenvectors, Q^T g) of the current Hessian, kept across rejections
    flat = 0  # accepted steps in a row that did not lower the risk: float precision is reached
    for _ in range(max_iter):
        if eig is None:
            gnorm = float(np.linalg.norm(g))
            if gnorm <= 1e-13 * max(1.0, abs(risk)) or not np.isfinite(gnorm) or flat >= 3:
                break
            if not np.all(np.isfinite(h)):
                notes.append("damped Newton: non-finite Hessian")
                break
            lam, q = np.linalg.eigh(h)
            eig = (lam, q, q.T @ g)
        lam, q, qg = eig
        shift = max(mu, -float(lam[0]) + mu)
        step = -q @ (qg / (lam + shift))
        trial = th + step
        new_risk = risk_of(trial)  # forward pass only: rejected steps stay cheap
        if np.isfinite(new_risk) and new_risk <= risk:
            flat = flat + 1 if new_risk == risk else 0
            th = trial
            risk, g, h = derivs(trial)
            eig = None
            mu = max(mu * 0.25, 1e-12)
            if float(np.linalg.norm(th)) > MAX_NORM:
                notes.append("parameters grew past MAX_NORM during descent")
                break
            continue
        mu *= 8.0
        if mu > 1e12:
            notes.append("damped Newton: no descent step found")
            break
    else:
        notes.append(f"damped Newton: {max_iter} iterations without convergence")
    return th


def find_saddle(
    obj: Objective, theta0: np.ndarray, *, start: int = 0, max_iter: int = 200
) -> Candidate:
    """Solve ``grad R = 0`` from ``theta0`` (reaches saddles as well as minima).

    Levenberg--Marquardt on the residual ``g(theta) = grad R`` whose Jacobian is
    the Hessian ``H``: ``s = -(H^2 + mu I)^{-1} H g`` through the
    eigendecomposition of ``H``; a step is accepted if it reduces ``|g|``.
    """
    th = np.asarray(theta0, dtype=np.float64).copy()
    notes: list[str] = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if th.size:
            _, derivs = _evaluators(obj)
            risk, g, h = derivs(th)
            gnorm = float(np.linalg.norm(g))
            mu = 1e-3
            eig = None  # as in _damped_newton: the Hessian changes only on accepted steps
            for _ in range(max_iter):
                if eig is None:
                    if gnorm <= 1e-13 * max(1.0, abs(risk)) or not np.isfinite(gnorm):
                        break
                    if not np.all(np.isfinite(h)):
                        break
                    lam, q = np.linalg.eigh(h)
                    eig = (lam, q, q.T @ g)
                lam, q, qg = eig
                step = -q @ ((lam / (lam**2 + mu)) * qg)
                new_risk, new_g, new_h = derivs(th + step)
                new_norm = float(np.linalg.norm(new_g))
                if np.isfinite(new_norm) and new_norm < gnorm:
                    th, gnorm = th + step, new_norm
                    risk, g, h = new_risk, new_g, new_h
                    eig = None
                    mu = max(mu * 0.25, 1e-14)
                    if float(np.linalg.norm(th)) > MAX_NORM:
                        break
                else:
                    mu *= 8.0
                    if mu > 1e12:
                        notes.append("Levenberg-Marquardt: no step reduces |grad R|")
                        break
        th = polish(obj, th)
    return _summary(obj, th, start, "saddle", notes)


def starts(n_params: int, count: int, seed: int, scale: float = 1.0) -> np.ndarray:
    """Seeded Gaussian starting points, shape ``(count, n_params)``."""
    rng = np.random.default_rng(seed)
    return rng.normal(scale=scale, size=(count, n_params))


def canonical(obj: Objective, theta: np.ndarray) -> np.ndarray:
    """Representative of ``theta`` under permutations of hidden units.

    Units of every single-hidden-layer residual block and of every dense layer
    are sorted by their incoming weights (and bias), with the outgoing weights
    permuted along. Deeper hidden stacks are left as they are.
    """
    model = obj.model
    named = {k: np.array(v, dtype=np.float64) for k, v in model.unpack(np.asarray(theta)).items()}
    for i, st in enumerate(model.stages):
        if isinstance(st, ResidualBlock) and len(st.hidden) == 1 and st.out:
            a, v = f"blocks[{i}].phi[0].A", f"blocks[{i}].V"
            b = f"blocks[{i}].phi[0].b" if st.bias else None
            key = named[a] if b is None else np.column_stack([named[a], named[b]])
            order = np.lexsort(key.T[::-1])
            named[a] = named[a][order]
            named[v] = named[v][:, order]
            if b is not None:
                named[b] = named[b][order]
        elif isinstance(st, DenseLayer):
            a, b = f"layers[{i}].A", f"layers[{i}].b" if st.bias else None
            key = named[a] if b is None else np.column_stack([named[a], named[b]])
            order = np.lexsort(key.T[::-1])
            named[a] = named[a][order]
            if b is not None:
                named[b] = named[b][order]
            nxt = next_matrix(model, i)
            named[nxt] = named[nxt][..., order]  # w is a vector, W and A matrices
    return model.pack(named)


def next_matrix(model: Any, i: int) -> str:
    if i + 1 < len(model.stages):
        return f"layers[{i + 1}].A"
    return "w" if model.d_out == 1 else "W"


def dedupe(obj: Objective, cands: list[Candidate], tol: float = 1e-6) -> list[Candidate]:
    """Drop candidates equal (up to hidden-unit permutations) to an earlier one."""
    kept: list[tuple[np.ndarray, Candidate]] = []
    for c in cands:
        rep = c.theta if c.escaped else canonical(obj, c.theta)
        if all(
            np.max(np.abs(rep - r), initial=0) > tol * max(1.0, np.max(np.abs(r), initial=0))
            for r, _ in kept
        ):
            kept.append((rep, c))
    return [c for _, c in kept]
