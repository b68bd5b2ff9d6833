"""Admission: the checks that depend on the machine, made once when runs are asked for
(`labcore run`/`sweep`, a page's Run, Sweep and variants buttons) rather than whenever a
Config is built or loaded: a CUDA device that is not there, a torchvision dataset neither on
disk nor reachable, an estimated peak memory over the budget. Each refusal is one line naming
the parameter and what is allowed."""
from __future__ import annotations

import functools
from typing import Any

from labcore.core.params import ParamError, specs


def admit(exp: Any, cfg: Any) -> None:
    """Raise ParamError (one line) when `cfg` cannot run on this machine; else return None."""
    if getattr(cfg, "device", None) == "cuda" and not _gpus():
        raise ParamError("device=cuda is not available: this machine has no CUDA GPU; allowed: auto, cpu")
    dataset = getattr(cfg, "dataset", None)
    if dataset is not None:
        from labcore.nn.data import available, pool_size

        choices = next((s.choices for s in specs(type(cfg)) if s.name == "dataset"), None)
        problem = available(dataset, choices)  # offers this page's own offline datasets
        if problem:
            raise ParamError(problem)
        pool = pool_size(dataset)  # MNIST-5k stands in for MNIST offline: a 5,000-example pool
        n_train = getattr(cfg, "n_train", None)
        if pool is not None and n_train is not None and n_train >= pool:
            raise ParamError(f"n_train={n_train} is out of range for dataset={dataset} ({pool} examples on this "
                             f"machine, some kept for testing); allowed: 10..{pool - 10}")
    if exp.cost is not None:
        from labcore.core.limits import check_memory

        check_memory(cfg, exp.cost)


def admit_all(exp: Any, cfgs: list) -> None:
    """`admit` every config of one request (the first refusal is raised)."""
    for cfg in cfgs:
        admit(exp, cfg)


@functools.lru_cache(maxsize=1)
def _gpus() -> tuple[str, ...]:
    """The CUDA GPUs nvidia-smi lists (asked once per process: the answer does not change)."""
    from labcore.nn.device import machine

    return tuple(machine()["gpus"])
