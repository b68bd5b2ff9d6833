"""The catapult phase (Lewkowycz, Bahri, Dyer, Sohl-Dickstein & Gur-Ari 2020): a wide two-layer
net in NTK parametrisation, full-batch GD on MSE with step η = c/λ₀, where λ₀ is the top
eigenvalue of the empirical tangent kernel at initialisation (computed exactly on the training
set) and c = `lr_factor` is the slider. Below c = 2 training is lazy (the kernel stays put and
the loss falls monotonically); between 2 and a maximal c the loss first blows up for a few
steps, the kernel's top eigenvalue λ falls until η·λ < 2, and the loss then falls (the net is
"catapulted" to a flatter region); past the maximal c GD diverges.

torch is imported inside `run` so the registry (and the pages) load without it.
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.core import param_groups
from labcore.core.experiment import Chart, Experiment, PageSpec, SweepView
from labcore.core.params import BaseConfig, param
from labcore.phenomena.catapult.claims import CLAIMS, SWEEP
from labcore.phenomena.catapult.lesson import LESSON
from labcore.phenomena.catapult.text import DETAILS, REFERENCE


@dataclass(frozen=True)
class Config(BaseConfig):
    """Settings of a catapult run (full-batch GD at η = c/λ₀); each field's `help` documents it."""
    lr_factor: float = param(3.0, lo=0.1, hi=100.0, log=True,
                             help="c = η·λ₀: the step size in units of 1/λ₀ (λ₀: top eigenvalue of the tangent "
                                  "kernel at init). Below 2 lazy, 2 to about 3.6 catapult, beyond diverges")
    width: int = param(2048, lo=16, hi=65_536, log=True, help="hidden units m", unit="units")
    n_train: int = param(128, lo=8, hi=1024, log=True,
                         help="training examples (the kernel is n × n, solved exactly)")
    dataset: str = param_groups.dataset("digits", choices=("digits", "mnist", "synthetic"),
                                        help="digits (8x8), mnist (MNIST-5k offline), synthetic clusters: "
                                             "targets +1 for the lower half of the classes, −1 for the upper")
    steps: int = param_groups.steps(300, help="full-batch GD steps")
    ntk_every: int = param(5, lo=1, hi=10_000, log=True, advanced=True,
                           help="compute the kernel's top eigenvalue λ every N steps")
    seed: int = param_groups.seed()
    device: str = param_groups.device()


def _d_in(dataset: str) -> int:
    return {"digits": 64, "synthetic": 32}.get(dataset, 784)


def cost(cfg: Config) -> tuple[float, float]:
    """(peak bytes, flops): data, weights (×4: params, grads, slack), activations, the float64
    kernel; GD steps plus the kernel (n²·m) and its eigensolve (n³) every ntk_every steps."""
    d, n, m = _d_in(cfg.dataset), cfg.n_train, cfg.width
    params = m * (d + 1)
    kernels = cfg.steps // cfg.ntk_every + 1
    flops = 6.0 * n * params * cfg.steps + kernels * (4.0 * n * n * m + 10.0 * n**3)
    return 4.0 * (n * d + 4 * params + 4 * n * m) + 8.0 * (2 * n * m + 3 * n * n), flops


def run(cfg: Config, recorder) -> None:
    """GD at η = lr_factor/λ₀; log loss and peak_ratio every step, ntk_top and eta_lambda every ntk_every."""
    import math

    import torch

    from labcore.core.loop import every, train_loop
    from labcore.core.rng import seed_everything, torch_generator
    from labcore.nn import data, device
    from labcore.phenomena.catapult.nets import TwoLayer, loss_fn, prepare, top_eigenvalue

    seed_everything(cfg.seed)
    dev = device.resolve(cfg.device)
    split = data.load(cfg.dataset, cfg.n_train, 1, cfg.seed, flatten=True)  # no test set: one spare example
    x, y = prepare(split.x_train, split.y_train, split.n_classes)
    x, y = x.to(dev), y.to(dev)  # (n, d), (n,)
    model = TwoLayer(x.shape[1], cfg.width, generator=torch_generator(cfg.seed, "init")).to(dev)
    lam0 = top_eigenvalue(model, x)
    eta = cfg.lr_factor / lam0
    opt = torch.optim.SGD(model.parameters(), lr=eta)
    pending: dict[int, torch.Tensor] = {}  # the measured forward pass, reused by the step
    state = {"first": None, "peak": 0.0}

    def measure(step: int) -> dict:
        loss = loss_fn(model(x), y)
        pending.clear()
        pending[step] = loss
        value = float(loss.detach())
        if not math.isfinite(value):
            return {"loss": value}  # the recorder ends the run `diverged` at this step
        state["first"] = value if state["first"] is None else state["first"]
        state["peak"] = max(state["peak"], value)
        return {"loss": value, "peak_ratio": state["peak"] / state["first"]}

    def kernel(step: int) -> dict:
        if step in pending and not math.isfinite(float(pending[step].detach())):
            return {}  # blown-up weights: the loss row says so
        lam = top_eigenvalue(model, x)
        return {"ntk_top": lam, "eta_lambda": eta * lam}

    def step_fn(step: int):
        loss = pending.pop(step, None)
        if loss is None:
            loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.detach()

    recorder.meta(device=device.describe(dev), lambda0=lam0, eta=eta, data=split.source)
    train_loop(recorder, cfg.steps, step_fn, measure, 1, schedules=[(every(cfg.ntk_every), kernel)])


EXPERIMENT = Experiment(
    name="catapult",
    title="Catapult phase",
    config=Config,
    run=run,
    metrics=("loss", "peak_ratio", "ntk_top", "eta_lambda"),
    artifacts=(),
    icon=":material/rocket_launch:",
    cost=cost,
    claims=CLAIMS,
    lesson=LESSON,
    # The spike is the phenomenon: at η·λ₀ = 3.5 the loss peaks ~500× its start and recovers, and
    # the spike grows towards the maximal rate, so any finite factor would end the last catapults
    # `diverged` and bias the measured maximum low. Past the maximum the loss overflows to inf
    # within ~10 steps (measured at η·λ₀ 3.8-16), so the non-finite rule alone ends those runs.
    divergence_factor=None,
    smoke=dict(width=64, n_train=16, steps=6, ntk_every=2),
    page=PageSpec(
        what_to_look_for=(
            "Gradient descent with step η = c/λ₀ on a wide network, where λ₀ is the largest eigenvalue "
            "of its tangent kernel at initialisation. Below c = 2 the kernel stays put and the loss falls "
            "smoothly (lazy); above 2 the loss first **spikes**, the kernel's λ falls until η·λ < 2, and "
            "then the loss falls (the **catapult**); past a maximal c GD diverges."),
        details=DETAILS,
        summary="The catapult phase: a step size past 2/λ₀ makes the loss spike while the tangent kernel "
                "flattens, then training succeeds in a flatter region.",
        reference=REFERENCE,
        charts=(
            Chart("Training loss", ("loss",), log_y=True,
                  note="Lazy (c < 2): falls monotonically. Catapult (2 < c < maximal): rises by orders of "
                       "magnitude within ~10 steps, then falls."),
            Chart("η·λ (top tangent-kernel eigenvalue × step size)", ("eta_lambda",),
                  hlines=lambda cfg: {"η·λ = 2": 2.0, "η·λ₀": cfg.lr_factor},
                  note="Starts at c = η·λ₀. In the catapult λ drops until η·λ is below 2, the stability limit."),
            Chart("Top tangent-kernel eigenvalue λ", ("ntk_top",),
                  note="Exact (dense eigensolve of the n × n kernel) every ntk_every steps."),
            Chart("Peak loss so far / initial loss", ("peak_ratio",), log_y=True),
        ),
        # finished runs only: the diverged rates are named in the sweep's status line
        sweep=SweepView(axes={"lr_factor": SWEEP}, metrics=("eta_lambda", "peak_ratio"), log_x=True,
                        vlines=lambda frame, axis: {"η·λ₀ = 2": 2.0}),
        presets={
            "lazy (η·λ₀ = 1.5)": dict(lr_factor=1.5),
            "catapult (η·λ₀ = 3)": dict(lr_factor=3.0),
            "diverges (η·λ₀ = 8)": dict(lr_factor=8.0),
            "MNIST-5k, 256 examples": dict(dataset="mnist", n_train=256),
        },
    ),
)
