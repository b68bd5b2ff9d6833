"""One preconditioner run: the chosen method on the tutorial CNN (torch, imported by `run`)."""
from __future__ import annotations

import pandas as pd
import torch
from torch.nn.functional import cross_entropy, interpolate

from labcore.core.loop import train_loop
from labcore.core.rng import seed_everything, torch_generator
from labcore.nn import data, device
from labcore.nn.measures.basic import accuracy
from labcore.phenomena.preconditioner import nets as precond


def train(cfg, recorder) -> None:
    """Train with the chosen method; log losses, accuracies, per-layer gradient/activation std.

    Minibatches are drawn as the original code's shuffled DataLoader does: a fresh permutation of the
    training set each epoch, consecutive slices of it as batches.
    """
    seed_everything(cfg.seed)
    dev = device.resolve(cfg.device)
    split = data.load(cfg.dataset, cfg.n_train, cfg.n_test, cfg.seed, flatten=False)

    def prep(t: torch.Tensor) -> torch.Tensor:  # (n, c, h, w) in [0, 1] -> (n, c', 32, 32) in [-1, 1]
        if t.shape[-1] == 28:  # (fashion) MNIST: pad 2 pixels of background, three channels as CIFAR-10
            t = (torch.nn.functional.pad(t, (2, 2, 2, 2)) - 0.5) / 0.5  # (n, 1, 32, 32) in [-1, 1]
            # a stride-0 view: 60k images stay 245 MB; each minibatch x[idx] is a real (B, 3, 32, 32)
            return t.expand(-1, 3, -1, -1)  # (n, 3, 32, 32)
        if t.shape[-1] != 32:  # digits 8x8
            t = interpolate(t, size=(32, 32), mode="bilinear", align_corners=False)
        return (t - 0.5) / 0.5  # the original code's CIFAR transform, Normalize((0.5,)*3, (0.5,)*3)

    x, y = prep(split.x_train).to(dev), split.y_train.to(dev)  # (n, c, 32, 32), (n,)
    xt, yt = prep(split.x_test).to(dev), split.y_test.to(dev)
    model = precond.TutorialCNN(x.shape[1], cfg.width, cfg.extra_layers, split.n_classes)
    gen = torch_generator(cfg.seed, "init")
    prior = precond.static_init(model, gen) if cfg.method == "static" else None
    model.to(dev)
    n_probe = min(256, len(x))
    n_eval = min(500, len(x))
    probe = x[:n_probe]  # (P, c, 32, 32)
    units = model.units()
    scale = [1.0] * len(units)
    if cfg.method == "static":
        unit_gains = (precond.formula_gains(model) if cfg.gains == "formula"
                      else precond.gains(model, probe, torch_generator(cfg.seed, "noise", dev)))
        scale = precond.preconditioner(unit_gains)
        # The factor the seed multiplies into each gradient: prec * prior, not prec alone.
        factor = precond.multipliers(model, scale, prior)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    order_gen = torch_generator(cfg.seed, "order")
    per_epoch = -(-len(x) // cfg.batch_size)  # batches per epoch, the last one may be short
    state = {"order": None, "smooth": None}

    def step_fn(step: int):
        i = step % per_epoch
        if i == 0:
            state["order"] = torch.randperm(len(x), generator=order_gen).to(dev)
        idx = state["order"][i * cfg.batch_size:(i + 1) * cfg.batch_size]  # (B,)
        loss = cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.method == "static":
            for p in model.parameters():
                p.grad.mul_(factor[p])  # the static diagonal preconditioner
        opt.step()
        value = float(loss.detach())
        # EMA of the training-batch loss: the seed plots its minibatch losses smoothed by a
        # Gaussian window of ~100 steps; 0.99 averages over ~100 steps too, trailing (batch-4
        # losses are noisy: a ~20-step average moves by ~0.1 between neighbouring evals).
        state["smooth"] = value if state["smooth"] is None else 0.99 * state["smooth"] + 0.01 * value
        return value

    def layer_stats() -> tuple[list[float], list[float]]:
        """Per unit on the probe batch: std of the gradient at its output (times the
        preconditioner, i.e. the signal its parameters learn from) and of the output itself."""
        acts: list = []
        loss = cross_entropy(model(probe, acts), y[:n_probe])
        grads = torch.autograd.grad(loss, acts)
        g = [float(gr.std()) * s for gr, s in zip(grads, scale)]
        return g, [float(a.detach().std()) for a in acts]

    def measure(step: int) -> dict:
        g_std, a_std = layer_stats()
        with torch.no_grad():
            train_logits, test_logits = model(x[:n_eval]), model(xt)  # (n_eval, C), (n_test, C)
        # `loss` is the loss of the parameters at this step (on a fixed train subset);
        # `loss_smooth` is the trailing average of the minibatch losses seen so far.
        probe_loss = float(cross_entropy(train_logits, y[:n_eval]))
        row = {"loss": probe_loss,
               "loss_smooth": state["smooth"] if state["smooth"] is not None else probe_loss,
               "train_acc": accuracy(train_logits, y[:n_eval]),
               "test_acc": accuracy(test_logits, yt),
               "epoch": step / per_epoch}
        for k, (g, a) in enumerate(zip(g_std, a_std), start=1):
            row[f"grad_std_l{k}"], row[f"act_std_l{k}"] = g, a
        if step == 0:
            recorder.artifact("init_layers", pd.DataFrame({"layer": range(1, len(units) + 1), "grad_std": g_std,
                                                      "act_std": a_std, "precond": scale}))
        return row

    meta = {"preconditioner": scale, "steps_per_epoch": per_epoch}
    if cfg.method == "static":
        meta["multiplier"] = [factor[layer.weight] for layer in units]  # per unit, weights
    recorder.meta(device=device.describe(dev), data=split.source, input_shape=list(x.shape[1:]),
             input_range=[float(x.min()), float(x.max())], **meta)
    train_loop(recorder, cfg.steps, step_fn, measure, cfg.eval_every)
