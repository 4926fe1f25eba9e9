"""Architectures as data: model specifications, validation and parameter layout."""

from verify.models.core import (
    MAX_STAGES,
    MAX_WIDTH,
    DenseLayer,
    Model,
    ParamBlock,
    ResidualBlock,
    fully_connected,
    linear_predictor,
    model_from_spec,
    resnet,
)

__all__ = [
    "MAX_STAGES",
    "MAX_WIDTH",
    "DenseLayer",
    "Model",
    "ParamBlock",
    "ResidualBlock",
    "fully_connected",
    "linear_predictor",
    "model_from_spec",
    "resnet",
]
