"""Static diagonal preconditioner vs default training (seed: NN-preconditioners).

`static`: variance-preserving init plus a fixed per-layer factor p_j = Π_{k>j} 1/g_k on
every gradient, computed once at initialisation, so all layers learn at the same rate from
the first step. `default`: PyTorch's init and plain SGD with momentum. The static method
starts faster; as the weights move the fixed factors go stale and the default catches up.
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.core import groups
from labcore.core.experiment import Arms, Chart, Experiment, PageSpec, SweepView
from labcore.core.params import BaseConfig, param


@dataclass(frozen=True)
class Config(BaseConfig):
    method: str = param("default", choices=("default", "static"),
                        help="the init and update rule: default = PyTorch init + SGD; static = "
                             "variance-preserving init + static diagonal preconditioner")
    width: int = param(1, lo=1, hi=16, help="width scale s: 6s, 16s channels, 120s, 84s units")
    lr: float = groups.lr(0.01, help="SGD learning rate")
    seed: int = groups.seed()
    extra_layers: int = param(2, lo=0, hi=20, help="extra 84s-unit layers: deeper nets show vanishing gradients")
    momentum: float = groups.momentum(0.9)
    batch_size: int = groups.batch_size(32)
    steps: int = groups.steps(1000)
    dataset: str = groups.dataset(choices=("digits", "cifar10", "mnist"),
                                  help="digits (offline) is resized to 32×32 like CIFAR-10")
    n_train: int = groups.n_train(1200, advanced=True)
    n_test: int = groups.n_test(500, advanced=True)
    eval_every: int = groups.eval_every(50)
    device: str = groups.device()


def cost(cfg: Config) -> tuple[float, float]:
    """(peak bytes, flops): 32×32 inputs, the tutorial CNN's weights and a probe batch's activations."""
    ch = 3 if cfg.dataset == "cifar10" else 1
    s = cfg.width
    params = 6 * s * ch * 25 + 16 * s * 6 * s * 25 + 400 * s * 120 * s + 120 * s * 84 * s \
        + cfg.extra_layers * (84 * s) ** 2 + 84 * s * 10
    acts = 512 * (6 * s * 28 * 28 + 16 * s * 10 * 10 + (204 + 84 * cfg.extra_layers) * s) * 2
    data = (cfg.n_train + cfg.n_test) * ch * 32 * 32
    flops = 6.0 * cfg.batch_size * (params + 6 * s * 28 * 28 * 25 * ch) * cfg.steps
    return 4.0 * (data + 4 * params + acts), flops


def run(cfg: Config, rec) -> None:
    """Train with the chosen method; log losses, accuracies, per-layer gradient/activation std."""
    import pandas as pd
    import torch
    from torch.nn.functional import cross_entropy, interpolate

    from labcore.core.loop import train_loop
    from labcore.core.rng import seed_everything, torch_generator
    from labcore.nn import data, device
    from labcore.nn.measures.basic import accuracy
    from labcore.phenomena.preconditioner import nets as precond

    seed_everything(cfg.seed)
    dev = device.resolve(cfg.device)
    split = data.load(cfg.dataset, cfg.n_train, cfg.n_test, cfg.seed, flatten=False)

    def prep(t: torch.Tensor) -> torch.Tensor:  # (n, c, h, w) in [0, 1] -> (n, c, 32, 32) in [-1, 1]
        t = interpolate(t, size=(32, 32), mode="bilinear", align_corners=False) if t.shape[-1] != 32 else t
        return (t - 0.5) / 0.5

    x, y = prep(split.x_train).to(dev), split.y_train.to(dev)
    xt, yt = prep(split.x_test).to(dev), split.y_test.to(dev)
    model = precond.TutorialCNN(x.shape[1], cfg.width, cfg.extra_layers, split.n_classes)
    gen = torch_generator(cfg.seed, "init")
    if cfg.method == "static":
        precond.static_init(model, gen)
    model.to(dev)
    probe = x[:256]
    units = model.units()
    dev_gen = torch_generator(cfg.seed, "noise", dev)
    scale = [1.0] * len(units)
    if cfg.method == "static":
        scale = precond.preconditioner(precond.gains(model, probe, dev_gen))
    factor = {p: s for layer, s in zip(units, scale) for p in layer.parameters()}
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    batch_gen = torch_generator(cfg.seed, "order")
    state = {"loss": None, "smooth": None}

    def step_fn(step: int):
        idx = torch.randint(len(x), (cfg.batch_size,), generator=batch_gen).to(dev)
        loss = cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.method == "static":
            for p in model.parameters():
                p.grad.mul_(factor[p])  # the static diagonal preconditioner
        opt.step()
        value = float(loss.detach())
        state["loss"] = value
        state["smooth"] = value if state["smooth"] is None else 0.95 * state["smooth"] + 0.05 * value
        return value

    def layer_stats() -> tuple[list[float], list[float]]:
        """Per unit on the probe batch: std of the gradient at its output (times the
        preconditioner, i.e. the signal its parameters learn from) and of the output itself."""
        acts: list = []
        loss = cross_entropy(model(probe, acts), y[:256])
        grads = torch.autograd.grad(loss, acts)
        g = [float(gr.std()) * s for gr, s in zip(grads, scale)]
        return g, [float(a.detach().std()) for a in acts]

    def measure(step: int) -> dict:
        g_std, a_std = layer_stats()
        with torch.no_grad():
            train_logits, test_logits = model(x[:500]), model(xt)
        probe_loss = float(cross_entropy(train_logits, y[:500]))
        row = {"loss": state["loss"] if state["loss"] is not None else probe_loss,
               "loss_smooth": state["smooth"] if state["smooth"] is not None else probe_loss,
               "train_acc": accuracy(train_logits, y[:500]),
               "test_acc": accuracy(test_logits, yt)}
        for k, (g, a) in enumerate(zip(g_std, a_std), start=1):
            row[f"grad_std_l{k}"], row[f"act_std_l{k}"] = g, a
        if step == 0:
            rec.artifact("init_layers", pd.DataFrame({"layer": range(1, len(units) + 1), "grad_std": g_std,
                                                      "act_std": a_std, "precond": scale}))
        return row

    rec.meta(device=device.describe(dev), preconditioner=scale)
    train_loop(rec, cfg.steps, step_fn, measure, cfg.eval_every)


EXPERIMENT = Experiment(
    name="preconditioner",
    title="Static diagonal preconditioner",
    config=Config,
    run=run,
    metrics=("loss", "loss_smooth", "train_acc", "test_acc", "grad_std_l{k}", "act_std_l{k}"),
    artifacts=("init_layers",),
    icon=":material/speed:",
    cost=cost,
    page=PageSpec(
        what_to_look_for=(
            "PyTorch's default init lets gradient scales drift from layer to layer: in a deeper net "
            "(extra layers) the lowest layers get gradients orders of magnitude smaller than the top. "
            "The **static** method re-initialises so activations keep unit variance and multiplies each "
            "layer's gradient by a fixed factor p_j = Π_{k>j} 1/g_k measured once at init, so every "
            "layer starts with gradients of the same size (the bars below). It learns **faster at "
            "first**; as the weights move the fixed factors go stale (covariate shift) and the default "
            "method catches up and may overtake it."),
        reference="Seed: NN-preconditioners (static diagonal preconditioning of the PyTorch tutorial CNN).",
        charts=(
            Chart("Training loss (smoothed)", ("loss_smooth",), log_y=True),
            Chart("Accuracy", ("train_acc", "test_acc")),
            Chart("Gradient std at each layer's output (× preconditioner)", ("grad_std_l*",), log_y=True),
            Chart("Activation std per layer", ("act_std_l*",), log_y=True),
        ),
        arms=Arms(variants={"default": dict(method="default"), "static": dict(method="static")},
                  metrics=("loss_smooth", "test_acc")),
        sweep=SweepView(axes={"method": ("default", "static"), "extra_layers": (0, 3, 6)},
                        metrics=("test_acc", "loss_smooth")),
        presets={
            "paper scale (CIFAR-10, GPU)": dict(dataset="cifar10", n_train=50_000, n_test=10_000, steps=20_000,
                                                batch_size=64, eval_every=500, extra_layers=0, lr=0.001),
        },
        panels=("both_methods_at_init",),
        artifact_view="artifacts",
    ),
)
