"""LeNet-300-100-style MLP with prunable hidden layers, and initialisation from a given
random stream (so a reinit draws from a stream of its own, not from torch's global RNG)."""
from __future__ import annotations

import math

import torch
from torch import nn

from labcore.nn.pruning import MaskedLinear


def scaled_widths(widths: tuple[int, ...], scale: float) -> tuple[int, ...]:
    """Hidden widths × `scale`, each at least 1 (LeNet-300-100 at scale 0.5: 150-50)."""
    return tuple(max(1, int(round(w * scale))) for w in widths)


class LeNet(nn.Module):
    """d_in → widths (ReLU) → n_out. Every hidden layer's weight matrix (including the
    first, from the input) is prunable; the output layer is a plain Linear, never pruned,
    as in Frankle & Carbin (who prune it at half the rate; here it stays dense)."""

    def __init__(self, d_in: int, widths: tuple[int, ...], n_out: int) -> None:
        super().__init__()
        sizes = (d_in, *widths)
        self.hidden = nn.ModuleList(MaskedLinear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.out = nn.Linear(sizes[-1], n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (n, d_in) -> (n, n_out)
        for layer in self.hidden:
            x = torch.relu(layer(x))
        return self.out(x)


@torch.no_grad()
def initialise(model: nn.Module, scheme: str, generator: torch.Generator) -> nn.Module:
    """Draw every Linear's weights from `generator`: `xavier` (Gaussian Glorot, as the paper,
    zero biases), `kaiming` (He normal, zero biases) or `pytorch` (PyTorch's default
    uniform weights and biases)."""
    for m in model.modules():
        if not isinstance(m, nn.Linear):
            continue
        fan_out, fan_in = m.weight.shape
        if scheme == "xavier":
            m.weight.normal_(0.0, math.sqrt(2.0 / (fan_in + fan_out)), generator=generator)
        elif scheme == "kaiming":
            m.weight.normal_(0.0, math.sqrt(2.0 / fan_in), generator=generator)
        elif scheme == "pytorch":
            bound = 1.0 / math.sqrt(fan_in)  # kaiming_uniform(a=√5) reduces to this bound
            m.weight.uniform_(-bound, bound, generator=generator)
        else:
            raise ValueError(f"unknown init {scheme!r}; known: xavier, kaiming, pytorch")
        if m.bias is not None:
            if scheme == "pytorch":
                m.bias.uniform_(-1.0 / math.sqrt(fan_in), 1.0 / math.sqrt(fan_in), generator=generator)
            else:
                m.bias.zero_()
    return model
