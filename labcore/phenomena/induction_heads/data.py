"""Repeated random tokens (torch; imported inside `run`).

Each sequence of length T: a random segment of length ℓ followed by its copy, right-aligned
(positions T − 2ℓ … T − ℓ − 1, then T − ℓ … T − 1), the positions before it random filler.
With `vary_offset` ℓ is drawn uniformly from T/4 … T/2 per sequence; else ℓ = T/2 (the first
half random, the second half its copy). A fixed ℓ lets a one-layer net read the copy off
positions alone (attend from i to i − ℓ + 1: measured, it learns it), so the 1-layer control
only means something when ℓ varies."""
from __future__ import annotations

import torch


def repeated(n: int, seq_len: int, vocab: int, vary: bool, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(tokens (n, T), ℓ (n,)): the copy sits at positions T − ℓ … T − 1."""
    x = torch.randint(0, vocab, (n, seq_len), generator=gen)
    half = seq_len // 2
    ell = (torch.randint(seq_len // 4, half + 1, (n,), generator=gen) if vary
           else torch.full((n,), half, dtype=torch.long))
    pos = torch.arange(seq_len)
    copy = pos[None] >= (seq_len - ell)[:, None]                        # (n, T): inside the copy
    src = (pos[None] - ell[:, None]).clamp_min(0)
    return torch.where(copy, torch.gather(x, 1, src), x), ell


def repeat_mask(ell: torch.Tensor, seq_len: int) -> torch.Tensor:
    """(n, T − 1) over the predictions (column t predicts token t + 1): True where the predicted
    token is in the copy and not its first token (which nothing earlier gives away)."""
    target = torch.arange(1, seq_len)[None]
    return target > (seq_len - ell)[:, None]
