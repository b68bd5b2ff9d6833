"""Static diagonal preconditioner vs default training (original code: NN-preconditioners).

`static`: variance-preserving init plus a fixed factor p_j · σ_j on every gradient, with
p_j = Π_{k>j} 1/g_k computed once at initialisation and σ_j the parameter's init std (the
original code's rule), so all layers learn at the same rate from the first step. `default`: PyTorch's
init and SGD with momentum. The static method starts faster; in the original code (CIFAR-10) the fixed
factors go stale as the weights move and the default overtakes it by the end of epoch 1. The
defaults run the recipe on Fashion-MNIST at 32×32×3 (offline); the page text gives what it shows.
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.core import param_groups
from labcore.core.experiment import Arms, Chart, Experiment, PageSpec, SweepView
from labcore.core.params import BaseConfig, param
from labcore.phenomena.preconditioner.claims import CLAIMS
from labcore.phenomena.preconditioner.lesson import LESSON


@dataclass(frozen=True)
class Config(BaseConfig):
    """Settings of a preconditioner run (static diagonal preconditioner vs default init + SGD);
    each field's `help` documents it."""
    method: str = param("default", choices=("default", "static"),
                        help="the init and update rule: default = PyTorch init + SGD; static = "
                             "variance-preserving init + static diagonal preconditioner")
    gains: str = param("formula", choices=("formula", "measured"),
                       help="static only: each layer's gradient gain from the original code's closed form, "
                            "or measured on a probe batch at init")
    width: int = param(1, lo=1, hi=16, help="width scale s: 6s, 16s channels, 120s, 84s units")
    lr: float = param_groups.lr(1e-3, help="SGD learning rate (the original code: 1e-3)")
    seed: int = param_groups.seed()
    extra_layers: int = param(0, lo=0, hi=20, help="extra 84s-unit layers: deeper nets show vanishing gradients")
    momentum: float = param_groups.momentum(0.9)
    batch_size: int = param_groups.batch_size(4, help="examples per step (the original code: 4)")
    # One epoch of Fashion-MNIST at batch 4 (~3.3 ms a step on one CPU core, ~50 s an arm): static
    # ahead until ~4.5k steps, the default level or ahead after (measured, see the page text).
    steps: int = param_groups.steps(15_000, help="optimisation steps; one epoch is n_train / batch_size steps "
                                           "(defaults: 15,000 = one epoch of Fashion-MNIST; the original code ran 2 "
                                           "epochs of CIFAR-10, 25,000 steps)")
    dataset: str = param_groups.dataset("fashion_mnist", choices=("fashion_mnist", "digits", "mnist", "cifar10"),
                                  help="fashion_mnist (Debian's dataset-fashion-mnist, offline) is padded to "
                                       "32×32 with its channel repeated ×3 like CIFAR-10; digits is resized")
    n_train: int = param_groups.n_train(60_000, advanced=True)
    n_test: int = param_groups.n_test(500, advanced=True)
    eval_every: int = param_groups.eval_every(250)
    device: str = param_groups.device()


def cost(cfg: Config) -> tuple[float, float]:
    """(peak bytes, flops): 32×32 inputs, the tutorial CNN's weights and a probe batch's activations."""
    ch = 3 if cfg.dataset in ("cifar10", "fashion_mnist") else 1  # fashion_mnist: channels repeated
    stored = 3 if cfg.dataset == "cifar10" else 1  # fashion_mnist keeps one channel (a repeated view)
    s = cfg.width
    params = 6 * s * ch * 9 + 16 * s * 6 * s * 9 + 576 * s * 120 * s + 120 * s * 84 * s \
        + cfg.extra_layers * (84 * s) ** 2 + 84 * s * 10
    acts = 1000 * (6 * s * 30 * 30 + 16 * s * 13 * 13 + (204 + 84 * cfg.extra_layers) * s) * 2
    data = (cfg.n_train + cfg.n_test) * stored * 32 * 32 * 2  # the loaded images and their 32x32 copy
    conv_flops = 6 * s * 30 * 30 * 9 * ch + 16 * s * 13 * 13 * 9 * 6 * s
    flops = 6.0 * cfg.batch_size * (params + conv_flops) * cfg.steps
    flops += 2.0 * 1256 * (params + conv_flops) * (cfg.steps // cfg.eval_every + 1)  # the measurements
    return 4.0 * (data + 4 * params + acts), flops


def run(cfg: Config, recorder) -> None:
    """Train with the chosen method; log losses, accuracies, per-layer gradient/activation std
    (labcore.phenomena.preconditioner.train)."""
    from labcore.phenomena.preconditioner.train import train

    train(cfg, recorder)


EXPERIMENT = Experiment(
    name="preconditioner",
    title="Static diagonal preconditioner",
    config=Config,
    run=run,
    metrics=("loss", "loss_smooth", "train_acc", "test_acc", "epoch", "grad_std_l{k}", "act_std_l{k}"),
    artifacts=("init_layers",),
    icon=":material/speed:",
    cost=cost,
    claims=CLAIMS,
    lesson=LESSON,
    page=PageSpec(
        what_to_look_for=(
            '**static** re-initialises the tutorial CNN so activations keep unit variance and '
            'multiplies each gradient by a fixed per-layer factor computed at init. It trains '
            "faster at first; the original code's observation is that the default method overtakes it "
            'later, as the weights move away from the statistics the factors were computed for '
            '(CIFAR-10 in the original; here Fashion-MNIST fed as CIFAR-10, see the claims).'),
        details=(
            "The defaults are the original code's recipe (`python3 main.py`) on Fashion-MNIST, fed as it feeds "
            "CIFAR-10 (padded to 32×32, its channel repeated ×3, scaled to [-1, 1]; Debian's "
            "dataset-fashion-mnist, offline): the tutorial CNN with 3×3 convolutions, batch 4, SGD lr 1e-3 "
            "momentum 0.9, one epoch (15,000 steps; the original ran 2 epochs of CIFAR-10, 25,000 steps). "
            "**static** re-initialises so activations keep unit variance and multiplies each gradient "
            "by p_j · σ_j: p_j = Π_{k>j} 1/g_k from the gradient gains g_k of the later layers, σ_j the "
            "parameter's init std (0.07-0.2), as the original code does, so its steps are 5-14× smaller than "
            "p_j alone would give. Compare the two arms at matched steps (N seeds for bands). **What the "
            "defaults show** (smoothed loss, ~100-step average, default / static, mean of seeds 0-2): "
            "step 500 2.00 / 0.97 (the default sits on its 2.30 plateau, static skips it), 1,000 0.97 / "
            "0.70, 3,000 0.56 / 0.49, 5,000 0.51 / 0.47, 7,500 0.47 / 0.43, 10,000 0.42 / 0.41, 12,500 "
            "0.39 / 0.40, 15,000 0.39 / 0.38: the static lead shrinks from 1.0 to ~0.01 and the curves "
            "meet around 10k steps, but they stay level within the noise between seeds. The overtaking "
            "claim reads the mean over the last fifth of the steps and needs the default ahead by 0.02 on "
            "every seed. Static − default over steps 12k-15k: 0.015 / −0.006 / −0.017 (seeds 0 / 1 / 2; smoothed loss "
            "0.390 / 0.405, 0.386 / 0.381, 0.403 / 0.386). **Two epochs** (30,000 steps, as the original "
            "ran): 20,000 0.38 / 0.39, 25,000 0.34 / 0.35, 30,000 0.31 / 0.33 (seed means); over steps "
            "24k-30k 0.328 / 0.351, 0.327 / 0.327, 0.332 / 0.332, i.e. static − default 0.024 / 0.000 / "
            "0.000 (mean 0.008): seed 0 overtakes, seeds 1 and 2 stay level. **MNIST-5k** (dataset=mnist, "
            "4,500 training images, 1,125 steps an epoch, same recipe): the curves meet by ~2,000 steps and "
            "both fall towards 0 as the set is memorised; static − default over the last fifth is −0.003 "
            "/ −0.012 / −0.046 at 5,000 steps, 0.020 / −0.013 / −0.026 at 6,000, 0.001 / 0.003 / −0.019 "
            "at 10,000 (seeds 0 / 1 / 2): static level or ahead. Fashion-MNIST on 10,000 images, 20,000 "
            "steps (seed 0): static ahead (−0.010). The original code's CIFAR-10 plot (one unseeded run) "
            "has the curves meet at 6-9k steps and the default ahead by ~0.05 after an epoch. A likely "
            "reason it does not carry over: CIFAR-10 is far harder for this CNN, so its loss is still high "
            "after an epoch and the step size limits progress, which costs the static method (its fully "
            "connected layers take relative steps 1/12-1/16 of the default's); Fashion-MNIST and MNIST "
            "fall to 0.3 and below, where the two arms' step sizes matter little. So offline the "
            "catching-up reproduces and a clear overtaking does not. The *digits* preset is "
            "the earlier offline recipe (there the static method stays far "
            "ahead: 10 epochs of 1,296 digits end before any crossover)."),
        summary=('A static diagonal preconditioner: per-layer gradient scales fixed at initialisation make a'
                 ' CNN train faster at first, and plain SGD catches up.'),
        reference=("Original code: RLeike/NN-preconditioners (`training/static_preconditioned_train.py`: static "
                   "diagonal preconditioning of the PyTorch tutorial CNN on CIFAR-10)."),
        charts=(
            Chart("Training loss (smoothed)", ("loss_smooth",), log_y=True,
                  note="Trailing average (~100 steps, as the original code's Gaussian smoothing) of the minibatch "
                       "losses. Epoch 1 ends at step n_train / batch_size (15,000 with the defaults). Static "
                       "starts above the default (its init gives larger logits), is ahead by ~1.0 at step 500 "
                       "and the gap closes to ~0.01 by 10k steps (seeds 0-2)."),
            Chart("Loss at the current parameters (500 training examples)", ("loss",), log_y=True),
            Chart("Accuracy", ("train_acc", "test_acc")),
            Chart("Gradient std at each layer's output (× preconditioner)", ("grad_std_l*",), log_y=True,
                  note="Add extra layers to see the default's lowest layers fall orders of magnitude "
                       "behind. With gains=measured the static method starts every layer at the same "
                       "scale; the original code's closed-form gains (the default) ignore the relu mask on the "
                       "way back, so in deep nets they leave a spread of a few × (10× over 11 layers)."),
            Chart("Activation std per layer", ("act_std_l*",), log_y=True,
                  note="At init the static method keeps every layer's activation std of order 1; "
                       "PyTorch's default init shrinks it layer by layer (clearer with extra layers)."),
        ),
        arms=Arms(variants={"default": dict(method="default"), "static": dict(method="static")},
                  metrics=("loss_smooth", "test_acc")),
        sweep=SweepView(axes={"method": ("default", "static"), "extra_layers": (0, 3, 6)},
                        metrics=("test_acc", "loss_smooth")),
        artifact_view="artifacts",
    ),
)
