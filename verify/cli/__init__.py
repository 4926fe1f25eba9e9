"""The ``resnet-verify`` command line (the only place that loads ``proofs/`` and ``examples/``)."""

from verify.cli.main import main

__all__ = ["main"]
