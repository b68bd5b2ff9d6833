"""The 12-bit task of Shwartz-Ziv & Tishby (2017), generated offline.

X: all 2^12 = 4096 binary patterns. The 12 bits sit on the 12 vertices of an icosahedron
(12 points spread uniformly over the sphere, as the paper's inputs). The label is a
spherically symmetric rule: with spins s = 2x − 1 and unit vertices v_i, the pattern's
dipole m(x) = Σ_i s_i v_i is a 3-vector, and y = [|m|² > 10]. |m|² is unchanged by every
rotation of the sphere that maps the vertices to themselves, so the rule depends only on
the pattern's shape on the sphere, not on where it sits. The threshold 10 lies in the gap
between |m|² = 8.84 and 11.58 (no pattern in between): p(y=1) = 2036/4096 ≈ 0.497.

The original var_u.mat is 4096 × 12 with a similar rule whose exact form is not
published with the code; this rule is ours (same construction, same p(y=1) ≈ 0.5).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

N_BITS = 12
THRESHOLD = 10.0  # in the gap (8.84, 11.58) of |m|² values: no pattern sits near it


def icosahedron() -> np.ndarray:
    """The 12 unit vertices of a regular icosahedron, (12, 3)."""
    g = (1 + 5 ** 0.5) / 2
    v = []
    for a in (1, -1):
        for b in (g, -g):
            v += [(0, a, b), (a, b, 0), (b, 0, a)]  # cyclic permutations of (0, ±1, ±g)
    v = np.array(v, dtype=float)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@lru_cache(maxsize=1)
def twelve_bit() -> tuple[np.ndarray, np.ndarray]:
    """(x, y): every 12-bit pattern as 0/1 floats (4096, 12), and its label (4096,) int64.

    Row i is the binary expansion of i, so each pattern is its own value of X (H(X) = 12 bits).
    """
    x = ((np.arange(2 ** N_BITS)[:, None] >> np.arange(N_BITS)) & 1).astype(np.float32)  # (4096, 12)
    dipole = (2 * x - 1) @ icosahedron()                                                  # (4096, 3)
    y = ((dipole ** 2).sum(axis=1) > THRESHOLD).astype(np.int64)                          # (4096,)
    return x, y


def split(n: int, train_frac: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A random train/test split of range(n): (train indices, test indices), at least one each."""
    order = rng.permutation(n)
    k = min(n - 1, max(1, int(round(train_frac * n))))
    return np.sort(order[:k]), np.sort(order[k:])


def label_entropy() -> float:
    """H(Y) in bits over all 4096 patterns: the ceiling of every layer's I(T;Y)."""
    _, y = twelve_bit()
    p = np.bincount(y) / len(y)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())
