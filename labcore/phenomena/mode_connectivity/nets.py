"""The two networks of the mode-connectivity page: LeNet-300-100 (the paper's MNIST net,
stable at initialisation) and a deeper batch-normalised MLP (unstable at initialisation
under SGD with momentum 0.9 and η = 0.1 on Fashion-MNIST, stable after a few dozen steps)."""
from __future__ import annotations

from torch import nn


def build(arch: str, d_in: int, n_out: int, width: int, depth: int) -> nn.Sequential:
    """`lenet`: d_in-300-100-n_out with ReLU (Frankle et al.'s LeNet); `bn_mlp`: `depth`
    hidden layers of `width` units, each Linear → BatchNorm → ReLU, then a Linear."""
    if arch == "lenet":
        return nn.Sequential(nn.Linear(d_in, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, n_out))
    if arch == "bn_mlp":
        layers: list[nn.Module] = []
        for i in range(depth):
            layers += [nn.Linear(d_in if i == 0 else width, width), nn.BatchNorm1d(width), nn.ReLU()]
        return nn.Sequential(*layers, nn.Linear(width, n_out))
    raise ValueError(f"unknown arch {arch!r}; known: lenet, bn_mlp")


def linear_layers(model: nn.Module) -> list[nn.Linear]:
    """The net's Linear layers, input first (the layers whose Hessian blocks are measured)."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]
