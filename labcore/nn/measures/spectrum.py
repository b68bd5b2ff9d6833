"""The Hessian's whole spectrum from Hessian-vector products: its density by stochastic
Lanczos quadrature, its trace by Hutchinson's estimator, and the top eigenvalue of each
layer's diagonal block (Ghorbani, Krishnan & Xiao 2019; Yao et al. 2020, PyHessian).

Everything takes a matvec v (P,) -> H v (P,) (e.g. `labcore.nn.measures.hessian.hvp_operator`),
so it runs on any loss without forming H. Stochastic Lanczos quadrature (SLQ): m Lanczos
steps from a random unit vector v give a tridiagonal T (m × m) whose eigenvalues θ_j (Ritz
values, the nodes) and squared first eigenvector components τ_j (the weights, Σ τ_j = 1)
make the Gauss quadrature of vᵀ f(H) v = Σ_i (vᵀu_i)² f(λ_i); averaged over random v this is
(1/P) tr f(H), so Σ_j τ_j δ(t − θ_j) estimates the spectral density (1/P) Σ_i δ(t − λ_i), and
a Gaussian of width σ around each node draws it. The extreme Ritz values converge first:
the isolated top eigenvalues (the outliers) come out exactly after a few dozen steps, with
weights ≈ 1/P each, while the bulk is resolved only in the large.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

from labcore.nn.measures.hessian import hvp_operator, lanczos, lanczos_step

Matvec = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class Quadrature:
    """One SLQ run: Ritz values `nodes` [m] (ascending) and their quadrature `weights` [m]
    (summing to 1)."""

    nodes: np.ndarray
    weights: np.ndarray


def rademacher(dim: int, generator: torch.Generator | None, like: torch.Tensor | None = None) -> torch.Tensor:
    """A vector of ±1 entries (P,), in the dtype/device of `like`."""
    v = torch.randint(0, 2, (dim,), generator=generator).to(torch.float64) * 2 - 1  # (P,)
    return v if like is None else v.to(device=like.device, dtype=like.dtype)


def lanczos_tridiagonal(matvec: Matvec, v0: torch.Tensor, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """`steps` Lanczos steps from v0 (P,) with full reorthogonalisation: the diagonal α [m]
    and off-diagonal β [m − 1] of T. Stops early on an invariant subspace (β ≈ 0), where the
    Ritz values are exact eigenvalues of H restricted to the Krylov space."""
    q = v0 / v0.norm()  # (P,)
    basis: list[torch.Tensor] = []
    alphas: list[float] = []
    betas: list[float] = []
    for _ in range(max(1, min(steps, v0.numel()))):
        # fully reorthogonalised: a ghost copy of an outlier would be counted twice in the density
        alpha, w, beta = lanczos_step(matvec, basis, q)
        alphas.append(alpha)
        if len(alphas) == steps or beta <= 1e-8 * max(abs(a) for a in alphas) or beta == 0.0:
            break
        betas.append(beta)
        q = w / beta
    return np.array(alphas), np.array(betas)


def slq(matvec: Matvec, dim: int, steps: int = 40, n_vectors: int = 2, generator: torch.Generator | None = None,
        like: torch.Tensor | None = None) -> list[Quadrature]:
    """Stochastic Lanczos quadrature: one `Quadrature` per Rademacher start vector.

    Each: `steps` Lanczos steps, T = V diag(θ) Vᵀ, nodes θ, weights V[0, :]² (the squared
    first components, which sum to 1 as V is orthogonal)."""
    like = like if like is not None else getattr(matvec, "like", None)
    out = []
    for _ in range(n_vectors):
        alphas, betas = lanczos_tridiagonal(matvec, rademacher(dim, generator, like), steps)
        T = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)  # (m, m)
        theta, vecs = np.linalg.eigh(T)  # ascending
        out.append(Quadrature(theta, vecs[0, :] ** 2))
    return out


def density(quads: Sequence[Quadrature], grid: np.ndarray, sigma: float) -> np.ndarray:
    """The Gaussian-broadened spectral density on `grid` [G]: the mean over start vectors of
    Σ_j τ_j N(t; θ_j, σ²). It integrates to 1 over a grid that covers the nodes."""
    grid = np.asarray(grid, dtype=np.float64)
    total = np.zeros_like(grid)
    for q in quads:
        z = (grid[:, None] - q.nodes[None, :]) / sigma  # (G, m)
        total += (np.exp(-0.5 * z ** 2) * q.weights[None, :]).sum(1) / (sigma * np.sqrt(2 * np.pi))
    return total / max(1, len(quads))


def slq_trace(quads: Sequence[Quadrature], dim: int) -> float:
    """tr H ≈ P · mean over start vectors of Σ_j τ_j θ_j (exact for each v: it is vᵀHv/‖v‖²)."""
    return float(dim * np.mean([float((q.weights * q.nodes).sum()) for q in quads]))


def top_ritz(quads: Sequence[Quadrature], k: int) -> np.ndarray:
    """The k largest nodes over all start vectors, largest first, a node found by several
    vectors counted once (within 1e-3 relative): the outliers, which SLQ resolves exactly."""
    nodes = sorted((float(t) for q in quads for t in q.nodes), reverse=True)
    kept: list[float] = []
    for t in nodes:
        if not kept or all(abs(t - s) > 1e-3 * max(abs(s), 1e-12) for s in kept):
            kept.append(t)
    return np.array(kept[:k])


def hutchinson_trace(matvec: Matvec, dim: int, n_samples: int = 50, generator: torch.Generator | None = None,
                     like: torch.Tensor | None = None) -> tuple[float, float]:
    """tr H ≈ mean of vᵀHv over Rademacher v (unbiased, Hutchinson 1989); returns (the mean,
    its standard error)."""
    like = like if like is not None else getattr(matvec, "like", None)
    samples = []
    for _ in range(n_samples):
        v = rademacher(dim, generator, like)  # (P,)
        samples.append(float(v @ matvec(v)))
    s = np.array(samples)
    return float(s.mean()), float(s.std(ddof=1) / np.sqrt(len(s))) if len(s) > 1 else float("inf")


def outlier_count(top: Sequence[float], max_count: int | None = None) -> int:
    """How many of the top eigenvalues (largest first, all > 0) stand out of the bulk: the
    position of the largest ratio between consecutive ones, λ_i / λ_(i+1), among the first
    `max_count` + 1 (the edge between the outliers and the bulk is the largest relative gap)."""
    top = np.asarray(top, dtype=np.float64)
    top = top[top > 0]
    if len(top) < 2:
        return len(top)
    n = len(top) - 1 if max_count is None else min(max_count, len(top) - 1)
    ratios = top[:n] / top[1:n + 1]  # [n]
    return int(np.argmax(ratios)) + 1


def layer_top_eigenvalues(loss: torch.Tensor, layers: dict[str, Sequence[torch.Tensor]], tol: float = 1e-3,
                          max_iter: int = 30, generator: torch.Generator | None = None) -> dict[str, float]:
    """The top eigenvalue of each layer's diagonal Hessian block (the Hessian of the loss
    w.r.t. that layer's parameters alone, the others held fixed), by Lanczos: {name: λ}."""
    out = {}
    for name, params in layers.items():
        params = list(params)
        matvec = hvp_operator(loss, params)
        dim = sum(p.numel() for p in params)
        out[name] = lanczos(matvec, dim, k=1, tol=tol, max_iter=max_iter, generator=generator).values[0]
    return out
