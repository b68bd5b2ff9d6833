"""The data of a double-descent run (imports torch; called by `run`): a seeded subset,
inputs standardised with the training set's statistics, and label noise on the training set.

MNIST-1D is generated here as the original notebook does (greydanus/mnist1d
`notebooks/deep-double-descent.ipynb`): 16,000 signals with train_split 0.25, so 4,000 train
and 12,000 test; `make_dataset` builds it offline (its `get_dataset` would download).
"""
from __future__ import annotations

import functools
import random
from dataclasses import dataclass

import numpy as np
import torch

from labcore.core.rng import numpy_rng
import labcore.nn.data

MNIST1D_SAMPLES, MNIST1D_TRAIN_SPLIT = 16_000, 0.25  # the notebook's args: 4,000 train / 12,000 test
STD_FLOOR = 0.1  # digits has pixels that are (nearly) constant: dividing by their std would blow them up


@dataclass
class Data:
    """x: (n, d) float32 standardised; y: (n,) int64. y_train holds the noisy labels the model
    fits, y_clean the labels before noise (equal where no noise was drawn)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    y_clean: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int
    source: str = ""  # which data the run used: a named set, or a file's name and sha256


@functools.lru_cache(maxsize=1)
def mnist1d_pool() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) of the notebook's MNIST-1D (4000 / 12000, length 40);
    ~10 s of CPU to generate, kept for the life of the process."""
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples, args.train_split = MNIST1D_SAMPLES, MNIST1D_TRAIN_SPLIT
    np_state, py_state = np.random.get_state(), random.getstate()
    try:  # make_dataset seeds numpy's and Python's global RNGs: leave them as they were
        d = make_dataset(args)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    f32, i64 = (lambda a: np.asarray(a, np.float32)), (lambda a: np.asarray(a, np.int64))
    return f32(d["x"]), i64(d["y"]), f32(d["x_test"]), i64(d["y_test"])


def load(dataset: str, n_train: int, n_test: int, seed: int, label_noise: float) -> Data:
    """n_train / n_test examples of `dataset` (a seeded subset), standardised, with a fraction
    `label_noise` of the training labels (exactly round(label_noise · n_train) of them) replaced by
    a class drawn uniformly (so about 1/10 of
    those keep their label, as in the notebook: 15 % replaced, 13.5 % wrong)."""
    if dataset == "mnist1d":
        xtr, ytr, xte, yte = mnist1d_pool()
        gen = numpy_rng(seed, "data")
        i, j = gen.permutation(len(xtr))[:n_train], gen.permutation(len(xte))[:n_test]
        xtr, ytr, xte, yte = (torch.from_numpy(a) for a in (xtr[i], ytr[i], xte[j], yte[j]))
        n_classes, source = 10, labcore.nn.data.source(dataset)
    else:
        split = labcore.nn.data.load(dataset, n_train, n_test, seed, flatten=True)
        xtr, ytr, xte, yte, n_classes = split.x_train, split.y_train, split.x_test, split.y_test, split.n_classes
        source = split.source
    mean, std = xtr.mean(0), xtr.std(0).clamp_min(STD_FLOOR)  # (d,)
    noisy = ytr.clone()
    gen = numpy_rng(seed, "noise")
    hit = gen.choice(len(ytr), size=int(round(label_noise * len(ytr))), replace=False)  # exactly that many
    noisy[torch.from_numpy(hit)] = torch.from_numpy(gen.integers(0, n_classes, size=len(hit)))
    return Data((xtr - mean) / std, noisy, ytr, (xte - mean) / std, yte, n_classes, source)
