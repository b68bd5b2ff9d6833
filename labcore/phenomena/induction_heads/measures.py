"""Pure measurements of the attention-only transformer (torch).

- per-position loss: cross-entropy of each prediction (B, T − 1);
- repeated-half loss: its mean over the copy (data.repeat_mask);
- in-context-learning score (Olsson et al. 2022: loss at token 500 minus at token 50): the mean
  loss over the last T/8 predictions minus that over the first T/8;
- prefix-matching score of a head: on a repeated sequence, the mean attention from each token
  of the copy to the token after its earlier occurrence (i → i − ℓ + 1)."""
from __future__ import annotations

import torch


def token_losses(logits: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """(B, T, V), (B, T) -> (B, T − 1): the loss of predicting token t + 1 at position t."""
    v = logits.shape[-1]
    return torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, v), tokens[:, 1:].reshape(-1),
                                             reduction="none").view(tokens.shape[0], -1)


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> float:
    """Mean of `values` where `mask` (same shape)."""
    return float((values * mask).sum() / mask.sum().clamp_min(1))


def icl_score(losses: torch.Tensor) -> float:
    """Mean loss over the last eighth of the predictions minus the first eighth: (B, T − 1) -> float."""
    k = max(1, (losses.shape[1] + 1) // 8)
    return float(losses[:, -k:].mean() - losses[:, :k].mean())


def prefix_matching(pattern: torch.Tensor, ell: torch.Tensor) -> torch.Tensor:
    """pattern (B, H, T, T), ℓ (B,) -> (H,): mean attention from i in the copy (but its last
    token) to i − ℓ + 1."""
    b, h, t, _ = pattern.shape
    pos = torch.arange(t)[None].expand(b, t)                             # (B, T)
    rows = (pos >= (t - ell)[:, None]) & (pos < t - 1)                  # queries in the copy
    key = (pos - ell[:, None] + 1).clamp(0, t - 1)                      # (B, T)
    picked = pattern.gather(3, key[:, None, :, None].expand(b, h, t, 1))[..., 0]   # (B, H, T)
    return (picked * rows[:, None]).sum(dim=(0, 2)) / rows.sum().clamp_min(1)
