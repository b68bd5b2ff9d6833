"""Steady-learner measurements: bias-trajectory statistics and activation regions.
"""
from __future__ import annotations

import torch


def trajectory_stats(biases: torch.Tensor, errors: torch.Tensor, lr: float, eps: float = 1e-12) -> dict:
    """Bias-trajectory measures of one epoch of batch-1 SGD (Loukas et al. 2021).

    biases: (T+1, d), biases[t] before step t and biases[t+1] after it; errors: (T,) the
    signed error f(x_t) − y_t of the sample used at step t. Returns
      traj_len = Σ_t ‖b_{t+1} − b_t‖ / (lr·|e_t|) / T   (steps with e_t ≈ 0 are skipped)
      bias_var = mean_t ‖b_t − mean(b)‖² / lr²           over b_1 .. b_T
    """
    steps = (biases[1:] - biases[:-1]).norm(dim=1)  # (T,)
    keep = errors.abs() > eps
    traj = float((steps[keep] / (lr * errors.abs()[keep])).sum() / len(errors))
    after = biases[1:]
    var = float(((after - after.mean(dim=0)) ** 2).sum(dim=1).mean() / lr**2)
    return {"traj_len": traj, "bias_var": var}


@torch.no_grad()
def region_ids(patterns: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Label each row of a boolean activation-pattern matrix (n, units) by its distinct
    pattern: returns (ids (n,), number of distinct patterns = activation regions hit)."""
    _, ids = torch.unique(patterns.to(torch.int8), dim=0, return_inverse=True)
    return ids, int(ids.max()) + 1 if len(ids) else 0
