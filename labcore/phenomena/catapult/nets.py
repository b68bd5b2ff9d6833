"""The catapult setting: a wide two-layer ReLU net in NTK parametrisation with one output,
f(x) = vᵀ relu(W x / √d) / √m, its data (standardised inputs of norm √d, ±1 targets) and the
exact top eigenvalue of its empirical tangent kernel on the training set."""
from __future__ import annotations

import math

import torch

from labcore.nn.measures.ntk import ntk_one_hidden


def prepare(x: torch.Tensor, labels: torch.Tensor, n_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs (n, d) centred and scaled per feature, then each row rescaled to norm √d (so
    x·x/d = 1 and λ₀ does not depend on the pixel scale); targets +1 for the lower half of
    the classes, −1 for the upper (a scalar regression, as the paper's MSE setting)."""
    mean, std = x.mean(0), x.std(0)  # (d,)
    std = torch.where(std > 1e-6, std, torch.ones_like(std))
    z = (x - mean) / std  # (n, d)
    z = z / z.norm(dim=1, keepdim=True).clamp_min(1e-12) * math.sqrt(x.shape[1])
    y = torch.where(labels < n_classes / 2, 1.0, -1.0).to(x.dtype)  # (n,)
    return z, y


class TwoLayer(torch.nn.Module):
    """f(x) = vᵀ relu(W x / √d) / √m with W (m, d) and v (m,) drawn N(0, 1): the NTK
    parametrisation (its kernel has a width-independent limit)."""

    def __init__(self, d: int, width: int, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.weight_in = torch.nn.Parameter(torch.randn(width, d, generator=generator))   # (m, d)
        self.weight_out = torch.nn.Parameter(torch.randn(width, generator=generator))     # (m,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (n, d) -> f (n,)."""
        d, m = x.shape[1], self.weight_in.shape[0]
        return torch.relu(x @ self.weight_in.T / math.sqrt(d)) @ self.weight_out / math.sqrt(m)


def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """½ mean (f − y)²: GD on it moves the outputs by −η Θ (f − y) with Θ = J Jᵀ / n."""
    return 0.5 * ((out - y) ** 2).mean()


@torch.no_grad()
def ntk(model: TwoLayer, x: torch.Tensor) -> torch.Tensor:
    """The empirical NTK of the loss's GD, Θ = J Jᵀ / n (n, n), in float64, in closed form
    (labcore.nn.measures.ntk.ntk_one_hidden; the test checks it against the Jacobian)."""
    n, d = x.shape
    m = model.weight_in.shape[0]
    k = ntk_one_hidden(x.double(), model.weight_in.double(), None, model.weight_out.double()[None, :], None,
                       in_scale=1 / math.sqrt(d), out_scale=1 / math.sqrt(m))  # (n, n): one output
    return k / n


def top_eigenvalue(model: TwoLayer, x: torch.Tensor) -> float:
    """λ: the largest eigenvalue of Θ (exact: a dense symmetric eigensolve of the n × n
    kernel); inf when the weights have blown up."""
    k = ntk(model, x)
    if not bool(torch.isfinite(k).all()):
        return math.inf
    return float(torch.linalg.eigvalsh(k)[-1])
