r"""Closed-form mode: a whole network as SymPy expressions (tiny models only).

``closed_form(model)`` gives the network output as SymPy expressions in
symbolic parameters and symbolic (or concrete) inputs; ``closed_form_risk``
builds the empirical risk over a dataset whose entries may themselves be
SymPy expressions (e.g. a symbolic ``rho``), and ``derivatives`` returns the
gradient and Hessian by ``sympy.diff``.

This is the reference the chain-rule engine is tested against, and what the
proofs and examples use for symbolic parameters. It is *not* the fast path:
whole-network differentiation explodes past a few dozen parameters
(research note, anchors.md section 4), so ``closed_form_risk`` refuses models
with more than ``MAX_CLOSED_FORM_PARAMS`` parameters.

ReLU-type activations appear as ``Piecewise((left, z <= 0), (right, True))``;
SymPy's derivative then follows the left-branch convention ReLU'(0) = 0, the
same as the numeric engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from verify.catalogue.losses import Loss
from verify.errors import InvalidInput
from verify.models import DenseLayer, Model, ResidualBlock

MAX_CLOSED_FORM_PARAMS = 40


@dataclass(frozen=True)
class ClosedForm:
    """Symbolic network: parameter symbols and a function from inputs to outputs."""

    model: Model
    symbols: tuple[sp.Symbol, ...]

    def params(self) -> dict[str, sp.Matrix]:
        """Named parameter matrices built from the flat symbol list."""
        out = {}
        for p in self.model.layout:
            flat = self.symbols[p.offset : p.stop]
            rows = p.shape[0] if len(p.shape) == 2 else len(flat)
            out[p.name] = sp.Matrix(rows, len(flat) // max(rows, 1) if rows else 0, flat)
        return out

    def output(self, x: Sequence[Any]) -> list[sp.Expr]:
        """Network outputs for one input ``x`` (length ``d_in``; entries may be symbolic)."""
        m = self.model
        if len(x) != m.d_in:
            raise InvalidInput(f"x has length {len(x)}; expected d_in={m.d_in}.")
        h = sp.Matrix([to_sympy(v) for v in x])
        if m.intercept:
            h = h.col_join(sp.Matrix([1]))
        prm = self.params()
        for i, st in enumerate(m.stages):
            if isinstance(st, DenseLayer):
                p = prm[f"layers[{i}].A"] * h
                if st.bias:
                    p = p + prm[f"layers[{i}].b"]
                h = p.applyfunc(st.activation.sympy)
                continue
            assert isinstance(st, ResidualBlock)
            z = prm[f"blocks[{i}].U"] * h if st.proj is not None else h
            if st.hidden:
                a = z
                for j in range(len(st.hidden)):
                    p = prm[f"blocks[{i}].phi[{j}].A"] * a
                    if st.bias:
                        p = p + prm[f"blocks[{i}].phi[{j}].b"]
                    a = p.applyfunc(st.activation.sympy)
            else:
                p = z + prm[f"blocks[{i}].b"] if st.bias else z
                a = p.applyfunc(st.activation.sympy)
            h = h + (prm[f"blocks[{i}].V"] * a if st.out else a)
        if not m.readout:
            return list(h)
        w = prm["w"].T if m.d_out == 1 else prm["W"]
        f = w * h
        if m.output_bias:
            f = f + prm["c"]
        return list(f)


def to_sympy(value: Any) -> sp.Expr:
    """A number or SymPy expression as a SymPy expression; never parses strings.

    Exact numbers (int, Fraction, fmpq) become Integer/Rational, floats become
    Float, SymPy expressions pass through (DESIGN.md rule 8: nothing is parsed).
    """
    if isinstance(value, sp.Basic):
        return value  # type: ignore[return-value]
    if isinstance(value, bool):
        raise InvalidInput(f"value={value!r} is not a number.")
    if isinstance(value, int | np.integer):
        return sp.Integer(int(value))
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if hasattr(value, "p") and hasattr(value, "q"):  # flint.fmpq
        return sp.Rational(int(value.p), int(value.q))
    if isinstance(value, float | np.floating):
        return sp.Float(float(value))
    raise InvalidInput(f"value={value!r} must be a number or a SymPy expression.")


def closed_form(model: Model, prefix: str = "") -> ClosedForm:
    """Symbolic network with one real symbol per parameter, named after the layout.

    >>> from verify.models import linear_predictor
    >>> cf = closed_form(linear_predictor(2))
    >>> cf.output([1, 2])
    [w[0] + 2*w[1]]
    """
    names = []
    for p in model.layout:
        if len(p.shape) == 2:
            names += [
                f"{prefix}{p.name}[{r},{c}]" for r in range(p.shape[0]) for c in range(p.shape[1])
            ]
        elif p.shape:
            names += [f"{prefix}{p.name}[{r}]" for r in range(p.shape[0])]
        else:
            names.append(f"{prefix}{p.name}")
    return ClosedForm(model, tuple(sp.Symbol(n, real=True) for n in names))


def closed_form_risk(
    model: Model, loss: Loss, x: Sequence[Sequence[Any]], y: Sequence[Any]
) -> tuple[sp.Expr, ClosedForm]:
    """Empirical risk ``(1/n) sum_i l(f(x_i); y_i)`` as one SymPy expression.

    ``x`` rows and ``y`` entries may be numbers or SymPy expressions. Vector
    outputs take ``y`` rows and sum the loss over outputs.
    """
    if model.n_params > MAX_CLOSED_FORM_PARAMS:
        raise InvalidInput(
            f"model has {model.n_params} parameters; closed forms are limited to "
            f"{MAX_CLOSED_FORM_PARAMS} (use the chain-rule engine in verify.objectives.empirical)."
        )
    if len(x) != len(y) or not x:
        raise InvalidInput(f"x has {len(x)} rows and y has {len(y)} entries; need equal, >= 1.")
    cf = closed_form(model)
    total: sp.Expr = sp.Integer(0)
    for xi, yi in zip(x, y, strict=True):
        outs = cf.output(xi)
        ys = list(yi) if model.d_out > 1 else [yi]
        for f, t in zip(outs, ys, strict=True):
            total += loss.sympy(f, to_sympy(t))
    return total / len(x), cf


def derivatives(expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> tuple[list[sp.Expr], sp.Matrix]:
    """Gradient (list) and Hessian (Matrix) of ``expr`` by ``sympy.diff``."""
    grad = [sp.diff(expr, s) for s in symbols]
    hess = sp.Matrix(len(symbols), len(symbols), lambda i, j: sp.diff(grad[i], symbols[j]))
    return grad, hess
