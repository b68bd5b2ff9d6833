"""Luck Matters measurements: best teacher-student matches, rank at init, fan-out norms.
"""
from __future__ import annotations

import torch


@torch.no_grad()
def best_match(corr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For each row (teacher node) of corr (m, M): best correlation and the student index."""
    return corr.max(dim=1)


@torch.no_grad()
def init_rank(corr_init: torch.Tensor, chosen: torch.Tensor) -> torch.Tensor:
    """Rank (0 = best) that each chosen student had at init among all students, per teacher
    node. corr_init: (m, M), chosen: (m,) student indices. Returns (m,) int64."""
    picked = corr_init.gather(1, chosen[:, None])  # (m, 1)
    return (corr_init > picked).sum(dim=1)


@torch.no_grad()
def fan_out_norms(next_weight: torch.Tensor) -> torch.Tensor:
    """‖W_{k+1}[:, i]‖ for every node i of layer k. next_weight: (out, n_k) -> (n_k,)."""
    return next_weight.norm(dim=0)


@torch.no_grad()
def fanout_split(corr: torch.Tensor, next_weight: torch.Tensor, aligned_at: float) -> dict:
    """The over-parameterisation check on one hidden layer. corr: (m, M) teacher × student
    correlations of the layer, next_weight: (out, M) the layer above. A student node is aligned
    when it correlates ≥ `aligned_at` with some teacher node. Returns `aligned_nodes` (count) and,
    when both groups are non-empty, `unaligned_fanout_ratio` = median fan-out norm of the unaligned
    nodes / median fan-out norm of the aligned ones (medians interpolated for even counts)."""
    aligned = corr.max(dim=0).values >= aligned_at  # (M,) bool
    norms = fan_out_norms(next_weight).double()     # (M,)
    out = {"aligned_nodes": int(aligned.sum())}
    if aligned.any() and (~aligned).any():
        top = norms[aligned].quantile(0.5)
        if top > 0:
            out["unaligned_fanout_ratio"] = float(norms[~aligned].quantile(0.5) / top)
    return out
