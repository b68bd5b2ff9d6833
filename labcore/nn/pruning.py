"""Weight pruning with per-layer masks: global magnitude pruning, random masks of the same
per-layer density, mask statistics.

A prunable layer is a `MaskedLinear`: it multiplies its weight by a 0/1 `mask` buffer in
the forward pass, so the gradient of every pruned weight is exactly zero (d(w·m)/dw = m)
and no optimiser (SGD, momentum, Adam) can move it. `apply_masks` also zeroes the stored
weights, so a pruned weight *is* 0 and not merely hidden. Layers that are not
`MaskedLinear` (e.g. an output layer kept dense) and every bias are never pruned.

Masks are dicts {layer name: bool tensor shaped like its weight}, keyed by the module
names of `masked_layers(model)`.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

Masks = dict[str, torch.Tensor]


class MaskedLinear(nn.Linear):
    """nn.Linear whose weight is multiplied by a 0/1 mask in the forward pass.

    The mask starts all ones (dense). Pruned weights get a zero gradient through the
    product, and `apply_masks` keeps their stored values at zero.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__(in_features, out_features, bias=bias)
        self.register_buffer("mask", torch.ones_like(self.weight, dtype=torch.bool))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (n, in) -> (n, out)
        return F.linear(x, self.weight * self.mask, self.bias)


def masked_layers(model: nn.Module) -> dict[str, MaskedLinear]:
    """The prunable layers of `model` by module name, in module order."""
    return {name: m for name, m in model.named_modules() if isinstance(m, MaskedLinear)}


def get_masks(model: nn.Module) -> Masks:
    """A copy of every prunable layer's current mask."""
    return {name: m.mask.detach().clone() for name, m in masked_layers(model).items()}


@torch.no_grad()
def apply_masks(model: nn.Module, masks: Masks) -> None:
    """Install `masks` in the model's prunable layers and zero the pruned weights."""
    layers = masked_layers(model)
    if set(masks) != set(layers):
        raise ValueError(f"masks for {sorted(masks)} do not match the prunable layers {sorted(layers)}")
    for name, layer in layers.items():
        mask = masks[name].to(device=layer.weight.device, dtype=torch.bool)
        if mask.shape != layer.weight.shape:
            raise ValueError(f"mask {name} has shape {tuple(mask.shape)}, weight {tuple(layer.weight.shape)}")
        layer.mask.copy_(mask)
        layer.weight.mul_(mask)


def dense_masks(model: nn.Module) -> Masks:
    """All-ones masks for every prunable layer (nothing pruned)."""
    return {name: torch.ones_like(m.weight, dtype=torch.bool) for name, m in masked_layers(model).items()}


@torch.no_grad()
def global_magnitude_masks(model: nn.Module, masks: Masks, fraction: float) -> Masks:
    """Masks that remove `fraction` of the still-surviving weights, those of smallest |w|
    over all prunable layers together (global pruning, Frankle & Carbin 2019).

    Exactly round(fraction · survivors) weights are removed; ties in |w| are broken by
    position, so the count never drifts. Pruned weights stay pruned.
    """
    layers = masked_layers(model)
    names = list(layers)
    scores = [layers[n].weight.detach().abs().flatten() for n in names]      # per layer: (numel,)
    alive = [masks[n].flatten().to(s.device) for n, s in zip(names, scores)]
    flat_scores = torch.cat(scores)                                          # (N,)
    flat_alive = torch.cat(alive)                                            # (N,) bool
    n_alive = int(flat_alive.sum())
    n_prune = min(n_alive, int(round(fraction * n_alive)))
    keep = flat_alive.clone()
    if n_prune > 0:
        candidates = flat_alive.nonzero().squeeze(1)                         # (n_alive,) positions
        # A stable sort on magnitude: equal magnitudes are removed in position order.
        order = torch.sort(flat_scores[candidates], stable=True).indices     # (n_alive,)
        keep[candidates[order[:n_prune]]] = False
    out, start = {}, 0
    for n in names:
        size = layers[n].weight.numel()
        out[n] = keep[start:start + size].view_as(layers[n].weight).cpu()
        start += size
    return out


def random_masks_like(masks: Masks, generator: torch.Generator) -> Masks:
    """Random masks keeping exactly as many weights in each layer as `masks` do (the same
    per-layer density, positions drawn uniformly from `generator`)."""
    out = {}
    for name, mask in masks.items():
        keep = int(mask.sum())
        order = torch.randperm(mask.numel(), generator=generator)[:keep]     # (keep,)
        new = torch.zeros(mask.numel(), dtype=torch.bool)
        new[order] = True
        out[name] = new.view(mask.shape)
    return out


def density(masks: Masks) -> float:
    """Fraction of prunable weights that survive (1.0: dense)."""
    total = sum(m.numel() for m in masks.values())
    return float(sum(int(m.sum()) for m in masks.values()) / total) if total else 1.0


def layer_densities(masks: Masks) -> dict[str, float]:
    """Surviving fraction of each prunable layer's weights."""
    return {name: float(m.float().mean()) for name, m in masks.items()}


def mask_stats(masks: Masks) -> dict[str, float]:
    """`density` overall and `density_l{k}` per prunable layer (k = 1 for the lowest),
    plus the surviving and total weight counts."""
    stats = {"density": density(masks)}
    for k, value in enumerate(layer_densities(masks).values(), start=1):
        stats[f"density_l{k}"] = value
    stats["alive"] = float(sum(int(m.sum()) for m in masks.values()))
    stats["prunable"] = float(sum(m.numel() for m in masks.values()))
    return stats


def expected_density(fraction: float, rounds: int) -> float:
    """(1 − fraction)^rounds: the density after `rounds` rounds of pruning (up to rounding)."""
    return (1.0 - fraction) ** rounds


def rounds_to_reach(target: float, fraction: float) -> int:
    """The fewest pruning rounds after which the density is at most `target`."""
    return max(0, math.ceil(math.log(target) / math.log(1.0 - fraction) - 1e-9))
