"""The two networks of the grokking recipes (torch; imported only inside `run`).

- `PairMLP` (PAIR Explorables, MLP_Modular_Addition.ipynb): a tied embedding E (p, d_embed),
  a shared bias-free hidden layer W (d_embed, d_hidden) applied to both operands,
  h = relu(E[a] W + E[b] W), an output layer (d_hidden, d_embed) and logits = out(h) Eᵀ.
  Init as Haiku's: E ~ VarianceScaling(2) (truncated normal, variance 2 / p), each Linear
  truncated normal with std 1/sqrt(fan_in) cut at ±2 std (the notebook's L2 norm at step 0: 37.39).
- `OneLayerTransformer` (Nanda et al. 2023, transformers.py): inputs [a, b, =] (= is token p),
  token and position embeddings, one attention layer (causal, n_heads heads of
  d_model / n_heads), one ReLU MLP (d_mlp), no LayerNorm, unembedding to p + 1 logits; every
  matrix randn / sqrt(d_model) (the unembedding / sqrt(d_vocab)), MLP biases zero.
"""
from __future__ import annotations

import math

import torch
from torch import nn


def _trunc_normal(shape: tuple[int, ...], std: float, generator: torch.Generator) -> torch.Tensor:
    """Normal(0, std²) truncated at ±2 std, by resampling (Haiku's TruncatedNormal)."""
    out = torch.randn(shape, generator=generator)
    bad = out.abs() > 2
    while bad.any():
        out[bad] = torch.randn(int(bad.sum()), generator=generator)
        bad = out.abs() > 2
    return out * std


# std of a unit normal truncated at ±2: Haiku's VarianceScaling divides by it so that the
# truncated draw has exactly the asked variance.
TRUNC_STD = 0.87962566103423978


class PairMLP(nn.Module):
    """relu(E[a] W + E[b] W) -> out -> · Eᵀ: logits over the p residues."""

    def __init__(self, p: int, d_embed: int, d_hidden: int, generator: torch.Generator):
        super().__init__()
        self.embed = nn.Parameter(_trunc_normal((p, d_embed), math.sqrt(2.0 / p) / TRUNC_STD, generator))
        self.hidden = nn.Parameter(_trunc_normal((d_embed, d_hidden), 1 / math.sqrt(d_embed), generator))
        self.out = nn.Parameter(_trunc_normal((d_hidden, d_embed), 1 / math.sqrt(d_hidden), generator))

    def embedding(self) -> torch.Tensor:
        """The token embedding (p, d_embed) whose Fourier sparsity is measured."""
        return self.embed

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (n, 2) residues -> logits (n, p)."""
        eh = self.embed @ self.hidden                     # (p, d_hidden): each token's hidden input
        h = torch.relu(eh[x[:, 0]] + eh[x[:, 1]])         # (n, d_hidden)
        return (h @ self.out) @ self.embed.T              # (n, d_embed) @ (d_embed, p) -> (n, p)


class OneLayerTransformer(nn.Module):
    """Nanda et al.'s 1-layer transformer on [a, b, =]; forward returns the last position's logits."""

    def __init__(self, p: int, d_model: int, n_heads: int, d_mlp: int, generator: torch.Generator):
        super().__init__()
        vocab, ctx, d_head = p + 1, 3, d_model // n_heads
        self.p, self.n_heads, self.d_head = p, n_heads, d_head

        def randn(*shape: int, scale: int = d_model) -> nn.Parameter:
            return nn.Parameter(torch.randn(shape, generator=generator) / math.sqrt(scale))

        self.W_E = randn(vocab, d_model)                  # token embedding, rows = tokens
        self.W_pos = randn(ctx, d_model)
        self.W_Q = randn(n_heads, d_model, d_head)
        self.W_K = randn(n_heads, d_model, d_head)
        self.W_V = randn(n_heads, d_model, d_head)
        self.W_O = randn(n_heads * d_head, d_model)
        self.W_in = randn(d_model, d_mlp)
        self.b_in = nn.Parameter(torch.zeros(d_mlp))
        self.W_out = randn(d_mlp, d_model, scale=d_model)
        self.b_out = nn.Parameter(torch.zeros(d_model))
        self.W_U = randn(d_model, vocab, scale=vocab)

    def embedding(self) -> torch.Tensor:
        """The embedding of the p residues (p, d_model), without the '=' token."""
        return self.W_E[: self.p]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (n, 2) residues -> logits (n, p + 1) at the '=' position."""
        eq = torch.full((x.shape[0], 1), self.p, dtype=x.dtype, device=x.device)
        tokens = torch.cat([x, eq], dim=1)                                      # (n, 3)
        r = self.W_E[tokens] + self.W_pos                                        # (n, 3, d)
        q = torch.einsum("nd,hde->nhe", r[:, -1], self.W_Q)                     # (n, H, dh): '=' queries
        k = torch.einsum("nid,hde->nhie", r, self.W_K)                           # (n, H, 3, dh)
        v = torch.einsum("nid,hde->nhie", r, self.W_V)
        # Only the '=' position feeds the loss, and with one layer nothing else reads the other
        # positions' outputs; '=' is last, so the causal mask lets it attend to all three.
        scores = torch.einsum("nhe,nhie->nhi", q, k) / math.sqrt(self.d_head)   # (n, H, 3)
        z = torch.einsum("nhi,nhie->nhe", torch.softmax(scores, dim=-1), v)     # (n, H, dh)
        last = r[:, -1] + z.reshape(x.shape[0], -1) @ self.W_O                   # (n, d)
        last = last + torch.relu(last @ self.W_in + self.b_in) @ self.W_out + self.b_out
        return last @ self.W_U                                                   # (n, p + 1)
