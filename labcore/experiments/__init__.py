"""Explicit registry of experiments: name -> Experiment."""
from __future__ import annotations

from labcore.experiments.base import Experiment
from labcore.experiments import lazy_training

REGISTRY: dict[str, Experiment] = {
    exp.name: exp for exp in (
        lazy_training.EXPERIMENT,
    )
}


def get(name: str) -> Experiment:
    """The experiment called `name`; a clear error listing the known ones otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown experiment {name!r}; known: {', '.join(REGISTRY)}") from None
