"""Mutual information by binning (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018), pure numpy.

A layer's activations T (n, width) are discretised unit by unit into fixed bins; each row's
tuple of bin indices is one value of T. With X the (uniform) 4096 patterns, each its own
value, and T a deterministic function of X, I(X;T) = H(T) − H(T|X) = H(T); I(T;Y) =
H(T) − H(T|Y). Everything is in bits over the empirical distribution of the rows.
"""
from __future__ import annotations

import numpy as np


def codes(values: np.ndarray) -> np.ndarray:
    """One integer id per distinct row of `values` (n, d) or per distinct value of (n,): (n,)."""
    values = np.asarray(values)
    if values.ndim == 1:
        values = values[:, None]
    _, inverse = np.unique(values, axis=0, return_inverse=True)
    return inverse.reshape(-1)


def entropy(values: np.ndarray) -> float:
    """Plug-in entropy in bits of the empirical distribution of the rows (or values)."""
    counts = np.bincount(codes(values))
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """I(A;B) = H(A) + H(B) − H(A,B) in bits, of paired samples (rows of `a` and `b`)."""
    ca, cb = codes(a), codes(b)
    joint = np.stack([ca, cb], axis=1)  # (n, 2)
    return max(0.0, entropy(ca) + entropy(cb) - entropy(joint))  # clip −1e-16 rounding


def bin_edges(activation: str, acts: np.ndarray, bins: int) -> np.ndarray:
    """Equal-width bins of width 2/bins. tanh: `bins` bins over its range [-1, 1]. relu:
    the same width from 0 up to the largest activation, so the grid grows with the
    activations rather than coarsening (Saxe et al.'s code bins by a fixed size, 0.07 ≈
    2/30). (n_bins + 1,)"""
    width = 2.0 / bins
    if activation == "tanh":
        return np.linspace(-1.0, 1.0, bins + 1)
    top = float(np.max(acts)) if acts.size else 0.0
    n = max(1, int(np.ceil(top / width)))
    return np.arange(n + 1) * width


def discretise(acts: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin index of every activation, (n, width) ints in 0..len(edges)−2 (ends included)."""
    inner = edges[1:-1]  # values below the first inner edge go to bin 0, above the last to the top bin
    return np.searchsorted(inner, acts, side="right")


def bin_ids(activation: str, acts: np.ndarray, bins: int) -> np.ndarray:
    """`discretise(acts, bin_edges(activation, acts, bins))` without building the edges:
    for relu the grid has ceil(max/width) edges, which a blown-up activation (1e12) turns
    into terabytes, so the index is computed arithmetically (floor(a / width), corrected
    for rounding against the same float edges k·width, capped at the top bin). Memory is
    that of `acts` whatever their range. (n, width) int64."""
    if activation == "tanh":
        return discretise(acts, bin_edges(activation, acts, bins))
    width = 2.0 / bins
    big = 2.0**52 * width  # beyond this, k·width no longer has a distinct float per bin
    a = np.clip(np.nan_to_num(np.asarray(acts, dtype=np.float64), nan=0.0, posinf=big, neginf=0.0),
                0.0, big)  # (n, width)
    top = float(a.max()) if a.size else 0.0
    n_bins = max(1, int(np.ceil(top / width)))
    k = np.floor(a / width)  # (n, width)
    k += (k + 1) * width <= a  # a/width rounded down past an edge the grid has
    k -= k * width > a         # ... or up past one
    return np.minimum(k, n_bins - 1).astype(np.int64)


def layer_information(acts: np.ndarray, x_ids: np.ndarray, y: np.ndarray, activation: str,
                      bins: int) -> tuple[float, float]:
    """(I(X;T), I(T;Y)) in bits of one layer's binned activations `acts` (n, width)."""
    t = bin_ids(activation, acts, bins)  # (n, width)
    return mutual_information(x_ids, t), mutual_information(t, y)
