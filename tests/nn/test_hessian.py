"""Hessian eigenvalues from HVPs against the dense Hessian of a tiny net."""
import math

import pytest
import torch
from torch.func import functional_call

from labcore.nn.measures.hessian import hvp_operator, lanczos, power_iteration, top_eigs


def _problem(dtype=torch.float64, seed=0):
    """A tiny tanh net with an MSE loss: (loss, params, dense Hessian (P, P))."""
    gen = torch.Generator().manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).to(dtype)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=dtype))
    x, y = torch.randn(30, 5, generator=gen, dtype=dtype), torch.randn(30, 3, generator=gen, dtype=dtype)
    names = [n for n, _ in net.named_parameters()]
    params = [p for _, p in net.named_parameters()]
    sizes = [p.numel() for p in params]

    def flat_loss(theta):  # theta: (P,)
        parts = [t.reshape(p.shape) for t, p in zip(theta.split(sizes), params)]
        out = functional_call(net, dict(zip(names, parts)), (x,))  # (n, 3)
        return 0.5 * ((out - y) ** 2).sum(1).mean()

    theta = torch.cat([p.detach().reshape(-1) for p in params])
    dense = torch.autograd.functional.hessian(flat_loss, theta)  # (P, P)
    loss = 0.5 * ((net(x) - y) ** 2).sum(1).mean()
    return loss, params, dense


def test_hvp_is_the_dense_hessian_times_v():
    loss, params, dense = _problem()
    mv = hvp_operator(loss, params)
    v = torch.randn(dense.shape[0], generator=torch.Generator().manual_seed(1), dtype=dense.dtype)
    assert torch.allclose(mv(v), dense @ v, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_lanczos_top_eigenvalues_match_the_dense_hessian(dtype):
    loss, params, dense = _problem(dtype)
    exact = torch.linalg.eigvalsh(dense.double()).flip(0)  # descending
    eigs = lanczos(hvp_operator(loss, params), dense.shape[0], k=3, tol=1e-7, max_iter=60,
                   generator=torch.Generator().manual_seed(0))
    for got, want in zip(eigs.values, exact[:3].tolist()):
        assert math.isclose(got, want, rel_tol=1e-4)
    # The Ritz vector is the eigenvector: H v = λ v.
    v = eigs.vectors[:, 0].double()
    assert torch.allclose(dense.double() @ v, exact[0] * v, atol=1e-3 * float(exact[0]))


def test_power_iteration_finds_the_top_eigenvalue_with_more_products():
    loss, params, dense = _problem()
    exact = float(torch.linalg.eigvalsh(dense)[-1])
    mv = hvp_operator(loss, params)
    gen = lambda: torch.Generator().manual_seed(0)  # same start for both
    power = power_iteration(mv, dense.shape[0], tol=1e-6, max_iter=2000, generator=gen())
    lz = top_eigs(mv, dense.shape[0], method="lanczos", tol=1e-6, max_iter=60, generator=gen())
    assert math.isclose(power.values[0], exact, rel_tol=1e-4)
    assert math.isclose(lz.values[0], exact, rel_tol=1e-4)
    assert lz.hvps < power.hvps


def test_a_warm_start_from_the_eigenvector_converges_at_once():
    loss, params, dense = _problem()
    evals, evecs = torch.linalg.eigh(dense)
    eigs = lanczos(hvp_operator(loss, params), dense.shape[0], v0=evecs[:, -1], tol=1e-6)
    assert eigs.hvps <= 2 and math.isclose(eigs.values[0], float(evals[-1]), rel_tol=1e-6)


def test_unknown_method_is_refused():
    loss, params, dense = _problem()
    with pytest.raises(ValueError, match="lanczos, power"):
        top_eigs(hvp_operator(loss, params), dense.shape[0], method="arnoldi")
