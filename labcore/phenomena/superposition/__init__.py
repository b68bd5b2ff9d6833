"""Toy models of superposition (Elhage et al. 2022): n features squeezed through m < n
dimensions, h = W x, x' = ReLU(WᵀW x + b). Dense features get one dimension each (only the m
most important); sparse features share dimensions in regular polytopes (the pentagon for n 5,
m 2), and each feature's dimensionality sticks at fractions (1, ¾, ⅔, ½, ⅖, ...).

One run trains every sparsity instance at once: W (instances, m, n), S from 0 to S_max.
torch is imported inside `run` so the registry (and the pages) load without it.
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.core import param_groups
from labcore.core.experiment import Chart, Experiment, PageSpec
from labcore.core.params import BaseConfig, ParamError, param
from labcore.phenomena.superposition.claims import CLAIMS
from labcore.phenomena.superposition.text import DETAILS, LESSON, PAGE_TEXT, PRESETS, REFERENCE, SUMMARY


@dataclass(frozen=True)
class Config(BaseConfig):
    """Settings of a superposition run (the paper's notebook: n 5, m 2, 10 instances with
    feature probability 20^−k/9, importance 0.9^i, batch 1024, Adam(W) 1e-3); each field's `help`
    documents it. The defaults cost ~28 s of CPU time (10,000 steps, one core; text.MEASURED)."""
    n_features: int = param(5, lo=2, hi=200, log=True, help="n: input features (the pentagon: 5)")
    n_hidden: int = param(2, lo=1, hi=100, log=True, help="m: hidden dimensions, fewer than n (the pentagon: 2)")
    n_instances: int = param(10, lo=2, hi=64, log=True,
                             help="models trained at once, one per sparsity, from S = 0 to S_max")
    s_max: float = param(0.95, lo=0.0, hi=0.999,
                         help="the sparsest instance's S (feature probability 1 − S); the notebook: 0.95")
    importance: float = param(0.9, lo=0.5, hi=1.0, help="feature i's importance is importanceⁱ (the paper: 0.9)")
    batch_size: int = param_groups.batch_size(1024)
    lr: float = param_groups.lr(1e-3, help="Adam learning rate (the paper: 1e-3)")
    steps: int = param_groups.steps(10_000, help="Adam steps (the notebook: 10,000; at 5,000 the dense instance had "
                                                   "not settled on 1 seed of 7)")
    eval_every: int = param_groups.eval_every(50)
    snapshot_every: int = param(1000, lo=1, hi=1_000_000, log=True, advanced=True,
                                help="each feature's norm, angle and dimensionality, and the weights, every N steps")
    seed: int = param_groups.seed()

    def check(self) -> None:
        """m < n: superposition needs fewer dimensions than features."""
        if self.n_hidden >= self.n_features:
            raise ParamError(f"n_hidden={self.n_hidden} is out of range for n_features={self.n_features}; "
                             f"allowed: 1..{self.n_features - 1}")


def cost(cfg: Config) -> tuple[float, float]:
    """(peak bytes, flops): the batch's activations (examples × instances × features, a few
    copies) and the weights; flops: ~12 per weight per example per step."""
    acts = max(cfg.batch_size, 4096) * cfg.n_instances * cfg.n_features * 8
    weights = cfg.n_instances * (cfg.n_hidden + 1) * cfg.n_features
    return float(4 * (acts + 4 * weights)), 12.0 * weights * cfg.batch_size * cfg.steps


def run(cfg: Config, recorder) -> None:
    """Train one run (labcore.phenomena.superposition.train)."""
    from labcore.phenomena.superposition.train import train

    train(cfg, recorder)


EXPERIMENT = Experiment(
    name="superposition",
    title="Superposition: toy models",
    config=Config,
    run=run,
    metrics=("loss", "loss_s{k}", "n_rep_s{k}", "dpf_s{k}", "norm_s{k}_f{i}", "dim_s{k}_f{i}", "angle_s{k}_f{i}"),
    artifacts=("W",),
    icon=":material/hub:",
    cost=cost,
    claims=CLAIMS,
    lesson=LESSON,
    smoke=dict(n_features=5, n_hidden=2, n_instances=3, batch_size=64, steps=20, eval_every=5, snapshot_every=10),
    page=PageSpec(
        what_to_look_for=PAGE_TEXT,
        details=DETAILS,
        summary=SUMMARY,
        reference=REFERENCE,
        charts=(
            Chart("Features represented (‖Wᵢ‖ > 0.5), per sparsity instance", ("n_rep_s*",),
                  hlines=lambda cfg: {"m (one per dimension)": cfg.n_hidden},
                  note="s0 is dense (S = 0); the last instance the sparsest. Above m: superposition."),
            Chart("Dimensions per feature m / ‖W‖² (Frobenius norm), per instance", ("dpf_s*",),
                  hlines=lambda cfg: {"½": 0.5, "⅖": 0.4},
                  note="1 with one feature per dimension; the paper's plateaus at ½ and ⅖ as sparsity grows."),
            Chart("Importance-weighted loss, per instance", ("loss_s*",), log_y=True,
                  note="Sparser instances have less to reconstruct: lower loss."),
        ),
        presets=PRESETS,
        panels=("geometry",),
        artifact_view="artifacts",
    ),
)
