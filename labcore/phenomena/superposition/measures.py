"""Pure measurements of the toy model's weights W (instances, m, n): feature i is column i.

norms ‖W_i‖; superposition Σ_{j≠i} (Ŵ_i·W_j)²; dimensionality D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)²
(Elhage et al. 2022, §"Feature dimensionality"), 0 for a feature not represented; dimensions per
feature m / ‖W‖_F²; the angle of each column in the plane (m = 2)."""
from __future__ import annotations

import torch

EPS = 1e-12


def gram(w: torch.Tensor) -> torch.Tensor:
    """WᵀW per instance: (I, m, n) -> (I, n, n)."""
    return w.transpose(1, 2) @ w


def norms(w: torch.Tensor) -> torch.Tensor:
    """‖W_i‖ per instance and feature: (I, m, n) -> (I, n)."""
    return w.norm(dim=1)


def superposition(w: torch.Tensor) -> torch.Tensor:
    """Σ_{j≠i} (Ŵ_i·W_j)² = (Σ_j G_ij² − G_ii²) / G_ii: (I, m, n) -> (I, n); 0 where W_i = 0."""
    g = gram(w)
    diag = torch.diagonal(g, dim1=1, dim2=2)                      # (I, n): ‖W_i‖²
    off = (g ** 2).sum(-1) - diag ** 2                             # (I, n): Σ_{j≠i} (W_i·W_j)²
    return torch.where(diag > EPS, off / diag.clamp_min(EPS), torch.zeros_like(diag))


def dimensionality(w: torch.Tensor) -> torch.Tensor:
    """D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)² = G_ii² / Σ_j G_ij²: (I, m, n) -> (I, n); 0 where W_i = 0."""
    g = gram(w)
    diag = torch.diagonal(g, dim1=1, dim2=2)
    total = (g ** 2).sum(-1)
    return torch.where(diag > EPS, diag ** 2 / total.clamp_min(EPS), torch.zeros_like(diag))


def dims_per_feature(w: torch.Tensor) -> torch.Tensor:
    """m / ‖W‖_F² per instance (the paper's 'dimensions per feature'): (I, m, n) -> (I,)."""
    return w.shape[1] / (w ** 2).sum(dim=(1, 2)).clamp_min(EPS)


def angles(w: torch.Tensor) -> torch.Tensor:
    """Each column's angle in the plane, degrees in [0, 360) (m = 2): (I, 2, n) -> (I, n)."""
    return torch.rad2deg(torch.atan2(w[:, 1], w[:, 0])) % 360.0
