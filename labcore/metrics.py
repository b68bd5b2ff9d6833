"""Pure measurement functions: tensors in, numbers (or tensors) out, no side effects.

Experiments call these from their `measure_fn`; tests check them against independent
computations (numpy, closed forms).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch


@torch.no_grad()
def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of rows whose argmax equals the label. logits: (n, C), labels: (n,)."""
    return float((logits.argmax(dim=1) == labels).float().mean())


@torch.no_grad()
def rel_change(params0: Sequence[torch.Tensor], params: Sequence[torch.Tensor]) -> float:
    """Σ_tensors ‖θ_t − θ_0‖ / Σ_tensors ‖θ_0‖: the lazy-training seed's definition."""
    num = sum(float(torch.linalg.vector_norm(p - p0)) for p0, p in zip(params0, params))
    den = sum(float(torch.linalg.vector_norm(p0)) for p0 in params0)
    return num / den


@torch.no_grad()
def rel_change_l2(params0: Sequence[torch.Tensor], params: Sequence[torch.Tensor]) -> float:
    """‖θ_t − θ_0‖ / ‖θ_0‖ with θ all parameters concatenated (global L2)."""
    num = sum(float(torch.sum((p - p0) ** 2)) for p0, p in zip(params0, params))
    den = sum(float(torch.sum(p0 ** 2)) for p0 in params0)
    return float(np.sqrt(num / den))


def empirical_ntk(fn: Callable[[dict, torch.Tensor], torch.Tensor], params: dict[str, torch.Tensor],
                  x: torch.Tensor) -> torch.Tensor:
    """Empirical NTK of `fn(params, x)` on a probe batch.

    fn maps (params, x: (P, d)) -> (P, C). Returns K: (P*C, P*C) with
    K[(i,a),(j,b)] = <∂f_a(x_i)/∂θ, ∂f_b(x_j)/∂θ>, summed over every parameter tensor.
    """
    def single(p: dict, xi: torch.Tensor) -> torch.Tensor:
        return fn(p, xi[None])[0]  # (C,)

    jac = torch.func.vmap(torch.func.jacrev(single), in_dims=(None, 0))(params, x)
    kernel = None
    for j in jac.values():  # j: (P, C, *param_shape)
        flat = j.reshape(j.shape[0] * j.shape[1], -1)  # (P*C, n_param)
        part = flat @ flat.T  # (P*C, P*C)
        kernel = part if kernel is None else kernel + part
    return kernel.detach()


def kernel_change(k0: torch.Tensor, k: torch.Tensor) -> float:
    """‖K_t − K_0‖_F / ‖K_0‖_F."""
    return float(torch.linalg.matrix_norm(k - k0) / torch.linalg.matrix_norm(k0))


@torch.no_grad()
def ntk_one_hidden(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None, v: torch.Tensor,
                   c: torch.Tensor | None, in_scale: float = 1.0, out_scale: float = 1.0) -> torch.Tensor:
    """Closed-form empirical NTK of f(x) = out_scale · relu(in_scale · x Wᵀ + b) Vᵀ + c.

    x: (P, d), w: (m, d), b: (m,) or None, v: (C, m), c: (C,) or None.
    Returns K: (P*C, P*C) in the same (i, a) ordering as `empirical_ntk`, without
    materialising the (P*C, n_params) Jacobian, so it stays cheap at width 100 000.
    """
    z = in_scale * x @ w.T + (b if b is not None else 0.0)  # (P, m)
    h, gate = torch.relu(z), (z > 0).to(x.dtype)  # (P, m)
    n_out = v.shape[0]
    eye = torch.eye(n_out, dtype=x.dtype, device=x.device)
    # Output layer: ∂f_a/∂V_ak = out·h_k, ∂f_a/∂c_a = 1.
    k_out = out_scale**2 * h @ h.T + (1.0 if c is not None else 0.0)  # (P, P)
    # Hidden layer: ∂f_a/∂W_kl = out·V_ak·gate_k·in·x_l, ∂f_a/∂b_k = out·V_ak·gate_k.
    gram = in_scale**2 * x @ x.T + (1.0 if b is not None else 0.0)  # (P, P)
    a = (gate[:, None, :] * v[None, :, :]).reshape(-1, v.shape[1])  # (P*C, m)
    k_hidden = out_scale**2 * (a @ a.T) * torch.kron(gram, torch.ones_like(eye))  # (P*C, P*C)
    return torch.kron(k_out, eye) + k_hidden


@torch.no_grad()
def pearson_matrix(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """Pearson correlation between every column of a (n, m) and every column of b (n, M).

    Returns (m, M). A constant column (e.g. a dead ReLU) has correlation 0 with everything.
    """
    a = a - a.mean(dim=0)
    b = b - b.mean(dim=0)
    na, nb = a.norm(dim=0), b.norm(dim=0)  # (m,), (M,)
    corr = (a.T @ b) / (na[:, None] * nb[None, :]).clamp_min(eps)
    dead = (na[:, None] < eps) | (nb[None, :] < eps)
    return corr.masked_fill(dead, 0.0)


@torch.no_grad()
def best_match(corr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For each row (teacher node) of corr (m, M): best correlation and the student index."""
    return corr.max(dim=1)


@torch.no_grad()
def init_rank(corr_init: torch.Tensor, chosen: torch.Tensor) -> torch.Tensor:
    """Rank (0 = best) that each chosen student had at init among all students, per teacher
    node. corr_init: (m, M), chosen: (m,) student indices. Returns (m,) int64."""
    picked = corr_init.gather(1, chosen[:, None])  # (m, 1)
    return (corr_init > picked).sum(dim=1)


@torch.no_grad()
def fan_out_norms(next_weight: torch.Tensor) -> torch.Tensor:
    """‖W_{k+1}[:, i]‖ for every node i of layer k. next_weight: (out, n_k) -> (n_k,)."""
    return next_weight.norm(dim=0)


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


@torch.no_grad()
def mean_pairwise_corr(vectors: torch.Tensor, tol: float = 1e-7) -> float:
    """Mean Pearson correlation over all pairs of rows of vectors (k, d).

    Identical rows count as correlation 1 even when constant (e.g. an all-zero layer of a
    ConstNet); a constant row that differs from another counts as 0.
    """
    v = vectors.double()
    k = v.shape[0]
    if k < 2:
        return 1.0
    scale = v.abs().max().clamp_min(1e-30)
    if float((v - v[0]).abs().max() / scale) <= tol:
        return 1.0
    corr = pearson_matrix(v.T, v.T)  # (k, k)
    off = corr.sum() - corr.diagonal().sum()
    return float(off / (k * (k - 1)))


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
