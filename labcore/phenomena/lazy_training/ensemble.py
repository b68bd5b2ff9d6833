"""lazy_training for N seeds in one process: the solo `run`'s data, nets and measurements,
stacked over seeds (labcore.nn.ensemble). Seed i's rows equal its solo run's to float
tolerance (tests/phenomena/test_ensembles.py states the measured difference)."""
from __future__ import annotations

import math


def run_seeds(cfgs: list, recs: list) -> list:
    """Train one net per Config in `cfgs` (they differ only in `seed`), writing seed i's rows
    to recs[i]; returns the per-seed outcomes (None: trained to the end)."""
    import torch
    from torch.nn.functional import cross_entropy

    from labcore.core.loop import train_loop
    from labcore.core.rng import seed_everything
    from labcore.nn import data, device, ensemble, models
    from labcore.nn.measures.ntk import kernel_change, ntk_one_hidden

    cfg = cfgs[0]
    dev = device.resolve(cfg.device)
    nets, xs, ys, xts, yts = [], [], [], [], []
    for c in cfgs:  # each seed exactly as its solo run: seed, then data, then init
        seed_everything(c.seed)
        split = data.load(c.dataset, c.n_train, c.n_test, c.seed)
        xs.append(split.x_train * c.input_scale), ys.append(split.y_train)
        xts.append(split.x_test * c.input_scale), yts.append(split.y_test)
        if c.parametrization == "ntk":
            nets.append(models.NTKMLP(split.x_train.shape[1], c.width, split.n_classes))
        else:
            nets.append(models.init_weights(models.mlp(split.x_train.shape[1], [c.width], split.n_classes), c.init))
    x, y = torch.stack(xs).to(dev), torch.stack(ys).to(dev)        # (S, n, d), (S, n)
    xt, yt = torch.stack(xts).to(dev), torch.stack(yts).to(dev)    # (S, m, d), (S, m)
    S, d_in = x.shape[0], x.shape[2]
    lr = cfg.lr if cfg.parametrization == "ntk" else cfg.lr / math.sqrt(cfg.width)
    base = ensemble.template(nets[0])
    params = {k: v.to(dev).detach().requires_grad_(True) for k, v in ensemble.stack(nets).items()}
    leaves = list(params.values())
    opt = ensemble.optimizer("sgd", leaves, lr)
    params0 = [p.detach().clone() for p in leaves]
    probe = x[:, : cfg.probe]  # (S, P, d)
    group = ensemble.SeedGroup(recs)

    def losses(inputs, labels) -> tuple[torch.Tensor, torch.Tensor]:
        logits = ensemble.vmapped(base, params, inputs)  # (S, n, C)
        per = cross_entropy(logits.flatten(0, 1), labels.flatten(), reduction="none")  # (S*n,)
        return per.view(S, -1).mean(dim=1), logits  # (S,), (S, n, C)

    def kernel(i: int) -> torch.Tensor:
        p = ensemble.member(params, i)
        if cfg.parametrization == "ntk":
            return ntk_one_hidden(probe[i], p["weight_in"], None, p["weight_out"], None,
                                  in_scale=1 / math.sqrt(d_in), out_scale=1 / math.sqrt(cfg.width))
        return ntk_one_hidden(probe[i], p["0.weight"], p["0.bias"], p["2.weight"], p["2.bias"])

    k0 = [kernel(i) for i in range(S)] if cfg.probe else None

    def step_fn(step: int) -> float:
        opt.zero_grad(set_to_none=True)
        loss, _ = losses(x, y)
        group.descend(opt, step, loss, leaves)
        return 0.0

    @torch.no_grad()
    def measure(step: int) -> dict:
        loss, logits = losses(x, y)
        _, logits_t = losses(xt, yt)
        diff = [(p - p0).flatten(1) for p, p0 in zip(leaves, params0)]  # per tensor (S, k)
        init = [p0.flatten(1) for p0 in params0]
        row = {
            "loss": loss,
            "train_acc": (logits.argmax(dim=2) == y).float().mean(dim=1),
            "test_acc": (logits_t.argmax(dim=2) == yt).float().mean(dim=1),
            "rel_change": sum(t.norm(dim=1) for t in diff) / sum(t.norm(dim=1) for t in init),
            "rel_change_l2": torch.sqrt(sum((t ** 2).sum(dim=1) for t in diff)
                                        / sum((t ** 2).sum(dim=1) for t in init)),
        }
        if k0 is not None:
            row["kernel_change"] = [kernel_change(k0[i], kernel(i)) if group.live[i] else 0.0
                                    for i in range(S)]
        return row

    group.meta(device=device.describe(dev), effective_lr=lr)
    return group.run(lambda: train_loop(group, cfg.steps, step_fn, measure, cfg.eval_every,
                                        until=lambda row: not group.any_live()))
