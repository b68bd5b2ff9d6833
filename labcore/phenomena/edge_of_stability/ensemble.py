"""edge_of_stability for N seeds in one process: full-batch GD of the stacked nets through
vmap(functional_call), each seed on its own data subset; the sharpness of seed i is measured
on its own net (a module that gets seed i's current parameters before each estimate) with
its own warm-started Lanczos state, because the iteration count is data-dependent per seed."""
from __future__ import annotations


def run_seeds(cfgs: list, recs: list) -> list:
    """Train one net per Config (same settings but `seed`), seed i's rows to recs[i]."""
    import torch

    from labcore.core.loop import every, train_loop
    from labcore.core.rng import seed_everything, torch_generator
    from labcore.nn import data, device, ensemble
    from labcore.phenomena.edge_of_stability.nets import Sharpness, fc_net, loss_fn, standardise

    cfg, S = cfgs[0], len(cfgs)
    dev = device.resolve(cfg.device)
    nets, xs, ys = [], [], []
    for c in cfgs:  # each seed exactly as its solo run: seed, data, then init
        seed_everything(c.seed)
        split = data.load(c.dataset, c.n_train, 10, c.seed, flatten=True)
        x, _ = standardise(split.x_train)
        xs.append(x.to(dev)), ys.append(split.y_train.to(dev))
        nets.append(fc_net(x.shape[1], c.width, c.depth, split.n_classes, c.activation, c.init).to(dev))
    criterion = loss_fn(cfg.loss, split.n_classes)
    x, y = torch.stack(xs), torch.stack(ys)  # (S, n, d), (S, n)
    base = ensemble.template(nets[0])
    params = ensemble.stack(nets)
    leaves = list(params.values())
    opt = ensemble.optimizer("sgd", leaves, cfg.lr)
    sharps = [Sharpness(net, criterion, xs[i], ys[i], k=cfg.top_k, method=cfg.eig_method, tol=cfg.eig_tol,
                        max_iter=cfg.eig_iters, generator=torch_generator(c.seed, "eval"))
              for i, (net, c) in enumerate(zip(nets, cfgs))]
    group = ensemble.SeedGroup(recs)
    pending: dict = {}  # the measured forward pass, reused by the step (as the solo run)

    def losses():
        out = ensemble.vmapped(base, params, x)  # (S, n, C)
        return torch.stack([criterion(out[i], y[i]) for i in range(S)]), out  # (S,), (S, n, C)

    def measure(step: int) -> dict:
        loss, out = losses()
        pending.clear()
        pending[step] = loss
        return {"loss": loss.detach(), "train_acc": (out.argmax(2) == y).float().mean(dim=1),
                "two_over_lr": 2.0 / cfg.lr}

    def sharpness(step: int) -> dict:
        cols: dict = {}
        for i in range(S):
            if not group.live[i]:
                continue
            with torch.no_grad():  # seed i's current parameters into its own module
                for name, p in nets[i].named_parameters():
                    p.copy_(params[name][i])
            eigs = sharps[i]()
            vals = {"sharpness": eigs.values[0], "hvps": float(eigs.hvps)}
            vals.update({f"eig_{j + 1}": v for j, v in enumerate(eigs.values[1:], start=1)})
            for k, v in vals.items():
                cols.setdefault(k, [None] * S)[i] = v
        return cols

    def step_fn(step: int) -> float:
        loss = pending.pop(step, None)
        if loss is None:
            loss = losses()[0]
        opt.zero_grad(set_to_none=True)
        group.descend(opt, step, loss, leaves)
        return 0.0

    group.meta(device=device.describe(dev), n_params=sharps[0].dim)
    return group.run(lambda: train_loop(group, cfg.steps, step_fn, measure, 1,
                                        schedules=[(every(cfg.eig_every), sharpness)],
                                        until=lambda row: not group.any_live()))
