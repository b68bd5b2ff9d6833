"""A test plugin phenomenon (loaded through LAB_PLUGINS): gradient descent on a quadratic.

It is also the worked example of docs/adding-a-phenomenon.md: this file is the whole
phenomenon; it appears in `labcore list`, trains in workers and gets a page.

GD on f(x) = ½ λ x² multiplies x by (1 − lr·λ) each step, so lr > 2/λ diverges
exponentially — a real divergence for the job tests. `sleep_ms` slows steps down so
cancel and kill can be tested mid-run; `crash_at` raises to test failure records.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from labcore.core import param_groups
from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, Claim, Verdict
from labcore.core.judging import final
from labcore.core.experiment import Chart, Experiment, PageSpec, SweepView
from labcore.core.params import BaseConfig, param
from labcore.core.loop import train_loop


@dataclass(frozen=True)
class Config(BaseConfig):
    lr: float = param(0.1, lo=1e-6, hi=1e6, log=True)
    curvature: float = param(1.0, lo=1e-3, hi=1e3, log=True)
    steps: int = param(20, lo=1, hi=1_000_000, log=True)
    sleep_ms: float = param(0.0, lo=0.0, hi=1000.0)
    crash_at: int = param(-1, lo=-1, hi=1_000_000)
    seed: int = param_groups.seed()


def run(cfg: Config, recorder) -> None:
    x = 1.0 + cfg.seed

    def step_fn(step: int) -> float:
        nonlocal x
        if step == cfg.crash_at:
            raise RuntimeError(f"crash requested at step {step}")
        time.sleep(cfg.sleep_ms / 1000)
        loss = 0.5 * cfg.curvature * x * x  # before the update, as a network's forward pass
        x = x - cfg.lr * cfg.curvature * x
        return loss

    recorder.meta(device="cpu")
    recorder.artifact("final_x", [x])
    train_loop(recorder, cfg.steps, step_fn, lambda step: {"loss": 0.5 * cfg.curvature * x * x, "x": x})


CONVERGED = 0.05  # final loss at most this fraction of the first: (1 − 0.1)^40 ≈ 0.015 at the defaults


@final
def converges(ev) -> Verdict:
    """GD with lr < 2/λ shrinks the loss: final ≤ CONVERGED × first (n/a at lr ≥ 2/λ)."""
    cfg = ev.frame.iloc[0]
    if float(cfg["cfg_lr"]) * float(cfg["cfg_curvature"]) >= 2:
        return Verdict(NOT_APPLICABLE, "lr ≥ 2/λ: GD diverges on this quadratic")
    loss = ev.curve("loss")
    ratio = float(loss.iloc[-1] / loss.iloc[0])
    return Verdict(HOLDS if ratio <= CONVERGED else FAILS, f"loss × {ratio:.3g}")


@final
def faster_with_larger_lr(ev) -> Verdict:
    """Over the lr sweep, the larger (stable) lr ends at the lower loss."""
    finals = {float(ev.frame[ev.frame.run_id == r]["cfg_lr"].iloc[0]): v for r, v in ev.finals("loss").items()}
    lo, hi = finals[min(finals)], finals[max(finals)]
    return Verdict(HOLDS if hi < lo else FAILS, f"final loss {lo:.3g} at lr {min(finals)}, {hi:.3g} at {max(finals)}")


CLAIMS = (
    Claim("converges", "GD below 2/λ converges", paper="(1 − lr·λ)^2t", source="test plugin", metrics=("loss",),
          judge=converges, needs="press Run"),
    Claim("faster_with_larger_lr", "A larger stable lr converges faster", paper="(1 − lr·λ)^2t", source="test plugin",
          metrics=("loss",), judge=faster_with_larger_lr, scope="sweep", axis="lr", values=(0.1, 0.5),
          needs="press Sweep lr (2 runs)"),
)


EXPERIMENT = Experiment(
    name="quadratic", title="GD on a quadratic (test plugin)", config=Config, run=run,
    metrics=("loss", "x"), artifacts=("final_x",), icon=":material/functions:",
    cost=lambda cfg: (1e3, 10.0 * cfg.steps),
    claims=CLAIMS,
    page=PageSpec(
        what_to_look_for="GD on ½λx² multiplies x by (1 − lr·λ) per step: it diverges when lr > 2/λ.",
        reference="test plugin",
        charts=(Chart("Loss", ("loss",), log_y=True, hlines=lambda cfg: {"start": 0.5 * cfg.curvature},
                      note="Starts at ½λ and falls by (1 − lr·λ)² per step."),
                Chart("Iterate", ("x",))),
        sweep=SweepView(axes={"lr": (0.1, 1.0)}, metrics=("loss",)),
        presets={"tiny lr": dict(lr=1e-4)},
    ),
)
