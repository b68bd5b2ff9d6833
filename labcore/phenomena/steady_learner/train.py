"""steady_learner's training, written once over a seed axis: S nets (one per Config, same
settings but `seed`) trained together; a solo run is the group of one (`run`).

mlp mode: batch-1 SGD where every seed draws its own sample at each step (its own data,
rotation and `order` stream). The hot loop does not go through `vmap(functional_call)`: on
this 4-layer, batch-1 net the vmapped step costs more than twice one nn.Module
step (dispatch overhead dominates), so the parameters stacked by `stack_module_state` are
laid out for `baddbmm` (weights pre-transposed, biases (S, 1, out)) and one step of 8 seeds
costs less than one nn.Module step (benchmarks/ensembles.py; docs/measurements.md, "Seed axis").
cnn mode (BatchNorm-free but per-seed conv nets whose stacking does not pay): a group of
one per seed, the seeds one after another.
"""
from __future__ import annotations

from typing import Any


def run(cfg, recorder) -> None:
    """One seed: the group of one. A divergence is raised (Diverged), as every solo run does."""
    _train([cfg], [recorder], solo=True)


def run_seeds(cfgs: list, recorders: list) -> list:
    """Train one net per Config (same settings but `seed`), seed i's rows to recorders[i];
    returns per-seed outcomes (None: trained to the end; else its final fields)."""
    if cfgs[0].mode == "mlp":
        return _train(cfgs, recorders)
    outcomes: list = []
    for cfg, recorder in zip(cfgs, recorders):  # conv nets: one seed after another
        outcomes += _train([cfg], [recorder])
    return outcomes


def _train(cfgs: list, recorders: list, solo: bool = False) -> list:
    """The one training loop of the phenomenon, over the seeds of `cfgs` (cnn mode: one)."""
    from labcore.core.loop import train_loop
    from labcore.nn import device, seed_axis

    cfg = cfgs[0]
    dev = device.resolve(cfg.device)
    def reached(row: dict) -> str:  # the early stop, with its reason for the page's status
        return f"training loss reached the target {cfg.target_loss:g}" if row["loss"] < cfg.target_loss else ""

    group = seed_axis.SeedRecorder(recorders, until=reached, reraise=solo, steps=cfg.epochs)
    build = _mlp if cfg.mode == "mlp" else _cnn
    epoch, measure = build(cfgs, group, dev)
    group.meta(device=device.describe(dev))
    return group.run(lambda: train_loop(group, cfg.epochs, epoch, measure,
                                        measure_every=max(1, cfg.epochs // 50),
                                        until=lambda row: not group.any_live()))


def _forward(p: list, x, patterns: list | None = None):
    """The BiasFirstMLP on stacked leaves p = [b (S,1,10), W1ᵀ, c1, ..., Woutᵀ, cout]:
    x (S, n, 10) -> (S, n, 1). `patterns` collects each ReLU's on/off (S, n, units)."""
    import torch

    h = torch.relu(x + p[0])
    if patterns is not None:
        patterns.append(h > 0)
    for k in range(1, len(p) - 2, 2):
        h = torch.relu(torch.baddbmm(p[k + 1], h, p[k]))
        if patterns is not None:
            patterns.append(h > 0)
    return torch.baddbmm(p[-1], h, p[-2])


def packed_region_ids(patterns):
    """`measures.region_ids` (same ids, same count) computed on bit-packed rows: (n, units)
    bool -> ids (n,), count. Rows packed most significant bit first compare bytewise in the
    same lexicographic order as torch.unique(dim=0) sorts the 0/1 rows, and numpy's unique
    over one opaque value per row is ~50x faster than unique_dim on 10,000 × 106 patterns,
    which would otherwise cost more than the 8 seeds' training."""
    import numpy as np
    import torch

    packed = np.packbits(patterns.cpu().numpy(), axis=1)  # (n, ceil(units / 8)) uint8
    rows = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, ids = np.unique(rows, return_inverse=True)
    ids = torch.from_numpy(ids.reshape(-1).astype(np.int64))
    return ids, int(ids.max()) + 1 if len(ids) else 0


def _mlp(cfgs: list, group: Any, dev) -> tuple:
    """(epoch, measure) of the stacked MLPs: batch-1 SGD, per epoch the bias trajectory."""
    import torch

    from labcore.core.rng import seed_everything, torch_generator
    from labcore.nn import seed_axis
    from labcore.phenomena.steady_learner.measures import trajectory_stats
    from labcore.phenomena.steady_learner.nets import build, sinusoid

    cfg = cfgs[0]
    nets, xs, ys, rots = [], [], [], []
    for c in cfgs:  # each seed on its own streams: seed, data, then init
        seed_everything(c.seed)
        x, y, rot = sinusoid(c.n_samples, c.freq, c.seed)  # (N, 10), (N,)
        xs.append(x), ys.append(y), rots.append(rot)
        nets.append(build("mlp", c.width, c.depth, c.init)[0])
    S, N, lr = len(cfgs), cfg.n_samples, cfg.lr
    x, y = torch.stack(xs).to(dev), torch.stack(ys).to(dev)  # (S, N, 10), (S, N)
    st = seed_axis.stack(nets)
    names = ["bias"] + [f"{n}.{w}" for n in [f"layers.{k}" for k in range(cfg.depth)] + ["out"]
                        for w in ("weight", "bias")]
    leaves = []  # bmm layout: weights (S, in, out), biases (S, 1, out)
    for name in names:
        t = st[name].detach()
        t = t.transpose(1, 2) if name.endswith("weight") else t[:, None, :]
        leaves.append(t.contiguous().to(dev).requires_grad_(True))
    gens = [torch_generator(c.seed, "order") for c in cfgs]
    b0 = leaves[0].detach().clone()
    seeds = torch.arange(S, device=dev)
    state = {"traj": torch.zeros(S, dtype=torch.float64), "var": torch.zeros(S, dtype=torch.float64),
             "total": torch.zeros(S, dtype=torch.float64),
             "var_sum": torch.zeros(S, dtype=torch.float64), "epochs": 0}

    def epoch(step: int) -> float:
        order = torch.stack([torch.randperm(N, generator=g) for g in gens]).to(dev)  # (S, N)
        xe = x[seeds[:, None], order].transpose(0, 1).unsqueeze(2).contiguous()  # (N, S, 1, 10)
        ye = y[seeds[:, None], order].t().reshape(N, S, 1, 1).contiguous()        # (N, S, 1, 1)
        biases = torch.empty(N + 1, S, 10, device=dev)
        errors = torch.empty(N, S, device=dev)
        biases[0] = leaves[0].detach()[:, 0]
        live = group.live_mask(dev)
        all_live = bool(live.all())
        keep = live.view(S, 1, 1)
        for t in range(N):
            out = _forward(leaves, xe[t])  # (S, 1, 1)
            err = (out - ye[t]).detach()   # (S, 1, 1) signed errors
            # ∂(½ e²)/∂out = e: backpropagate e itself (bit for bit the gradient autograd
            # gives through ½·e², without building the loss graph every step)
            grads = torch.autograd.grad(out, leaves, grad_outputs=err if all_live else torch.where(keep, err, 0.0))
            with torch.no_grad():
                seed_axis.sgd_step(leaves, grads, lr)
            biases[t + 1] = leaves[0].detach()[:, 0]
            errors[t] = err.view(S)
        losses = 0.5 * errors ** 2  # (N, S): each step's loss
        for i in range(S):  # per-seed statistics of its own trajectory
            if group.live[i]:
                stats = trajectory_stats(biases[:, i], errors[:, i], lr)
                state["traj"][i], state["var"][i] = stats["traj_len"], stats["bias_var"]
        state["total"] += state["traj"]
        state["var_sum"] += state["var"]
        state["epochs"] += 1
        group.check(step, losses.mean(dim=0))
        if not all(group.live):
            seed_axis.mask_dead(leaves, group.live_mask(dev))
        return 0.0  # divergence is checked per seed by group.check

    @torch.no_grad()
    def measure(step: int) -> dict:
        full = (0.5 * (_forward(leaves, x).squeeze(2) - y) ** 2).mean(dim=1)  # (S,)
        row = {"loss": full, "traj_len": state["traj"] if step else 0.0, "traj_len_total": state["total"],
               "bias_var": state["var"] if step else 0.0,
               "bias_var_avg": state["var_sum"] / max(state["epochs"], 1), "bias_var_total": state["var_sum"],
               "dist_init": (leaves[0] - b0).flatten(1).norm(dim=1)}
        ids, row["regions"] = _regions(leaves, rots, cfg.grid, dev, group.live)
        for i in range(S):
            if ids[i] is not None:
                group.artifact(i, "regions", ids[i].cpu().numpy())  # the latest map replaces the previous
        return row

    return epoch, measure


def _regions(p: list, rotations: list, grid: int, dev, live: list) -> tuple[list, list]:
    """Per live seed: its activation-region ids on a grid over [-1, 1]² ((grid, grid)) and count."""
    import torch

    from labcore.phenomena.steady_learner.nets import embed

    lin = torch.linspace(-1, 1, grid)
    g1, g2 = torch.meshgrid(lin, lin, indexing="ij")
    pts = torch.stack([g1.reshape(-1), g2.reshape(-1)], dim=1)  # (grid², 2)
    pats: list = []
    _forward(p, torch.stack([embed(pts, r) for r in rotations]).to(dev), patterns=pats)
    allp = torch.cat(pats, dim=2)  # (S, grid², units)
    ids, counts = [], []
    for i in range(len(rotations)):
        if not live[i]:
            ids.append(None), counts.append(None)
            continue
        seed_ids, count = packed_region_ids(allp[i])
        ids.append(seed_ids.reshape(grid, grid)), counts.append(float(count))
    return ids, counts


def _cnn(cfgs: list, group: Any, dev) -> tuple:
    """(epoch, measure) of one seed's conv net (cnn mode: two-class images, corrupted labels)."""
    import torch

    from labcore.core.rng import seed_everything, torch_generator
    from labcore.phenomena.steady_learner.measures import trajectory_stats
    from labcore.phenomena.steady_learner.nets import build, two_class

    (cfg,) = cfgs
    seed_everything(cfg.seed)
    x, y = two_class(cfg.cnn_data, cfg.n_samples, cfg.corruption, cfg.seed)  # (N, c, s, s), (N,)
    model, bias = build(cfg.mode, cfg.width, cfg.depth, cfg.init, tuple(x.shape[1:]))
    model, x, y = model.to(dev), x.to(dev), y.to(dev)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=cfg.lr)
    b0 = bias.detach().clone()
    gen = torch_generator(cfg.seed, "order")
    last = {"traj_len": 0.0, "bias_var": 0.0, "loss": 0.0}
    total, var_sum, n_epochs = 0.0, 0.0, 0

    def epoch(step: int) -> float:
        nonlocal last, total, var_sum, n_epochs
        order = torch.randperm(len(x), generator=gen)
        biases = [bias.detach().clone()]
        errors, losses = [], []
        for i in order.tolist():
            err = model(x[i:i + 1]).squeeze() - y[i]  # scalar signed error
            loss = 0.5 * err**2
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            biases.append(bias.detach().clone())
            errors.append(err.detach())
            losses.append(loss.detach())
        last = trajectory_stats(torch.stack(biases), torch.stack(errors), cfg.lr)
        total += last["traj_len"]
        var_sum, n_epochs = var_sum + last["bias_var"], n_epochs + 1
        last["loss"] = float(torch.stack(losses).mean())
        return last["loss"]

    @torch.no_grad()
    def measure(step: int) -> dict:
        full = float((0.5 * (model(x).squeeze(1) - y) ** 2).mean())
        return {"loss": full, "traj_len": last["traj_len"] if step else 0.0,
                "traj_len_total": total, "bias_var": last["bias_var"] if step else 0.0,
                "bias_var_avg": var_sum / max(n_epochs, 1), "bias_var_total": var_sum,
                "dist_init": float((bias - b0).norm())}

    return epoch, measure
