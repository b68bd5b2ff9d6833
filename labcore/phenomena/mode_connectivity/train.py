"""Instability analysis (Frankle, Dziugaite, Roy & Carbin 2020) and the Hessian's spectrum
at the end of training (imports torch; called by `run`).

A net trains from its init θ0 with one data order (the shared trunk); at each spawn step k
its weights and optimiser state are copied into two children, which train the remaining
steps − k steps with different data orders (different SGD noise) and the same everything
else. The error along the segment between the children's final weights gives the barrier
for k; one row per k (its step is k). The k = 0 child `a` (a plain training from θ0) also
gives the 1-D slice from θ0 to its solution (Goodfellow, Vinyals & Saxe 2015), a 2-D plot in
two random filter-normalised directions around the solution (Li et al. 2018) and the
Hessian's spectrum there (labcore.nn.measures.spectrum).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch.nn.functional import cross_entropy

from labcore.core.loop import train_loop
from labcore.core.rng import seed_everything, stream_seed, torch_generator
from labcore.nn import data
from labcore.nn.measures import spectrum
from labcore.nn.measures.hessian import hvp_operator, lanczos
from labcore.phenomena.mode_connectivity import measures
from labcore.phenomena.mode_connectivity.nets import build, linear_layers


def derived_generator(seed: int, name: str, *key: int) -> torch.Generator:
    """A generator for stream `name` of `seed`, split further by `key` (the spawn step and
    the child), so every child's data order is its own and reproducible."""
    seq = np.random.SeedSequence(stream_seed(seed, name), spawn_key=tuple(int(k) for k in key))
    return torch.Generator().manual_seed(int(seq.generate_state(1, np.uint64)[0] & np.uint64(2**63 - 1)))


def clone(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of every parameter and buffer."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def spawn_points(cfg) -> list[int]:
    """The spawn steps k that are below `steps`, sorted, each once."""
    return sorted({int(k) for k in cfg.spawn_steps if int(k) < cfg.steps})


class Trainer:
    """Minibatch SGD with momentum on the run's training set; each call of `fit` is one
    `train_loop` (its divergence check included)."""

    def __init__(self, cfg, x: torch.Tensor, y: torch.Tensor, recorder) -> None:
        self.cfg, self.x, self.y, self.recorder = cfg, x, y, recorder

    def optimizer(self, model):
        """SGD with the run's step size and momentum (no warm-up)."""
        return torch.optim.SGD(model.parameters(), lr=self.cfg.lr, momentum=self.cfg.momentum)

    def fit(self, model, opt, n_steps: int, order: torch.Generator, keep: dict[int, tuple] | None = None,
            start: int = 0) -> None:
        """Train `n_steps` steps drawing epochs in the order of `order`; when `keep` maps
        clock steps to None, the weights and optimiser state at each are stored there."""
        n, bs = len(self.y), min(self.cfg.batch_size, len(self.y))
        batches = {"perm": torch.randperm(n, generator=order), "pos": 0}
        model.train()

        def snapshot(step: int) -> None:
            if keep is not None and step in keep:
                keep[step] = (clone(model), _copy(opt.state_dict()))

        def step_fn(step: int) -> torch.Tensor:
            snapshot(start + step)
            if batches["pos"] + bs > n:  # a new epoch (the last partial batch is dropped)
                batches["perm"], batches["pos"] = torch.randperm(n, generator=order), 0
            idx = batches["perm"][batches["pos"]:batches["pos"] + bs]  # (bs,)
            batches["pos"] += bs
            opt.zero_grad(set_to_none=True)
            loss = cross_entropy(model(self.x[idx]), self.y[idx])
            loss.backward()
            opt.step()
            return loss.detach()

        train_loop(self.recorder, n_steps, step_fn)
        snapshot(start + n_steps)


def _copy(obj):
    """A deep copy of an optimiser state (tensors cloned), so a snapshot outlives the trunk's updates."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().clone()
    if isinstance(obj, dict):
        return {k: _copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_copy(v) for v in obj]
    return obj


def run_spawns(cfg, recorder) -> None:
    """The shared trunk, two children per spawn step, the barrier rows, then the landscape
    and spectrum of the k = 0 child (see the module doc)."""
    seed_everything(cfg.seed)
    split = data.load(cfg.dataset, cfg.n_train, cfg.n_test, cfg.seed, flatten=True)
    x, y, xt, yt = split.x_train, split.y_train, split.x_test, split.y_test  # (n, d), (n,)
    make = lambda: build(cfg.arch, x.shape[1], split.n_classes, cfg.width, cfg.depth)
    torch.manual_seed(stream_seed(cfg.seed, "init"))
    model = make()
    theta0 = clone(model)
    ks = spawn_points(cfg)
    total = float(ks[-1] + 2 * sum(cfg.steps - k for k in ks))
    recorder.meta(device="cpu", data=str(getattr(split, "source", "") or cfg.dataset),
                  params=int(sum(p.numel() for p in model.parameters())))
    trainer = Trainer(cfg, x, y, recorder)
    keep: dict[int, tuple | None] = {k: None for k in ks}
    recorder.span(0.0, ks[-1] / total)
    trunk_opt = trainer.optimizer(model)
    trainer.fit(model, trunk_opt, ks[-1], derived_generator(cfg.seed, "order", 0), keep)
    done = float(ks[-1])
    alphas = np.linspace(0.0, 1.0, cfg.points)
    probe = make()
    evaluate = lambda m: {"test_err": measures.error(m, xt, yt), "train_err": measures.error(m, x, y)}
    first_child = None
    for k in ks:
        ends = []
        for c in (1, 2):
            recorder.span(done / total, (done + cfg.steps - k) / total)
            done += cfg.steps - k
            child = make()
            child.load_state_dict(keep[k][0])
            opt = trainer.optimizer(child)
            opt.load_state_dict(_copy(keep[k][1]))
            trainer.fit(child, opt, cfg.steps - k, derived_generator(cfg.seed, "order", k, c), start=k)
            ends.append(clone(child))
            if k == ks[0] and c == 1:
                first_child = child
        path = measures.path_errors(probe, ends[0], ends[1], alphas, evaluate)
        test, train = [p["test_err"] for p in path], [p["train_err"] for p in path]
        dist = _distance(ends[0], ends[1]) / max(_distance(ends[0], {n: 0 * v for n, v in ends[0].items()}), 1e-12)
        recorder.log(k, barrier_test=measures.barrier(test), barrier_train=measures.barrier(train),
                     end_test_err=0.5 * (test[0] + test[-1]), end_train_err=0.5 * (train[0] + train[-1]),
                     mid_test_err=float(test[len(test) // 2]), distance=dist)
        recorder.artifact(f"path_k{k}", pd.DataFrame(path))
    final = clone(first_child)
    _landscape(cfg, recorder, probe, theta0, final, x, y)
    _spectrum(cfg, recorder, first_child, x, y, split.n_classes, ks[-1])


def _distance(a: dict, b: dict) -> float:
    """‖a − b‖ over the floating parameters and buffers that are weights (not BN statistics)."""
    keys = [k for k in a if a[k].is_floating_point() and "running" not in k]
    return float(sum(((a[k] - b[k]) ** 2).sum() for k in keys) ** 0.5)


@torch.no_grad()
def _landscape(cfg, recorder, probe, theta0, final, x, y) -> None:
    """The 1-D slice θ0 → solution (α from −0.25 to 1.25) and the 2-D filter-normalised
    plane around the solution, both on the first `hessian_examples` training examples."""
    xs, ys = x[:cfg.hessian_examples], y[:cfg.hessian_examples]

    def loss_err(m) -> dict:
        m.train()
        out = m(xs)  # (n, C)
        return {"loss": float(cross_entropy(out, ys)), "err": float((out.argmax(1) != ys).float().mean())}

    alphas = np.linspace(-0.25, 1.25, 2 * cfg.points - 1)
    recorder.artifact("slice_init", pd.DataFrame(measures.path_errors(probe, theta0, final, alphas, loss_err)))
    if cfg.plane_points < 2:
        return
    gen = torch_generator(cfg.seed, "noise")
    weights = {n: v for n, v in final.items() if "running" not in n and "num_batches" not in n}
    d1 = measures.filter_normalised_direction(weights, gen)
    d2 = measures.filter_normalised_direction(weights, gen)
    grid = np.linspace(-1.0, 1.0, cfg.plane_points)
    rows = []
    for a in grid:
        for b in grid:
            probe.load_state_dict(measures.plane(final, d1, d2, float(a), float(b)))
            rows.append({"a": float(a), "b": float(b), **loss_err(probe)})
    recorder.artifact("plane", pd.DataFrame(rows))


def _spectrum(cfg, recorder, model, x, y, n_classes: int, step: int) -> None:
    """Sharpness (Lanczos), SLQ density, Hutchinson trace and per-layer top eigenvalues of
    the training loss on the first `hessian_examples` examples, at the k = 0 child's end."""
    if cfg.slq_steps < 2:
        return
    xs, ys = x[:cfg.hessian_examples], y[:cfg.hessian_examples]
    model.train()  # BatchNorm on the batch's statistics, as in training
    loss = cross_entropy(model(xs), ys)
    params = [p for p in model.parameters() if p.requires_grad]
    dim = sum(p.numel() for p in params)
    matvec = hvp_operator(loss, params)
    gen = torch_generator(cfg.seed, "eval")
    top = lanczos(matvec, dim, k=1, tol=1e-4, max_iter=100, generator=gen)
    quads = spectrum.slq(matvec, dim, steps=cfg.slq_steps, n_vectors=cfg.slq_vectors, generator=gen)
    ritz = spectrum.top_ritz(quads, 4 * n_classes)
    n_out = spectrum.outlier_count(ritz, max_count=2 * n_classes)
    trace, trace_se = spectrum.hutchinson_trace(matvec, dim, cfg.hutchinson, generator=gen)
    layers = spectrum.layer_top_eigenvalues(
        loss, {f"l{i}": [lin.weight, lin.bias] for i, lin in enumerate(linear_layers(model))}, generator=gen)
    lo, hi = min(float(q.nodes.min()) for q in quads), max(float(q.nodes.max()) for q in quads)
    sigma = 0.01 * (hi - lo)  # Gaussian broadening: 1 % of the spectrum's width
    grid = np.linspace(lo - 5 * sigma, hi + 5 * sigma, 400)
    recorder.artifact("spectrum", pd.DataFrame({"eigenvalue": grid, "density": spectrum.density(quads, grid, sigma)}))
    recorder.artifact("ritz", pd.DataFrame({"rank": np.arange(1, len(ritz) + 1), "eigenvalue": ritz}))
    recorder.log(cfg.steps, sharpness=top.values[0], slq_top=float(ritz[0]), n_outliers=float(n_out),
                 classes=float(n_classes), trace_hutchinson=trace, trace_se=trace_se,
                 trace_slq=spectrum.slq_trace(quads, dim),
                 bulk_edge=float(ritz[n_classes]) if len(ritz) > n_classes else 0.0,  # the (C + 1)-th eigenvalue
                 **{f"layer_top_{k}": v for k, v in layers.items()})
