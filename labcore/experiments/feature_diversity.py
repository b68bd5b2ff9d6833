"""Feature diversity at initialisation (Blumenfeld, Gilboa & Soudry 2020): a ConstNet, whose
channels are all identical, trains like a width-1 net when training is deterministic; a
tiny symmetry breaker (dropout, gradient noise, non-deterministic GPU kernels) lets the
channels diverge and the net trains almost like a randomly initialised one.
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.data import DATASETS
from labcore.device import DEVICE_CHOICES
from labcore.experiments.base import Experiment
from labcore.params import BaseConfig, ParamError, param


@dataclass(frozen=True)
class Config(BaseConfig):
    width: int = param(1, lo=1, hi=16, help="widen factor k: channels 16k, 32k, 64k (mlp: 64k units)")
    init: str = param("constant", choices=("constant", "random", "leaky"),
                      help="constant = ConstNet; random = He; leaky = LeakyNet `pattern`")
    lr: float = param(0.05, lo=1e-5, hi=10.0, log=True, help="SGD learning rate (momentum 0.9)")
    seed: int = param(0, lo=0, hi=2**31 - 1)
    breaker: str = param("none", choices=("none", "dropout", "noise"),
                         help="symmetry breaker: none (deterministic), dropout p, gradient noise ε")
    dropout: float = param(0.01, lo=0.0, hi=0.9, help="dropout p when breaker = dropout")
    grad_noise: float = param(1e-4, lo=1e-10, hi=1.0, log=True, help="gradient noise std ε when breaker = noise")
    arch: str = param("resnet", choices=("resnet", "mlp"), help="small wide-ResNet or MLP")
    blocks: int = param(1, lo=1, hi=8, help="residual blocks per stage (mlp: hidden layers)")
    pattern: str = param("1_ii_ii_ii", help="LeakyNet letters per layer: h random, i identity, 1 averaging, 0 zero")
    slope: float = param(0.0, lo=0.0, hi=1.0, help="leaky-ReLU slope (0: ReLU)")
    noise_mix: float = param(0.0, lo=0.0, hi=1.0, help="add this × He noise to the pattern init")
    deterministic: bool = param(True, help="off: allow CUDA's non-deterministic kernels (a real breaker)")
    steps: int = param(600, lo=1, hi=1_000_000, log=True, help="SGD steps")
    batch_size: int = param(64, lo=1, hi=4096, log=True)
    dataset: str = param("digits", choices=DATASETS, help="digits works offline; cifar10 through torchvision")
    n_train: int = param(1200, lo=10, hi=60_000, log=True, advanced=True)
    n_test: int = param(500, lo=10, hi=10_000, log=True, advanced=True)
    eval_every: int = param(25, lo=1, hi=100_000, log=True, advanced=True)
    device: str = param("auto", choices=DEVICE_CHOICES, advanced=True)

    def check(self) -> None:
        from labcore.diversity import check_pattern

        if self.init == "leaky":
            problem = check_pattern(self.pattern, self.blocks, self.arch)
            if problem:
                raise ParamError(f"pattern={self.pattern!r} does not fit arch={self.arch}, blocks={self.blocks}; "
                                 f"expected {problem}")


def run(cfg: Config, rec) -> None:
    """Train and log per-layer fwd/bwd/feature correlations, loss and accuracies."""
    import torch
    from torch.nn.functional import cross_entropy

    from labcore import data, device, diversity, metrics
    from labcore.train import set_seed, train_loop

    set_seed(cfg.seed)
    dev = device.resolve(cfg.device)
    if dev.type == "cuda":
        torch.backends.cudnn.deterministic = cfg.deterministic
        torch.backends.cudnn.benchmark = not cfg.deterministic
    split = data.load(cfg.dataset, cfg.n_train, cfg.n_test, cfg.seed, flatten=False)
    x, y = split.x_train.to(dev), split.y_train.to(dev)  # (n, c, h, w), (n,)
    xt, yt = split.x_test.to(dev), split.y_test.to(dev)
    p_drop = cfg.dropout if cfg.breaker == "dropout" else 0.0
    if cfg.arch == "resnet":
        model = diversity.ResNet(x.shape[1], split.n_classes, cfg.width, cfg.blocks, cfg.slope, p_drop)
    else:
        model = diversity.MLP(x[0].numel(), split.n_classes, cfg.width, cfg.blocks, cfg.slope, p_drop)
    gen = torch.Generator().manual_seed(cfg.seed)
    letters = diversity.pattern_for(cfg.init, cfg.pattern, cfg.blocks, cfg.arch)
    diversity.initialise(model, letters, cfg.noise_mix, zero_head=cfg.init != "random", gen=gen)
    model.to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9)
    probe = x[:128]  # fixed batch for feature correlations
    noise_gen = torch.Generator(device=dev).manual_seed(cfg.seed + 1)
    batch_gen = torch.Generator().manual_seed(cfg.seed + 2)

    def step_fn(step: int):
        idx = torch.randint(len(x), (cfg.batch_size,), generator=batch_gen).to(dev)
        loss = cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.breaker == "noise":
            for p in model.parameters():
                p.grad += cfg.grad_noise * torch.randn(p.grad.shape, generator=noise_gen, device=dev)
        opt.step()
        return loss.detach()

    @torch.no_grad()
    def measure(step: int) -> dict:
        model.eval()
        feats: list = []
        logits = model(probe, feats)
        train_logits, test_logits = model(x[:1000]), model(xt)
        model.train()
        row = {"loss": float(cross_entropy(train_logits, y[:1000])),
               "train_acc": metrics.accuracy(train_logits, y[:1000]),
               "test_acc": metrics.accuracy(test_logits, yt)}
        fwd, bwd, feat = [], [], []
        for k, (layer, act) in enumerate(zip(model.weighted(), feats), start=1):
            f, b = metrics.weight_correlations(layer.weight)
            fwd.append(f), bwd.append(b), feat.append(metrics.feature_correlation(act))
            row[f"fwd_corr_l{k}"], row[f"bwd_corr_l{k}"], row[f"feat_corr_l{k}"] = fwd[-1], bwd[-1], feat[-1]
        row["fwd_corr"], row["bwd_corr"] = sum(fwd) / len(fwd), sum(bwd) / len(bwd)
        row["feat_corr"] = sum(feat) / len(feat)
        row["diversity"] = 1.0 - row["feat_corr"]
        del logits
        return row

    rec.meta(device=device.describe(dev), letters=letters)
    train_loop(rec, cfg.steps, step_fn, measure, cfg.eval_every)


EXPERIMENT = Experiment(
    name="feature_diversity",
    title="Feature diversity: ConstNet and LeakyNet",
    config=Config,
    run=run,
    what_to_look_for=(
        "A **ConstNet** starts with every channel identical (averaging convolutions, zero residual "
        "branches and classifier). Trained deterministically, nothing can tell the channels apart: "
        "every correlation stays exactly 1 and the net learns only what a width-1 net can. A tiny "
        "symmetry breaker (dropout p = 0.01, gradient noise ε, or CUDA's non-deterministic kernels) "
        "lets the correlations fall and the accuracy climb close to a randomly initialised net. "
        "Compare the three arms side by side below."),
    reference=("Blumenfeld, Gilboa & Soudry 2020, *Beyond Signal Propagation: Is Feature Diversity "
               "Necessary in Deep Neural Network Initialization?* (ICML)."),
    sweep_param="breaker",
    sweep_values=("none", "dropout", "noise"),
    sweep_metric="test_acc",
    more_sweeps={"init": ("constant", "leaky", "random")},
    presets={
        "LeakyNet": dict(init="leaky", slope=0.1, pattern="1_ii_ii_ii"),
        "paper scale (CIFAR-10, GPU)": dict(dataset="cifar10", width=4, blocks=4, steps=20_000,
                                            batch_size=128, n_train=50_000, n_test=10_000, eval_every=500,
                                            pattern="1_ii11ii11_ii11ii11_ii11ii11"),
    },
)
