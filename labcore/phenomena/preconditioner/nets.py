"""The tutorial CNN and the static diagonal preconditioner (seed: NN-preconditioners).

The net is the seed's `training/network.py`: a chain of units (conv 3×3-relu-pool,
conv 3×3-relu-pool, fc-relu, fc-relu, extra fc-relu..., fc). `static_init` draws weights with
σ = sqrt(0.96 / fan_in) (Linear weights further / sqrt(0.34) ≈ Var(relu(z)) for z ~ N(0, 1))
and biases with σ = 0.2, so activations keep unit scale, and returns that σ (the "prior")
for every parameter. A unit's gain g_k is the factor by which a N(0, 1) gradient at its
output changes in scale on its way to the unit's input; the preconditioner of unit j's
parameters is p_j = Π_{k>j} 1/g_k. The seed multiplies every gradient by p_j · prior_j
(`multipliers`): the preconditioner acts on the gradient with respect to the *whitened*
weight w/prior, so its step is prior_j times smaller than p_j alone (4-10× here).

Gains come either from the seed's closed-form estimate (`formula_gains`, what the original
ran) or from a measurement on a probe batch (`gains`, exact for the actual relu/pool masks).
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

KERNEL = 3  # the seed's network.py uses 3×3 convolutions: 32 → 30 → 15 → 13 → 6


class TutorialCNN(nn.Module):
    """conv(6s, 3) → pool → conv(16s, 3) → pool → fc 120s → fc 84s → [fc 84s]×extra → fc 10.

    Input (n, c, 32, 32). `units()` lists the layers whose outputs the gains refer to.
    """

    def __init__(self, in_ch: int = 1, scale: int = 1, extra_layers: int = 0, n_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, 6 * scale, KERNEL)
        self.conv2 = nn.Conv2d(6 * scale, 16 * scale, KERNEL)
        dims = [16 * scale * 6 * 6, 120 * scale, 84 * scale] + [84 * scale] * extra_layers
        self.fcs = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.out = nn.Linear(dims[-1], n_classes)

    def blocks(self) -> list:
        """Each unit as (layer, function from its input to its output)."""
        pool = lambda m: (lambda h: F.max_pool2d(torch.relu(m(h)), 2))
        flat = lambda m: (lambda h: torch.relu(m(h.flatten(1))))
        relu = lambda m: (lambda h: torch.relu(m(h)))
        return ([(self.conv1, pool(self.conv1)), (self.conv2, pool(self.conv2))]
                + [(fc, flat(fc) if i == 0 else relu(fc)) for i, fc in enumerate(self.fcs)]
                + [(self.out, self.out)])

    def units(self) -> list[nn.Module]:
        """The layers in forward order (conv1, conv2, the fcs, out), whose outputs the gains refer to."""
        return [layer for layer, _ in self.blocks()]

    def forward(self, x: torch.Tensor, acts: list | None = None) -> torch.Tensor:  # (n, c, 32, 32) -> (n, 10)
        h = x
        for _, fn in self.blocks():
            h = fn(h)
            if acts is not None:
                acts.append(h)
        return h


def prior_std(layer: nn.Module) -> tuple[float, float]:
    """(weight σ, bias σ) of the variance-preserving init: sqrt(0.96/fan_in), Linear /sqrt(0.34); 0.2.

    0.96 leaves 4% of the unit variance to the bias (0.2² = 0.04); the seed divides only
    Linear weights by sqrt(0.34) (its relu correction keys on 2-d weight shapes).
    """
    fan_in = layer.weight[0].numel()
    std = math.sqrt(0.96 / fan_in) / (math.sqrt(0.34) if isinstance(layer, nn.Linear) else 1.0)
    return std, 0.2


@torch.no_grad()
def static_init(model: TutorialCNN, gen: torch.Generator) -> dict[nn.Parameter, float]:
    """Variance-preserving init (see `prior_std`); returns each parameter's init σ (its prior)."""
    prior = {}
    for layer in model.units():
        w_std, b_std = prior_std(layer)
        layer.weight.normal_(0.0, w_std, generator=gen)
        layer.bias.normal_(0.0, b_std, generator=gen)
        prior[layer.weight], prior[layer.bias] = w_std, b_std
    return prior


def formula_gains(model: TutorialCNN) -> list[float]:
    """The seed's closed-form gain per unit: sqrt(prod(weight.shape[:-1])) · σ_w (Linear: · sqrt(0.34)).

    For a Linear (out, in) this is sqrt(0.96 · out / in); for a conv (out, in, k, k) the seed
    counts out·in·k inputs per gradient ("slightly wrong", its own comment), which gives
    sqrt(0.96 · out / k). Biases have gain 1, so they drop out of the product.
    """
    out = []
    for layer in model.units():
        w_std, _ = prior_std(layer)
        g = math.sqrt(math.prod(layer.weight.shape[:-1])) * w_std
        out.append(g * (math.sqrt(0.34) if isinstance(layer, nn.Linear) else 1.0))
    return out


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


def multipliers(model: TutorialCNN, precond: list[float],
                prior: dict[nn.Parameter, float]) -> dict[nn.Parameter, float]:
    """The seed's per-parameter factor on the gradient: p_unit · prior_param."""
    return {p: s * prior[p] for layer, s in zip(model.units(), precond) for p in layer.parameters()}
