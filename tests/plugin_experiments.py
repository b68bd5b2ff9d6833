"""A test plugin experiment (loaded through LAB_PLUGINS): gradient descent on a quadratic.

GD on f(x) = ½ λ x² multiplies x by (1 − lr·λ) each step, so lr > 2/λ diverges
exponentially — a real divergence for the job tests. `sleep_ms` slows steps down so
cancel and kill can be tested mid-run; `crash_at` raises to test failure records.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from labcore.experiments import register
from labcore.experiments.base import Experiment
from labcore.params import BaseConfig, param
from labcore.train import train_loop


@dataclass(frozen=True)
class Config(BaseConfig):
    lr: float = param(0.1, lo=1e-6, hi=1e6, log=True)
    curvature: float = param(1.0, lo=1e-3, hi=1e3, log=True)
    steps: int = param(20, lo=1, hi=1_000_000, log=True)
    sleep_ms: float = param(0.0, lo=0.0, hi=1000.0)
    crash_at: int = param(-1, lo=-1, hi=1_000_000)
    seed: int = param(0, lo=0, hi=2**31 - 1)


def run(cfg: Config, rec) -> None:
    x = 1.0 + cfg.seed

    def step_fn(step: int) -> float:
        nonlocal x
        if step == cfg.crash_at:
            raise RuntimeError(f"crash requested at step {step}")
        time.sleep(cfg.sleep_ms / 1000)
        loss = 0.5 * cfg.curvature * x * x  # before the update, as a network's forward pass
        x = x - cfg.lr * cfg.curvature * x
        return loss

    rec.meta(device="cpu")
    rec.artifact("final_x", [x])
    train_loop(rec, cfg.steps, step_fn, lambda step: {"loss": 0.5 * cfg.curvature * x * x, "x": x})


EXPERIMENT = register(Experiment(
    name="quadratic", title="GD on a quadratic (test plugin)", config=Config, run=run,
    what_to_look_for="diverges when lr > 2/curvature", reference="test plugin",
    sweep_param="lr", sweep_values=(0.1, 1.0), sweep_metric="loss"))
