"""Explicit registry of experiments: name -> Experiment.

Modules named in $LAB_PLUGINS (comma-separated) are imported after the built-in ones and
may add experiments with `register`; worker processes inherit the variable, so a plugin
experiment trains in the background like a built-in one.
"""
from __future__ import annotations

import importlib
import os

from labcore.experiments.base import Experiment
from labcore.experiments import (feature_diversity, lazy_training, preconditioner, steady_learner,
                                 teacher_student)

REGISTRY: dict[str, Experiment] = {}


def register(exp: Experiment) -> Experiment:
    """Add an experiment to the registry (names must be unique)."""
    if exp.name in REGISTRY and REGISTRY[exp.name] is not exp:
        raise ValueError(f"experiment {exp.name!r} is already registered")
    REGISTRY[exp.name] = exp
    return exp


def get(name: str) -> Experiment:
    """The experiment called `name`; a clear error listing the known ones otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown experiment {name!r}; known: {', '.join(REGISTRY)}") from None


for _exp in (lazy_training.EXPERIMENT, teacher_student.EXPERIMENT, feature_diversity.EXPERIMENT,
             steady_learner.EXPERIMENT, preconditioner.EXPERIMENT):
    register(_exp)
for _module in filter(None, os.environ.get("LAB_PLUGINS", "").split(",")):
    importlib.import_module(_module.strip())
