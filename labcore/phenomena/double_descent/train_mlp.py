"""The trained family (imports torch; called by `run`): one MLP of hidden width h, trained by
minibatch SGD with momentum on noisy labels, its train and test error measured every few
epochs (epoch-wise double descent shows near the threshold width). The page's sweep over
`width` gives the model-wise curve, one run per width.

Recipe of greydanus/mnist1d `notebooks/deep-double-descent.ipynb`: MLP 40 → h → h → 10 (ReLU,
PyTorch's default init), cross-entropy, SGD lr 0.01 momentum 0.9, batch 100, 500 epochs.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.functional import cross_entropy

from labcore.core.loop import every
from labcore.core.rng import seed_everything, torch_generator
from labcore.nn import device
from labcore.phenomena.double_descent import data


def mlp(d_in: int, width: int, depth: int, n_out: int) -> nn.Module:
    """d_in → width (ReLU) × depth → n_out, PyTorch's default init (as the notebook)."""
    sizes = [d_in] + [width] * depth
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(sizes[-1], n_out))


def plan_epochs(cfg, recorder):
    """One width trained for `epochs` epochs, a row every `eval_every` epochs (see module doc):
    (recorder, steps, step_fn, schedules) for the phenomenon's one `train_loop` call."""
    seed_everything(cfg.seed)  # module default inits draw from the run's init stream
    dev = device.resolve(cfg.device)
    d = data.load(cfg.dataset, cfg.n_train, cfg.n_test, cfg.seed, cfg.label_noise)
    x_tr, y_tr, x_te, y_te = (t.to(dev) for t in (d.x_train, d.y_train, d.x_test, d.y_test))
    model = mlp(x_tr.shape[1], cfg.width, cfg.depth, d.n_classes).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    order = torch_generator(cfg.seed, "order")
    n, bs = len(y_tr), min(cfg.batch_size, len(y_tr))
    recorder.meta(device=device.describe(dev), params=int(sum(p.numel() for p in model.parameters())),
                  data=d.source)

    def epoch(step: int) -> torch.Tensor:
        model.train()
        total = torch.zeros((), device=dev)
        perm = torch.randperm(n, generator=order).to(dev)  # (n,); the last partial batch is kept
        for lo in range(0, n, bs):
            idx = perm[lo:lo + bs]
            loss = cross_entropy(model(x_tr[idx]), y_tr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach() * len(idx)
        return total / n  # the epoch's mean minibatch loss

    @torch.no_grad()
    def measure(step: int) -> dict:
        model.eval()
        out_tr, out_te = model(x_tr), model(x_te)  # (n, C), (n_test, C)
        return {"train_error": float((out_tr.argmax(1) != y_tr).float().mean()),
                "test_error": float((out_te.argmax(1) != y_te).float().mean()),
                "train_loss": float(cross_entropy(out_tr, y_tr)),
                "test_loss": float(cross_entropy(out_te, y_te)),
                "weight_norm": float(torch.sqrt(sum((p * p).sum() for p in model.parameters())))}

    return recorder, cfg.epochs, epoch, [(every(cfg.eval_every), measure)]
