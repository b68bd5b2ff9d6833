"""The lottery ticket hypothesis (Frankle & Carbin 2019): a dense net contains a sparse
subnetwork (a "winning ticket") that, trained in isolation from the *same* initial weights,
matches the dense net's accuracy, and learns faster. Iterative global magnitude pruning
finds it; the same mask on a fresh init (`reinit`) or a random mask of the same per-layer
density (`random_prune`) does worse as the net gets sparser.

All three arms are trained in one run: the controls are derived from the winning ticket of
each round (its mask, its per-layer density), so separate runs would have to re-train the
winning arm; one run per config keeps cache hits whole and seed bands one run per seed.
torch is imported inside `run` so the registry (and the pages) load without it.
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.core import catalogue, param_groups
from labcore.core.experiment import Chart, Experiment, PageSpec, SweepView
from labcore.core.params import BaseConfig, ParamError, param

from labcore.phenomena.lottery_ticket.text import DETAILS, PAGE_TEXT, REFERENCE
from labcore.phenomena.lottery_ticket.claims import CLAIMS
from labcore.phenomena.lottery_ticket.lesson import LESSON

ARMS = ("winning", "reinit", "random_prune")
PER_ARM = ("test_acc", "train_acc", "early_stop_step")
DATASETS = ("digits", "mnist1d", "mnist", "fashion_mnist")
INPUT_DIM = {"digits": 64, "mnist1d": 40, "mnist": 784, "fashion_mnist": 784}
MNIST1D_TRAIN = 4000  # MNIST-1D's training pool (its test set is its own)


@dataclass(frozen=True)
class Config(BaseConfig):
    """Settings of a lottery-ticket run (iterative magnitude pruning, winning ticket vs controls);
    each field's `help` documents it."""
    # drawn from one pool where train and test share it (digits, MNIST-5k): the validation
    # examples come out of the training pool (core.catalogue.pool_problem checks the sum)
    pool_fields = ("n_train", "n_val", "n_test")
    widths: tuple = param((300, 100), lo=1, hi=4096, length=(1, 6),
                          help="hidden widths before width_scale (LeNet-300-100: 300-100)")
    width_scale: float = param(1.0, lo=0.05, hi=16.0, log=True, help="every hidden width × this")
    rounds: int = param(12, lo=1, hi=40, log=True,
                        help="pruning rounds after the dense round 0 (density (1 − p)^round)")
    prune_frac: float = param(0.2, lo=0.01, hi=0.9,
                              help="fraction p of the surviving hidden-layer weights removed per round "
                                   "(global magnitude; output layer and biases are never pruned)")
    rewind_step: int = param(0, lo=0, hi=1_000_000,
                             help="rewind the surviving weights to their value at this step "
                                  "(0: to the init, as Frankle & Carbin 2019; > 0: late rewinding)")
    arms: str = param("all", choices=("all", "winning"),
                      help="all: winning, reinit and random_prune each round; winning: 3× cheaper")
    steps: int = param_groups.steps(600, help="training steps per round and arm")
    optimizer: str = param("adam", choices=("adam", "sgd"), help="Adam as the paper's LeNet; SGD uses momentum")
    lr: float = param_groups.lr(2e-3, help="learning rate (the paper's LeNet: Adam 1.2e-3 for 50k steps)")
    momentum: float = param(0.9, lo=0.0, hi=0.99, advanced=True, help="SGD momentum (optimizer=sgd only)")
    batch_size: int = param_groups.batch_size(60, help="minibatch size (the paper: 60)")
    init: str = param("xavier", choices=param_groups.INITS,
                      help="xavier: Gaussian Glorot as the paper; reinit draws from the same distribution")
    dataset: str = param_groups.dataset("mnist1d", choices=DATASETS + (catalogue.FILES,),
                                  help="offline: mnist1d (4000 train / 1000 test), digits, mnist (MNIST-5k "
                                       "unless the full set is in LAB_DATA_DIR), fashion_mnist (Debian's package); "
                                       + catalogue.FILES_HELP)
    n_train: int = param_groups.n_train(3000)
    n_val: int = param(1000, lo=10, hi=10_000, log=True,
                       help="validation examples, held out of the training pool (early-stop step)")
    n_test: int = param_groups.n_test(1000)
    eval_every: int = param_groups.eval_every(25)
    seed: int = param_groups.seed()
    device: str = param_groups.device()

    def check(self) -> None:
        """rewind_step must be below steps, and n_train + n_val must fit MNIST-1D's training pool (a
        shared pool, digits or MNIST-5k, is checked for all three by the catalogue and at
        admission); else raise ParamError naming the parameter and its range."""
        if self.rewind_step >= self.steps:
            raise ParamError(f"rewind_step={self.rewind_step} is out of range; allowed: 0..steps − 1 "
                             f"({self.steps - 1})")
        if self.dataset == "mnist1d" and self.n_train + self.n_val > MNIST1D_TRAIN:
            raise ParamError(f"n_train + n_val = {self.n_train + self.n_val} is out of range for dataset=mnist1d "
                             f"(n_train={self.n_train}, n_val={self.n_val}); allowed: n_train + n_val ≤ "
                             f"{MNIST1D_TRAIN} (they share its training pool)")


def trainings(cfg: Config) -> int:
    """Trainings a run makes: the dense round 0, then one per arm and pruning round."""
    return 1 + cfg.rounds * (len(ARMS) if cfg.arms == "all" else 1)


def cost(cfg: Config) -> tuple[float, float]:
    """(peak bytes, flops): data; weights ×7 (params, grads, Adam's two moments, masks, the
    rewind copy, a control net); activations of the largest evaluation batch. Flops: 6 per
    weight and example of each training step, 2 per weight and example of each evaluation."""
    d_in = INPUT_DIM.get(cfg.dataset, 784)  # a file's width is known when it is read: sized as MNIST
    sizes = (d_in, *(max(1, int(round(w * cfg.width_scale))) for w in cfg.widths), 10)
    params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    n_eval = cfg.n_val + cfg.n_test
    acts = max(n_eval, cfg.n_train) * sum(sizes)
    n_data = cfg.n_train + n_eval
    steps = trainings(cfg) * cfg.steps
    flops = 6.0 * cfg.batch_size * params * steps + 2.0 * params * (
        n_eval * steps / cfg.eval_every + cfg.n_train * trainings(cfg))
    return 4.0 * (n_data * (d_in + 1) + 7 * params + 2 * acts), flops


def run(cfg: Config, recorder) -> None:
    """Prune iteratively and train the three arms each round (labcore.phenomena.lottery_ticket.train)."""
    from labcore.phenomena.lottery_ticket.train import run_rounds

    run_rounds(cfg, recorder)


EXPERIMENT = Experiment(
    name="lottery_ticket",
    title="Lottery tickets: pruning with rewinding",
    config=Config,
    run=run,
    # `loss` appears only in the row that ends a run as diverged (train_loop logs the bad step).
    metrics=("round", "density", "density_l{k}", *(f"{m}_{a}" for m in PER_ARM for a in ARMS), "loss"),
    artifacts=("curve_r{k}",),
    icon=":material/content_cut:",
    cost=cost,
    claims=CLAIMS,
    lesson=LESSON,
    page=PageSpec(
        what_to_look_for=PAGE_TEXT,
        details=DETAILS,
        summary=('Lottery tickets: a dense network hides sparse subnetworks that, reset to their initial '
                 'weights, train as well as the whole network.'),
        reference=REFERENCE,
        charts=(
            Chart("Test accuracy per pruning round (density (1 − p)^round)", ("test_acc_*",),
                  note="Round r keeps (1 − p)^r of the hidden-layer weights; the panel below draws the "
                       "same numbers against density on a log axis."),
            Chart("Early-stop step (minimum validation loss) per round", ("early_stop_step_*",)),
            Chart("Train accuracy per round", ("train_acc_*",)),
            Chart("Density: overall and per layer", ("density", "density_l*"), log_y=True,
                  note="Global pruning does not take the same fraction from every layer: layers with "
                       "smaller weights (the larger layers, under Glorot init) lose more."),
        ),
        sweep=SweepView(axes={"width_scale": (0.25, 0.5, 1.0, 2.0)},
                        metrics=("test_acc_winning", "test_acc_reinit", "test_acc_random_prune")),
        x_label="pruning round",
        panels=("density_view",),
        artifact_view="curves",
    ),
)
