"""Registry of phenomena: discovered, not listed.

Every package under `labcore/phenomena/` that defines `EXPERIMENT` is registered, in
alphabetical order; modules named in $LAB_PLUGINS (comma-separated) are imported after
them and registered the same way (a plugin module defines `EXPERIMENT`). Worker processes
inherit the variable, so a plugin phenomenon trains in the background like a built-in
one. Importing the registry imports no torch: phenomena import it inside `run`.
"""
from __future__ import annotations

import importlib
import os
import pkgutil

from labcore.core.experiment import Experiment

REGISTRY: dict[str, Experiment] = {}


def register(exp: Experiment) -> Experiment:
    """Add an experiment to the registry (names must be unique)."""
    if exp.name in REGISTRY and REGISTRY[exp.name] is not exp:
        raise ValueError(f"experiment {exp.name!r} is already registered")
    REGISTRY[exp.name] = exp
    return exp


def get(name: str) -> Experiment:
    """The experiment called `name`; a LookupError listing the known ones otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownExperiment(f"unknown experiment {name!r}; known: {', '.join(REGISTRY)}") from None


class UnknownExperiment(LookupError):
    """A name that is not in the registry (a usage error, not a bug)."""


def _discover() -> None:
    import labcore.phenomena as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.ispkg:
            _register_module(f"{pkg.__name__}.{info.name}")
    for name in filter(None, (m.strip() for m in os.environ.get("LAB_PLUGINS", "").split(","))):
        _register_module(name)


def _register_module(name: str) -> None:
    module = importlib.import_module(name)
    exp = getattr(module, "EXPERIMENT", None)
    if exp is not None:
        register(exp)


_discover()
