"""The instances' sparsities (torch-free: the claims and the page read it too).

Instance k of K has feature probability (1 − S_max)^(k/(K−1)): from dense (S = 0) to S_max,
geometrically, as the paper's notebook (`20 ** -linspace(0, 1, n_instances)`: S_max 0.95)."""
from __future__ import annotations


def sparsities(n_instances: int, s_max: float) -> list[float]:
    """S of each instance (the probability that a feature is 0), dense first."""
    if n_instances == 1:
        return [0.0]
    density = 1.0 - s_max
    return [1.0 - density ** (k / (n_instances - 1)) for k in range(n_instances)]


def importances(n_features: int, decay: float) -> list[float]:
    """I_i = decay^i: feature 0 the most important."""
    return [decay ** i for i in range(n_features)]
