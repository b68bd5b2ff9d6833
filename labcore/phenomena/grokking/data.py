"""Modular arithmetic tables and their train/test split (pure numpy; no torch).

Every pair (a, b) of residues mod p is one example, labelled a ∘ b mod p. The PAIR
Explorables notebook keeps only the pairs a <= b of the commutative addition (2,278 of
67² pairs) and splits them with `np.random.seed(165); np.random.permutation(n)`, taking the
first int(frac · n) for training; `split(..., split_seed=165)` reproduces that split exactly.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OPERATIONS = ("add", "subtract", "divide")


def is_prime(n: int) -> bool:
    """True when n is prime (division mod p needs every non-zero residue invertible)."""
    return n >= 2 and all(n % d for d in range(2, int(n ** 0.5) + 1))


def pairs(p: int, operation: str = "add", symmetric: bool = False) -> np.ndarray:
    """All input pairs (n, 2), a-major as the notebook: a <= b only when `symmetric`; b != 0 for
    division (nothing divides by zero)."""
    grid = [(a, b) for a in range(p) for b in range(p)
            if (not symmetric or a <= b) and not (operation == "divide" and b == 0)]
    return np.asarray(grid, dtype=np.int64).reshape(-1, 2)


def labels(x: np.ndarray, p: int, operation: str = "add") -> np.ndarray:
    """a ∘ b mod p for every row of x (n, 2) -> (n,); division multiplies by b^(p-2) = b⁻¹ (p prime)."""
    a, b = x[:, 0], x[:, 1]
    if operation == "add":
        return (a + b) % p
    if operation == "subtract":
        return (a - b) % p
    if operation == "divide":
        inverse = np.array([pow(int(v), p - 2, p) for v in b], dtype=np.int64)
        return (a * inverse) % p
    raise ValueError(f"operation={operation!r} is not one of {OPERATIONS}")


@dataclass(frozen=True)
class Split:
    """The table split once: inputs (n, 2) and labels (n,) for train and test."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def split(p: int, operation: str, train_frac: float, symmetric: bool, rng: np.random.Generator | None = None,
          split_seed: int = -1) -> Split:
    """Permute the table and keep the first int(train_frac · n) pairs for training.

    split_seed >= 0 permutes with numpy's legacy `np.random.seed(split_seed)` generator (the PAIR
    notebook's split, bit for bit); otherwise `rng` (the run's data stream) permutes."""
    x = pairs(p, operation, symmetric)
    y = labels(x, p, operation)
    if split_seed >= 0:
        order = np.random.RandomState(split_seed).permutation(len(x))
    else:
        order = (rng or np.random.default_rng(0)).permutation(len(x))
    k = int(train_frac * len(x))
    tr, te = order[:k], order[k:]
    return Split(x[tr], y[tr], x[te], y[te])
