"""One superposition run: every sparsity instance of the toy model trained at once with Adam."""
from __future__ import annotations

import pandas as pd
import torch

from labcore.core.loop import Schedule, train_loop
from labcore.core.rng import seed_everything, torch_generator
from labcore.phenomena.superposition import grid, measures
from labcore.phenomena.superposition.nets import ToyModel

# A feature counts as represented when ‖W_i‖ > REPRESENTED (the trained norms are ≈ 1 or ≈ 0:
# measured at the defaults, represented 0.93-1.05, the others < 0.05).
REPRESENTED = 0.5
EVAL_BATCH = 4096


def batch(n: int, probs: torch.Tensor, n_features: int, gen: torch.Generator) -> torch.Tensor:
    """(n, I, n_features): each feature U(0, 1) with probability probs[i] (instance i), else 0."""
    shape = (n, len(probs), n_features)
    values = torch.rand(shape, generator=gen)
    keep = torch.rand(shape, generator=gen) < probs[None, :, None]
    return values * keep


def weighted_mse(out: torch.Tensor, x: torch.Tensor, importance: torch.Tensor) -> torch.Tensor:
    """Importance-weighted squared error, mean over examples and features: (batch, I, n) -> (I,)."""
    return (importance * (out - x) ** 2).mean(dim=(0, 2))


def weights_table(w: torch.Tensor, b: torch.Tensor, sparsity: list[float], importance: list[float]) -> pd.DataFrame:
    """The artifact `W`: one row per (instance, feature) with the column W_i (w0..w{m−1}), b_i,
    ‖W_i‖, superposition and dimensionality."""
    n_inst, m, n = w.shape
    norms, sup, dim = measures.norms(w), measures.superposition(w), measures.dimensionality(w)
    rows = {"instance": [k for k in range(n_inst) for _ in range(n)],
            "sparsity": [sparsity[k] for k in range(n_inst) for _ in range(n)],
            "feature": list(range(n)) * n_inst, "importance": importance * n_inst}
    for j in range(m):
        rows[f"w{j}"] = w[:, j, :].reshape(-1).tolist()
    rows.update(b=b.reshape(-1).tolist(), norm=norms.reshape(-1).tolist(),
                superposition=sup.reshape(-1).tolist(), dimensionality=dim.reshape(-1).tolist())
    return pd.DataFrame(rows)


def train(cfg, recorder) -> None:
    """Train and log the loss (summed over instances, as the paper's notebook), each instance's
    loss, represented features and dimensions per feature every eval_every steps; each feature's
    norm, dimensionality (and angle when m = 2) and the artifact W every snapshot_every steps."""
    seed_everything(cfg.seed)
    sparsity = grid.sparsities(cfg.n_instances, cfg.s_max)
    importance = grid.importances(cfg.n_features, cfg.importance)
    probs = torch.tensor([1.0 - s for s in sparsity])
    imp = torch.tensor(importance)
    model = ToyModel(cfg.n_instances, cfg.n_features, cfg.n_hidden, torch_generator(cfg.seed, "init"))
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    data_gen = torch_generator(cfg.seed, "data")
    x_eval = batch(EVAL_BATCH, probs, cfg.n_features, torch_generator(cfg.seed, "eval"))

    def evaluate(step: int) -> dict:
        with torch.no_grad():
            per = weighted_mse(model(x_eval), x_eval, imp)           # (I,)
            w = model.W.detach()
            n_rep = (measures.norms(w) > REPRESENTED).sum(1)        # (I,)
            dpf = measures.dims_per_feature(w)
        row = {"loss": float(per.sum())}
        for k in range(cfg.n_instances):
            row[f"loss_s{k}"] = float(per[k])
            row[f"n_rep_s{k}"] = int(n_rep[k])
            row[f"dpf_s{k}"] = float(dpf[k])
        return row

    def snapshot(step: int) -> dict:
        w, b = model.W.detach(), model.b.detach()
        norms, dim = measures.norms(w), measures.dimensionality(w)
        row = {}
        for k in range(cfg.n_instances):
            for i in range(cfg.n_features):
                row[f"norm_s{k}_f{i}"] = float(norms[k, i])
                row[f"dim_s{k}_f{i}"] = float(dim[k, i])
        if cfg.n_hidden == 2:
            ang = measures.angles(w)
            row.update({f"angle_s{k}_f{i}": float(ang[k, i])
                        for k in range(cfg.n_instances) for i in range(cfg.n_features)})
        recorder.artifact("W", weights_table(w, b, sparsity, importance))
        return row

    def step_fn(step: int) -> torch.Tensor:
        x = batch(cfg.batch_size, probs, cfg.n_features, data_gen)
        loss = weighted_mse(model(x), x, imp).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.detach()

    recorder.meta(device="cpu", sparsities=sparsity, n_params=model.W.numel() + model.b.numel())
    plan = [(Schedule(every=cfg.eval_every), evaluate), (Schedule(every=cfg.snapshot_every), snapshot)]
    train_loop(recorder, cfg.steps, step_fn, schedules=plan)
