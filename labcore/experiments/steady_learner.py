"""Benevolent Training Hypothesis (Loukas, Poiitis & Jegelka 2021): the more complex the
function a network learns, the longer and more variable the trajectory of its first-layer
bias under batch-1 SGD, and the further it ends from its initialisation.
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.device import DEVICE_CHOICES
from labcore.experiments.base import Experiment
from labcore.params import BaseConfig, param


@dataclass(frozen=True)
class Config(BaseConfig):
    freq: float = param(0.5, lo=0.05, hi=4.0, help="f in y = cos(2πf x1)·cos(2πf x2)")
    width: int = param(32, lo=2, hi=1024, log=True, help="hidden ReLU units per layer")
    init: str = param("kaiming", choices=("kaiming", "xavier", "pytorch"))
    lr: float = param(0.02, lo=1e-5, hi=1.0, log=True, help="SGD learning rate η (batch size 1)")
    seed: int = param(0, lo=0, hi=2**31 - 1, help="init, data and sample order")
    n_samples: int = param(100, lo=4, hi=100_000, log=True, help="training points N")
    epochs: int = param(300, lo=1, hi=10_000, log=True, help="at most this many passes over the N points")
    target_loss: float = param(0.005, lo=1e-6, hi=1.0, log=True,
                               help="stop once the training MSE/2 is below this")
    depth: int = param(3, lo=1, hi=8, help="ReLU layers after the frozen identity layer")
    mode: str = param("mlp", choices=("mlp", "cnn"), help="cnn: two-class digits with label corruption")
    corruption: float = param(0.0, lo=0.0, hi=1.0, help="cnn mode: fraction of labels flipped")
    cnn_data: str = param("digits", choices=("digits", "cifar10"),
                          help="cnn mode: digits 3 vs 8 (offline) or CIFAR-10 airplane vs dog (torchvision)")
    grid: int = param(100, lo=10, hi=1000, log=True, help="region map resolution (mlp mode)",
                      advanced=True)
    device: str = param("cpu", choices=DEVICE_CHOICES, advanced=True,
                        help="batch-1 SGD is fastest on the CPU")


def run(cfg: Config, rec) -> None:
    """Batch-1 SGD on MSE/2; per epoch the first-layer bias trajectory measures."""
    import torch

    from labcore import device, metrics
    from labcore.steady import build, sinusoid, two_class
    from labcore.train import set_seed, train_loop

    set_seed(cfg.seed)
    dev = device.resolve(cfg.device)
    if cfg.mode == "mlp":
        x, y, rotate = sinusoid(cfg.n_samples, cfg.freq, cfg.seed)  # (N, 10), (N,)
    else:
        x, y = two_class(cfg.cnn_data, cfg.n_samples, cfg.corruption, cfg.seed)  # (N, c, s, s), (N,)
    model, bias = build(cfg.mode, cfg.width, cfg.depth, cfg.init, tuple(x.shape[1:]))
    model, x, y = model.to(dev), x.to(dev), y.to(dev)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=cfg.lr)
    b0 = bias.detach().clone()
    gen = torch.Generator().manual_seed(cfg.seed)
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
        last = metrics.trajectory_stats(torch.stack(biases), torch.stack(errors), cfg.lr)
        total += last["traj_len"]
        var_sum, n_epochs = var_sum + last["bias_var"], n_epochs + 1
        last["loss"] = float(torch.stack(losses).mean())
        return last["loss"]

    @torch.no_grad()
    def measure(step: int) -> dict:
        full = float((0.5 * (model(x).squeeze(1) - y) ** 2).mean())
        row = {"loss": full, "traj_len": last["traj_len"] if step else 0.0,
               "traj_len_total": total, "bias_var": last["bias_var"] if step else 0.0,
               "bias_var_avg": var_sum / max(n_epochs, 1), "bias_var_total": var_sum,
               "dist_init": float((bias - b0).norm())}
        if cfg.mode == "mlp":
            ids, row["regions"] = region_map(model, rotate, cfg.grid, dev)
            rec.artifact("regions", ids.cpu().numpy())  # the latest map replaces the previous
        return row

    rec.meta(device=device.describe(dev))
    train_loop(rec, cfg.epochs, epoch, measure, measure_every=max(1, cfg.epochs // 50),
               until=lambda row: row["loss"] < cfg.target_loss)


def region_map(model, rotate, grid: int, dev):
    """Activation regions of the MLP on a grid over [-1, 1]²: (grid, grid) ids and count."""
    import torch

    from labcore import metrics
    from labcore.steady import embed, relu_patterns

    lin = torch.linspace(-1, 1, grid)
    g1, g2 = torch.meshgrid(lin, lin, indexing="ij")
    pts = torch.stack([g1.reshape(-1), g2.reshape(-1)], dim=1)  # (grid², 2)
    ids, count = metrics.region_ids(relu_patterns(model, embed(pts, rotate).to(dev)))
    return ids.reshape(grid, grid), count


EXPERIMENT = Experiment(
    name="steady_learner",
    title="Steady learner: bias trajectories vs complexity",
    config=Config,
    run=run,
    what_to_look_for=(
        "An MLP learns y = cos(2πf x₁)·cos(2πf x₂) with batch-1 SGD. Its first layer is a frozen "
        "identity with a trainable bias b. Per epoch we measure the length of b's trajectory "
        "(each step's ‖Δb‖ normalised by η·|error|), its variance (per epoch, summed over training as "
        "`bias_var_total`) and its distance from init. "
        "**Higher frequency f (a more complex target) gives a longer trajectory, a larger variance "
        "and ends further from initialisation**; the trained net also cuts the input plane into "
        "more linear regions. In cnn mode, corrupting more labels has the same effect."),
    reference=("Loukas, Poiitis & Jegelka 2021, *What training reveals about neural network "
               "complexity* (the Benevolent Training Hypothesis)."),
    sweep_param="freq",
    sweep_values=(0.25, 0.5, 0.75, 1.0),
    sweep_metric="traj_len_total",
    more_sweeps={"corruption": (0.0, 0.2, 0.4)},
    presets={
        "cnn + label corruption": dict(mode="cnn", corruption=0.2, n_samples=100, epochs=60, width=16,
                                       lr=0.01, target_loss=0.05),
        "paper scale": dict(n_samples=1000, epochs=200, width=64),
    },
)
