"""Width and lazy (NTK) training: the wider the net, the less its weights and its tangent
kernel move during training (Jacot et al. 2018; Chizat, Oyallon & Bach 2019).

Seed recipe (DL_theory_exp run_ntk.py): one-hidden-layer ReLU MLP, full-batch GD with
cross-entropy, lr = base_lr / sqrt(width), rel_change = Σ‖θ_t−θ_0‖ / Σ‖θ_0‖ over tensors.
torch is imported inside `run` so the registry (and the pages) load without it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from labcore.data import DATASETS
from labcore.device import DEVICE_CHOICES
from labcore.experiments.base import Experiment
from labcore.models import INITS
from labcore.params import BaseConfig, ParamError, param


@dataclass(frozen=True)
class Config(BaseConfig):
    width: int = param(256, lo=2, hi=100_000, log=True, help="hidden units", unit="units")
    parametrization: str = param("standard", choices=("standard", "ntk"),
                                 help="standard: lr/sqrt(width) as the seed; ntk: a·relu(Wx/√d)/√width")
    init: str = param("kaiming", choices=INITS, help="weight init (standard parametrization)")
    lr: float = param(1.0, lo=1e-5, hi=100.0, log=True,
                      help="base learning rate; standard divides it by sqrt(width)")
    seed: int = param(0, lo=0, hi=2**31 - 1, help="random seed (init and data subset)")
    steps: int = param(200, lo=1, hi=100_000, log=True, help="full-batch GD steps")
    dataset: str = param("digits", choices=DATASETS, help="digits and synthetic work offline")
    n_train: int = param(256, lo=10, hi=60_000, log=True, help="training examples (full batch)")
    n_test: int = param(512, lo=10, hi=10_000, log=True, help="test examples")
    eval_every: int = param(5, lo=1, hi=10_000, log=True, help="measure every N steps")
    probe: int = param(8, lo=0, hi=64, help="probe points for the empirical NTK (0: skip)")
    device: str = param("auto", choices=DEVICE_CHOICES, help="auto uses CUDA when present")

    def check(self) -> None:
        if self.probe > self.n_train:
            raise ParamError(f"probe={self.probe} is out of range; allowed: 0..n_train ({self.n_train})")


def run(cfg: Config, rec) -> None:
    """Train the one-hidden-layer MLP and log loss, accuracies, rel_change(s), kernel_change."""
    import torch
    from torch.nn.functional import cross_entropy

    from labcore import data, device, metrics, models
    from labcore.train import set_seed, train_loop

    set_seed(cfg.seed)
    dev = device.resolve(cfg.device)
    split = data.load(cfg.dataset, cfg.n_train, cfg.n_test, cfg.seed)
    x, y = split.x_train.to(dev), split.y_train.to(dev)  # (n, d), (n,)
    xt, yt = split.x_test.to(dev), split.y_test.to(dev)
    d_in = x.shape[1]
    if cfg.parametrization == "ntk":
        model = models.NTKMLP(d_in, cfg.width, split.n_classes)
        lr = cfg.lr
    else:
        model = models.init_weights(models.mlp(d_in, [cfg.width], split.n_classes), cfg.init)
        lr = cfg.lr / math.sqrt(cfg.width)
    model = model.to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    params0 = [p.detach().clone() for p in model.parameters()]
    probe = x[: cfg.probe]  # (P, d)

    def kernel() -> torch.Tensor:
        if cfg.parametrization == "ntk":
            return metrics.ntk_one_hidden(probe, model.weight_in, None, model.weight_out, None,
                                          in_scale=1 / math.sqrt(d_in), out_scale=1 / math.sqrt(cfg.width))
        first, last = model[0], model[2]
        return metrics.ntk_one_hidden(probe, first.weight, first.bias, last.weight, last.bias)

    k0 = kernel() if cfg.probe else None

    def step_fn(step: int):
        opt.zero_grad(set_to_none=True)
        loss = cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.detach()

    @torch.no_grad()
    def measure(step: int) -> dict:
        logits = model(x)  # (n, C)
        params = list(model.parameters())
        row = {
            "loss": float(cross_entropy(logits, y)),
            "train_acc": metrics.accuracy(logits, y),
            "test_acc": metrics.accuracy(model(xt), yt),
            "rel_change": metrics.rel_change(params0, params),
            "rel_change_l2": metrics.rel_change_l2(params0, params),
        }
        if k0 is not None:
            row["kernel_change"] = metrics.kernel_change(k0, kernel())
        return row

    rec.meta(device=device.describe(dev), effective_lr=lr)
    train_loop(rec, cfg.steps, step_fn, measure, cfg.eval_every)


EXPERIMENT = Experiment(
    name="lazy_training",
    title="Lazy training vs width",
    config=Config,
    run=run,
    what_to_look_for=(
        "Train the same one-hidden-layer ReLU net at several widths. The relative distance the "
        "weights travel (`rel_change`) and the change of the empirical neural tangent kernel "
        "(`kernel_change`) shrink as the width grows, roughly like width^(-1/2): wide nets "
        "fit the data while staying close to their initialisation (lazy / NTK regime)."),
    reference=("Jacot, Gabriel & Hongler 2018, *Neural Tangent Kernel*; Chizat, Oyallon & Bach "
               "2019, *On Lazy Training in Differentiable Programming*. Seed: DL_theory_exp run_ntk.py."),
    sweep_param="width",
    sweep_values=(16, 64, 256, 1024, 4096),
    sweep_metric="rel_change",
    presets={
        "paper scale (MNIST, GPU)": dict(dataset="mnist", n_train=1024, steps=500, lr=0.01,
                                         init="pytorch", width=10_000),
    },
)
