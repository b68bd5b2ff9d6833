"""The tutorial CNN and the static diagonal preconditioner (seed: NN-preconditioners).

The net is a chain of units (conv-relu-pool, conv-relu-pool, fc-relu, fc-relu, extra
fc-relu..., fc). `static_init` draws weights with σ = sqrt(0.96 / fan_in) (Linear weights
further / sqrt(0.34) ≈ Var(relu(z)) for z ~ N(0, 1)) and biases with σ = 0.2, so activations
keep unit scale. `gains` measures, per unit k, the std of the gradient at its input when a
N(0, 1) gradient arrives at its output; the preconditioner of unit j's parameters is
p_j = Π_{k>j} 1/g_k, so a N(0, 1) loss gradient yields ~N(0, 1) gradients in every layer.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


class TutorialCNN(nn.Module):
    """conv(6s, 5) → pool → conv(16s, 5) → pool → fc 120s → fc 84s → [fc 84s]×extra → fc 10.

    Input (n, c, 32, 32). `units()` lists the layers whose outputs the gains refer to.
    """

    def __init__(self, in_ch: int = 1, scale: int = 1, extra_layers: int = 0, n_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, 6 * scale, 5)
        self.conv2 = nn.Conv2d(6 * scale, 16 * scale, 5)
        dims = [16 * scale * 25, 120 * scale, 84 * scale] + [84 * scale] * extra_layers
        self.fcs = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.out = nn.Linear(dims[-1], n_classes)

    def blocks(self) -> list:
        """Each unit as (layer, function from its input to its output)."""
        pool = lambda m: (lambda h: F.max_pool2d(torch.relu(m(h)), 2))  # noqa: E731
        flat = lambda m: (lambda h: torch.relu(m(h.flatten(1))))  # noqa: E731
        relu = lambda m: (lambda h: torch.relu(m(h)))  # noqa: E731
        return ([(self.conv1, pool(self.conv1)), (self.conv2, pool(self.conv2))]
                + [(fc, flat(fc) if i == 0 else relu(fc)) for i, fc in enumerate(self.fcs)]
                + [(self.out, self.out)])

    def units(self) -> list[nn.Module]:
        return [layer for layer, _ in self.blocks()]

    def forward(self, x: torch.Tensor, acts: list | None = None) -> torch.Tensor:  # (n, c, 32, 32) -> (n, 10)
        h = x
        for _, fn in self.blocks():
            h = fn(h)
            if acts is not None:
                acts.append(h)
        return h


@torch.no_grad()
def static_init(model: TutorialCNN, gen: torch.Generator) -> None:
    """Variance-preserving init: σ_w = sqrt(0.96/fan_in) (Linear: further /sqrt(0.34)), σ_b = 0.2."""
    for layer in model.units():
        fan_in = layer.weight[0].numel()
        std = math.sqrt(0.96 / fan_in) / (math.sqrt(0.34) if isinstance(layer, nn.Linear) else 1.0)
        layer.weight.normal_(0.0, std, generator=gen)
        layer.bias.normal_(0.0, 0.2, generator=gen)


def gains(model: TutorialCNN, x: torch.Tensor, gen: torch.Generator) -> list[float]:
    """g_k per unit: std of ∂/∂input when a N(0, 1) gradient is applied at the unit's output."""
    out: list[float] = []
    h = x
    for _, fn in model.blocks():
        h_in = h.detach().requires_grad_(True)
        y = fn(h_in)
        probe = torch.randn(y.shape, generator=gen, device=y.device)
        (grad,) = torch.autograd.grad(y, h_in, probe)
        out.append(float(grad.std()))
        h = y.detach()
    return out


def preconditioner(unit_gains: list[float]) -> list[float]:
    """p_j = Π_{k>j} 1/g_k for every unit j (the last unit gets 1)."""
    p, acc = [], 1.0
    for g in reversed(unit_gains):
        p.append(acc)
        acc /= g
    return list(reversed(p))
