"""Activations and losses: one SymPy expression each, derivatives derived by SymPy."""

from verify.catalogue.activations import Activation, activation
from verify.catalogue.losses import LOSS_NAMES, Loss, loss, loss_from_spec

__all__ = ["LOSS_NAMES", "Activation", "Loss", "activation", "loss", "loss_from_spec"]
