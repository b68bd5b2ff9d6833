"""Admission: the checks that depend on the machine, made once when runs are asked for
(`labcore run`/`sweep`, a page's Run, Sweep and variants buttons) rather than whenever a
Config is built or loaded: a CUDA device that is not there, a torchvision dataset neither on
disk nor reachable, an estimated peak memory over the budget. Each refusal is one line naming
the parameter and what is allowed."""
from __future__ import annotations

import functools
from typing import Any

from labcore.core.catalogue import pool_problem
from labcore.core.params import ParamError, specs


def admit(exp: Any, cfg: Any) -> None:
    """Raise ParamError (one line) when `cfg` cannot run on this machine; else return None."""
    if getattr(cfg, "device", None) == "cuda" and not _gpus():
        raise ParamError("device=cuda is not available: this machine has no CUDA GPU; allowed: auto, cpu")
    problem = dataset_problem(cfg)
    if problem:
        raise ParamError(problem)
    if exp.cost is not None:
        from labcore.core.limits import check_memory

        check_memory(cfg, exp.cost)


def dataset_problem(cfg: Any, probe: bool = True) -> str | None:
    """One line when the dataset `cfg` names cannot be loaded here (neither on disk nor
    reachable: the line offers this page's offline datasets) or the examples it draws do
    not fit its pool on this machine (MNIST-5k offline); None when it can. A page says it
    as soon as its settings name such a dataset, not only when Run is pressed;
    it passes probe=False: drawing a page never contacts a download site (Run does)."""
    dataset = getattr(cfg, "dataset", None)
    if dataset is None:
        return None
    from labcore.core.catalogue import is_file
    from labcore.nn.data import available, file_problem, pool_size

    if is_file(dataset):  # your own file: checked here, once, in one line (shape, dtype, labels, values)
        problem = file_problem(dataset, getattr(cfg, "n_train", None), getattr(cfg, "n_test", None))
        if problem:
            return problem
    choices = next((s.choices for s in specs(type(cfg)) if s.name == "dataset"), None)
    problem = available(dataset, choices, probe=probe)  # offers this page's own offline datasets
    if problem:
        return problem
    pool = pool_size(dataset)  # MNIST-5k stands in for MNIST offline: a 5,000-example pool
    return pool_problem(cfg, pool, "on this machine") if pool is not None else None


def admit_all(exp: Any, cfgs: list) -> None:
    """`admit` every config of one request (the first refusal is raised), after the lab's
    numeric settings (a bad LAB_MAX_JOBS is one line here, before anything is queued)."""
    from labcore.core import env

    env.check()
    for cfg in cfgs:
        admit(exp, cfg)


@functools.lru_cache(maxsize=1)
def _gpus() -> tuple[str, ...]:
    """The CUDA GPUs nvidia-smi lists (asked once per process: the answer does not change)."""
    from labcore.nn.device import machine

    return tuple(machine()["gpus"])
