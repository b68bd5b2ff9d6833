"""The empirical neural tangent kernel: generic (torch.func) and closed form for one hidden layer.
"""
from __future__ import annotations

from typing import Callable

import torch


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
