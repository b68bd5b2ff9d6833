"""The grid of feature counts of a random-features run (pure: no torch, used by `cost` too)."""
from __future__ import annotations


def width_grid(n_train: int, min_ratio: float, max_ratio: float, n_widths: int) -> list[int]:
    """Feature counts N, ascending and distinct: `n_widths` log-spaced between min_ratio·n and
    max_ratio·n, plus n/4, n and 10n exactly when inside that range (the points the lab
    reports), each at least 1."""
    steps = max(1, n_widths - 1)
    ratios = [min_ratio * (max_ratio / min_ratio) ** (i / steps) for i in range(n_widths)]
    ratios += [r for r in (0.25, 1.0, 10.0) if min_ratio <= r <= max_ratio]
    return sorted({max(1, int(round(r * n_train))) for r in ratios})
