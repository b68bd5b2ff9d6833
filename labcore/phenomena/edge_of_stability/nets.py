"""The edge-of-stability setting: standardised inputs, an fc net, MSE or cross-entropy,
and the sharpness (top Hessian eigenvalue of the full-batch training loss)."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.functional import cross_entropy, one_hot

from labcore.nn import models
from labcore.nn.measures.hessian import Eigs, hvp_operator, top_eigs


def standardise(x: torch.Tensor, xt: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Centre and scale every input feature by its training mean and std (as Cohen et al.
    centre and standardise CIFAR-10); constant features (digits' corner pixels) become 0."""
    mean, std = x.mean(0), x.std(0)  # (d,), (d,)
    std = torch.where(std > 1e-6, std, torch.ones_like(std))
    return (x - mean) / std, None if xt is None else (xt - mean) / std


def fc_net(d_in: int, width: int, depth: int, d_out: int, act: str, init: str) -> nn.Sequential:
    """`depth` hidden layers of `width` units (fc-tanh 200-200 is depth 2, width 200)."""
    return models.init_weights(models.mlp(d_in, [width] * depth, d_out, act=act), init)


def loss_fn(kind: str, n_classes: int):
    """logits (n, C), labels (n,) -> scalar. `mse` is ½‖f − onehot‖² summed over outputs and
    averaged over examples (the paper's SquaredLoss / n); `ce` the mean cross-entropy."""
    if kind == "ce":
        return cross_entropy

    def mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        target = one_hot(y, n_classes).to(out.dtype)  # (n, C)
        return 0.5 * ((out - target) ** 2).sum(1).mean()

    return mse


def adam_preconditioner(opt: torch.optim.Adam, params) -> torch.Tensor | None:
    """P^-1/2 of Adam's current preconditioner P = diag(√v̂ + ε), flattened over `params` (P,),
    with v̂ = v / (1 − β₂^t) the bias-corrected second moment of the step it last took; None
    before its first step (no v yet). Cohen et al. 2022, Sec. 3: the preconditioned sharpness
    is λmax(P⁻¹H), computed as the top eigenvalue of the symmetric P^-1/2 H P^-1/2."""
    parts = []
    for p in params:
        state = opt.state.get(p, {})
        if "exp_avg_sq" not in state:
            return None
        group = next(g for g in opt.param_groups if any(q is p for q in g["params"]))
        t = float(state["step"])
        v_hat = state["exp_avg_sq"] / (1 - group["betas"][1] ** t)
        parts.append((v_hat.sqrt() + group["eps"]).rsqrt().reshape(-1))
    return torch.cat(parts).detach()


class Sharpness:
    """Top Hessian eigenvalue(s) of the full-batch loss, warm-started from the previous
    estimate's eigenvectors (the Hessian moves little between estimates). With `scale`, a
    function returning a vector d (P,), the eigenvalues are those of diag(d) H diag(d): with
    d = P^-1/2 of Adam (`adam_preconditioner`), the preconditioned sharpness λmax(P⁻¹H)."""

    def __init__(self, model: nn.Module, loss, x: torch.Tensor, y: torch.Tensor, k: int = 1,
                 method: str = "lanczos", tol: float = 1e-3, max_iter: int = 30, generator=None,
                 scale=None) -> None:
        self.model, self.loss, self.x, self.y = model, loss, x, y
        self.k, self.method, self.tol, self.max_iter, self.generator = k, method, tol, max_iter, generator
        self.scale = scale
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.dim = sum(p.numel() for p in self.params)
        self.vectors: torch.Tensor | None = None  # (P, k) from the last estimate

    def __call__(self) -> Eigs:
        """Estimate at the model's current parameters."""
        matvec = hvp_operator(self.loss(self.model(self.x), self.y), self.params)
        d = self.scale() if self.scale is not None else None
        if d is not None:  # the symmetric D H D, same spectrum as D² H = P⁻¹H
            hvp, d = matvec, d.to(matvec.like.dtype)

            def matvec(v: torch.Tensor) -> torch.Tensor:
                return d * hvp(d * v)

            matvec.like = hvp.like
        # One warm start vector: the sum of the previous top-k eigenvectors spans their
        # directions' Krylov space (for k = 1 it is the previous eigenvector itself).
        v0 = None if self.vectors is None else self.vectors.sum(1)
        eigs = top_eigs(matvec, self.dim, k=self.k, method=self.method, v0=v0, tol=self.tol,
                        max_iter=self.max_iter, generator=self.generator)
        self.vectors = eigs.vectors.detach()
        return eigs
