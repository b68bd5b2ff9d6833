"""Test plugin for seed groups (loaded through LAB_PLUGINS by tests/engine/test_groups.py):
GD on ½ λ_s x² where the curvature depends on the seed, λ_s = curvature·(1 + seed), so with
lr·λ_s > 2 some seeds of one group diverge and the others do not. `run_seeds` trains the
seeds stacked in one float32 tensor through labcore.nn.seed_axis.SeedRecorder, as the real
phenomena do; `run` is the same arithmetic for one seed."""
from __future__ import annotations

import time
from dataclasses import dataclass

from labcore.core import param_groups
from labcore.core.experiment import Chart, Experiment, PageSpec
from labcore.core.loop import train_loop
from labcore.core.params import BaseConfig, param


@dataclass(frozen=True)
class Config(BaseConfig):
    lr: float = param(0.5, lo=1e-6, hi=1e6, log=True)
    curvature: float = param(1.0, lo=1e-3, hi=1e3, log=True)
    steps: int = param(50, lo=1, hi=1_000_000, log=True)
    sleep_ms: float = param(0.0, lo=0.0, hi=1000.0)
    seed: int = param_groups.seed()


def run(cfg: Config, recorder) -> None:
    """One seed: x ← x − lr·λ_s·x from x = 1, in float32 like the stacked version."""
    from labcore.core.recorder import Diverged

    end = run_seeds([cfg], [recorder], solo=True)[0]
    if end is not None and end["status"] == "diverged":
        raise Diverged(end["diverged_step"], float("inf"))


def run_seeds(cfgs: list, recorders: list, solo: bool = False) -> list:
    import torch

    from labcore.nn.seed_axis import SeedRecorder

    cfg = cfgs[0]
    lam = torch.tensor([c.curvature * (1 + c.seed) for c in cfgs], dtype=torch.float32)  # (S,)
    x = torch.ones(len(cfgs))  # (S,)
    group = SeedRecorder(recorders)

    def step_fn(step: int) -> float:
        nonlocal x
        time.sleep(cfg.sleep_ms / 1000)
        loss = 0.5 * lam * x * x
        x = torch.where(group.live_mask(), x - cfg.lr * lam * x, torch.zeros(()))
        group.check(step, loss)
        return 0.0

    group.meta(device="cpu", solo=solo)
    return group.run(lambda: train_loop(group, cfg.steps, step_fn, lambda s: {"loss": 0.5 * lam * x * x, "x": x},
                                        until=lambda row: not group.any_live()))


EXPERIMENT = Experiment(
    name="seeded_quadratic", title="GD on a seed-dependent quadratic (test plugin)", config=Config,
    run=run, run_seeds=run_seeds, metrics=("loss", "x"), artifacts=(), cost=lambda cfg: (1e3, 10.0 * cfg.steps),
    page=PageSpec(what_to_look_for="test plugin", reference="test plugin", charts=(Chart("Loss", ("loss",)),)),
)
