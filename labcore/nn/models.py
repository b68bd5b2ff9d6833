"""Network builders shared by experiments."""
from __future__ import annotations

import math

import torch
from torch import nn

from labcore.core.param_groups import INITS

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU}


def mlp(d_in: int, widths: list[int], d_out: int, act: str = "relu", bias: bool = True) -> nn.Sequential:
    """Fully connected net d_in -> widths... -> d_out with `act` between layers."""
    layers: list[nn.Module] = []
    prev = d_in
    for w in widths:
        layers += [nn.Linear(prev, w, bias=bias), ACTIVATIONS[act]()]
        prev = w
    layers.append(nn.Linear(prev, d_out, bias=bias))
    return nn.Sequential(*layers)


@torch.no_grad()
def init_weights(model: nn.Module, scheme: str) -> nn.Module:
    """Re-initialise every Linear/Conv layer: `kaiming` (He normal, zero bias), `xavier`
    (Glorot normal, zero bias) or `pytorch` (leave PyTorch's default uniform init)."""
    if scheme == "pytorch":
        return model
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            if scheme == "kaiming":
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            elif scheme == "xavier":
                nn.init.xavier_normal_(m.weight)
            else:
                raise ValueError(f"unknown init {scheme!r}; known: {', '.join(INITS)}")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return model


class NTKMLP(nn.Module):
    """One-hidden-layer ReLU net in NTK parametrization (Jacot et al. 2018):

        f(x) = a · relu(W x / sqrt(d)) / sqrt(width),   W, a ~ N(0, 1)

    so a fixed learning rate gives a width-independent step in function space.
    """

    def __init__(self, d_in: int, width: int, d_out: int) -> None:
        super().__init__()
        self.weight_in = nn.Parameter(torch.randn(width, d_in))  # (width, d)
        self.weight_out = nn.Parameter(torch.randn(d_out, width))  # (C, width)
        self.d_in, self.width = d_in, width

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (n, d) -> (n, C)
        h = torch.relu(x @ self.weight_in.T / math.sqrt(self.d_in))  # (n, width)
        return h @ self.weight_out.T / math.sqrt(self.width)
