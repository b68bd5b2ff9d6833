"""Networks and inits for the feature-diversity experiment (Blumenfeld, Gilboa & Soudry 2020).

A small wide-ResNet (3 stages of `blocks` residual blocks, 16·k / 32·k / 64·k channels)
or an MLP, with per-layer init letters:
  h  random (He normal)
  i  identity (centre tap; output channel o copies input channel o mod C_in)
  1  averaging (centre tap 1/C_in: every output channel is the mean of the inputs)
  0  zero
ConstNet = averaging everywhere, zero residual branches and classifier: every channel of
every layer is identical, so deterministic training can never tell them apart.

`batchnorm` puts a BatchNorm before every activation, as every command of the original
ConstNet code does (`--batchnorm`, a pre-activation WRN). BatchNorm keeps identical
channels identical (same statistics, same affine init, same gradients), so a ConstNet
with it is still a width-1 net under deterministic training; but it rescales what a
symmetry breaker has split apart, which is what lets a broken ConstNet train.
"""
from __future__ import annotations

import functools

import torch
from torch import nn
from torch.nn import functional as F


@torch.no_grad()
def apply_letter(weight: torch.Tensor, letter: str, gen: torch.Generator) -> None:
    """Initialise a Linear (out, in) or Conv (out, in, k, k) weight by its letter."""
    out_c, in_c = weight.shape[:2]
    weight.zero_()
    centre = (slice(None), slice(None)) + tuple(s // 2 for s in weight.shape[2:])
    if letter == "h":
        fan_in = weight[0].numel()
        weight.normal_(0.0, (2.0 / fan_in) ** 0.5, generator=gen)
    elif letter == "1":
        weight[centre] = 1.0 / in_c
    elif letter == "i":
        tap = torch.zeros(out_c, in_c)
        tap[torch.arange(out_c), torch.arange(out_c) % in_c] = 1.0
        weight[centre] = tap


def activation(slope: float):
    """ReLU, or leaky ReLU with `slope` (LeakyNet)."""
    return functools.partial(F.leaky_relu, negative_slope=slope) if slope > 0 else F.relu


def norm2d(channels: int, batchnorm: bool) -> nn.Module:
    """BatchNorm2d (default affine init: weight 1, bias 0) or nothing."""
    return nn.BatchNorm2d(channels) if batchnorm else nn.Identity()


class Block(nn.Module):
    """Pre-activation residual block: x + drop(conv2(act(bn2(drop(conv1(act(bn1(x)))))))), with
    an averaging 1×1 shortcut when the channels or the resolution change (bn = identity when
    batchnorm is off).

    Dropout follows every conv of the branch, as in the original ConstNet block (dropout on
    the conv's output). With dropout only between conv1 and conv2 (the plain WRN place) a
    p = 0.01 ConstNet breaks symmetry (feat_corr ~0.8) but stays at ~0.45 test accuracy on
    digits in 600 steps; dropping the branch output too perturbs the residual stream itself,
    which every later layer reads, and it trains to ~0.98 (He: 0.99)."""

    def __init__(self, c_in: int, c_out: int, stride: int, act, dropout: float, batchnorm: bool = False) -> None:
        super().__init__()
        self.bn1, self.bn2 = norm2d(c_in, batchnorm), norm2d(c_out, batchnorm)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.short = nn.Conv2d(c_in, c_out, 1, stride, bias=False) if (c_in != c_out or stride > 1) else None
        self.act, self.dropout = act, dropout

    def forward(self, x: torch.Tensor, feats: list) -> torch.Tensor:
        h = F.dropout(self.conv1(self.act(self.bn1(x))), self.dropout, self.training)  # (n, c_out, H/s, W/s)
        feats.append(h)
        h = F.dropout(self.conv2(self.act(self.bn2(h))), self.dropout, self.training)
        feats.append(h)
        return (x if self.short is None else self.short(x)) + h


class ResNet(nn.Module):
    """Stem conv, 3 stages (16k, 32k, 64k channels; stride 1, 2, 2), (BatchNorm,) activation,
    global average, linear."""

    def __init__(self, in_ch: int, n_classes: int, widen: int, blocks: int, slope: float, dropout: float,
                 batchnorm: bool = False):
        super().__init__()
        self.act = activation(slope)
        widths = [16 * widen, 32 * widen, 64 * widen]
        self.stem = nn.Conv2d(in_ch, widths[0], 3, 1, 1, bias=False)
        layers, c = [], widths[0]
        for s, w in enumerate(widths):
            for b in range(blocks):
                layers.append(Block(c, w, 2 if (s > 0 and b == 0) else 1, self.act, dropout, batchnorm))
                c = w
        self.blocks = nn.ModuleList(layers)
        self.bn = norm2d(c, batchnorm)
        self.fc = nn.Linear(c, n_classes)

    def forward(self, x: torch.Tensor, feats: list | None = None) -> torch.Tensor:
        feats = [] if feats is None else feats
        h = self.stem(x)  # (n, 16k, H, W)
        feats.append(h)
        for block in self.blocks:
            h = block(h, feats)
        return self.fc(self.act(self.bn(h)).mean(dim=(2, 3)))  # (n, n_classes)

    def weighted(self) -> list[nn.Module]:
        """Layers in pattern order: stem, then conv1, conv2 of every block."""
        return [self.stem] + [c for b in self.blocks for c in (b.conv1, b.conv2)]


class MLP(nn.Module):
    """Flattened input -> `blocks` hidden layers of 64k units (linear, BatchNorm, activation)
    -> linear classifier."""

    def __init__(self, d_in: int, n_classes: int, widen: int, blocks: int, slope: float, dropout: float,
                 batchnorm: bool = False):
        super().__init__()
        self.act = activation(slope)
        self.layers = nn.ModuleList(nn.Linear(a, 64 * widen, bias=False)
                                    for a in [d_in] + [64 * widen] * (blocks - 1))
        self.norms = nn.ModuleList((nn.BatchNorm1d(64 * widen) if batchnorm else nn.Identity())
                                   for _ in self.layers)
        self.fc = nn.Linear(64 * widen, n_classes)
        self.dropout = dropout

    def forward(self, x: torch.Tensor, feats: list | None = None) -> torch.Tensor:
        feats = [] if feats is None else feats
        h = x.flatten(1)
        for lin, norm in zip(self.layers, self.norms):
            h = lin(h)  # (n, 64k)
            feats.append(h)
            h = F.dropout(self.act(norm(h)), self.dropout, self.training)
        return self.fc(h)

    def weighted(self) -> list[nn.Module]:
        """The stem is the first hidden layer; the rest follow."""
        return list(self.layers)


@torch.no_grad()
def initialise(model: nn.Module, letters: str, noise_mix: float, zero_head: bool, gen: torch.Generator) -> None:
    """Apply one letter per weighted layer, add noise_mix × He noise, set shortcuts to
    averaging and (ConstNet/LeakyNet) the classifier to zero."""
    layers = model.weighted()
    letters = letters[: len(layers)]
    for layer, letter in zip(layers, letters):
        apply_letter(layer.weight, letter, gen)
        if noise_mix > 0:
            fan_in = layer.weight[0].numel()
            layer.weight += noise_mix * (2.0 / fan_in) ** 0.5 * torch.randn(layer.weight.shape, generator=gen)
    for m in model.modules():
        if isinstance(m, Block) and m.short is not None:
            apply_letter(m.short.weight, "1" if letters[0] != "h" else "h", gen)
    if zero_head:
        model.fc.weight.zero_()
    model.fc.bias.zero_()
