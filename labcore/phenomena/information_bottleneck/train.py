"""Training and measurement of the information-bottleneck net (imports torch; called by `run`)."""
from __future__ import annotations

import torch
from torch.nn.functional import cross_entropy

from labcore.core.loop import every, log_spaced, train_loop
from labcore.core.rng import numpy_rng, seed_everything, torch_generator
from labcore.nn import device
from labcore.phenomena.information_bottleneck import data
from labcore.phenomena.information_bottleneck.measures import codes, layer_information
from labcore.phenomena.information_bottleneck.nets import IBNet

LOSS_POINTS = 100  # loss/accuracy rows per run, on top of the MI epochs


def train(cfg, recorder) -> None:
    """One loop step = one epoch of Adam minibatches over the training split."""
    seed_everything(cfg.seed)
    dev = device.resolve(cfg.device)
    x_np, y_np = data.twelve_bit()                                  # (4096, 12), (4096,)
    tr, te = data.split(len(y_np), cfg.train_frac, numpy_rng(cfg.seed, "data"))
    x, y = torch.from_numpy(x_np).to(dev), torch.from_numpy(y_np).to(dev)
    x_tr, y_tr, x_te, y_te = x[tr], y[tr], x[te], y[te]
    x_ids = codes(x_np)                                             # (4096,): each pattern its own X
    model = IBNet(x.shape[1], tuple(cfg.widths), 2, cfg.activation).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    order = torch_generator(cfg.seed, "order")
    n, bs = len(tr), min(cfg.batch_size, len(tr))

    def epoch_fn(step: int) -> float:
        perm = torch.randperm(n, generator=order).to(dev) if bs < n else None
        total = 0.0
        for i in range(0, n, bs):
            idx = perm[i:i + bs] if perm is not None else slice(None)
            opt.zero_grad(set_to_none=True)
            loss = cross_entropy(model(x_tr[idx]), y_tr[idx])
            loss.backward()
            opt.step()
            total += float(loss.detach()) * (min(i + bs, n) - i)
        return total / n

    @torch.no_grad()
    def fit(step: int) -> dict:
        lt, lte = model(x_tr), model(x_te)
        return {"loss": float(cross_entropy(lt, y_tr)), "test_loss": float(cross_entropy(lte, y_te)),
                "train_acc": float((lt.argmax(1) == y_tr).float().mean()),
                "test_acc": float((lte.argmax(1) == y_te).float().mean())}

    @torch.no_grad()
    def information(step: int) -> dict:
        acts, _ = model.layers(x)                                   # every pattern, train and test
        row = {}
        for k, t in enumerate(acts, start=1):
            ixt, ity = layer_information(t.cpu().numpy(), x_ids, y_np, cfg.activation, cfg.bins)
            row[f"ixt_l{k}"], row[f"ity_l{k}"] = ixt, ity
        row["last_ixt"], row["last_ity"] = row[f"ixt_l{len(acts)}"], row[f"ity_l{len(acts)}"]
        return row

    recorder.meta(device=device.describe(dev), n_train=n, h_y=data.label_entropy())
    train_loop(recorder, cfg.epochs, epoch_fn, schedules=[(every(max(1, cfg.epochs // LOSS_POINTS)), fit),
                                                     (log_spaced(cfg.points), information)])
