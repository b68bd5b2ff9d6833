"""information_bottleneck for N seeds in one process: the stacked IBNets take Adam minibatch
steps together through vmap(functional_call), each seed on its own train split and its own
epoch order (per-seed batches gathered from the stacked training sets); the binned mutual
information is computed per seed as the solo run does (numpy, per layer)."""
from __future__ import annotations


def run_seeds(cfgs: list, recs: list) -> list:
    """Train one net per Config (same settings but `seed`), seed i's rows to recs[i]."""
    import numpy as np
    import torch
    from torch.nn.functional import cross_entropy

    from labcore.core.loop import every, log_spaced, train_loop
    from labcore.core.rng import numpy_rng, seed_everything, torch_generator
    from labcore.nn import device as devices
    from labcore.nn import ensemble
    from labcore.phenomena.information_bottleneck import data
    from labcore.phenomena.information_bottleneck.measures import codes, layer_information
    from labcore.phenomena.information_bottleneck.nets import IBNet
    from labcore.phenomena.information_bottleneck.train import LOSS_POINTS

    cfg, S = cfgs[0], len(cfgs)
    dev = devices.resolve(cfg.device)
    x_np, y_np = data.twelve_bit()                                  # (4096, 12), (4096,)
    x, y = torch.from_numpy(x_np).to(dev), torch.from_numpy(y_np).to(dev)
    x_ids = codes(x_np)
    nets, trs, tes = [], [], []
    for c in cfgs:  # each seed exactly as its solo run: seed, split, then init
        seed_everything(c.seed)
        tr, te = data.split(len(y_np), c.train_frac, numpy_rng(c.seed, "data"))
        trs.append(torch.from_numpy(tr).to(dev)), tes.append(torch.from_numpy(te).to(dev))
        nets.append(IBNet(x.shape[1], tuple(c.widths), 2, c.activation).to(dev))
    tr_idx, te_idx = torch.stack(trs), torch.stack(tes)             # (S, n), (S, m)
    x_tr, y_tr, x_te, y_te = x[tr_idx], y[tr_idx], x[te_idx], y[te_idx]  # (S, n, 12), (S, n), ...
    base = ensemble.template(nets[0])
    params = ensemble.stack(nets)
    leaves = list(params.values())
    opt = ensemble.optimizer("adam", leaves, cfg.lr)
    orders = [torch_generator(c.seed, "order") for c in cfgs]
    n, bs = tr_idx.shape[1], min(cfg.batch_size, tr_idx.shape[1])
    rows = torch.arange(S, device=dev)[:, None]
    group = ensemble.SeedGroup(recs)

    def ce(logits, labels):  # (S, b, 2), (S, b) -> (S,): the mean cross-entropy of each seed
        return cross_entropy(logits.flatten(0, 1), labels.flatten(), reduction="none").view(S, -1).mean(1)

    def epoch_fn(step: int) -> float:
        perm = torch.stack([torch.randperm(n, generator=g) for g in orders]).to(dev) if bs < n else None
        total = torch.zeros(S, dtype=torch.float64, device=dev)
        live = group.live_mask(dev)
        for i in range(0, n, bs):
            xb, yb = (x_tr[rows, perm[:, i:i + bs]], y_tr[rows, perm[:, i:i + bs]]) if perm is not None \
                else (x_tr, y_tr)  # (S, b, 12), (S, b): each seed's own minibatch
            opt.zero_grad(set_to_none=True)
            loss = ce(ensemble.vmapped(base, params, xb), yb)  # (S,)
            ensemble.masked_sum(loss, live).backward()
            opt.step()
            total += loss.detach().double() * (min(i + bs, n) - i)
        group.check(step, total / n)
        if not all(group.live):
            ensemble.mask_dead(leaves, group.live_mask(dev))
        return 0.0

    def layers(inputs):  # (N, 12) shared -> [(S, N, w_k)]
        return torch.func.vmap(lambda p: _hidden(p, inputs, cfg.activation, len(cfg.widths)))(params)

    @torch.no_grad()
    def fit(step: int) -> dict:
        lt, lte = ensemble.vmapped(base, params, x_tr), ensemble.vmapped(base, params, x_te)
        return {"loss": ce(lt, y_tr), "test_loss": ce(lte, y_te),
                "train_acc": (lt.argmax(2) == y_tr).float().mean(1),
                "test_acc": (lte.argmax(2) == y_te).float().mean(1)}

    @torch.no_grad()
    def information(step: int) -> dict:
        acts = layers(x)  # [(S, 4096, w_k)]: every pattern, train and test
        row: dict = {}
        for k, t in enumerate(acts, start=1):
            pairs = [layer_information(t[i].cpu().numpy(), x_ids, y_np, cfg.activation, cfg.bins)
                     if group.live[i] else (np.nan, np.nan) for i in range(S)]
            row[f"ixt_l{k}"], row[f"ity_l{k}"] = [p[0] for p in pairs], [p[1] for p in pairs]
        row["last_ixt"], row["last_ity"] = row[f"ixt_l{len(acts)}"], row[f"ity_l{len(acts)}"]
        return row

    group.meta(device=devices.describe(dev), n_train=n, h_y=data.label_entropy())
    return group.run(lambda: train_loop(group, cfg.epochs, epoch_fn,
                                        schedules=[(every(max(1, cfg.epochs // LOSS_POINTS)), fit),
                                                   (log_spaced(cfg.points), information)],
                                        until=lambda row: not group.any_live()))


def _hidden(p: dict, x, activation: str, depth: int) -> list:
    """IBNet.layers' hidden activations on one seed's parameters (called under vmap):
    [T_k (n, w_k)], the same Linear + activation ops as the module."""
    import torch
    from torch.nn.functional import linear

    act = torch.tanh if activation == "tanh" else torch.relu
    acts = []
    for k in range(depth):
        x = act(linear(x, p[f"hidden.{k}.weight"], p[f"hidden.{k}.bias"]))
        acts.append(x)
    return acts
