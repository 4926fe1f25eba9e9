"""Rigorous certificates: exact inertia, eigenvalue enclosures, critical points, curvature.

Everything here either proves a statement (``Method.EXACT`` for exact rational
arithmetic, ``Method.CERTIFIED`` for Arb-ball enclosures) or says it could not.

- :mod:`~verify.certify.inertia`: matrix-level certificates (inertia, smallest eigenvalue);
- :mod:`~verify.certify.box`: points and boxes of parameter space, rigorous evaluation on them;
- :mod:`~verify.certify.krawczyk`: critical points, exactly at a point or unique in a box;
- :mod:`~verify.certify.curvature`: Hessian sign certificates, local minima, negative curvature.
"""

from verify.certify.box import Box
from verify.certify.curvature import (
    certify_hessian_pd,
    certify_hessian_psd,
    certify_local_minimum,
    certify_negative_curvature,
    negative_curvature_direction,
)
from verify.certify.inertia import (
    Inertia,
    certified_inertia,
    certified_lambda_min_interval,
    exact_inertia,
    matrix_inertia,
)
from verify.certify.krawczyk import (
    box_from_evidence,
    certify_critical_point,
    critical_point_near,
    is_critical_at,
)

__all__ = [
    "Box",
    "Inertia",
    "box_from_evidence",
    "certified_inertia",
    "certified_lambda_min_interval",
    "certify_critical_point",
    "certify_hessian_pd",
    "certify_hessian_psd",
    "certify_local_minimum",
    "certify_negative_curvature",
    "critical_point_near",
    "exact_inertia",
    "is_critical_at",
    "matrix_inertia",
    "negative_curvature_direction",
]
