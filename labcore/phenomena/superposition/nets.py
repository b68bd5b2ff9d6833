"""The toy model of superposition, many instances at once (torch; imported inside `run`).

x' = ReLU(WᵀW x + b) per instance: W (I, m, n), b (I, n); x (batch, I, n). Init as the paper's
notebook: W Xavier-normal over (n, m) per instance, b zero."""
from __future__ import annotations

import math

import torch
from torch import nn


class ToyModel(nn.Module):
    """I independent instances of h = W x, x' = ReLU(Wᵀ h + b), trained together."""

    def __init__(self, n_instances: int, n_features: int, n_hidden: int, generator: torch.Generator):
        super().__init__()
        std = math.sqrt(2.0 / (n_features + n_hidden))            # Xavier normal, gain 1
        self.W = nn.Parameter(torch.randn(n_instances, n_hidden, n_features, generator=generator) * std)
        self.b = nn.Parameter(torch.zeros(n_instances, n_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (batch, I, n) -> x' (batch, I, n)."""
        h = torch.einsum("bin,imn->bim", x, self.W)                # (batch, I, m)
        return torch.relu(torch.einsum("bim,imn->bin", h, self.W) + self.b)
