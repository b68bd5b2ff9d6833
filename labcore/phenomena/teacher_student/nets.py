"""Teacher-student networks for the Luck Matters experiment (Tian et al. 2019).

A teacher is a ReLU MLP whose fan-in rows are drawn from {-0.5, -0.25, 0, 0.25, 0.5} (no
two rows equal, none all zero), with bias U(-0.5, 0.5), each row then divided by ‖w‖ (the
bias scaled along, as the original's `normalize_layer`). A student has the same depth with
each hidden width multiplied by node_multi.

`matrix` mode follows the original's test_multilayer.py: every layer is a matrix whose
columns (one per node, fan-in weights and bias) have unit norm, output layer included;
each step is w += lr · (−∇ of ½ Σ_outputs mean_batch (y_t − y_s)²), then every column is
renormalised.
"""
from __future__ import annotations

import torch
from torch import nn

LEVELS = torch.tensor([-0.5, -0.25, 0.0, 0.25, 0.5])


class ReluMLP(nn.Module):
    """Hidden layers h_k = relu(W_k h_{k-1} + b_k) (optionally BatchNorm before the ReLU),
    then a linear output. `forward` returns the output and the post-ReLU activations."""

    def __init__(self, d_in: int, widths: list[int], d_out: int, batchnorm: bool = False) -> None:
        super().__init__()
        dims = [d_in] + widths
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.norms = nn.ModuleList((nn.BatchNorm1d(w) if batchnorm else nn.Identity()) for w in widths)
        self.out = nn.Linear(widths[-1], d_out)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        acts = []  # acts[k]: (n, width_k) post-ReLU activations of hidden layer k+1
        for lin, norm in zip(self.hidden, self.norms):
            x = torch.relu(norm(lin(x)))
            acts.append(x)
        return self.out(x), acts

    def linears(self) -> list[nn.Linear]:
        """Every Linear layer in order: the hidden layers, then the output layer."""
        return list(self.hidden) + [self.out]


@torch.no_grad()
def _teacher_rows(n_rows: int, fan_in: int, gen: torch.Generator, bias: bool = True) -> torch.Tensor:
    """(n_rows, fan_in + 1) rows [w, b]: w unique, non-zero over LEVELS, b U(-0.5, 0.5) (or 0),
    both divided by ‖w‖ (the original normalises the weight row and scales the bias along)."""
    rows, seen = [], set()
    while len(rows) < n_rows:
        w = LEVELS[torch.randint(len(LEVELS), (fan_in,), generator=gen)]
        key = tuple(w.tolist())
        if not any(key) or key in seen:
            continue
        seen.add(key)
        b = torch.rand((1,), generator=gen) - 0.5
        row = torch.cat([w, b if bias else torch.zeros(1)])
        rows.append(row / w.norm())
    return torch.stack(rows)


@torch.no_grad()
def make_teacher(d_in: int, widths: list[int], d_out: int, seed: int, bias: bool = True) -> ReluMLP:
    """The teacher network, built deterministically from `seed` (bias False: all biases 0,
    as the matrix-mode README command)."""
    gen = torch.Generator().manual_seed(10_000 + seed)
    net = ReluMLP(d_in, widths, d_out)
    for lin in net.linears():
        rows = _teacher_rows(lin.out_features, lin.in_features, gen, bias)
        lin.weight.copy_(rows[:, :-1])
        lin.bias.copy_(rows[:, -1])
    return net.requires_grad_(False)


@torch.no_grad()
def perturb_from(student: ReluMLP, teacher: ReluMLP, noise: float, gen: torch.Generator) -> None:
    """Student = the teacher embedded in the first nodes of every layer, zeros elsewhere,
    plus N(0, noise²) on every weight and bias.

    With node_multi > 1 the extra nodes start with small random fan-in and fan-out: they
    are the unaligned nodes whose fan-out should shrink in the over-parameterisation check.
    """
    for s_lin, t_lin in zip(student.linears(), teacher.linears()):
        rows, cols = t_lin.weight.shape
        s_lin.weight.zero_()
        s_lin.bias.zero_()
        s_lin.weight[:rows, :cols] = t_lin.weight
        s_lin.bias[:rows] = t_lin.bias
        s_lin.weight += noise * torch.randn(s_lin.weight.shape, generator=gen)
        s_lin.bias += noise * torch.randn(s_lin.bias.shape, generator=gen)


@torch.no_grad()
def normalize_fan_in(net: ReluMLP) -> None:
    """Scale every node's fan-in row [w, b] to unit norm, in every layer including the output
    layer (the original's matrix mode renormalises every column of every matrix after each
    step; leaving the output layer free lets the unaligned fan-outs stay ~10x larger)."""
    for lin in net.linears():
        norm = torch.cat([lin.weight, lin.bias[:, None]], dim=1).norm(dim=1).clamp_min(1e-12)  # (out,)
        lin.weight /= norm[:, None]
        lin.bias /= norm


def matrix_loss(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """½ Σ_outputs mean_batch (out − target)²: the loss whose negative gradient the original's
    matrix mode steps along. out, target: (B, d_out). F.mse_loss (mean over outputs too)
    would make every step 2/d_out of the original's."""
    return 0.5 * (out - target).pow(2).sum(dim=1).mean()


def per_sample_gradients(net: ReluMLP, x: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
    """Exact per-sample gradients of the MSE loss (torch.func): name -> (B, *param_shape).

    Their mean over the batch is the batch gradient of F.mse_loss; their spread is the
    gradient noise that SGD sees. Needs a net without BatchNorm (it couples samples).
    """
    from torch.func import functional_call, grad, vmap

    params = {n: p.detach() for n, p in net.named_parameters()}

    def sample_loss(p: dict, xi: torch.Tensor, ti: torch.Tensor) -> torch.Tensor:
        out, _ = functional_call(net, p, (xi[None],))  # (1, d_out)
        return torch.nn.functional.mse_loss(out, ti[None])

    return vmap(grad(sample_loss), in_dims=(None, 0, 0))(params, x, target)


def gradient_noise_ratio(grads: dict[str, torch.Tensor]) -> float:
    """Σ per-coordinate variance over the batch / ‖mean gradient‖² (larger = noisier SGD)."""
    var = sum(float(g.var(dim=0, unbiased=False).sum()) for g in grads.values())
    mean_sq = sum(float(g.mean(dim=0).pow(2).sum()) for g in grads.values())
    return var / max(mean_sq, 1e-30)
