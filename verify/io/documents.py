"""Any instance document: empirical (samples) or population (a distribution and a teacher).

The format is one (``resnet-verify/instance@1``); a document whose ``data`` names a
``distribution`` is a population instance (:mod:`verify.population.spec`),
otherwise an empirical one (:mod:`verify.io.instances`). Commands that work for
both (``derive``, ``classify``) load through here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from verify.io.instances import Instance, load_json, parse_instance
from verify.population.spec import PopulationInstance, is_population, parse_population_instance


def parse_document(doc: Any) -> Instance | PopulationInstance:
    """Parse a decoded instance document of either kind."""
    return parse_population_instance(doc) if is_population(doc) else parse_instance(doc)


def load_document(path: str | Path) -> Instance | PopulationInstance:
    """Read and parse an instance file of either kind."""
    return parse_document(load_json(path))
