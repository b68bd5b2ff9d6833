"""Random features and the minimum-norm least-squares fit (imports torch; called by `run`).

Belkin, Hsu, Ma & Mandal (2019) fit N random features of the inputs by the minimum-norm
solution of least squares, with no ridge: below N = n_train it is the ordinary least-squares
fit, above it the interpolating solution of smallest norm. At N = n_train the feature matrix
is square and nearly singular, so the norm of the fit and the test error blow up there.
"""
from __future__ import annotations

import math

import torch

RCOND = 1e-12  # singular values below RCOND × the largest count as zero (float64: the pseudo-inverse's cut)


def random_features(x: torch.Tensor, n_features: int, kind: str, gen: torch.Generator) -> torch.Tensor:
    """N random features of standardised inputs x: (n, d) -> (n, N), float64.

    relu: relu(x·W) / √N with W ~ N(0, 1/d); fourier: √(2/N)·cos(x·W + b) with W ~ N(0, 1/d)
    and b ~ U(0, 2π) (random Fourier features of a Gaussian kernel). Draw the columns once for
    the largest N and take the first N for smaller ones: the models are nested, so the curve
    over N moves by one model family, not by fresh draws at each width."""
    d = x.shape[1]
    w = torch.randn(d, n_features, generator=gen, dtype=torch.float64) / math.sqrt(d)  # (d, N)
    if kind == "relu":
        return torch.relu(x.double() @ w)  # (n, N); the 1/√N is applied per width by `scaled`
    if kind == "fourier":
        b = 2 * math.pi * torch.rand(n_features, generator=gen, dtype=torch.float64)  # (N,)
        return math.sqrt(2.0) * torch.cos(x.double() @ w + b)
    raise ValueError(f"unknown feature kind {kind!r}; known: relu, fourier")


def scaled(phi: torch.Tensor, n: int) -> torch.Tensor:
    """The first n columns of a feature matrix, divided by √n, so a fit's norm compares across
    widths (the predictions of a min-norm fit do not depend on a global scale)."""
    return phi[:, :n] / math.sqrt(n)


def min_norm_fit(a: torch.Tensor, y: torch.Tensor, ridge: float = 0.0) -> torch.Tensor:
    """argmin ‖c‖ among the minimisers of ‖a c − y‖² (the pseudo-inverse a⁺ y), by SVD.

    a: (n, N), y: (n, k) -> c: (N, k). With ridge λ > 0 the ridge solution
    (aᵀa + λ I)⁻¹ aᵀ y instead (any ridge flattens the double-descent peak)."""
    u, s, vh = torch.linalg.svd(a, full_matrices=False)  # u (n, r), s (r,), vh (r, N)
    if ridge > 0:
        inv = s / (s * s + ridge)
    else:
        keep = s > RCOND * s.max()
        inv = torch.where(keep, 1.0 / torch.where(keep, s, torch.ones_like(s)), torch.zeros_like(s))
    return vh.T @ (inv[:, None] * (u.T @ y))  # (N, k)


def mse(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Squared error summed over outputs, averaged over examples: pred, target (n, k)."""
    return float(((pred - target) ** 2).sum(1).mean())


def error(pred: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of examples whose largest output is not the label: pred (n, k), labels (n,)."""
    return float((pred.argmax(1) != labels).double().mean())
