"""The one training implementation of the neural-collapse page: SGD (momentum, weight decay,
an lr schedule) for many epochs past zero training error; NC1-NC4 on the training set at
log-spaced epochs, train error every epoch (the zero-error epoch is exact)."""
from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from labcore.core.loop import log_spaced, train_loop
from labcore.core.rng import seed_everything, torch_generator
from labcore.nn import data, device
from labcore.phenomena.neural_collapse import measures
from labcore.phenomena.neural_collapse.nets import mlp, resnet18

EVAL_BATCH = 1024  # examples per forward pass when measuring (bounds activation memory)
STD_FLOOR = 0.1    # per-feature std floor when standardising (digits' border pixels are constant)


def lr_factor(schedule: str, epoch: int, epochs: int) -> float:
    """The lr multiplier during `epoch` (0-based): none 1; step ×0.1 at epochs/3 and 2·epochs/3
    (the Colab's 116 and 233 of 350); cosine from 1 to 0 over the run."""
    if schedule == "step":
        return 0.1 ** sum(epoch >= m for m in (epochs // 3, 2 * epochs // 3))
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * epoch / epochs))
    return 1.0


def prepare(cfg, split: data.Split) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs as the net takes them: the MLP gets features standardised with the training
    set's per-feature mean and (floored) std; the ResNet gets images normalised by the
    training set's pixel mean and std (MNIST: ≈ 0.13, 0.31, the Colab's 0.1307, 0.3081),
    28x28 images padded to 32x32 as in the Colab."""
    xtr, xte = split.x_train, split.x_test
    if cfg.model == "mlp":
        mean, std = xtr.mean(0), xtr.std(0).clamp_min(STD_FLOOR)  # (d,)
        return (xtr - mean) / std, (xte - mean) / std
    if xtr.dim() == 2:  # a loader that gave flat images: square them again, one channel
        side = math.isqrt(xtr.shape[1])
        xtr, xte = xtr.view(-1, 1, side, side), xte.view(-1, 1, side, side)
    mean, std = xtr.mean(), xtr.std().clamp_min(1e-6)
    xtr, xte = (xtr - mean) / std, (xte - mean) / std  # (n, c, h, w)
    if xtr.shape[-1] == 28:  # padded with the normalised value of a black pixel
        pad = dict(pad=(2, 2, 2, 2), value=float(-mean / std))
        xtr, xte = F.pad(xtr, **pad), F.pad(xte, **pad)
    return xtr, xte


def train(cfg, recorder) -> None:
    """Train `cfg` and log through `recorder` (see the package docstring for the metrics)."""
    seed_everything(cfg.seed)  # the init stream seeds torch's default initialisers
    dev = device.resolve(cfg.device)
    split = data.load(cfg.dataset, cfg.n_train, cfg.n_test, cfg.seed, flatten=cfg.model == "mlp")
    xtr, xte = prepare(cfg, split)
    xtr, ytr, xte, yte = xtr.to(dev), split.y_train.to(dev), xte.to(dev), split.y_test.to(dev)
    n_classes = split.n_classes
    net = (mlp(xtr.shape[1], cfg.widths, n_classes, cfg.batchnorm) if cfg.model == "mlp"
           else resnet18(xtr.shape[1], n_classes)).to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    order = torch_generator(cfg.seed, "order")
    batch = min(cfg.batch_size, len(xtr))
    n_batches = len(xtr) // batch  # drop the last partial batch, as the Colab
    state = {"zero_at": None}

    def loss_of(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if cfg.loss == "mse":  # nn.MSELoss on one-hot targets (mean over N·C entries), as the Colab
            return F.mse_loss(logits, F.one_hot(y, n_classes).to(logits.dtype))
        return F.cross_entropy(logits, y)

    @torch.no_grad()
    def forward_all(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        net.eval()
        parts = [net.features_and_logits(x[i:i + EVAL_BATCH]) for i in range(0, len(x), EVAL_BATCH)]
        return torch.cat([h for h, _ in parts]), torch.cat([o for _, o in parts])  # (n, d), (n, C)

    def epoch_fn(epoch: int) -> float:
        for group in opt.param_groups:
            group["lr"] = cfg.lr * lr_factor(cfg.schedule, epoch, cfg.epochs)
        net.train()
        perm = torch.randperm(len(xtr), generator=order).to(dev)
        total = torch.zeros((), device=dev)
        for b in range(n_batches):
            idx = perm[b * batch:(b + 1) * batch]
            loss = loss_of(net(xtr[idx]), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach()
        return total / n_batches

    def each_epoch(epoch: int) -> dict:
        """Train error after `epoch` epochs (eval mode, whole training set), and the epoch the
        terminal phase begins: the first at which the training error is exactly zero."""
        h, logits = forward_all(xtr)
        state["last"] = (h, logits)
        err = float((logits.argmax(1) != ytr).float().mean())
        row = {"train_err": err, "train_loss": float(loss_of(logits, ytr))}
        if err == 0.0 and state["zero_at"] is None:
            state["zero_at"] = epoch
            row["zero_error_epoch"] = float(epoch)
            row.update(collapse(epoch))  # NC1-NC4 where the terminal phase begins, whatever the schedule
        if epoch == cfg.epochs and state["zero_at"] is not None:
            row["zero_error_epoch"] = float(state["zero_at"])  # repeated in the last row: a final value
        return row

    def collapse(epoch: int) -> dict:
        """NC1-NC4 on the training set (features from `each_epoch`'s pass), test error; once
        per epoch (the zero-error epoch may also be a scheduled one)."""
        if state.get("measured") == epoch:
            return {}
        state["measured"] = epoch
        h, logits = state["last"]
        row = measures.collapse(h, ytr, logits, net.classifier.weight.detach(), n_classes)
        _, test_logits = forward_all(xte)
        row["test_err"] = float((test_logits.argmax(1) != yte).float().mean())
        row["lr"] = cfg.lr * lr_factor(cfg.schedule, max(epoch - 1, 0), cfg.epochs)  # of the last epoch
        cos = measures.mean_cosines(h, ytr, n_classes)
        if cos is not None:
            recorder.artifact("mean_cosines", cos)  # the latest replaces the previous
            if epoch == state["zero_at"]:  # kept: where the terminal phase begins, to compare with the end
                recorder.artifact("mean_cosines_at_zero_error", cos)
        return row

    recorder.meta(device=device.describe(dev), n_params=sum(p.numel() for p in net.parameters()),
             dataset=f"{cfg.dataset} ({len(xtr)} train / {len(xte)} test)", data=split.source)
    train_loop(recorder, cfg.epochs, epoch_fn, each_epoch, 1, schedules=[(log_spaced(cfg.measure_points), collapse)])
