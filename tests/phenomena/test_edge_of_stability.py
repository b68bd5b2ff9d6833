"""edge_of_stability: the sharpness estimate against the dense Hessian of the phenomenon's
own net and loss, the logged rows, and the claim on a tiny config: the sharpness rises to
2/η and hovers there while the loss falls non-monotonically."""
import math

import pytest
import torch
from torch.func import functional_call

from labcore.core.recorder import Diverged, Recorder
from labcore.core.registry import get
from labcore.phenomena.edge_of_stability.nets import Sharpness, fc_net, loss_fn

TINY = dict(n_train=100, width=64, lr=0.4, steps=300, eig_every=10)


def _rows(**overrides):
    exp = get("edge_of_stability")
    rec = Recorder()
    exp.run(exp.make_config(**{**TINY, **overrides}), rec)
    return rec.rows


@pytest.mark.parametrize("kind", ["mse", "ce"])
def test_sharpness_equals_the_dense_hessians_top_eigenvalue(kind):
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    x, y = torch.randn(40, 6, generator=gen), torch.randint(0, 3, (40,), generator=gen)
    model = fc_net(6, 7, 2, 3, "tanh", "pytorch")
    crit = loss_fn(kind, 3)
    names, params = zip(*model.named_parameters())
    sizes = [p.numel() for p in params]

    def flat_loss(theta):  # theta: (P,)
        parts = [t.reshape(p.shape) for t, p in zip(theta.split(sizes), params)]
        return crit(functional_call(model, dict(zip(names, parts)), (x,)), y)

    theta = torch.cat([p.detach().reshape(-1) for p in params])
    exact = float(torch.linalg.eigvalsh(torch.autograd.functional.hessian(flat_loss, theta).double())[-1])
    est = Sharpness(model, crit, x, y, tol=1e-6, max_iter=100, generator=gen)()
    assert math.isclose(est.values[0], exact, rel_tol=1e-4)
    # Warm-started from its own eigenvector, the next estimate is almost free.
    sharp = Sharpness(model, crit, x, y, tol=1e-4, max_iter=100, generator=gen)
    first = sharp()
    second = sharp()
    assert second.hvps < first.hvps and math.isclose(second.values[0], exact, rel_tol=1e-4)


def test_mse_is_half_the_squared_error_summed_over_outputs_averaged_over_examples():
    out, y = torch.tensor([[1.0, 0.0], [0.5, 0.5]]), torch.tensor([0, 0])
    # example 1: 0; example 2: ½(0.25 + 0.25) = 0.25; mean 0.125
    assert math.isclose(float(loss_fn("mse", 2)(out, y)), 0.125)


@pytest.mark.slow
def test_sharpness_rises_to_two_over_lr_and_hovers_there_while_the_loss_falls():
    rows = _rows()
    thr = 2 / TINY["lr"]
    sharp = [(r["step"], r["sharpness"]) for r in rows if "sharpness" in r]
    loss = [r["loss"] for r in rows]
    assert sharp[0][1] < 0.6 * thr                      # starts well below the edge
    hit = next(s for s, v in sharp if v >= 0.9 * thr)   # progressive sharpening reaches it
    after = [v / thr for s, v in sharp if s >= hit]
    assert hit < 200 and min(after) > 0.8 and max(after) < 1.35
    late = after[len(after) // 2:]
    assert all(0.85 < v < 1.2 for v in late)            # hovers at 2/η, not above
    tail = loss[hit:]
    assert loss[-1] < 0.5 * loss[hit] < loss[0]         # keeps falling overall...
    assert sum(b > a for a, b in zip(tail, tail[1:])) > 5  # ...but not monotonically
    assert all(r["two_over_lr"] == thr for r in rows)


def test_rows_cadences_and_top_k():
    rows = _rows(steps=20, eig_every=5, top_k=3)
    assert [r["step"] for r in rows] == list(range(21))
    eig_rows = [r for r in rows if "sharpness" in r]
    assert [r["step"] for r in eig_rows] == [0, 5, 10, 15, 20]
    assert set(eig_rows[0]) == {"step", "loss", "train_acc", "two_over_lr", "sharpness", "hvps",
                                "eig_2", "eig_3"}
    assert all(r["sharpness"] >= r["eig_2"] >= r["eig_3"] and 1 <= r["hvps"] <= 30 for r in eig_rows)
    assert rows[-1]["loss"] < rows[0]["loss"]


def test_power_iteration_agrees_with_lanczos():
    a = _rows(steps=10, eig_every=10, eig_tol=1e-6, eig_iters=300)
    b = _rows(steps=10, eig_every=10, eig_tol=1e-6, eig_iters=300, eig_method="power")
    for ra, rb in zip(a, b):
        assert ra["loss"] == rb["loss"]
        if "sharpness" in ra:
            assert math.isclose(ra["sharpness"], rb["sharpness"], rel_tol=1e-3)
            assert ra["hvps"] < rb["hvps"]


def test_a_step_far_beyond_two_over_sharpness_diverges():
    with pytest.raises(Diverged):
        _rows(lr=50.0, steps=50)


def test_paper_preset_is_cohen_et_als_fc_tanh_recipe(online_datasets):
    exp = get("edge_of_stability")
    name = next(n for n in exp.page.presets if "paper" in n)
    cfg = exp.make_config(**exp.page.presets[name])
    assert (cfg.dataset, cfg.n_train, cfg.width, cfg.depth, cfg.activation, cfg.loss) == \
        ("cifar10", 5000, 200, 2, "tanh", "mse")
    assert exp.page.charts[1].hlines(cfg) == {"2/η": 2 / cfg.lr}


def test_cost_counts_the_hvps_an_estimate_takes_at_each_lr():
    """The η sweep's runs differ in time by their HVPs (issue 32's ETA): warm-started Lanczos
    takes more of them at larger η, so the cost grows with η; capped at eig_iters, and power
    iteration is counted at its cap."""
    from labcore.phenomena.edge_of_stability import Config, cost, hvps_per_estimate

    flops = [cost(Config(lr=lr))[1] for lr in (0.12, 0.17, 0.24, 0.34)]
    assert flops == sorted(flops) and 1.6 < flops[-1] / flops[0] < 2.6
    assert hvps_per_estimate(Config(lr=2.0)) == 30.0 == hvps_per_estimate(Config(lr=0.12, eig_method="power"))
    assert cost(Config(lr=0.12))[0] == cost(Config(lr=0.34))[0]  # memory does not depend on it


def test_adams_preconditioned_sharpness_equals_the_dense_eigenvalues_of_p_inverse_h():
    """λmax(P⁻¹H) with P = diag(√v̂ + ε) read from Adam's state, against numpy's eigenvalues of the
    dense (non-symmetric) P⁻¹H of a tiny net after a few full-batch Adam steps."""
    import numpy as np

    from labcore.phenomena.edge_of_stability.nets import adam_preconditioner

    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    x, y = torch.randn(40, 6, generator=gen), torch.randint(0, 3, (40,), generator=gen)
    model = fc_net(6, 7, 2, 3, "tanh", "pytorch")
    crit = loss_fn("mse", 3)
    names, params = zip(*model.named_parameters())
    sizes = [p.numel() for p in params]
    opt = torch.optim.Adam(params, lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    assert adam_preconditioner(opt, params) is None  # no preconditioner before the first step
    for _ in range(5):
        opt.zero_grad()
        crit(model(x), y).backward()
        opt.step()

    def flat_loss(theta):  # theta: (P,)
        parts = [t.reshape(p.shape) for t, p in zip(theta.split(sizes), params)]
        return crit(functional_call(model, dict(zip(names, parts)), (x,)), y)

    theta = torch.cat([p.detach().reshape(-1) for p in params])
    hess = torch.autograd.functional.hessian(flat_loss, theta).double().numpy()  # (P, P)
    # P from Adam's own formula: v̂ = v / (1 − β₂^t), built here from the state independently
    v_hat = torch.cat([opt.state[p]["exp_avg_sq"].reshape(-1) for p in params]).double() / (1 - 0.999 ** 5)
    p_diag = (v_hat.sqrt() + 1e-8).numpy()
    exact = float(np.max(np.linalg.eigvals(hess / p_diag[:, None]).real))
    est = Sharpness(model, crit, x, y, tol=1e-7, max_iter=200, generator=gen,
                    scale=lambda: adam_preconditioner(opt, params))()
    assert math.isclose(est.values[0], exact, rel_tol=1e-3)
    plain = float(np.linalg.eigvalsh(hess)[-1])
    assert exact > 10 * plain  # the preconditioner matters: √v̂ is small late in training


def test_full_batch_adam_logs_its_threshold_and_the_preconditioned_sharpness_from_its_first_step():
    from labcore.phenomena.edge_of_stability import threshold

    exp = get("edge_of_stability")
    cfg = exp.make_config(**{**TINY, "optimizer": "adam", "lr": 2e-3, "steps": 30})
    assert threshold(cfg) == pytest.approx(38 / 2e-3)
    assert threshold(exp.make_config(lr=0.2)) == pytest.approx(10.0)  # GD: 2/η
    rows = _rows(optimizer="adam", lr=2e-3, steps=30)
    assert all(r["adam_threshold"] == pytest.approx(38 / 2e-3) and "two_over_lr" not in r for r in rows)
    sharp = [r for r in rows if "sharpness" in r]
    assert sharp[0]["step"] == 10 and all(r["sharpness"] > 0 for r in sharp)  # none at step 0: no P yet
    assert "adam_threshold" not in _rows(steps=2)[0]  # GD rows as before
