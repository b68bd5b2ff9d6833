"""The μP grid, trained once per run (imports torch; called by `run`).

One run is one parametrisation: at every width of `cfg.widths` it trains the same initial
network once per learning rate 2^e of the grid (Adam, the same minibatches for every point)
and records each point's training loss over its last epoch, then a short coordinate check at the fixed
rate `cfg.lr`. train_loop's step s is the s-th width: its measurement trains that width's
grid and the step returns the best loss; the row is filed under the width (`ByWidth`), so
the run's curves are drawn against width.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from labcore.core import catalogue
from labcore.core.loop import every, train_loop
from labcore.core.recorder import Cancelled
from labcore.core.rng import stream_seed, torch_generator
from labcore.nn import data, device
from labcore.phenomena.mup import measures
from labcore.phenomena.mup.nets import MLP, adam, rules


class ByWidth:
    """A Recorder view filing the row of loop step s under the s-th width. The loop's own
    progress (one step per width) is ignored: the grid reports its progress by cost."""

    def __init__(self, recorder, widths: list[int]) -> None:
        self._recorder, self._widths = recorder, widths

    def log(self, step: int, **metrics: float) -> None:
        """recorder.log under the width of loop step `step`."""
        self._recorder.log(self._widths[min(step, len(self._widths) - 1)], **metrics)

    def progress(self, fraction: float) -> None:
        """The loop's per-width progress: superseded by the grid's own (see module doc)."""

    def __getattr__(self, name: str):
        return getattr(self._recorder, name)


def loss_fn(kind: str):
    """The training loss: `xent` cross-entropy, `mse` mean squared error to one-hot targets
    (F.mse_loss over every logit, as the original code's MSE_label)."""
    if kind == "xent":
        return F.cross_entropy
    return lambda out, y: F.mse_loss(out, F.one_hot(y, out.shape[1]).to(out.dtype))


def train_point(model: MLP, lr: float, x: torch.Tensor, y: torch.Tensor, batches: torch.Tensor, loss, stop,
                tail: int) -> float:
    """Adam at base rate `lr` (each layer at its rule's multiple) over `batches` (steps, B) of
    indices into x (n, d), y (n,); returns the mean minibatch loss of the last `tail` steps (the
    last epoch: the original code's `train_loss`, an epoch's average, which a single final
    iterate's loss at a large rate makes noisy); inf when a step's loss went non-finite (the
    point stops there). `stop()` True cancels the run."""
    opt = adam(model, lr)
    first_kept, total = len(batches) - tail, 0.0
    for step, idx in enumerate(batches):  # idx: (B,)
        if stop():
            raise Cancelled()
        opt.zero_grad(set_to_none=True)
        step_loss = loss(model(x[idx]), y[idx])
        if not torch.isfinite(step_loss):
            return math.inf
        if step >= first_kept:
            total += float(step_loss.detach())
        step_loss.backward()
        opt.step()
    return total / tail


def coordinate_check(model: MLP, lr: float, x: torch.Tensor, y: torch.Tensor, batches: torch.Tensor, loss,
                     probe: torch.Tensor) -> dict[str, float]:
    """Adam at the fixed rate `lr`, one step per batch of `batches` (T, B): the mean |coordinate|
    of each layer's output on `probe` (P, d) after each step, averaged over the T steps, and the
    hidden weight's spectral relative change after them. Averaged, not the last step alone: under
    SP the wide net's first steps overshoot and then kill ReLUs, so a late step alone can shrink."""
    w0 = model.weights["hidden"].detach().clone()  # (n, n)
    opt = adam(model, lr)
    sums = {"coord_h1": 0.0, "coord_h2": 0.0, "coord_out": 0.0}
    for idx in batches:
        opt.zero_grad(set_to_none=True)
        loss(model(x[idx]), y[idx]).backward()
        opt.step()
        with torch.no_grad():
            out, h1, h2 = model(probe, hidden=True)  # (P, C), (P, n), (P, n)
        for name, t in (("coord_h1", h1), ("coord_h2", h2), ("coord_out", out)):
            sums[name] += measures.mean_abs(t) / len(batches)
    return {**sums, "dw_hidden": measures.spectral_change(w0, model.weights["hidden"])}


def run_grid(cfg, recorder) -> None:
    """Train the (width x lr) grid of one parametrisation and log one row per width (module doc)."""
    dev = device.resolve(cfg.device)
    split = data.load(cfg.dataset, cfg.n_train, catalogue.MIN_TEST, cfg.seed)
    x, y = split.x_train.to(dev), split.y_train.to(dev)  # (n, d), (n,)
    d_in, classes = x.shape[1], split.n_classes
    order = torch_generator(cfg.seed, "order")
    batches = torch.randint(0, len(x), (cfg.steps, cfg.batch_size), generator=order).to(dev)  # (steps, B)
    probe = x[: cfg.probe]  # (P, d): the coordinate check's fixed inputs
    tail = max(1, min(cfg.steps, math.ceil(len(x) / cfg.batch_size)))  # the last epoch's steps
    loss = loss_fn(cfg.loss)
    widths = sorted(cfg.widths)
    exps = measures.lr_exponents(cfg.log2_lr_min, cfg.log2_lr_max)
    # progress by cost: a width's grid costs ~ its weights x the points trained
    weights = [w * (d_in + w + classes) for w in widths]
    done, total = 0.0, float(sum(weights))
    recorder.meta(device=device.describe(dev), data=split.source, widths=widths, lr_exponents=exps)

    def fresh(width: int) -> MLP:
        # the same initial network for every lr of a width (its own stream, so widths are independent)
        gen = torch.Generator().manual_seed(stream_seed(cfg.seed, "init") + width)
        return MLP(d_in, width, classes, rules(cfg.parametrization, d_in, width, cfg.base_width), gen).to(dev)

    rows: dict[int, dict] = {}

    def measure(step: int) -> dict:
        nonlocal done
        width = widths[step]
        model0 = fresh(width)
        state = {k: v.clone() for k, v in model0.state_dict().items()}
        with torch.no_grad():
            initial = float(loss(model0(x), y))
        row, finals, unstable = {}, {}, 0
        for e in exps:
            model0.load_state_dict(state)
            final = train_point(model0, 2.0 ** e, x, y, batches, loss, recorder.should_stop, tail)
            finals[e] = final
            row[measures.metric_of(e)], bad = measures.recorded_loss(final, initial)
            unstable += bad
            recorder.progress((done + weights[step] * len(finals) / (len(exps) + 1)) / total)
        model0.load_state_dict(state)
        row.update(coordinate_check(model0, cfg.lr, x, y, batches[: cfg.coord_steps], loss, probe))
        best = measures.best_exponent(finals)
        # `loss`: the width's best last-epoch loss (NaN when every point blew up: the run is diverged)
        row["loss"] = finals[best] if best is not None else math.nan
        if best is not None:
            row["best_log2_lr"] = float(best)
        row["unstable"] = float(unstable)
        row["loss_init"] = initial
        done += weights[step]
        rows[step] = row
        return row

    def next_width(step: int) -> float:
        return rows.pop(step)["loss"]

    view = ByWidth(recorder, widths)
    train_loop(view, len(widths) - 1, next_width, schedules=[(every(1), measure)])
    recorder.progress(1.0)
