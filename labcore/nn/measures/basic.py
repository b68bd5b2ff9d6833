"""Pure measurements shared by phenomena: accuracy and relative weight change.

Tensors in, numbers out, no side effects; tests check them against independent computations.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


@torch.no_grad()
def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of rows whose argmax equals the label. logits: (n, C), labels: (n,)."""
    return float((logits.argmax(dim=1) == labels).float().mean())


@torch.no_grad()
def rel_change(params0: Sequence[torch.Tensor], params: Sequence[torch.Tensor]) -> float:
    """Σ_tensors ‖θ_t − θ_0‖ / Σ_tensors ‖θ_0‖: the lazy-training seed's definition."""
    num = sum(float(torch.linalg.vector_norm(p - p0)) for p0, p in zip(params0, params))
    den = sum(float(torch.linalg.vector_norm(p0)) for p0 in params0)
    return num / den


@torch.no_grad()
def rel_change_l2(params0: Sequence[torch.Tensor], params: Sequence[torch.Tensor]) -> float:
    """‖θ_t − θ_0‖ / ‖θ_0‖ with θ all parameters concatenated (global L2)."""
    num = sum(float(torch.sum((p - p0) ** 2)) for p0, p in zip(params0, params))
    den = sum(float(torch.sum(p0 ** 2)) for p0 in params0)
    return float(np.sqrt(num / den))
