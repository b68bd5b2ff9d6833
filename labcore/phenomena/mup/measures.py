"""Pure measurements of the μP page (torch tensors in, floats out; no training here).

The grid's lr axis is written as exponents: lr = 2^e with e an integer (−14..−4 in the paper
recipe), so "one grid point" is a factor 2 of the learning rate.
"""
from __future__ import annotations

import math
import torch

CAP = 2.0  # a grid point whose loss blew up is recorded at CAP x its initial loss (the chart stays readable)


def lr_exponents(lo: int, hi: int) -> list[int]:
    """The grid's exponents e (lr = 2^e), lo..hi inclusive, ascending."""
    return list(range(int(lo), int(hi) + 1))


def metric_of(exponent: int) -> str:
    """The row column of the (last-epoch) training loss at lr = 2^exponent: `loss_lr8` for 2⁻⁸ (exponents ≤ 0)."""
    return f"loss_lr{-int(exponent)}"


def exponent_of(metric: str) -> int:
    """The exponent e of a `loss_lr{k}` column (lr = 2^e = 2^−k); inverse of `metric_of`."""
    return -int(metric[len("loss_lr"):])


def recorded_loss(final: float, initial: float) -> tuple[float, bool]:
    """(the value a grid point records, whether it was unstable). A point is unstable when its
    loss went non-finite or ended above where it started; a non-finite or larger-than-CAP x
    initial loss is recorded as CAP x initial so every recorded value is finite."""
    if not math.isfinite(final):
        return CAP * initial, True
    return min(final, CAP * initial), final > initial


def best_exponent(losses: dict[int, float]) -> int | None:
    """The exponent of the lowest finite loss ({exponent: loss}); the smaller lr on ties; None
    when no loss is finite."""
    finite = {e: v for e, v in losses.items() if v is not None and math.isfinite(v)}
    if not finite:
        return None
    return min(finite, key=lambda e: (finite[e], e))


def mean_abs(t: torch.Tensor) -> float:
    """Mean |entry| of an activation tensor (the coordinate check's size of one coordinate)."""
    return float(t.detach().abs().mean())


def spectral_change(w0: torch.Tensor, w: torch.Tensor) -> float:
    """‖W − W₀‖₂ / ‖W₀‖₂ (largest singular values): how far a weight matrix moved relative to
    its initial operator norm. μP keeps it Θ(1) in width at a fixed lr (feature learning);
    it grows with width under SP and Adam."""
    top0 = float(torch.linalg.matrix_norm(w0.detach().double(), ord=2))
    return float(torch.linalg.matrix_norm((w - w0).detach().double(), ord=2)) / top0 if top0 > 0 else math.inf
