"""Neural collapse (Papyan, Han & Donoho 2020): train a classifier past zero training error
(the terminal phase) and its penultimate features collapse: within-class variability vanishes
(NC1), the centred class means become equal-norm and maximally separated, a simplex
equiangular tight frame with pairwise cosines −1/(C−1) (NC2), the classifier's rows align with
them (NC3), and the net decides like a nearest-class-centre classifier (NC4).
torch is imported inside `run` so the registry (and the pages) load without it.
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.core import groups
from labcore.core.params import BaseConfig, ParamError, param

DATASETS = ("digits", "mnist1d", "synthetic", "mnist")
INPUT_DIM = {"digits": 64, "mnist1d": 40, "synthetic": 32, "mnist": 784}
IMAGE_SIDE = {"digits": 8, "mnist": 32}  # the ResNet's input side (MNIST padded to 32 as the Colab)


@dataclass(frozen=True)
class Config(BaseConfig):
    """Settings of a neural-collapse run; each field's `help` documents it."""
    dataset: str = groups.dataset("digits", choices=DATASETS,
                                  help="digits, mnist1d and synthetic are offline; mnist: the 5,000-image "
                                       "subset (or full MNIST where it is on disk)")
    n_train: int = groups.n_train(1000)
    n_test: int = groups.n_test(500)
    model: str = param("mlp", choices=("mlp", "resnet18"),
                       help="mlp: ReLU MLP of `widths`; resnet18: the Colab's (3x3 stride-1 conv1, no "
                            "max-pool), image datasets only")
    widths: tuple = param((256, 256, 256), lo=1, hi=4096, length=(1, 8),
                          help="MLP hidden widths; the features are the last hidden layer")
    batchnorm: bool = param(True, help="BatchNorm after each hidden Linear of the MLP (the ResNet always has it)")
    loss: str = param("ce", choices=("ce", "mse"), help="ce: cross-entropy; mse: mean squared error to one-hot")
    lr: float = groups.lr(0.05, help="SGD learning rate (the Colab: 0.0679 with ce, 0.0184 with mse)")
    momentum: float = groups.momentum(0.9)
    weight_decay: float = param(5e-3, lo=0.0, hi=0.1, help="L2 weight decay (the Colab: 5e-4)")
    batch_size: int = groups.batch_size(128, help="examples per step (the last partial batch is dropped)")
    epochs: int = groups.steps(300, help="epochs (the Colab: 350)")
    schedule: str = param("none", choices=("none", "step", "cosine"),
                          help="lr schedule: none; step ×0.1 at 1/3 and 2/3 of the epochs (the Colab); "
                               "cosine to 0")
    measure_points: int = param(50, lo=2, hi=1000, log=True, advanced=True,
                                help="NC metrics at about this many log-spaced epochs (the Colab: 50)")
    seed: int = groups.seed()
    device: str = groups.device()

    def check(self) -> None:
        """resnet18 needs an image dataset; the offline pools bound n_train + n_test."""
        if self.model == "resnet18" and self.dataset not in IMAGE_SIDE:
            raise ParamError(f"model=resnet18 is not allowed with dataset={self.dataset}; allowed datasets: "
                             f"{', '.join(IMAGE_SIDE)}")
        pool = {"digits": 1797, "mnist1d": 4000}.get(self.dataset)
        if pool is not None and self.n_train > pool - (10 if self.dataset == "digits" else 0):
            raise ParamError(f"n_train={self.n_train} is out of range for dataset={self.dataset}; "
                             f"allowed: 10..{pool - (10 if self.dataset == 'digits' else 0)}")


def run(cfg: Config, rec) -> None:
    """Train past zero training error and log NC1-NC4 (labcore.phenomena.neural_collapse.train)."""
    from labcore.phenomena.neural_collapse.train import train

    train(cfg, rec)
