"""Test plugin for the memory limit (loaded through LAB_PLUGINS by tests/engine/test_memory.py):
allocates `gb` GB of float64 zeros and touches it, as a slider that grows a buffer would."""
from __future__ import annotations

from dataclasses import dataclass

from labcore.core.experiment import Chart, Experiment, PageSpec
from labcore.core.params import BaseConfig, param


@dataclass(frozen=True)
class Config(BaseConfig):
    gb: float = param(0.01, lo=0.0, hi=1e4)
    seed: int = param(0, lo=0, hi=1000)


def run(cfg: Config, recorder) -> None:
    import numpy as np

    recorder.log(0, loss=1.0)
    block = np.ones(int(cfg.gb * 1024**3 / 8))  # (gb GiB / 8,) float64, every page touched
    recorder.log(1, loss=float(block[-1]))


EXPERIMENT = Experiment(
    name="memory_hog", title="Allocates a buffer (test plugin)", config=Config, run=run,
    metrics=("loss",), artifacts=(), cost=lambda cfg: (1e3, 1.0),
    page=PageSpec(what_to_look_for="test plugin", reference="test plugin", charts=(Chart("Loss", ("loss",)),)),
)
