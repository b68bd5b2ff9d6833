"""The diagonal linear network's task and its two reference interpolants, in numpy (pure
functions; no torch): the sparse regression task, the minimum-ℓ1 interpolant (a linear
programme) and the minimum-ℓ2 interpolant (the pseudo-inverse)."""
from __future__ import annotations

import numpy as np


def task(d: int, n: int, k: int, gen: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X (n, d), y (n,), β* (d,)): x ~ N(0, I_d), β* with k entries ±1 at random places, y = Xβ*
    (no noise)."""
    x = gen.standard_normal((n, d))
    beta = np.zeros(d)
    support = gen.choice(d, size=k, replace=False)
    beta[support] = gen.choice([-1.0, 1.0], size=k)
    return x, x @ beta, beta


def min_l1(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """argmin ‖β‖₁ subject to Xβ = y (basis pursuit), as the linear programme over β = p − q,
    p, q ≥ 0: minimise Σ p + Σ q subject to X p − X q = y (scipy's HiGHS)."""
    from scipy.optimize import linprog

    d = x.shape[1]
    res = linprog(np.ones(2 * d), A_eq=np.hstack([x, -x]), b_eq=y, bounds=(0, None), method="highs")
    if res.status != 0:
        raise RuntimeError(f"min-ℓ1 linear programme: {res.message}")
    return res.x[:d] - res.x[d:]


def min_l2(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """argmin ‖β‖₂ subject to Xβ = y: X⁺y (the least-squares fit when n > d)."""
    return np.linalg.pinv(x) @ y


def test_error(beta: np.ndarray, beta_star: np.ndarray) -> float:
    """The population test MSE for x ~ N(0, I) and noiseless targets: E[(xᵀβ − xᵀβ*)²] = ‖β − β*‖²."""
    return float(np.sum((beta - beta_star) ** 2))
