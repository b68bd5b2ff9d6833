"""An attention-only transformer (Olsson et al. 2022; Elhage et al. 2021): token and learned
position embeddings, n_layers causal attention layers of n_heads heads written into the
residual stream, no MLP and no LayerNorm, an unembedding (torch; imported inside `run`).

Init: embeddings N(0, 1); W_Q, W_K, W_V, W_O and the unembedding N(0, 1/d)."""
from __future__ import annotations

import math

import torch
from torch import nn


class AttnOnly(nn.Module):
    """forward(tokens (B, T)) -> logits (B, T, vocab); `patterns` keeps each layer's attention
    (B, H, T, T) from the last forward pass."""

    def __init__(self, vocab: int, ctx: int, d_model: int, n_heads: int, n_layers: int, generator: torch.Generator):
        super().__init__()
        dh = d_model // n_heads
        self.n_heads, self.d_head = n_heads, dh

        def randn(*shape: int, scale: float = 1.0) -> nn.Parameter:
            return nn.Parameter(torch.randn(shape, generator=generator) * scale)

        self.W_E = randn(vocab, d_model)
        self.W_pos = randn(ctx, d_model)
        s = d_model ** -0.5
        self.W_Q = nn.ParameterList([randn(n_heads, d_model, dh, scale=s) for _ in range(n_layers)])
        self.W_K = nn.ParameterList([randn(n_heads, d_model, dh, scale=s) for _ in range(n_layers)])
        self.W_V = nn.ParameterList([randn(n_heads, d_model, dh, scale=s) for _ in range(n_layers)])
        self.W_O = nn.ParameterList([randn(n_heads, dh, d_model, scale=s) for _ in range(n_layers)])
        self.W_U = randn(d_model, vocab, scale=s)
        self.register_buffer("causal", torch.ones(ctx, ctx, dtype=torch.bool).tril(), persistent=False)
        self.patterns: list[torch.Tensor] = []

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens (B, T) -> logits (B, T, vocab)."""
        T = tokens.shape[1]
        r = self.W_E[tokens] + self.W_pos[:T]                                   # (B, T, d)
        mask = self.causal[:T, :T]
        self.patterns = []
        for wq, wk, wv, wo in zip(self.W_Q, self.W_K, self.W_V, self.W_O):
            q = torch.einsum("btd,hde->bhte", r, wq)                            # (B, H, T, dh)
            k = torch.einsum("btd,hde->bhte", r, wk)
            v = torch.einsum("btd,hde->bhte", r, wv)
            scores = (q @ k.transpose(-1, -2)) / math.sqrt(self.d_head)        # (B, H, T, T)
            attn = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
            self.patterns.append(attn)
            r = r + torch.einsum("bhte,hed->btd", attn @ v, wo)                 # heads write into the stream
        return r @ self.W_U
