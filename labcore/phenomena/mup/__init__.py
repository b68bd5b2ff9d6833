"""μP and hyperparameter transfer (Yang & Hu 2021; Yang et al. 2022, "Tensor Programs V"): in
the maximal-update parametrisation the best learning rate of a network does not move as it is
made wider, so it can be tuned on a narrow proxy and transferred; in the standard
parametrisation it drifts down with width.

One run is one parametrisation (mup, sp or ntk) of the MLP 784 → n → n → 10 (no biases, ReLU,
Adam): at each width it trains the same initial network once per learning rate 2^e of the grid
and records each point's training loss over its last epoch (`loss_lr{k}` for lr = 2⁻ᵏ), the best exponent,
and a coordinate check at the fixed rate `lr`. Its rows are keyed by width (labcore.phenomena.
mup.train). torch is imported inside `run` so the registry (and the pages) load without it.
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.core import param_groups
from labcore.core.experiment import Arms, Chart, Experiment, PageSpec
from labcore.core.params import BaseConfig, ParamError, param
from labcore.phenomena.mup.claims import CLAIMS
from labcore.phenomena.mup.lesson import LESSON
from labcore.phenomena.mup.text import DETAILS, PAGE_TEXT, REFERENCE

PARAMETRIZATIONS = ("mup", "sp", "ntk")  # as labcore.phenomena.mup.nets (which imports torch)
WIDTH_METRICS = ("loss_init", "best_log2_lr", "coord_h1", "coord_h2", "coord_out", "dw_hidden", "unstable")


@dataclass(frozen=True)
class Config(BaseConfig):
    """Settings of a μP run (one parametrisation, a width x learning-rate grid); each field's
    `help` documents it."""
    parametrization: str = param("mup", choices=PARAMETRIZATIONS,
                                 help="mup: hidden lr η/m, readout zero and logits/m (m = width/base_width); "
                                      "sp: N(0, 1/fan_in) and lr η everywhere; ntk: N(0, 1) times 1/√fan_in")
    loss: str = param("xent", choices=("xent", "mse"),
                      help="xent: cross-entropy (μP's optimum within a grid point at every width, SP's drifting 3); "
                           "mse: mean squared error to one-hot targets (SP drifts 2; μP's widest optimum is flat)")
    widths: tuple = param((64, 256, 1024), lo=4, hi=8192, length=(1, 8),
                          help="hidden widths n of the grid (784 → n → n → 10)")
    base_width: int = param(64, lo=1, hi=8192, log=True,
                            help="μP's base width: m = width / base_width (μP equals SP there, but for the readout)")
    log2_lr_min: int = param(-11, lo=-30, hi=3, help="smallest learning rate of the grid, 2^this")
    log2_lr_max: int = param(-4, lo=-30, hi=3, help="largest learning rate of the grid, 2^this")
    lr: float = param_groups.lr(2.0 ** -7, help="the fixed Adam rate of the coordinate check (the same at every width)")
    coord_steps: int = param(4, lo=1, hi=1000, log=True,
                             help="Adam steps of the coordinate check (activations averaged over them)")
    steps: int = param_groups.steps(150, help="Adam steps per grid point")
    batch_size: int = param_groups.batch_size(32, help="minibatch size (the same batches for every grid point)")
    dataset: str = param_groups.dataset(
        "mnist", choices=param_groups.DATASETS_AND_FILES,
        help="mnist (the full set from LAB_DATA_DIR, else MNIST-5k offline), digits, fashion_mnist, ...; or your "
             "own file: file:/path/data.npz (X, y, optional X_test, y_test) or file:/path/data.csv (label last)")
    n_train: int = param_groups.n_train(1024)
    probe: int = param(256, lo=1, hi=4096, log=True, advanced=True,
                       help="training examples on which the coordinate check measures activations")
    seed: int = param_groups.seed()
    device: str = param_groups.device()

    def check(self) -> None:
        """The lr grid must be ordered; probe at most n_train; else ParamError naming the parameter."""
        if self.log2_lr_min > self.log2_lr_max:
            raise ParamError(f"log2_lr_min={self.log2_lr_min} is out of range; allowed: at most log2_lr_max "
                             f"({self.log2_lr_max})")
        if self.probe > self.n_train:
            raise ParamError(f"probe={self.probe} is out of range; allowed: 1..n_train ({self.n_train})")


def _d_in(dataset: str) -> int:
    return {"digits": 64, "synthetic": 32, "cifar10": 3072}.get(dataset, 784)  # a file: sized as MNIST


def cost(cfg: Config) -> tuple[float, float]:
    """(peak bytes, flops): data, the widest net's weights x7 (params, grads, Adam's moments, the
    initial copy, slack), activations of the full-batch evaluation. Flops: 6 per weight and example
    of each step, each grid point plus the coordinate check; 2 per weight and example to evaluate."""
    d = _d_in(cfg.dataset)
    sizes = [d * w + w * w + 10 * w for w in cfg.widths]
    points = cfg.log2_lr_max - cfg.log2_lr_min + 1
    flops = sum(6.0 * cfg.batch_size * p * (points * cfg.steps + cfg.coord_steps) + 2.0 * cfg.n_train * p * (points + 1)
                for p in sizes)
    return 4.0 * (cfg.n_train * (d + 1) + 7 * max(sizes) + 3 * cfg.n_train * max(cfg.widths)), flops


def run(cfg: Config, recorder) -> None:
    """Train the width x lr grid of one parametrisation (labcore.phenomena.mup.train)."""
    from labcore.phenomena.mup.train import run_grid

    run_grid(cfg, recorder)


EXPERIMENT = Experiment(
    name="mup",
    title="μP and hyperparameter transfer",
    config=Config,
    run=run,
    metrics=("loss", "loss_lr{k}") + WIDTH_METRICS,
    artifacts=(),
    icon=":material/swap_horiz:",
    cost=cost,
    claims=CLAIMS,
    lesson=LESSON,
    smoke=dict(widths=(8, 16), base_width=8, log2_lr_min=-8, log2_lr_max=-6, n_train=64, probe=16),
    page=PageSpec(
        what_to_look_for=PAGE_TEXT,
        details=DETAILS,
        summary="μP: parametrise a network so its best learning rate stays put as it is made wider, "
                "and tune it on a narrow proxy.",
        reference=REFERENCE,
        x_label="width n",
        panels=("transfer_view",),
        charts=(
            Chart("Best learning rate (log₂) against width", ("best_log2_lr",), log_x=True,
                  note="The grid point with the lowest training loss (mean over the last epoch). Flat under μP; "
                       "under SP it falls "
                       "with width (the wider net needs a smaller rate)."),
            Chart("Training loss (last epoch) against width, one line per learning rate", ("loss_lr*",), log_x=True,
                  log_y=True, note="loss_lrk is the rate 2⁻ᵏ. Under μP every line falls with width: wider is "
                                   "better at every rate. Points that blew up are drawn at twice their initial loss."),
            Chart("Coordinate check: mean |activation| over the first steps", ("coord_h1", "coord_h2", "coord_out"),
                  log_x=True, log_y=True,
                  note="Mean |coordinate| of each layer's output on fixed inputs, averaged over the first "
                       "coord_steps Adam steps at the fixed rate lr. Flat in width under μP; under SP the output "
                       "(and the second hidden layer) grow with the width, the first step overshooting."),
            Chart("Hidden weight change ‖W − W₀‖₂ / ‖W₀‖₂ against width", ("dw_hidden",), log_x=True, log_y=True,
                  note="Operator-norm change of the hidden layer over the coordinate check's steps: the same at "
                       "every width under μP (features move by Θ(1)), growing under SP."),
        ),
        arms=Arms(variants={"μP": {"parametrization": "mup"}, "SP": {"parametrization": "sp"},
                            "NTK": {"parametrization": "ntk"}},
                  metrics=("best_log2_lr", "coord_out", "dw_hidden"), log_x=True, log_y=False),
    ),
)
