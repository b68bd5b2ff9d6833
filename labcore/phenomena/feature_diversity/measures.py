"""Feature-diversity measurements: fan-in/fan-out weight correlations and channel correlations.
"""
from __future__ import annotations

import torch

from labcore.nn.measures.correlation import mean_pairwise_corr


@torch.no_grad()
def weight_correlations(weight: torch.Tensor) -> tuple[float, float]:
    """(fwd_corr, bwd_corr) of a Linear (out, in) or Conv (out, in, k, k) weight:
    correlation between the fan-out vectors of the input units (W[:, i]) and between the
    fan-in filters of the output units (W[o])."""
    fan_out = weight.transpose(0, 1).reshape(weight.shape[1], -1)  # (in, out·k·k)
    fan_in = weight.reshape(weight.shape[0], -1)  # (out, in·k·k)
    return mean_pairwise_corr(fan_out), mean_pairwise_corr(fan_in)


@torch.no_grad()
def feature_correlation(acts: torch.Tensor) -> float:
    """Mean pairwise correlation between the channels (units) of activations (n, C, ...)."""
    chans = acts.transpose(0, 1).reshape(acts.shape[1], -1)  # (C, n·H·W)
    return mean_pairwise_corr(chans)
