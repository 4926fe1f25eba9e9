"""``derive`` and ``classify`` for population instances (Gaussian inputs, a teacher).

The risk ``½E[(f − f_teacher)²]``, its gradient and Hessian are evaluated in closed
form (:class:`verify.population.objective.PopulationRisk`): float64 (NUMERIC) or Arb
balls (CERTIFIED). Exact arithmetic is refused (the Gaussian ReLU kernel involves
``arccos`` and ``π``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify.errors import InvalidInput
from verify.numbers.arithmetic import Arithmetic, to_float_array
from verify.population.spec import PopulationInstance
from verify.report.encode import derivative_lines, encode, fmt


def require_point(inst: PopulationInstance) -> np.ndarray:
    """The instance's student point, or a one-line error saying how to add it."""
    if inst.params is None:
        raise InvalidInput(
            "the instance has no 'params'; add the student point, e.g. \"params\": {\"W\": ...}."
        )
    return inst.params


def _names(inst: PopulationInstance) -> list[str]:
    return [
        f"{p.name}{list(idx) if p.shape else ''}"
        for p in inst.objective.model.layout
        for idx in (np.ndindex(p.shape) if p.shape else [()])
    ]


def derive_population(
    inst: PopulationInstance, path: str, arithmetic: str
) -> tuple[dict[str, Any], str]:
    """Payload and text of ``derive`` for a population instance."""
    arith = Arithmetic.parse(arithmetic)
    if arith is Arithmetic.EXACT:
        raise InvalidInput(
            f"--arithmetic={arithmetic!r} is not available for population instances (the "
            "Gaussian ReLU kernel involves arccos and π); use 'ball' (CERTIFIED) or 'float'."
        )
    theta = require_point(inst)
    obj = inst.objective
    land = obj.evaluate(theta, arith, order=2)
    assert land.hessian is not None
    hf = to_float_array(land.hessian)
    eig = np.linalg.eigvalsh((hf + hf.T) / 2)
    names = _names(inst)
    margin = land.kink_margin
    smooth = margin is not None and margin > 0
    payload: dict[str, Any] = {
        "command": "derive",
        "instance": path,
        "population": True,
        "distribution": "standard_gaussian",
        "arithmetic": arith.value,
        "method": land.method.value,
        "parameters": names,
        "risk": encode(land.risk),
        "gradient": encode(land.gradient),
        "hessian": encode(land.hessian),
        "hessian_eigenvalues": [float(v) for v in eig],
        "hessian_eigenvalues_method": "numeric",
        "smoothness_margin": float(margin) if margin is not None else None,
        "twice_differentiable": bool(smooth),
    }
    if inst.reconstruction:
        payload["label"] = "reconstruction"
    model = obj.model
    lines = [
        (
            f"instance   {path}  ({model.kind}, population: x ~ N(0, I_{model.d_in}), "
            f"teacher {obj.teacher.kind}; P={model.n_params})"
        ),
        f"arithmetic {arith.value}: results are {land.method.value.upper()}"
        + (" (float64, not a proof)" if arith is Arithmetic.FLOAT else ""),
        f"risk F     {fmt(land.risk)}   (F = ½E[(f − f_teacher)²], closed form)",
    ]
    eig_text = ", ".join(f"{v:.6g}" for v in eig)
    lines += derivative_lines(names, land.gradient, land.hessian, eig_text)
    lines.append(
        f"smoothness margin {float(margin or 0.0):.6g} "
        + (
            "(> 0: no unit is 0 and no pair of units is (anti)parallel; F is C² here)"
            if smooth
            else "(not > 0: the point is on the kernel's non-smooth set; the Hessian there "
            "is not meaningful)"
        )
    )
    if inst.reconstruction:
        lines.append("label      reconstruction (Liu et al. 2019, our reading; CLAIMS.md §L2 [R])")
    return payload, "\n".join(lines)
