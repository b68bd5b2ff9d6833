"""Iterative magnitude pruning with rewinding, and the two controls (imports torch; called
by `run`).

Round 0 trains the dense net from its init θ0 (keeping θk, its weights at step k, when
rewinding late). Each later round r takes the winning net of round r − 1, removes the
fraction p of its surviving weights with the smallest |w| over all hidden layers, and trains:
- `winning`: the surviving weights rewound to θk (θ0 when k = 0), trained steps − k steps;
- `reinit`: the same mask on a fresh init from a stream of its own, trained all the steps;
- `random_prune`: a random mask with the winning mask's per-layer counts on θk.
Within a round every arm sees the same minibatch order, so the mask and the init are the
only differences. Each arm logs its final test/train accuracy and the step of its minimum
validation loss (early stopping); its learning curve is a per-round artifact.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch.nn.functional import cross_entropy

from labcore.core.loop import every, train_loop
from labcore.core.rng import seed_everything, stream_seed, torch_generator
from labcore.nn import data
from labcore.nn import device
from labcore.nn import pruning
from labcore.phenomena.lottery_ticket.nets import LeNet, initialise, scaled_widths

ARMS = ("winning", "reinit", "random_prune")


@dataclass
class Data:
    """Train / validation / test tensors on the run's device. x: (n, d), y: (n,)."""

    x_tr: torch.Tensor
    y_tr: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_te: torch.Tensor
    y_te: torch.Tensor
    n_classes: int
    source: str = ""  # what the data is: a named set, or a file's name and sha256


def load_data(cfg, dev) -> Data:
    """n_train + n_val examples drawn from the training pool (the last n_val kept for early
    stopping, as the paper holds out validation examples from the training set) and n_test
    test examples."""
    split = data.load(cfg.dataset, cfg.n_train + cfg.n_val, cfg.n_test, cfg.seed, flatten=True)
    x, y = split.x_train, split.y_train  # a seeded random subset, already in random order
    n = cfg.n_train
    move = lambda t: t.to(dev)
    return Data(move(x[:n]), move(y[:n]), move(x[n:]), move(y[n:]), move(split.x_test), move(split.y_test),
                split.n_classes, str(getattr(split, "source", "") or cfg.dataset))


def derived_generator(seed: int, name: str, *key: int) -> torch.Generator:
    """A generator for stream `name` of `seed`, further split by `key` (e.g. the round), so
    each round's reinit, random mask and batch order is fresh yet reproducible."""
    seq = np.random.SeedSequence(stream_seed(seed, name), spawn_key=tuple(int(k) for k in key))
    return torch.Generator().manual_seed(int(seq.generate_state(1, np.uint64)[0] & np.uint64(2**63 - 1)))


def clone_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of every parameter and buffer (a rewind point)."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def rewound(build, state: dict, masks: pruning.Masks) -> torch.nn.Module:
    """A net with the weights of `state` (the rewind point) and `masks` installed: the
    surviving weights equal their rewind values, the pruned ones are 0."""
    model = build()
    model.load_state_dict(state)
    pruning.apply_masks(model, masks)
    return model


def reinitialised(build, scheme: str, generator: torch.Generator, masks: pruning.Masks) -> torch.nn.Module:
    """A net freshly initialised from `generator` with `masks` installed."""
    model = build()
    initialise(model, scheme, generator)
    pruning.apply_masks(model, masks)
    return model


@dataclass
class Result:
    """One training's outcome: final test and train accuracy, the early-stop step (lowest
    validation loss) and the curve of measurements (step, val_loss, val_acc, test_acc)."""
    test_acc: float
    train_acc: float
    early_stop_step: int
    curve: list[dict]


class Trainer:
    """Trains one masked net for a number of steps and measures its learning curve."""

    def __init__(self, cfg, d: Data, recorder) -> None:
        self.cfg, self.d, self.recorder = cfg, d, recorder

    def _optimizer(self, model):
        if self.cfg.optimizer == "adam":
            return torch.optim.Adam(model.parameters(), lr=self.cfg.lr)
        return torch.optim.SGD(model.parameters(), lr=self.cfg.lr, momentum=self.cfg.momentum)

    @torch.no_grad()
    def _accuracy(self, model, x, y) -> float:
        return float((model(x).argmax(1) == y).float().mean())

    def fit(self, model, start: int, n_steps: int, order: torch.Generator,
            keep_at: int | None = None) -> tuple[Result, dict | None]:
        """Train `n_steps` minibatch steps; the clock reads `start` at the first step (a net
        rewound to step k goes on from k). Returns the Result and, when `keep_at` is given,
        the weights at clock step `keep_at` (the late-rewinding point)."""
        d, cfg = self.d, self.cfg
        opt = self._optimizer(model)
        n, bs = len(d.y_tr), min(cfg.batch_size, len(d.y_tr))
        batches = {"perm": torch.randperm(n, generator=order), "pos": 0}
        curve: list[dict] = []
        kept: dict | None = None

        def step_fn(step: int) -> torch.Tensor:
            nonlocal kept
            if batches["pos"] + bs > n:  # a new epoch: reshuffle (the last partial batch is dropped)
                batches["perm"], batches["pos"] = torch.randperm(n, generator=order), 0
            idx = batches["perm"][batches["pos"]:batches["pos"] + bs].to(d.x_tr.device)  # (bs,)
            batches["pos"] += bs
            opt.zero_grad(set_to_none=True)
            loss = cross_entropy(model(d.x_tr[idx]), d.y_tr[idx])
            loss.backward()
            opt.step()
            if keep_at is not None and start + step + 1 == keep_at:
                kept = clone_state(model)
            return loss.detach()

        @torch.no_grad()
        def measure(step: int) -> dict:
            val = model(d.x_val)  # (n_val, C)
            curve.append({"step": start + step, "val_loss": float(cross_entropy(val, d.y_val)),
                          "val_acc": float((val.argmax(1) == d.y_val).float().mean()),
                          "test_acc": self._accuracy(model, d.x_te, d.y_te)})
            return {}  # the run's rows are per round; the curve becomes an artifact

        train_loop(self.recorder, n_steps, step_fn, schedules=[(every(cfg.eval_every), measure)])
        best = min(curve, key=lambda p: p["val_loss"])  # the first minimum: ties go to the earlier step
        result = Result(curve[-1]["test_acc"], self._accuracy(model, d.x_tr, d.y_tr), best["step"], curve)
        return result, kept


def plan(cfg, arms: tuple[str, ...]) -> list[tuple[int, str, int]]:
    """Every training of the run as (round, arm, steps), in order (for progress spans)."""
    k = cfg.rewind_step
    out = [(0, "winning", cfg.steps)]
    for r in range(1, cfg.rounds + 1):
        out += [(r, arm, cfg.steps if arm == "reinit" else cfg.steps - k) for arm in arms]
    return out


def run_rounds(cfg, recorder) -> None:
    """Round 0 dense, then `rounds` rounds of pruning; one row per round (see module doc)."""
    seed_everything(cfg.seed)
    dev = device.resolve(cfg.device)
    d = load_data(cfg, dev)
    widths = scaled_widths(tuple(cfg.widths), cfg.width_scale)
    build = lambda: LeNet(d.x_tr.shape[1], widths, d.n_classes).to(dev)
    model = initialise(build(), cfg.init, torch_generator(cfg.seed, "init"))
    rewind_state = clone_state(model)  # θ0; replaced by θk after round 0 when rewinding late
    arms = ARMS if cfg.arms == "all" else ("winning",)
    trainings = plan(cfg, arms)
    total = float(sum(s for _, _, s in trainings))
    done = 0.0
    masks = pruning.dense_masks(model)
    trainer = Trainer(cfg, d, recorder)
    recorder.meta(device=device.describe(dev), widths="-".join(map(str, widths)), data=d.source,
             prunable=int(sum(m.numel() for m in masks.values())),
             params=int(sum(p.numel() for p in model.parameters())))
    for r, arm, n_steps in trainings:
        recorder.span(done / total, (done + n_steps) / total)  # progress and ETA across all trainings
        done += n_steps
        if arm == "winning":
            if r > 0:
                model = rewound(build, rewind_state, masks)
            row, curves = {"round": float(r), **_mask_row(masks)}, []
            keep_at = cfg.rewind_step if r == 0 and cfg.rewind_step > 0 else None
            res, kept = trainer.fit(model, 0 if r == 0 else cfg.rewind_step, n_steps,
                                    derived_generator(cfg.seed, "order", r), keep_at)
            rewind_state = kept if kept is not None else rewind_state
            next_masks = pruning.global_magnitude_masks(model, masks, cfg.prune_frac)
        elif arm == "reinit":
            net = reinitialised(build, cfg.init, derived_generator(cfg.seed, "init", r), masks)
            res, _ = trainer.fit(net, 0, n_steps, derived_generator(cfg.seed, "order", r))
        else:
            random_masks = pruning.random_masks_like(masks, derived_generator(cfg.seed, "mask", r))
            net = rewound(build, rewind_state, random_masks)
            res, _ = trainer.fit(net, cfg.rewind_step, n_steps, derived_generator(cfg.seed, "order", r))
        # Round 0 is the dense net: the same for every arm (nothing pruned, the original init).
        for name in (arms if r == 0 else (arm,)):
            row.update({f"test_acc_{name}": res.test_acc, f"train_acc_{name}": res.train_acc,
                        f"early_stop_step_{name}": float(res.early_stop_step)})
        curves += [dict(arm=arm if r > 0 else "dense", **p) for p in res.curve]
        if arm == arms[-1] or r == 0:  # the round is complete
            recorder.log(r, **row)
            recorder.artifact(f"curve_r{r}", pd.DataFrame(curves))
            masks = next_masks


def _mask_row(masks: pruning.Masks) -> dict[str, float]:
    stats = pruning.mask_stats(masks)
    return {k: v for k, v in stats.items() if k == "density" or k.startswith("density_l")}
