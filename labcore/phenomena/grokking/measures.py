"""Progress measures of grokking (torch): cross-entropy in float64, accuracy, the weight norm,
the Fourier spectrum of the embedding and Nanda et al.'s restricted and excluded losses.

Fourier basis over residues 0..p-1 (the PAIR notebook's and Nanda's): the constant 1/sqrt(p),
then for k = 1..p//2 the unit vectors cos(2πk·t/p) and sin(2πk·t/p).
"""
from __future__ import annotations

import math

import torch


def cross_entropy(logits: torch.Tensor, y: torch.Tensor, reduction: str = "example") -> torch.Tensor:
    """Cross-entropy with the log-softmax taken in float64 (Nanda's helper casts to float32,
    and its loss then spikes after grokking); logits (n, C), y (n,) -> a 0-d tensor in the
    logits' dtype. reduction "example": the mean over examples (the usual CE); "element":
    the PAIR notebook's -mean(onehot · logp) over examples and classes (CE / C)."""
    logp = torch.log_softmax(logits.double(), dim=-1)                  # (n, C) float64
    loss = -logp.gather(1, y[:, None]).mean()
    if reduction == "element":
        loss = loss / logits.shape[-1]
    return loss.to(logits.dtype)


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows whose argmax is the label."""
    return float((logits.argmax(-1) == y).double().mean())


def weight_norm(params) -> float:
    """Global L2 norm sqrt(Σ w²) over every parameter (the notebook's `l2_norm`)."""
    return math.sqrt(sum(float(w.detach().double().pow(2).sum()) for w in params))


def frequency_energy(embedding: torch.Tensor) -> torch.Tensor:
    """Energy of the embedding (p, d) at each frequency k = 1..p//2 -> (p//2,): Σ over the d
    columns of the squared cos-k and sin-k coefficients (the constant is left out)."""
    p = embedding.shape[0]
    t = torch.arange(p, dtype=torch.float64, device=embedding.device)
    k = torch.arange(1, p // 2 + 1, dtype=torch.float64, device=embedding.device)
    angle = 2 * math.pi * k[:, None] * t[None, :] / p                   # (K, p)
    e = embedding.detach().double()                                      # (p, d)
    cos, sin = torch.cos(angle), torch.sin(angle)
    cos = cos / cos.norm(dim=1, keepdim=True)
    sin_norm = sin.norm(dim=1, keepdim=True)
    sin = torch.where(sin_norm > 1e-9, sin / sin_norm.clamp_min(1e-12), torch.zeros_like(sin))
    return ((cos @ e) ** 2).sum(1) + ((sin @ e) ** 2).sum(1)           # (K,)


def key_frequencies(embedding: torch.Tensor, n_key: int) -> list[int]:
    """The n_key frequencies (1..p//2) that hold the most embedding energy, largest first."""
    energy = frequency_energy(embedding)
    order = torch.argsort(energy, descending=True)[:n_key]
    return [int(i) + 1 for i in order]


def fourier_sparsity(embedding: torch.Tensor, n_key: int) -> float:
    """Share of the embedding's non-constant Fourier energy in its n_key strongest frequencies:
    near n_key / (p//2) for a random embedding, 1 when it uses n_key frequencies only."""
    energy = frequency_energy(embedding)
    total = float(energy.sum())
    if total <= 0:
        return 0.0
    return float(torch.topk(energy, min(n_key, len(energy))).values.sum()) / total


def sum_directions(p: int, freqs: list[int], sign: int = 1, device=None) -> torch.Tensor:
    """Orthonormal directions over the p² grid of pairs (a, b): cos and sin of 2πk(a ± b)/p for
    each key frequency k -> (2·len(freqs), p²) (sign -1 for subtraction). The directions a
    modular-addition circuit writes its logits along (Nanda et al. 2023, section 5)."""
    a = torch.arange(p, dtype=torch.float64, device=device)
    s = (a[:, None] + sign * a[None, :]).reshape(-1)                   # (p²,) a ± b, a-major
    rows = []
    for k in freqs:
        for f in (torch.cos, torch.sin):
            row = f(2 * math.pi * k * s / p)
            if row.norm() > 1e-9:
                rows.append(row / row.norm())
    return torch.stack(rows) if rows else torch.zeros(0, p * p, dtype=torch.float64, device=device)


def restricted_excluded(logits_grid: torch.Tensor, y_grid: torch.Tensor, train_index: torch.Tensor,
                        freqs: list[int], sign: int = 1) -> tuple[float, float]:
    """Nanda et al.'s restricted and excluded losses from the logits on every pair.

    logits_grid (p², C) for pairs a-major, y_grid (p²,) their labels, train_index: the grid rows
    of the training pairs. Each logit column is split into its projection on the key-frequency
    directions cos/sin(2πk(a ± b)/p) and the rest. Restricted: CE over all p² pairs of
    (the per-class mean + the projection); excluded: CE on the training pairs of the logits
    with the projection removed. Both in float64."""
    z = logits_grid.detach().double()                                   # (p², C)
    u = sum_directions(int(round(math.sqrt(z.shape[0]))), freqs, sign, z.device)  # (2K, p²)
    proj = u.T @ (u @ z)                                                # (p², C) key-frequency part
    restricted = z.mean(0, keepdim=True) + proj
    excluded = z - proj
    ce_r = float(cross_entropy(restricted, y_grid))
    ce_e = float(cross_entropy(excluded[train_index], y_grid[train_index]))
    return ce_r, ce_e
