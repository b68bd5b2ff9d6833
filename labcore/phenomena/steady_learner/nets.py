"""Data and networks for the steady-learner experiment (Loukas et al. 2021)."""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from labcore.core.rng import numpy_rng, torch_generator
from labcore.nn.models import init_weights

D_EMBED = 10  # 2-d inputs padded to 10-d, rotated and scaled by 10


def rotation(seed: int) -> torch.Tensor:
    """A fixed random orthogonal 10×10 matrix (QR of a Gaussian matrix)."""
    gen = torch.Generator().manual_seed(20_000 + seed)
    q, r = torch.linalg.qr(torch.randn((D_EMBED, D_EMBED), generator=gen))
    return q * torch.sign(torch.diagonal(r))  # (10, 10), unique sign convention


def embed(points: torch.Tensor, rotate: torch.Tensor) -> torch.Tensor:
    """(n, 2) points in [-1, 1]² -> (n, 10): zero-pad, rotate, scale by 10."""
    padded = torch.cat([points, torch.zeros(len(points), D_EMBED - 2)], dim=1)
    return 10.0 * padded @ rotate.T


def sinusoid(n: int, freq: float, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """N points x ~ U[-1, 1]², y = cos(2πf x1)·cos(2πf x2); returns (x (n, 10), y (n,), rotation)."""
    gen = torch_generator(seed, "data")
    pts = 2 * torch.rand((n, 2), generator=gen) - 1
    y = torch.cos(2 * math.pi * freq * pts[:, 0]) * torch.cos(2 * math.pi * freq * pts[:, 1])
    rot = rotation(seed)
    return embed(pts, rot), y, rot


PAIRS = {"digits": (3, 8), "cifar10": (0, 5)}  # cifar10: airplane vs dog


def two_class(dataset: str, n: int, corruption: float, seed: int):
    """Two classes as ±1 targets with a fraction `corruption` of labels flipped.

    digits (offline): 3 vs 8 from scikit-learn; cifar10 (torchvision, when available):
    airplane vs dog. Returns x (n, c, h, w) in [0, 1] and y (n,) in {-1, +1}.
    """
    from labcore.nn import data

    if dataset == "digits":
        x_all, y_all, _ = data.digits_arrays()
    else:
        (x_all, y_all), _, _ = data.torchvision_arrays(dataset)
    pair = PAIRS[dataset]
    rng = numpy_rng(seed, "data")
    idx = rng.permutation(np.flatnonzero(np.isin(y_all, pair)))[:n]
    x = torch.tensor(x_all[idx], dtype=torch.float32)
    y = torch.tensor(np.where(y_all[idx] == pair[0], 1.0, -1.0), dtype=torch.float32)
    flip = torch.tensor(rng.random(len(y)) < corruption)
    return x, torch.where(flip, -y, y)


class BiasFirstMLP(nn.Module):
    """relu(x + b) with a frozen identity weight and trainable b, then ReLU layers, then 1 output."""

    def __init__(self, width: int, depth: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(D_EMBED))
        dims = [D_EMBED] + [width] * depth
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.out = nn.Linear(width, 1)

    def forward(self, x: torch.Tensor, patterns: list | None = None) -> torch.Tensor:  # (n, 10) -> (n, 1)
        h = torch.relu(x + self.bias)
        if patterns is not None:
            patterns.append(h > 0)
        for lin in self.layers:
            h = torch.relu(lin(h))
            if patterns is not None:
                patterns.append(h > 0)
        return self.out(h)


class SmallCNN(nn.Module):
    """conv3x3(1→w) → ReLU → conv3x3(w→w, stride 2) → ReLU → linear(w·16→1).
    No global pooling, so the net can memorise corrupted labels. The tracked bias is the
    first convolution's."""

    def __init__(self, width: int, in_ch: int = 1, side: int = 8) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, stride=2)
        self.out = nn.Linear(width * ((side + 1) // 2) ** 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (n, c, s, s) -> (n, 1)
        h = torch.relu(self.conv2(torch.relu(self.conv1(x))))  # (n, w, s/2, s/2)
        return self.out(h.flatten(1))


def build(mode: str, width: int, depth: int, init: str, in_shape: tuple = (1, 8, 8)) -> tuple[nn.Module, torch.Tensor]:
    """The network and the bias parameter whose trajectory is measured."""
    if mode == "mlp":
        model = init_weights(BiasFirstMLP(width, depth), init)
        return model, model.bias
    model = init_weights(SmallCNN(width, in_shape[0], in_shape[-1]), init)
    if init != "pytorch":  # a zero first-layer bias would make every channel start symmetric in b
        nn.init.uniform_(model.conv1.bias, -0.1, 0.1)
    return model, model.conv1.bias


@torch.no_grad()
def relu_patterns(model: BiasFirstMLP, x: torch.Tensor) -> torch.Tensor:
    """(n, all ReLU units) boolean on/off pattern of every ReLU in the MLP."""
    pats: list[torch.Tensor] = []
    model(x, patterns=pats)
    return torch.cat(pats, dim=1)
