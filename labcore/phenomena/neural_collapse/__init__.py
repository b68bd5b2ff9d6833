"""Neural collapse (Papyan, Han & Donoho 2020): train a classifier past zero training error
(the terminal phase) and its penultimate features collapse: within-class variability vanishes
(NC1), the centred class means become equal-norm and maximally separated, a simplex
equiangular tight frame with pairwise cosines −1/(C−1) (NC2), the classifier's rows align with
them (NC3), and the net decides like a nearest-class-centre classifier (NC4).
torch is imported inside `run` so the registry (and the pages) load without it.
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.core import catalogue, param_groups
from labcore.core.experiment import Arms, Chart, Experiment, PageSpec, SweepView
from labcore.core.params import BaseConfig, ParamError, param
from labcore.phenomena.neural_collapse.claims import CLAIMS
from labcore.phenomena.neural_collapse.lesson import LESSON
from labcore.phenomena.neural_collapse.text import DETAILS, NC1_TITLE, PAGE_TEXT, REFERENCE

DATASETS = ("digits", "mnist1d", "synthetic", "mnist")
INPUT_DIM = {"digits": 64, "mnist1d": 40, "synthetic": 32, "mnist": 784}
IMAGE_SIDE = {"digits": 8, "mnist": 32}  # the ResNet's input side (MNIST padded to 32 as the Colab)


@dataclass(frozen=True)
class Config(BaseConfig):
    """Settings of a neural-collapse run; each field's `help` documents it."""
    dataset: str = param_groups.dataset("digits", choices=DATASETS + (catalogue.FILES,),
                                  help="digits, mnist1d and synthetic are offline; mnist: the 5,000-image "
                                       "subset (or full MNIST where it is on disk); " + catalogue.FILES_HELP)
    n_train: int = param_groups.n_train(500)
    n_test: int = param_groups.n_test(500)
    model: str = param("mlp", choices=("mlp", "resnet18"),
                       help="mlp: ReLU MLP of `widths`; resnet18: the Colab's (3x3 stride-1 conv1, no "
                            "max-pool), image datasets only")
    widths: tuple = param((256, 256, 256), lo=1, hi=4096, length=(1, 8),
                          help="MLP hidden widths; the features are the last hidden layer")
    batchnorm: bool = param(True, help="BatchNorm after each hidden Linear of the MLP (the ResNet always has it)")
    loss: str = param("ce", choices=("ce", "mse"), help="ce: cross-entropy; mse: mean squared error to one-hot")
    lr: float = param_groups.lr(0.05, help="SGD learning rate (the Colab: 0.0679 with ce, 0.0184 with mse)")
    momentum: float = param_groups.momentum(0.9)
    weight_decay: float = param(5e-3, lo=0.0, hi=0.1, help="L2 weight decay (the Colab: 5e-4)")
    batch_size: int = param_groups.batch_size(128, help="examples per step (the last partial batch is dropped)")
    epochs: int = param_groups.steps(300, help="epochs (the Colab: 350)")
    schedule: str = param("none", choices=("none", "step", "cosine"),
                          help="lr schedule: none; step ×0.1 at 1/3 and 2/3 of the epochs (the Colab); "
                               "cosine to 0")
    measure_points: int = param(50, lo=2, hi=1000, log=True, advanced=True,
                                help="NC metrics at about this many log-spaced epochs (the Colab: 50)")
    seed: int = param_groups.seed()
    device: str = param_groups.device()

    def check(self) -> None:
        """resnet18 needs an image dataset; MNIST-1D's training pool bounds n_train (digits' shared
        pool bounds n_train + n_test: core.catalogue.pool_problem)."""
        if self.model == "resnet18" and self.dataset not in IMAGE_SIDE:
            raise ParamError(f"model=resnet18 is not allowed with dataset={self.dataset}; allowed datasets: "
                             f"{', '.join(IMAGE_SIDE)}")
        if self.dataset == "mnist1d" and self.n_train > 4000:
            raise ParamError(f"n_train={self.n_train} is out of range for dataset=mnist1d; allowed: 10..4000")


def run(cfg: Config, recorder) -> None:
    """Train past zero training error and log NC1-NC4 (labcore.phenomena.neural_collapse.train)."""
    from labcore.phenomena.neural_collapse.train import train

    train(cfg, recorder)


def cost(cfg: Config) -> tuple[float, float]:
    """(peak bytes, flops): data; weights ×4 (params, grads, momentum, slack); the larger of a
    training batch's stored activations and an eval batch's widest two layers. Flops: 6 per
    weight and example trained, 2 per weight and example of the per-epoch train-error pass and
    of the NC passes (the ResNet: its forward flops per example instead of its weights)."""
    n = cfg.n_train + cfg.n_test
    if cfg.model == "resnet18":
        area = (IMAGE_SIDE[cfg.dataset] / 32) ** 2
        params, forward = 11.2e6, 0.56e9 * area  # ResNet18 with a stride-1 stem: 0.56 GFLOPs at 32x32
        d_in, acts_train, acts_eval = 1024 * area, 2.5e6 * area, 2 * 64 * 1024 * area  # floats per example
    else:
        d_in = INPUT_DIM.get(cfg.dataset, 784)  # a file's width is known when it is read: sized as MNIST
        sizes = (d_in, *cfg.widths, 10)
        params = forward = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        acts_train, acts_eval = 3 * sum(sizes), 2 * max(sizes)
    batch = min(cfg.batch_size, cfg.n_train)
    flops = forward * (cfg.epochs * (6.0 + 2.0) * cfg.n_train + 2.0 * n * cfg.measure_points)
    acts = max(batch * acts_train, min(1024, n) * acts_eval)
    return 4.0 * (n * (d_in + 1) + 4 * params + acts), flops


LOG = dict(log_x=True, vlines=("zero_error_epoch",))  # epochs span decades; the terminal phase starts at the line

EXPERIMENT = Experiment(
    name="neural_collapse",
    title="Neural collapse",
    config=Config,
    run=run,
    metrics=("train_err", "train_loss", "test_err", "lr", "zero_error_epoch", "nc1", "nc2_equinorm_means",
             "nc2_equinorm_classifier", "nc2_equiangular_means", "nc2_equiangular_classifier", "nc3", "nc4",
             "loss"),  # `loss` only in the row that ends a run as diverged (train_loop logs the bad step)
    artifacts=("mean_cosines", "mean_cosines_at_zero_error"),
    icon=":material/compress:",
    cost=cost,
    smoke=dict(n_train=100, n_test=50, widths=(32,), epochs=30, measure_points=3, batch_size=10),  # reaches zero error
    claims=CLAIMS,
    lesson=LESSON,
    page=PageSpec(
        what_to_look_for=PAGE_TEXT,
        details=DETAILS,
        summary=("Neural collapse: trained past zero training error, a classifier's last-layer features "
                 'shrink onto their class means, which spread into a simplex.'),
        reference=REFERENCE,
        charts=(
            Chart("Train and test error", ("train_err", "test_err"), **LOG,
                  note="The dotted line is the first epoch with zero training error: the terminal phase "
                       "of training starts there."),
            Chart(f"NC1: within-class variability {NC1_TITLE}", ("nc1",), log_y=True, **LOG,
                  note="Falls by orders of magnitude after the line: every training point moves onto its "
                       "class mean."),
            Chart("NC2: equiangularity avg |cos + 1/(C−1)|", ("nc2_equiangular_means",
                                                              "nc2_equiangular_classifier"), log_y=True, **LOG,
                  note="0 when the centred class means (and the classifier rows) form a simplex ETF, every "
                       "pairwise cosine −1/(C−1). The artifact heatmap draws the cosines."),
            Chart("NC2: equinorm std/mean of the norms", ("nc2_equinorm_means", "nc2_equinorm_classifier"),
                  log_y=True, **LOG, note="0 when every centred class mean (classifier row) has the same length."),
            Chart("NC3: self-duality ‖W/‖W‖ − M̄/‖M̄‖‖²", ("nc3",), log_y=True, **LOG,
                  note="0 when the classifier's rows are the centred class means, up to scale."),
            Chart("NC4: mismatch with the nearest class centre", ("nc4",), **LOG,
                  note="Fraction of training points where the net's decision differs from the nearest "
                       "(uncentred) class mean."),
            Chart("Training loss", ("train_loss",), log_y=True, **LOG),
            Chart("Learning rate", ("lr",), log_y=True, log_x=True,
                  note="none: constant; step: ×0.1 at 1/3 and 2/3 of the epochs (the Colab); cosine."),
        ),
        sweep=SweepView(axes={"weight_decay": (0.0, 5e-4, 2e-3, 5e-3, 1e-2)},
                        metrics=("nc1", "nc2_equiangular_means", "nc3", "test_err")),
        arms=Arms(variants={"weight decay 5e-3": dict(weight_decay=5e-3),
                            "5e-4 (the Colab)": dict(weight_decay=5e-4),
                            "0": dict(weight_decay=0.0)},
                  metrics=("nc1", "nc2_equiangular_means", "nc3"), log_x=True, log_y=True),  # as the charts above
        x_label="epoch",
    ),
)
