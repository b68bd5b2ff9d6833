"""Linear mode connectivity and instability analysis (Frankle, Dziugaite, Roy & Carbin 2020),
with the loss landscape around the solution (Goodfellow et al. 2015; Li et al. 2018) and the
Hessian's spectrum there (Ghorbani, Krishnan & Xiao 2019; Papyan 2019).

Two copies of a net start from the same weights at step k and train with different data
orders; the error barrier on the straight segment between their solutions says whether SGD
noise sends them to one linearly connected region (stable, barrier ≈ 0) or to different
ones. torch is imported inside `run` so the registry (and the pages) load without it.
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.core import param_groups
from labcore.core.experiment import Chart, Experiment, PageSpec
from labcore.core.params import BaseConfig, ParamError, param
from labcore.phenomena.mode_connectivity.claims import CLAIMS, LENET
from labcore.phenomena.mode_connectivity.lesson import LESSON
from labcore.phenomena.mode_connectivity.text import DETAILS, PAGE_TEXT, REFERENCE

DATASETS = ("fashion_mnist", "mnist", "digits")
INPUT_DIM = {"digits": 64}


@dataclass(frozen=True)
class Config(BaseConfig):
    """Settings of an instability-analysis run; each field's `help` documents it."""
    arch: str = param("bn_mlp", choices=("bn_mlp", "lenet"),
                      help="bn_mlp: depth × (Linear-BatchNorm-ReLU) of width units; lenet: LeNet-300-100 (the paper's)")
    width: int = param(128, lo=2, hi=4096, log=True, help="hidden units per layer (bn_mlp)", unit="units")
    depth: int = param(5, lo=1, hi=12, help="hidden layers (bn_mlp)")
    dataset: str = param_groups.dataset("fashion_mnist", choices=DATASETS,
                                        help="fashion_mnist (Debian's package), mnist (MNIST-5k offline), digits")
    n_train: int = param_groups.n_train(3000)
    n_test: int = param_groups.n_test(1000)
    steps: int = param_groups.steps(400, help="training steps of each child (from 0; a child spawned at k trains "
                                              "steps − k)")
    spawn_steps: tuple = param((0, 10, 30, 100), lo=0, hi=1_000_000, length=(1, 12),
                               help="the steps k where the two children branch off the shared trunk")
    lr: float = param_groups.lr(0.2, help="SGD step size (no warm-up)")
    momentum: float = param(0.9, lo=0.0, hi=0.99, help="SGD momentum")
    batch_size: int = param_groups.batch_size(60)
    points: int = param(11, lo=3, hi=101, help="points on each linear path (α = 0, 1/(points − 1), …, 1)")
    plane_points: int = param(9, lo=0, hi=41, advanced=True,
                              help="grid side of the 2-D filter-normalised plot (0: none)")
    hessian_examples: int = param(500, lo=10, hi=60_000, log=True, advanced=True,
                                  help="training examples of the loss whose Hessian (and landscape plots) are measured")
    slq_steps: int = param(40, lo=0, hi=500, advanced=True, help="Lanczos steps per SLQ start vector (0: no spectrum)")
    slq_vectors: int = param(2, lo=1, hi=20, advanced=True, help="SLQ start vectors (Rademacher)")
    hutchinson: int = param(20, lo=2, hi=1000, log=True, advanced=True, help="Hutchinson trace samples")
    seed: int = param_groups.seed()

    def check(self) -> None:
        """At least one spawn step must be below `steps`."""
        if not any(int(k) < self.steps for k in self.spawn_steps):
            raise ParamError(f"spawn_steps={tuple(self.spawn_steps)} is out of range; allowed: at least one k below "
                             f"steps ({self.steps})")


def params_of(cfg: Config) -> int:
    """Weights of the net (biases and BatchNorm included)."""
    d_in, c = INPUT_DIM.get(cfg.dataset, 784), 10
    if cfg.arch == "lenet":
        return d_in * 300 + 300 + 300 * 100 + 100 + 100 * c + c
    w = cfg.width
    return d_in * w + w + (cfg.depth - 1) * (w * w + w) + cfg.depth * 2 * w + w * c + c


def cost(cfg: Config) -> tuple[float, float]:
    """(peak bytes, flops): data, weights ×8 (params, grads, momentum, snapshots, Lanczos basis
    slack); flops of the trunk and both children per k, the path evaluations and the HVPs."""
    p, d_in = params_of(cfg), INPUT_DIM.get(cfg.dataset, 784)
    ks = [k for k in cfg.spawn_steps if k < cfg.steps] or [0]
    train_steps = max(ks) + 2 * sum(cfg.steps - k for k in ks)
    landscape = (2 * cfg.points + cfg.plane_points ** 2) * cfg.hessian_examples
    evals = len(ks) * cfg.points * (cfg.n_train + cfg.n_test) + landscape
    hvps = 100 + cfg.slq_steps * cfg.slq_vectors + cfg.hutchinson + 30 * 6
    flops = 6.0 * p * cfg.batch_size * train_steps + 2.0 * p * evals + 12.0 * p * cfg.hessian_examples * hvps
    basis = (cfg.slq_steps + 100) * p
    return 4.0 * ((cfg.n_train + cfg.n_test) * (d_in + 1) + 8 * p * len(ks) + basis), flops


def run(cfg: Config, recorder) -> None:
    """Trunk, children, barriers, landscape and spectrum (labcore.phenomena.mode_connectivity.train)."""
    from labcore.phenomena.mode_connectivity.train import run_spawns

    run_spawns(cfg, recorder)


EXPERIMENT = Experiment(
    name="mode_connectivity",
    title="Mode connectivity: stability to SGD noise",
    config=Config,
    run=run,
    metrics=("barrier_test", "barrier_train", "end_test_err", "end_train_err", "mid_test_err", "distance",
             "sharpness", "slq_top", "n_outliers", "classes", "trace_hutchinson", "trace_se", "trace_slq",
             "bulk_edge", "layer_top_l{k}", "loss"),
    artifacts=("path_k{k}", "slice_init", "plane", "spectrum", "ritz"),
    icon=":material/conversion_path:",
    cost=cost,
    claims=CLAIMS,
    lesson=LESSON,
    page=PageSpec(
        what_to_look_for=PAGE_TEXT,
        details=DETAILS,
        summary=("Mode connectivity: two copies of a net trained with different SGD noise end in one linearly "
                 "connected basin once they branch after a few steps of shared training."),
        reference=REFERENCE,
        charts=(
            Chart("Error barrier on the linear path vs spawn step k", ("barrier_test", "barrier_train"),
                  hlines=lambda cfg: {"2 % (Frankle et al.)": 0.02},
                  note="Max error along the segment between the two children minus the mean of its ends; "
                       "one point per spawn step k."),
            Chart("Children's error (ends) and at the midpoint", ("end_test_err", "mid_test_err")),
            Chart("Distance between the children (relative to ‖θ‖)", ("distance",)),
        ),
        x_label="spawn step k",
        artifact_view="landscape",
        presets={"LeNet on MNIST (stable at init)": dict(LENET)},
    ),
)
