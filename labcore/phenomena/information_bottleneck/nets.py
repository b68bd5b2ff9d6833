"""The information-bottleneck MLP: 12 → widths → 2 with tanh or relu, whose hidden layers'
activations are returned alongside the logits so each can be binned."""
from __future__ import annotations

import torch
from torch import nn

ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}


class IBNet(nn.Module):
    """Fully connected net d_in → widths[0] → … → widths[-1] → n_out.

    Init as the original (IDNNs): weights truncated normal with std 1/√fan_in, biases 0.
    PyTorch's default (kaiming-uniform weights, random biases) leaves the narrow relu
    layers dead within a few Adam steps (all 3 units of the last layer at 0).

    `forward` gives the logits; `layers` gives every hidden layer's activations too.
    """

    def __init__(self, d_in: int, widths: tuple[int, ...], n_out: int, activation: str):
        super().__init__()
        sizes = (d_in, *widths)
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.act = ACTIVATIONS[activation]()
        self.out = nn.Linear(sizes[-1], n_out)
        for lin in (*self.hidden, self.out):
            std = lin.in_features ** -0.5
            nn.init.trunc_normal_(lin.weight, std=std, a=-2 * std, b=2 * std)
            nn.init.zeros_(lin.bias)

    def layers(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """([T_1 (n, w_1), …, T_L (n, w_L)], logits (n, n_out))."""
        acts = []
        for lin in self.hidden:
            x = self.act(lin(x))
            acts.append(x)
        return acts, self.out(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)[1]
