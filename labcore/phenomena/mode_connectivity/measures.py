"""Pure measurements along paths in weight space: the linear interpolation of two states,
the error along it, the error barrier (Frankle, Dziugaite, Roy & Carbin 2020), and random
filter-normalised directions (Li, Xu, Taylor, Studer & Goldstein 2018)."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

State = dict[str, torch.Tensor]


def interpolate(a: State, b: State, alpha: float) -> State:
    """(1 − α)·a + α·b for every floating tensor; integer buffers (BatchNorm's step count)
    are taken from a."""
    return {k: (1 - alpha) * a[k] + alpha * b[k] if a[k].is_floating_point() else a[k] for k in a}


def barrier(errors: Sequence[float]) -> float:
    """The error barrier of a path: max over the path minus the mean of its two endpoints'
    errors (Frankle et al. 2020, Def. 1: instability = this height). 0 for a flat or convex path."""
    e = np.asarray(errors, dtype=np.float64)
    return float(e.max() - 0.5 * (e[0] + e[-1]))


@torch.no_grad()
def error(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Classification error of `model` on (x (n, d), y (n,)) in one batch. BatchNorm runs in
    training mode, on the batch's own statistics: an interpolated net's running averages
    belong to neither endpoint (the 'reset BN statistics' of the mode-connectivity papers)."""
    model.train()
    return float((model(x).argmax(1) != y).float().mean())


@torch.no_grad()
def path_errors(model: nn.Module, a: State, b: State, alphas: Sequence[float],
                evaluate: Callable[[nn.Module], dict[str, float]]) -> list[dict[str, float]]:
    """`evaluate(model)` at each point (1 − α)·a + α·b of the segment; `model` is
    overwritten (its state is that of the last α afterwards)."""
    out = []
    for alpha in alphas:
        model.load_state_dict(interpolate(a, b, float(alpha)))
        out.append({"alpha": float(alpha), **evaluate(model)})
    return out


def filter_normalised_direction(params: State, generator: torch.Generator | None) -> State:
    """A random Gaussian direction, each filter rescaled to the norm of the matching filter
    of the weights (Li et al. 2018, Sec. 4): a filter is a row of a Linear weight (out, in)
    or an output channel of a conv weight (out, ...). 1-D tensors (biases, BatchNorm scales
    and shifts) get a zero direction, as the paper's plots hold them fixed."""
    out = {}
    for name, w in params.items():
        if w.dim() <= 1:
            out[name] = torch.zeros_like(w)
            continue
        d = torch.randn(w.shape, generator=generator, dtype=w.dtype)  # (out, ...)
        shape = (len(w),) + (1,) * (w.dim() - 1)
        d_norm = d.flatten(1).norm(dim=1).reshape(shape)  # (out, 1, ...): one norm per filter
        w_norm = w.detach().flatten(1).norm(dim=1).reshape(shape)
        out[name] = d * (w_norm / d_norm.clamp_min(1e-12))
    return out


def plane(center: State, d1: State, d2: State, a: float, b: float) -> State:
    """center + a·d1 + b·d2 (keys missing from a direction move nothing)."""
    return {k: v + a * d1[k] + b * d2[k] if k in d1 else v for k, v in center.items()}
