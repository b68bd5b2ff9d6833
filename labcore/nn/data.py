"""Datasets. Offline defaults (scikit-learn's `digits`, synthetic generators) need no network;
`mnist`, `fashion_mnist` and `cifar10` come through torchvision from LAB_DATA_DIR.

Every loader returns a `Split` of float32 inputs and int64 labels on the CPU; experiments
move them to their device.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np

from labcore.core.rng import numpy_rng
from labcore.core.groups import DATASETS, OFFLINE_DATASETS as OFFLINE  # noqa: F401 - re-exported

if TYPE_CHECKING:
    import torch

TORCHVISION = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}


class DatasetUnavailable(RuntimeError):
    """A torchvision dataset that is neither on disk nor downloadable (one-line message)."""


@dataclass
class Split:
    """Train/test tensors. x: (n, *shape) float32, y: (n,) int64."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one input example (x_train's shape without its first dimension)."""
        return tuple(self.x_train.shape[1:])


def data_dir() -> Path:
    """Where torchvision datasets live: $LAB_DATA_DIR or ./data."""
    return Path(os.environ.get("LAB_DATA_DIR", "data"))


# Where torchvision keeps each dataset under LAB_DATA_DIR (a file that exists once it is there),
# and the site it downloads from (probed, not contacted, to tell "offline" at validation time).
ON_DISK = {"mnist": "MNIST/raw/t10k-labels-idx1-ubyte", "fashion_mnist": "FashionMNIST/raw/t10k-labels-idx1-ubyte",
           "cifar10": "cifar-10-batches-py/test_batch"}
SOURCES = {"mnist": "ossci-datasets.s3.amazonaws.com", "fashion_mnist": "fashion-mnist.s3-website.eu-central-1.amazonaws.com",
           "cifar10": "www.cs.toronto.edu"}
_REACH: dict[str, tuple[float, bool]] = {}


def available(name: str, choices: tuple | None = None) -> str | None:
    """None when `name` can be loaded (offline, on disk, or its download site answers);
    otherwise one line saying why not, offering the offline datasets among `choices` (the
    page's own dataset choices; default: the shared offline ones). The probe result is kept
    for a minute."""
    if name not in TORCHVISION:
        return None
    if (data_dir() / ON_DISK[name]).exists():
        return None
    import socket
    import time

    host = SOURCES[name]
    when, ok = _REACH.get(host, (0.0, False))
    if time.monotonic() - when > 60:
        try:
            socket.create_connection((host, 443), timeout=1.5).close()
            ok = True
        except OSError:
            ok = False
        _REACH[host] = (time.monotonic(), ok)
    if ok:
        return None
    offline = [c for c in (choices or OFFLINE) if c not in TORCHVISION]
    return (f"dataset={name} is not available: not in {data_dir()} and its download site cannot be "
            f"reached (offline?); allowed now: {', '.join(offline)}")


def load(name: str, n_train: int, n_test: int, seed: int = 0, flatten: bool = True) -> Split:
    """Load `name`, take a seeded random subset of n_train / n_test examples."""
    test_pool = None
    if name == "digits":
        x, y, n_classes = digits_arrays()
    elif name == "synthetic":
        x, y, n_classes = _clusters(n_train + n_test, seed)
    elif name == "mnist1d":
        (x, y), test_pool, n_classes = mnist1d_arrays()
    elif name in TORCHVISION:
        (x, y), test_pool, n_classes = torchvision_arrays(name)
    else:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    gen = numpy_rng(seed, "data")
    if test_pool is None:  # one pool: split it
        order = gen.permutation(len(x))
        n_test = min(n_test, len(x) - n_train)
        if n_test <= 0:
            raise ValueError(f"{name} has {len(x)} examples; n_train={n_train} leaves none to test")
        (xtr, ytr), (xte, yte) = _take(x, y, order[:n_train]), _take(x, y, order[n_train:n_train + n_test])
    else:  # the dataset's own train/test split
        xtr, ytr = _take(x, y, gen.permutation(len(x))[:n_train])
        xte, yte = _take(*test_pool, gen.permutation(len(test_pool[0]))[:n_test])
    import torch

    if flatten:
        xtr, xte = xtr.reshape(len(xtr), -1), xte.reshape(len(xte), -1)
    as_x = lambda a: torch.as_tensor(np.ascontiguousarray(a), dtype=torch.float32)  # noqa: E731
    as_y = lambda a: torch.as_tensor(a, dtype=torch.int64)  # noqa: E731
    return Split(as_x(xtr), as_y(ytr), as_x(xte), as_y(yte), n_classes)


def _take(x: np.ndarray, y: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x[idx], y[idx]


def digits_arrays() -> tuple[np.ndarray, np.ndarray, int]:
    """The 1797 8x8 handwritten digits shipped inside scikit-learn, scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None]  # (1797, 1, 8, 8)
    return x, d.target.astype(np.int64), 10


def mnist1d_arrays() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], int]:
    """MNIST-1D (Greydanus 2020): ((x_train, y_train), (x_test, y_test), 10) with 4000 / 1000
    signals of length 40, generated offline by the `mnist1d` package from its default
    arguments (seed 42, the standard set; its `get_dataset` would download instead)."""
    import random

    from mnist1d.data import get_dataset_args, make_dataset

    np_state, py_state = np.random.get_state(), random.getstate()
    try:  # make_dataset seeds numpy's and Python's global RNGs: leave them as they were
        d = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    as_x = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    as_y = lambda a: np.asarray(a, dtype=np.int64)  # noqa: E731
    return (as_x(d["x"]), as_y(d["y"])), (as_x(d["x_test"]), as_y(d["y_test"])), 10


def _clusters(n: int, seed: int, dim: int = 32, n_classes: int = 10) -> tuple[np.ndarray, np.ndarray, int]:
    """Gaussian clusters around random unit-norm centres: a separable-ish synthetic task."""
    gen = numpy_rng(seed, "data")  # a task of its own per seed, apart from the subset draw
    centres = gen.normal(size=(n_classes, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    y = gen.integers(0, n_classes, size=n)
    x = 1.5 * centres[y] + gen.normal(scale=1.0 / np.sqrt(dim), size=(n, dim)) * 3.0
    return x.astype(np.float32), y.astype(np.int64), n_classes


def torchvision_arrays(name: str):
    """((x_train, y_train), (x_test, y_test), n_classes) with x as (n, c, h, w) in [0, 1]."""
    # Read from LAB_DATA_DIR first; download there only when it is missing.
    try:
        import torchvision
    except ImportError as exc:  # pragma: no cover - torchvision is in requirements
        raise DatasetUnavailable(f"{name} needs torchvision ({exc}); use digits") from None
    cls = getattr(torchvision.datasets, TORCHVISION[name])
    root = data_dir()
    parts = []
    for train in (True, False):
        try:
            ds = cls(str(root), train=train, download=False)
        except RuntimeError:
            try:
                ds = cls(str(root), train=train, download=True)
            except Exception:  # noqa: BLE001 - any network/IO failure means "not available"
                raise DatasetUnavailable(
                    f"{name} is not in {root} and could not be downloaded (offline?); "
                    "use the offline dataset 'digits'") from None
        parts.append(ds)
    import torch

    pools = []
    for ds in parts:
        data = ds.data.numpy() if isinstance(ds.data, torch.Tensor) else np.asarray(ds.data)
        data = data.astype(np.float32) / 255.0
        data = data[:, None] if data.ndim == 3 else data.transpose(0, 3, 1, 2)  # -> (n, c, h, w)
        pools.append((data, np.asarray(ds.targets, dtype=np.int64)))
    return pools[0], pools[1], 10
