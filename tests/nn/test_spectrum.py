"""The Hessian's spectrum from HVPs (SLQ density, Hutchinson trace, per-layer top eigenvalues)
against the exact eigendecomposition of a classifier small enough to form its Hessian."""
import numpy as np
import pytest
import torch
from torch.func import functional_call

from labcore.nn.measures import spectrum
from labcore.nn.measures.hessian import hvp_operator

pytestmark = pytest.mark.unit


def _problem(seed=0):
    """A tiny tanh classifier (4-6-3, 51 weights) with cross-entropy on 40 points of 3
    classes, trained a few hundred GD steps so its Hessian has the classifier's shape:
    (loss, params, dense Hessian (P, P), the net)."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3)).double()
    means = 2.0 * torch.randn(3, 4, generator=gen, dtype=torch.float64)  # (C, d)
    y = torch.arange(40) % 3  # (n,)
    x = means[y] + torch.randn(40, 4, generator=gen, dtype=torch.float64)  # (n, d)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    for _ in range(200):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    names = [n for n, _ in net.named_parameters()]
    params = [p for _, p in net.named_parameters()]
    sizes = [p.numel() for p in params]

    def flat_loss(theta):  # theta: (P,)
        parts = [t.reshape(p.shape) for t, p in zip(theta.split(sizes), params)]
        return torch.nn.functional.cross_entropy(functional_call(net, dict(zip(names, parts)), (x,)), y)

    theta = torch.cat([p.detach().reshape(-1) for p in params])
    dense = torch.autograd.functional.hessian(flat_loss, theta)  # (P, P)
    return torch.nn.functional.cross_entropy(net(x), y), params, dense, net


def test_full_lanczos_quadrature_is_the_exact_spectrum():
    """With as many steps as weights, SLQ's nodes are H's eigenvalues and the averaged
    weights approach 1/P each: the density's mass above a cut is the exact fraction."""
    loss, params, dense, _ = _problem()
    exact = np.linalg.eigvalsh(dense.numpy())  # ascending
    dim = len(exact)
    quads = spectrum.slq(hvp_operator(loss, params), dim, steps=dim, n_vectors=20,
                         generator=torch.Generator().manual_seed(1))
    for q in quads:
        assert q.weights.sum() == pytest.approx(1.0, abs=1e-10)
    top = spectrum.top_ritz(quads, 3)
    assert np.allclose(top, exact[::-1][:3], rtol=1e-6)
    grid = np.linspace(exact[0] - 1, exact[-1] + 1, 4001)
    dens = spectrum.density(quads, grid, sigma=0.01 * (exact[-1] - exact[0]))
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, abs=1e-3)
    cut = 0.2 * exact[-1]
    above = np.trapezoid(np.where(grid > cut, dens, 0.0), grid)
    assert above == pytest.approx((exact > cut).mean(), abs=0.05)


def test_a_few_lanczos_steps_find_the_outliers_and_the_trace():
    """15 steps of 51: the top eigenvalues (the classifier's outliers) are exact; the SLQ
    and Hutchinson traces match tr H within their sampling error."""
    loss, params, dense, _ = _problem()
    exact = np.linalg.eigvalsh(dense.numpy())[::-1]  # descending
    dim = len(exact)
    mv = hvp_operator(loss, params)
    gen = torch.Generator().manual_seed(2)
    quads = spectrum.slq(mv, dim, steps=15, n_vectors=4, generator=gen)
    top = spectrum.top_ritz(quads, 2)
    assert top[0] == pytest.approx(exact[0], rel=1e-6)
    assert top[1] == pytest.approx(exact[1], rel=1e-3)
    trace, se = spectrum.hutchinson_trace(mv, dim, 400, generator=gen)
    assert abs(trace - exact.sum()) <= 4 * se
    assert se < 0.1 * abs(exact.sum())
    assert spectrum.slq_trace(spectrum.slq(mv, dim, steps=5, n_vectors=200, generator=gen), dim) == pytest.approx(
        exact.sum(), rel=0.1)


def test_slq_counts_the_outliers_of_the_exact_spectrum():
    """The largest-gap count on SLQ's top Ritz values (25 steps of 51) is the count on the
    exact eigenvalues, and the outliers themselves agree."""
    loss, params, dense, _ = _problem()
    exact = np.linalg.eigvalsh(dense.numpy())[::-1]
    n = spectrum.outlier_count(exact[:8], max_count=6)
    quads = spectrum.slq(hvp_operator(loss, params), len(exact), steps=25, n_vectors=2,
                         generator=torch.Generator().manual_seed(3))
    ritz = spectrum.top_ritz(quads, 8)
    assert spectrum.outlier_count(ritz, max_count=6) == n
    assert np.allclose(ritz[:n], exact[:n], rtol=1e-6)


def test_outlier_count_is_the_largest_relative_gap():
    assert spectrum.outlier_count([10, 9, 8, 1, 0.9, 0.8]) == 3
    assert spectrum.outlier_count([10, 1, 0.9, 0.8]) == 1
    # ratios 1.11, 1.125, 1.14 up to max_count = 3: the gap 6 → 0.1 past it is not seen
    assert spectrum.outlier_count([10, 9, 8, 7, 6, 0.1], max_count=3) == 3
    assert spectrum.outlier_count([5.0]) == 1


def test_layer_blocks_match_the_exact_diagonal_blocks():
    loss, params, dense, net = _problem()
    layers = {"l0": [net[0].weight, net[0].bias], "l1": [net[2].weight, net[2].bias]}
    gen = torch.Generator().manual_seed(4)
    got = spectrum.layer_top_eigenvalues(loss, layers, tol=1e-8, max_iter=60, generator=gen)
    n0 = net[0].weight.numel() + net[0].bias.numel()
    exact0 = np.linalg.eigvalsh(dense[:n0, :n0].numpy())[-1]
    exact1 = np.linalg.eigvalsh(dense[n0:, n0:].numpy())[-1]
    assert got["l0"] == pytest.approx(exact0, rel=1e-6)
    assert got["l1"] == pytest.approx(exact1, rel=1e-6)
    assert max(got.values()) <= np.linalg.eigvalsh(dense.numpy())[-1] + 1e-9  # a block's top ≤ the whole's
