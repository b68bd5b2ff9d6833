"""Correlations between columns/rows of activation or weight matrices (pure functions).
"""
from __future__ import annotations

import torch


@torch.no_grad()
def pearson_matrix(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """Pearson correlation between every column of a (n, m) and every column of b (n, M).

    Returns (m, M). A constant column (e.g. a dead ReLU) has correlation 0 with everything.
    """
    a = a - a.mean(dim=0)
    b = b - b.mean(dim=0)
    na, nb = a.norm(dim=0), b.norm(dim=0)  # (m,), (M,)
    corr = (a.T @ b) / (na[:, None] * nb[None, :]).clamp_min(eps)
    dead = (na[:, None] < eps) | (nb[None, :] < eps)
    return corr.masked_fill(dead, 0.0)


@torch.no_grad()
def mean_pairwise_corr(vectors: torch.Tensor, tol: float = 1e-7) -> float:
    """Mean Pearson correlation over all pairs of rows of vectors (k, d).

    Identical rows count as correlation 1 even when constant (e.g. an all-zero layer of a
    ConstNet); a constant row that differs from another counts as 0.
    """
    v = vectors.double()
    k = v.shape[0]
    if k < 2:
        return 1.0
    scale = v.abs().max().clamp_min(1e-30)
    if float((v - v[0]).abs().max() / scale) <= tol:
        return 1.0
    corr = pearson_matrix(v.T, v.T)  # (k, k)
    off = corr.sum() - corr.diagonal().sum()
    return float(off / (k * (k - 1)))
