"""Top Hessian eigenvalues from Hessian-vector products (HVPs), without forming the Hessian.

`hvp_operator` builds the gradient graph of a loss once and returns a matvec v -> H v by
double backprop, so every HVP costs one extra backward pass and no new forward pass.
`lanczos` (the default, with full reorthogonalisation) and `power_iteration` take that
matvec and a start vector; a warm start from the previous eigenvector is what keeps a
sharpness estimate every few GD steps cheap. Both count the HVPs they spend and may record
the running top estimate after each HVP (`history`), which the benchmark uses to count
HVPs to a given accuracy. As in Cohen et al.'s code (scipy's eigsh on a LinearOperator),
the matvec works on the flat parameter vector.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

Matvec = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class Eigs:
    """Top eigenpairs, largest first: values [k], vectors (P, k), HVPs spent, and the
    relative residual ‖Hv − λv‖/|λ| of the top pair (an upper bound on its relative error)."""

    values: list[float]
    vectors: torch.Tensor
    hvps: int
    residual: float


def hvp_operator(loss: torch.Tensor, params: Sequence[torch.Tensor]) -> Matvec:
    """v (P,) -> H v (P,) for the Hessian of `loss` w.r.t. `params` (double backprop).

    The gradient graph is built once here (create_graph) and kept (retain_graph), so each
    product is one backward pass through it.
    """
    params = list(params)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    flat = torch.cat([g.reshape(-1) for g in grads])  # (P,)

    def matvec(v: torch.Tensor) -> torch.Tensor:
        hv = torch.autograd.grad(flat, params, grad_outputs=v.to(flat.dtype), retain_graph=True)
        return torch.cat([h.reshape(-1) for h in hv]).detach()  # (P,)

    matvec.like = flat.detach()  # dtype and device of the vectors it takes
    return matvec


def _start(matvec: Matvec, dim: int, v0: torch.Tensor | None, like: torch.Tensor | None,
           generator) -> torch.Tensor:
    """Unit start vector: the warm start when given, else a seeded Gaussian."""
    like = like if like is not None else getattr(matvec, "like", None)
    if v0 is None or float(v0.norm()) == 0.0:
        v0 = torch.randn(dim, generator=generator, dtype=torch.float64)
    if like is not None:
        v0 = v0.to(device=like.device, dtype=like.dtype)
    return v0 / v0.norm()


def lanczos_step(matvec: Matvec, basis: list[torch.Tensor], q: torch.Tensor) -> tuple[float, torch.Tensor, float]:
    """One Lanczos step from the unit vector q (P,), appended to `basis`: (α = q·Hq, the next
    residual w (P,) reorthogonalised against the whole basis, β = ‖w‖). Full
    reorthogonalisation, two Gram-Schmidt passes ("twice is enough"): without it float32
    Lanczos loses orthogonality and repeats the outliers (ghost eigenvalues)."""
    basis.append(q)
    w = matvec(q)  # (P,)
    alpha = float(q @ w)
    Q = torch.stack(basis, 1)  # (P, m)
    w = w - Q @ (Q.T @ w)
    w = w - Q @ (Q.T @ w)
    return alpha, w, float(w.norm())


def lanczos(matvec: Matvec, dim: int, k: int = 1, v0: torch.Tensor | None = None, tol: float = 1e-3,
            max_iter: int = 30, like: torch.Tensor | None = None, generator=None,
            history: list | None = None) -> Eigs:
    """The k largest (algebraic) eigenvalues of a symmetric operator by Lanczos.

    Stops when every one of the top-k Ritz pairs has residual β_m|s_mi| ≤ tol·|θ_1|, on an
    invariant subspace (β ≈ 0: e.g. a start vector that already is an eigenvector), or after
    `max_iter` products. Full reorthogonalisation keeps the few Lanczos vectors orthogonal
    in float32, so no ghost copies of the top eigenvalue appear. `like` sets dtype/device.
    """
    q = _start(matvec, dim, v0, like, generator)  # (P,)
    basis: list[torch.Tensor] = []
    alphas: list[float] = []
    betas: list[float] = []
    theta, s, residual = np.zeros(1), np.ones((1, 1)), float("inf")
    for _ in range(max(1, min(max_iter, dim))):
        alpha, w, beta = lanczos_step(matvec, basis, q)
        alphas.append(alpha)
        T = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)  # (m, m) tridiagonal
        theta, s = np.linalg.eigh(T)  # ascending
        theta, s = theta[::-1], s[:, ::-1]
        top = max(abs(theta[0]), 1e-30)
        res = beta * np.abs(s[-1, : min(k, len(theta))])  # residual norms of the Ritz pairs
        residual = float(res[0] / top)
        if history is not None:
            history.append(float(theta[0]))
        if len(theta) >= min(k, dim) and (res <= tol * top).all():
            break
        if beta <= 1e-7 * top:  # invariant subspace: the Ritz values are exact
            break
        betas.append(beta)
        q = w / beta
    kk = min(k, len(theta))
    Q = torch.stack(basis, 1)  # (P, m)
    S = torch.as_tensor(s[:, :kk].copy(), dtype=Q.dtype, device=Q.device)  # (m, k)
    return Eigs([float(t) for t in theta[:kk]], Q @ S, len(basis), residual)


def power_iteration(matvec: Matvec, dim: int, v0: torch.Tensor | None = None, tol: float = 1e-3,
                    max_iter: int = 100, like: torch.Tensor | None = None, generator=None,
                    history: list | None = None) -> Eigs:
    """The largest-magnitude eigenvalue by power iteration (the Rayleigh quotient v·Hv).

    Stops when the relative residual ‖Hv − λv‖/|λ| ≤ tol or after `max_iter` products.
    For a Hessian whose top eigenvalue dominates the negative ones (the usual case in
    training) this is the sharpness; it converges like (λ2/λ1)^iterations.
    """
    v = _start(matvec, dim, v0, like, generator)  # (P,)
    lam, residual, n = 0.0, float("inf"), 0
    for n in range(1, max_iter + 1):
        w = matvec(v)  # (P,)
        lam = float(v @ w)
        residual = float((w - lam * v).norm()) / max(abs(lam), 1e-30)
        if history is not None:
            history.append(lam)
        norm = w.norm()
        if residual <= tol or float(norm) == 0.0:
            break
        v = w / norm
    return Eigs([lam], v[:, None], n, residual)


def top_eigs(matvec: Matvec, dim: int, k: int = 1, method: str = "lanczos", **kw) -> Eigs:
    """Dispatch to `lanczos` or `power_iteration` (which finds only the top one)."""
    if method == "lanczos":
        return lanczos(matvec, dim, k=k, **kw)
    if method == "power":
        return power_iteration(matvec, dim, **kw)
    raise ValueError(f"unknown eigen method {method!r}; known: lanczos, power")
