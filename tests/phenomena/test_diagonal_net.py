"""diagonal_net: the min-ℓ1 and min-ℓ2 references against independent computations on tiny
cases, the rich-to-lazy trend on a small task, and its claims on hand-made runs (holds, fails,
not yet, and settings outside each claim's regime)."""
import itertools

import numpy as np
import pytest

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET
from labcore.core.recorder import Recorder
from labcore.core.registry import get
from labcore.core.rng import numpy_rng
from labcore.phenomena.diagonal_net.measures import min_l1, min_l2, task
from labcore.phenomena.diagonal_net.measures import test_error as error_of
from tests.phenomena.claimkit import run, steps, verdict


def test_references_on_a_one_equation_case():
    x, y = np.array([[1.0, 2.0]]), np.array([2.0])
    assert np.allclose(min_l2(x, y), [0.4, 0.8])   # along the row: (2/5)(1, 2)
    assert np.allclose(min_l1(x, y), [0.0, 1.0])   # all weight on the larger coefficient


def test_references_against_brute_force_on_a_small_case():
    gen = np.random.default_rng(3)
    x, y = gen.standard_normal((2, 5)), gen.standard_normal(2)
    # min-ℓ1: an optimum of the linear programme is a basic solution, n non-zeros: the best over every support
    norms = []
    for support in itertools.combinations(range(5), 2):
        b = np.zeros(5)
        b[list(support)] = np.linalg.solve(x[:, support], y)
        norms.append(np.abs(b).sum())
    best = (min(norms),)
    got = min_l1(x, y)
    assert np.allclose(x @ got, y) and np.abs(got).sum() == pytest.approx(best[0], rel=1e-7)
    # min-ℓ2: the interpolant in the row space, x ᵀ (x xᵀ)⁻¹ y
    assert np.allclose(min_l2(x, y), x.T @ np.linalg.solve(x @ x.T, y))


def test_the_min_l2_error_is_near_one_minus_n_over_d_of_the_target_norm():
    errs = []
    for s in range(20):
        x, y, star = task(100, 40, 5, np.random.default_rng(s))
        errs.append(error_of(min_l2(x, y), star))
        assert error_of(min_l1(x, y), star) < 1e-8       # 5-sparse from 40 samples: exact recovery
    assert np.mean(errs) == pytest.approx((1 - 40 / 100) * 5, rel=0.1)


def _final(**overrides):
    exp = get("diagonal_net")
    rec = Recorder()
    exp.run(exp.make_config(**{"d": 40, "n_train": 16, "k": 2, "steps": 20_000, "eval_every": 10, **overrides}), rec)
    return rec


@pytest.mark.slow
def test_small_init_is_sparse_large_init_is_min_l2():
    small, large = _final(alpha=0.001), _final(alpha=10.0)
    s, big = small.rows[-1], large.rows[-1]
    assert s["loss"] < 1e-6 and big["loss"] < 1e-6
    assert s["test_error"] < 0.05 and big["test_error"] > 0.5
    assert big["test_error"] == pytest.approx(big["ref_l2_error"], rel=0.02)
    assert s["l1_norm"] == pytest.approx(s["ref_l1_norm"], rel=0.05)
    assert "target" in small.info["stopped_early"]["why"]


def rich(alpha=0.001, err=0.001, ref=1e-20, loss=5e-7):
    return run({"alpha": alpha}, steps(5, loss=lambda s: 10.0 ** -s if s < 4 else loss,
                                       test_error=lambda s: 5.0 if s < 4 else err, l1_norm=5.0,
                                       ref_l1_error=ref, ref_l2_error=3.0, ref_l1_norm=5.0, ref_l2_l1_norm=10.0))


def test_sparse_at_small_alpha_claim():
    assert verdict("diagonal_net", "sparse_at_small_alpha", [rich() for _ in range(3)]).status == HOLDS
    assert verdict("diagonal_net", "sparse_at_small_alpha", [rich(err=0.3)]).status == FAILS
    assert verdict("diagonal_net", "sparse_at_small_alpha", [rich(loss=1e-2)]).status == FAILS  # did not interpolate
    # out of the regime: a large α, or too few samples for the min-ℓ1 fit itself to recover β*
    assert verdict("diagonal_net", "sparse_at_small_alpha", [rich(alpha=10.0, err=3.0)]).status == NOT_APPLICABLE
    assert verdict("diagonal_net", "sparse_at_small_alpha", [rich(err=2.0, ref=1.5)]).status == NOT_APPLICABLE
    partial = run({"alpha": 0.001}, rich()[1][:2], status="running")
    assert verdict("diagonal_net", "sparse_at_small_alpha", [partial]).status == NOT_YET


def test_l2_at_large_alpha_claim():
    assert verdict("diagonal_net", "l2_at_large_alpha", [rich(alpha=10.0, err=3.01) for _ in range(3)]).status == HOLDS
    assert verdict("diagonal_net", "l2_at_large_alpha", [rich(alpha=10.0, err=2.0)]).status == FAILS
    # out of the regime: a small α, or n ≥ d (one interpolant)
    assert verdict("diagonal_net", "l2_at_large_alpha", [rich(alpha=0.001)]).status == NOT_APPLICABLE
    one = run({"alpha": 10.0, "n_train": 200}, rich(alpha=10.0, err=0.0)[1])
    assert verdict("diagonal_net", "l2_at_large_alpha", [one]).status == NOT_APPLICABLE


def test_error_rises_with_alpha_claim():
    alphas = (0.001, 0.01, 0.03, 0.1, 0.3, 1.0, 10.0)
    errors = (1e-4, 0.01, 0.08, 0.7, 2.3, 3.0, 3.02)
    sweep = [rich(a, e) for a, e in zip(alphas, errors)]
    assert verdict("diagonal_net", "error_rises_with_alpha", sweep).status == HOLDS
    flat = [rich(a, 3.0 - 0.01 * i) for i, a in enumerate(alphas)]
    assert verdict("diagonal_net", "error_rises_with_alpha", flat).status == FAILS
    assert verdict("diagonal_net", "error_rises_with_alpha", [rich(0.001), rich(10.0, 3.0)]).status == NOT_APPLICABLE
    waiting = [rich(a, e) for a, e in zip(alphas[:-1], errors)] + [run({"alpha": 10.0}, steps(2, loss=1.0), "running")]
    assert verdict("diagonal_net", "error_rises_with_alpha", waiting).status == NOT_YET


def test_the_written_out_gradient_is_autograds():
    """run's step sets u.grad and v.grad by hand: the same as autograd on the training MSE."""
    import torch

    exp = get("diagonal_net")
    grads = []

    def keep(opt, args, kwargs):
        grads.append([p.grad.clone() for g in opt.param_groups for p in g["params"]])
        raise StopIteration  # one step is enough

    from torch.optim.optimizer import register_optimizer_step_pre_hook

    handle = register_optimizer_step_pre_hook(keep)
    try:
        with pytest.raises(StopIteration):
            exp.run(exp.make_config(alpha=0.3, seed=4), Recorder())
    finally:
        handle.remove()
    x, y, _ = task(100, 40, 5, numpy_rng(4, "data"))
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    u = torch.full((100,), 0.3, dtype=torch.float64, requires_grad=True)
    v = torch.full((100,), 0.3, dtype=torch.float64, requires_grad=True)
    ((x @ (u * u - v * v) - y) ** 2).mean().backward()
    assert torch.allclose(grads[0][0], u.grad) and torch.allclose(grads[0][1], v.grad)
