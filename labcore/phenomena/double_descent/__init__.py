"""Double descent (Belkin, Hsu, Ma & Mandal 2019; Nakkiran et al. 2020): test error against
model size falls, peaks where the model first fits the training set exactly (the
interpolation threshold), then falls again; label noise makes the peak tall.

Two families behind one page. `random_features`: N random ReLU (or Fourier) features fitted by
the minimum-norm least-squares solution, so one run fits every width of the curve in seconds
(rows keyed by N). `mlp`: a trained MLP of one hidden width per run, its errors logged per
epoch; the page's sweep over `width` draws the model-wise curve (greydanus/mnist1d's
deep-double-descent notebook). torch is imported inside `run`.
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.core import catalogue, param_groups
from labcore.core.experiment import Arms, Chart, Experiment, PageSpec, SweepView
from labcore.core.params import BaseConfig, ParamError, param
from labcore.phenomena.double_descent.claims import CLAIMS, threshold_line
from labcore.phenomena.double_descent.lesson import LESSON
from labcore.phenomena.double_descent.text import DETAILS, PAGE_TEXT, REFERENCE

MODELS = ("random_features", "mlp")
DATASETS = ("digits", "mnist1d", "mnist", "fashion_mnist")
INPUT_DIM = {"digits": 64, "mnist1d": 40, "mnist": 784, "fashion_mnist": 784}
POOLS = {"mnist1d": (4000, 12_000)}  # (train pool, test pool); a shared pool (digits): core.catalogue
MAX_FEATURES = 100_000
RF_SUFFIXES = ("", "_clean")
RF_METRICS = tuple(f"rf_{m}{s}" for m in ("train_error", "test_error", "train_mse", "test_mse", "norm")
                   for s in RF_SUFFIXES)
MLP_METRICS = ("train_error", "test_error", "train_loss", "test_loss", "weight_norm")


@dataclass(frozen=True)
class Config(BaseConfig):
    """Settings of a double-descent run; each field's `help` documents it."""
    model: str = param("random_features", choices=MODELS,
                       help="random_features: min-norm fit of N random features, every N in one run (seconds); "
                            "mlp: a trained MLP of hidden width `width` (sweep width for the curve)")
    dataset: str = param_groups.dataset("digits", choices=DATASETS + (catalogue.FILES,),
                                  help="digits and mnist1d (the notebook's 4000 train / 12000 test, generated "
                                       "offline) need no network; mnist and fashion_mnist through torchvision; "
                                       + catalogue.FILES_HELP)
    n_train: int = param_groups.n_train(400)
    n_test: int = param(1000, lo=10, hi=12_000, log=True, help="test examples (MNIST-1D as the notebook: 12,000)")
    label_noise: float = param(0.2, lo=0.0, hi=0.9,
                               help="fraction of training labels replaced by a uniformly drawn class (test "
                                    "labels stay clean); random features also fit the clean labels alongside")
    features: str = param("relu", choices=("relu", "fourier"),
                          help="random_features: relu(x·W)/√N or random Fourier features √(2/N)·cos(x·W + b)")
    n_widths: int = param(24, lo=2, hi=200, log=True,
                          help="random_features: feature counts N, log-spaced (plus n/4, n and 10n)")
    min_ratio: float = param(0.05, lo=1e-3, hi=1.0, log=True, help="random_features: smallest N / n_train")
    max_ratio: float = param(10.0, lo=1.0, hi=100.0, log=True, help="random_features: largest N / n_train")
    ridge: float = param(0.0, lo=0.0, hi=100.0,
                         help="random_features: ridge λ of the fit (0: min-norm least squares; any ridge "
                              "flattens the peak)")
    width: int = param(61, lo=1, hi=4096, log=True, help="mlp: hidden width h (the notebook: 2..300)")
    depth: int = param(2, lo=1, hi=6, help="mlp: hidden layers (the notebook: 40 → h → h → 10)")
    epochs: int = param(100, lo=1, hi=100_000, log=True, help="mlp: training epochs (the notebook: 500)")
    lr: float = param_groups.lr(0.01, help="mlp: SGD learning rate (the notebook: 0.01)")
    momentum: float = param_groups.momentum(0.9)
    batch_size: int = param_groups.batch_size(100, help="mlp: minibatch size (the notebook: 100)")
    eval_every: int = param(5, lo=1, hi=100_000, log=True, advanced=True,
                            help="mlp: measure train and test error every N epochs")
    seed: int = param_groups.seed()
    device: str = param_groups.device()

    def check(self) -> None:
        """The subsets must fit the dataset's pools; the feature grid must be ordered and bounded."""
        pool = POOLS.get(self.dataset)
        if pool is not None:
            for name, value, top in (("n_train", self.n_train, pool[0]), ("n_test", self.n_test, pool[1])):
                if value > top:
                    raise ParamError(f"{name}={value} is out of range for dataset={self.dataset}; allowed: 10..{top}")
        if self.min_ratio >= self.max_ratio:
            raise ParamError(f"min_ratio={self.min_ratio:g} is out of range; allowed: below max_ratio "
                             f"({self.max_ratio:g})")
        if self.model == "random_features" and self.n_train * self.max_ratio > MAX_FEATURES:
            raise ParamError(f"max_ratio={self.max_ratio:g} is out of range for n_train={self.n_train}; allowed: "
                             f"n_train · max_ratio at most {MAX_FEATURES:,} features")


def cost(cfg: Config) -> tuple[float, float]:
    """(peak bytes, flops). random_features: the float64 feature matrix of the largest N for
    train and test examples, twice (a width's slice), plus its SVD; flops: one SVD
    (4·n·N·min(n, N)) per width. mlp: data, weights ×4, activations of a full evaluation;
    flops 6 per weight and training example each epoch, 2 per weight and example per evaluation."""
    from labcore.phenomena.double_descent.grid import width_grid

    d = INPUT_DIM.get(cfg.dataset, 784)  # a file's width is known when it is read: sized as MNIST
    n, n_all = cfg.n_train, cfg.n_train + cfg.n_test
    if cfg.model == "random_features":
        widths = width_grid(n, cfg.min_ratio, cfg.max_ratio, cfg.n_widths)
        top = widths[-1]
        nbytes = 8.0 * (2 * n_all * top + 2 * n * min(n, top) + min(n, top) * top) + 4.0 * n_all * d
        flops = 2.0 * n_all * d * top + sum(4.0 * n * w * min(n, w) + 4.0 * n_all * w * 10 for w in widths)
        return nbytes, flops
    sizes = [d] + [cfg.width] * cfg.depth + [10]
    params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    evals = cfg.epochs / cfg.eval_every + 2
    return (4.0 * (n_all * (d + 1) + 4 * params + n_all * sum(sizes)),
            6.0 * params * n * cfg.epochs + 2.0 * params * n_all * evals)


def run(cfg: Config, recorder) -> None:
    """random_features: the whole curve over N in one run; mlp: one width trained for `epochs`."""
    from labcore.core.loop import train_loop

    if cfg.model == "random_features":
        from labcore.phenomena.double_descent.train_rf import plan_widths as plan
    else:
        from labcore.phenomena.double_descent.train_mlp import plan_epochs as plan
    target, steps, step_fn, schedules = plan(cfg, recorder)  # the family's steps and measurements
    train_loop(target, steps, step_fn, schedules=schedules)


def _threshold(cfg: Config) -> dict[str, float]:
    return {f"N = n_train = {cfg.n_train}": float(cfg.n_train)}


RF = "random features N"
EXPERIMENT = Experiment(
    name="double_descent",
    title="Double descent: the peak at the interpolation threshold",
    config=Config,
    run=run,
    metrics=RF_METRICS + MLP_METRICS + ("loss",),  # `loss`: only the row that ends a run as diverged
    artifacts=(),
    icon=":material/ssid_chart:",
    cost=cost,
    claims=CLAIMS,
    lesson=LESSON,
    smoke=dict(n_train=40, n_test=40, n_widths=6),
    page=PageSpec(
        what_to_look_for=PAGE_TEXT,
        details=DETAILS,
        summary=('Double descent: test error peaks where a model first fits its training set exactly, then '
                 'falls again as the model grows.'),
        reference=REFERENCE,
        charts=(
            Chart("Test error vs random features N (min-norm fit)", ("rf_test_error", "rf_test_error_clean"),
                  log_x=True, marks=_threshold, x_label=RF,
                  note="rf_test_error: the noisy training labels; _clean: the same features fitted to the clean "
                       "labels. Both peak at N = n_train, where the feature matrix is square; noise makes the "
                       "peak taller and wider."),
            Chart("Train error vs N", ("rf_train_error", "rf_train_error_clean"), log_x=True, marks=_threshold,
                  x_label=RF, note="Zero from N = n_train on: every larger model interpolates the training set."),
            Chart("Test loss (squared error, one-hot targets) vs N", ("rf_test_mse", "rf_test_mse_clean"),
                  log_x=True, log_y=True, marks=_threshold, x_label=RF),
            Chart("Norm ‖a‖ of the fitted coefficients vs N", ("rf_norm", "rf_norm_clean"), log_x=True,
                  log_y=True, marks=_threshold, x_label=RF,
                  note="The min-norm interpolant needs huge coefficients at N = n_train; past it the norm falls "
                       "again, and with it the test error."),
            Chart("MLP: train and test error over epochs", ("train_error", "test_error"), log_x=True,
                  x_label="epoch", note="With noisy labels the test error falls, then rises while the noisy "
                                        "labels are memorised (notebook preset, h 61: 45.9 % at epoch 70, 53.4 % at "
                                        "500). Nakkiran et al.'s epoch-wise second descent needs far longer runs."),
            Chart("MLP: train and test loss (cross-entropy)", ("train_loss", "test_loss"), log_x=True,
                  log_y=True, x_label="epoch"),
            Chart("MLP: weight norm", ("weight_norm",), log_x=True, x_label="epoch"),
        ),
        sweep=SweepView(axes={"width": (2, 4, 8, 16, 32, 47, 61, 104, 180, 300),
                              "label_noise": (0.0, 0.1, 0.2, 0.4)},
                        metrics=("test_error", "train_error", "test_loss", "rf_test_error"), log_x=True,
                        vlines=threshold_line),
        arms=Arms(variants={"clean labels": {"label_noise": 0.0}, "15 % noise": {"label_noise": 0.15}},
                  metrics=("test_error", "train_error")),
        x_label="epoch",  # the Arms view (MLP curves); every chart names its own axis
    ),
)
