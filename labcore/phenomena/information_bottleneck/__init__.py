"""The information plane (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018).

A 12-10-7-5-4-3-2 net learns a spherically symmetric rule on all 4096 12-bit patterns; at
log-spaced epochs every hidden layer's activations are binned and I(X;T), I(T;Y) measured
(bits). Tishby: with tanh the layers first fit (both grow), then compress (I(X;T) falls).
Saxe: the fall comes from tanh saturating into few bins; relu with the same binning does
not compress. torch is imported inside `run` so the registry loads without it.
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.core import param_groups
from labcore.core.experiment import Arms, Chart, Experiment, PageSpec
from labcore.core.params import BaseConfig, param

from labcore.phenomena.information_bottleneck.text import DETAILS, PAGE_TEXT, REFERENCE, h_y
from labcore.phenomena.information_bottleneck.claims import CLAIMS
from labcore.phenomena.information_bottleneck.lesson import LESSON


@dataclass(frozen=True)
class Config(BaseConfig):
    """Settings of an information-plane run (binned I(X;T), I(T;Y) of every hidden layer); each
    field's `help` documents it."""
    activation: str = param("tanh", choices=("tanh", "relu"), help="hidden-layer nonlinearity")
    widths: tuple = param((10, 7, 5, 4, 3), lo=1, hi=256, length=(1, 8), help="hidden widths (12 in, 2 out)")
    epochs: int = param(3000, lo=1, hi=100_000, log=True, help="passes over the training set")
    lr: float = param_groups.lr(4e-4, help="Adam learning rate (as the original)")
    batch_size: int = param_groups.batch_size(512, help="minibatch size (≥ the training set: full batch)")
    train_frac: float = param(0.85, lo=0.05, hi=0.95, help="fraction of the 4096 patterns trained on")
    bins: int = param(30, lo=2, hi=1000, help="bins per unit: over [-1, 1] for tanh, [0, max] for relu")
    points: int = param(40, lo=2, hi=1000, log=True, help="log-spaced epochs at which MI is measured")
    seed: int = param_groups.seed()
    device: str = param_groups.device("cpu", help="tiny nets: the CPU is faster than a GPU here")


def cost(cfg: Config) -> tuple[float, float]:
    """(peak bytes, flops): the 4096 patterns, weights ×4 (Adam), activations of all layers."""
    sizes = (12, *cfg.widths, 2)
    params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    acts = 4096 * sum(sizes)
    flops = 6.0 * 4096 * cfg.train_frac * params * cfg.epochs + 2.0 * 4096 * params * (cfg.points + 2)
    return 4.0 * (4096 * 13 + 4 * params + 3 * acts), flops


def run(cfg: Config, recorder) -> None:
    """Train with Adam and log loss/accuracy and ixt_l{k}, ity_l{k} per hidden layer."""
    from labcore.phenomena.information_bottleneck.train import train

    train(cfg, recorder)


EXPERIMENT = Experiment(
    name="information_bottleneck",
    title="Information bottleneck: the information plane",
    config=Config,
    run=run,
    metrics=("loss", "test_loss", "train_acc", "test_acc", "ixt_l{k}", "ity_l{k}", "last_ixt", "last_ity"),
    artifacts=(),
    icon=":material/compress:",
    cost=cost,
    smoke=dict(batch_size=4096),  # the shrunk batch of 4 would take 870 steps per epoch
    claims=CLAIMS,
    lesson=LESSON,
    page=PageSpec(
        what_to_look_for=PAGE_TEXT,
        details=DETAILS,
        summary=('The information bottleneck: whether hidden layers first fit the label and then compress '
                 'what they keep of the input, or whether that compression is tanh saturation.'),
        reference=REFERENCE,
        charts=(
            Chart("I(X;T) per hidden layer (bits; epochs are log-spaced)", ("ixt_l*",), log_x=True,
                  note="The measurement epochs are log-spaced and so is the axis: the early rise and "
                       "the late fall both get room."),
            Chart("I(T;Y) per hidden layer (bits)", ("ity_l*",), hlines=lambda cfg: {"H(Y)": h_y()},
                  note="Rises towards H(Y) (dashed) as the net fits the labels; no layer can exceed it."),
            Chart("Loss (cross-entropy)", ("loss", "test_loss"), log_y=True),
            Chart("Accuracy", ("train_acc", "test_acc")),
        ),
        arms=Arms(variants={"tanh": dict(activation="tanh"), "relu": dict(activation="relu")},
                  metrics=("last_ixt", "last_ity", "test_acc")),
        panels=("info_plane",),
        x_label="epoch",
    ),
)
