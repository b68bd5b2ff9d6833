import math

import numpy as np
import pytest
import torch

from labcore.nn.measures.basic import accuracy, rel_change, rel_change_l2
from labcore.nn.measures.correlation import pearson_matrix
from labcore.nn.measures.ntk import empirical_ntk, kernel_change, ntk_one_hidden
from labcore.phenomena.teacher_student.measures import best_match, fan_out_norms, init_rank
from labcore.runs.analysis import loglog_slope


def test_rel_change_matches_numpy_definitions():
    gen = torch.Generator().manual_seed(0)
    p0 = [torch.randn(5, 3, generator=gen), torch.randn(7, generator=gen)]
    p1 = [p + 0.1 * torch.randn(p.shape, generator=gen) for p in p0]
    a0, a1 = [p.numpy() for p in p0], [p.numpy() for p in p1]
    per_tensor = sum(np.linalg.norm(b - a) for a, b in zip(a0, a1)) / sum(np.linalg.norm(a) for a in a0)
    flat = np.linalg.norm(np.concatenate([(b - a).ravel() for a, b in zip(a0, a1)])) / np.linalg.norm(
        np.concatenate([a.ravel() for a in a0]))
    assert math.isclose(rel_change(p0, p1), per_tensor, rel_tol=1e-5)
    assert math.isclose(rel_change_l2(p0, p1), flat, rel_tol=1e-5)
    assert rel_change(p0, p0) == 0.0


def test_closed_form_ntk_equals_jacobian_ntk():
    torch.manual_seed(0)
    x = torch.randn(4, 6, dtype=torch.float64)
    params = {"w": torch.randn(9, 6, dtype=torch.float64), "b": torch.randn(9, dtype=torch.float64),
              "v": torch.randn(3, 9, dtype=torch.float64), "c": torch.randn(3, dtype=torch.float64)}
    in_s, out_s = 0.4, 0.3

    def f(p, xb):
        return out_s * torch.relu(in_s * xb @ p["w"].T + p["b"]) @ p["v"].T + p["c"]

    jac = empirical_ntk(f, params, x)
    closed = ntk_one_hidden(x, params["w"], params["b"], params["v"], params["c"], in_s, out_s)
    assert jac.shape == closed.shape == (12, 12)
    torch.testing.assert_close(closed, jac)
    # symmetric positive semi-definite, as a Gram matrix must be
    assert torch.linalg.eigvalsh(closed).min() > -1e-9


def test_kernel_change_and_accuracy():
    k0 = torch.eye(3)
    assert math.isclose(kernel_change(k0, 2 * k0), 1.0, rel_tol=1e-6)
    logits = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert math.isclose(accuracy(logits, torch.tensor([0, 1, 1])), 2 / 3, rel_tol=1e-6)


def test_loglog_slope_recovers_power_law():
    x = np.array([16, 64, 256, 1024])
    assert math.isclose(loglog_slope(x, 3.0 * x ** -0.5), -0.5, rel_tol=1e-9)


def test_pearson_matrix_matches_numpy_corrcoef():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(200, 4)), rng.normal(size=(200, 6))
    b[:, 2] = 3 * a[:, 1] + 0.1 * b[:, 2]  # one strongly correlated pair
    b[:, 5] = 1.0  # a dead unit: correlation 0 by convention
    got = pearson_matrix(torch.tensor(a), torch.tensor(b)).numpy()
    want = np.corrcoef(a.T, b[:, :5].T)[:4, 4:]
    np.testing.assert_allclose(got[:, :5], want, atol=1e-10)
    assert np.all(got[:, 5] == 0.0) and got[1, 2] > 0.99


def test_best_match_init_rank_and_fan_out():
    corr = torch.tensor([[0.1, 0.9, 0.5], [0.8, 0.2, 0.3]])
    best, idx = best_match(corr)
    assert idx.tolist() == [1, 0] and best.tolist() == pytest.approx([0.9, 0.8])
    corr_init = torch.tensor([[0.3, 0.1, 0.2], [0.5, 0.6, 0.7]])
    assert init_rank(corr_init, idx).tolist() == [2, 2]  # both winners started last
    w = torch.tensor([[3.0, 0.0], [4.0, 1.0]])
    assert fan_out_norms(w).tolist() == [5.0, 1.0]
