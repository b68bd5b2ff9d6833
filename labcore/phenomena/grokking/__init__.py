"""Grokking: a network trained on a modular-arithmetic table memorises its training pairs almost
at once, sits at chance on the held-out pairs for tens of times longer, then generalises
abruptly; weight decay sets when, and without it the jump does not come (Power et al. 2022;
Nanda et al. 2023; the PAIR Explorables "Do machine learning models memorize or generalize?").

Two networks: the PAIR Explorables MLP (tied embedding, shared hidden layer, logits through
the embedding) and Nanda et al.'s one-layer transformer; full-batch AdamW with decoupled weight
decay and an optional linear warmup; the loss's log-softmax is taken in float64 (train.py).
torch is imported inside `run` so the registry (and the pages) load without it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from labcore.core import param_groups
from labcore.core.experiment import Arms, Chart, Experiment, PageSpec, SweepView
from labcore.core.params import BaseConfig, ParamError, param
from labcore.phenomena.grokking import data
from labcore.phenomena.grokking.claims import CLAIMS, SWEEP_FRACS, SWEEP_WDS
from labcore.phenomena.grokking.text import DETAILS, LESSON, PAGE_TEXT, REFERENCE


@dataclass(frozen=True)
class Config(BaseConfig):
    """Settings of a grokking run (modular arithmetic, full-batch AdamW); each field's `help`
    documents it.

    Defaults: see text.MEASURED (the PAIR MLP at width 128, lr 1e-2, weight decay 0.7, at most
    15,000 steps, stopped once generalised and held; docs/measurements.md for the timings).
    """
    model: str = param("mlp", choices=("mlp", "transformer"),
                       help="mlp: the PAIR Explorables MLP; transformer: Nanda et al.'s 1-layer transformer")
    p: int = param(67, lo=3, hi=257, log=True, help="the modulus: residues 0..p−1 (PAIR 67, Nanda 113)")
    operation: str = param("add", choices=data.OPERATIONS, help="a + b, a − b or a / b mod p (divide: p prime)")
    symmetric: bool = param(True, help="only the pairs a ≤ b (PAIR: 2,278 of 67²); needs operation=add")
    train_frac: float = param(0.4, lo=0.05, hi=0.95, help="fraction of the pairs used for training")
    split_seed: int = param(-1, lo=-1, hi=2**31 - 1, advanced=True,
                            help="−1: the split follows the random seed; ≥ 0: numpy's np.random.seed(n) "
                                 "permutation "
                                 "(the PAIR notebook: 165)")
    d_embed: int = param(128, lo=2, hi=4096, log=True,
                         help="mlp: embedding width (PAIR 500); transformer: d_model (Nanda 128)")
    d_hidden: int = param(24, lo=2, hi=8192, log=True,
                          help="mlp: hidden units (PAIR 24); transformer: d_mlp (Nanda 512)")
    n_heads: int = param(4, lo=1, hi=64, help="transformer: attention heads (d_embed must be a multiple)")
    lr: float = param_groups.lr(1e-2, help="AdamW learning rate (both recipes: 1e-3)")
    weight_decay: float = param(0.7, lo=0.0, hi=10.0, help="AdamW decoupled weight decay (both recipes: 1)")
    beta2: float = param(0.98, lo=0.5, hi=0.9999, advanced=True, help="AdamW β₂ (both recipes: 0.98; β₁ is 0.9)")
    warmup: int = param(0, lo=0, hi=100_000, advanced=True,
                        help="linear learning-rate warmup steps (Nanda: 10; PAIR: none)")
    steps: int = param_groups.steps(15_000, help="full-batch AdamW steps (at most: see stop_after)")
    stop_after: int = param(500, lo=0, hi=100_000,
                            help="stop once test accuracy has stayed ≥ 0.95 for this many steps (0: run every "
                                 "step)")
    precision: str = param("float32", choices=("float32", "float64"),
                           help="weights and activations (PAIR: float64); the loss's log-softmax is always float64")
    loss_reduction: str = param("example", choices=("example", "element"), advanced=True,
                                help="example: CE averaged over examples; element: the PAIR notebook's mean "
                                     "over examples and classes (CE / p)")
    eval_every: int = param_groups.eval_every(50)
    log_points: int = param(60, lo=2, hi=1000, log=True, advanced=True,
                            help="also measure at about this many log-spaced steps (the early steps)")
    fourier_every: int = param(500, lo=1, hi=100_000, log=True, advanced=True,
                               help="Fourier sparsity and restricted/excluded losses every N steps")
    n_key: int = param(5, lo=1, hi=128, log=True, advanced=True,
                       help="key frequencies: the Fourier sparsity's top-k and the restricted loss's directions")
    seed: int = param_groups.seed()
    device: str = param_groups.device()

    def check(self) -> None:
        """Cross-field checks: symmetric needs add, divide needs a prime p, heads divide d_embed,
        both splits non-empty; else raise ParamError naming the parameter and its range."""
        if self.symmetric and self.operation != "add":
            raise ParamError(f"symmetric=true needs operation=add (a − b and a / b are not symmetric); "
                             f"allowed with operation={self.operation}: false")
        if self.operation == "divide" and not data.is_prime(self.p):
            raise ParamError(f"p={self.p} is out of range for operation=divide; allowed: a prime in 3..257")
        if self.model == "transformer" and self.d_embed % self.n_heads:
            raise ParamError(f"n_heads={self.n_heads} is out of range for d_embed={self.d_embed}; "
                             f"allowed: a divisor of d_embed")
        n = len(data.pairs(self.p, self.operation, self.symmetric))
        if not 1 <= int(self.train_frac * n) < n:
            raise ParamError(f"train_frac={self.train_frac:g} is out of range for p={self.p}: "
                             f"allowed: a fraction that leaves both splits non-empty ({n} pairs)")


def n_pairs(cfg: Config) -> int:
    """Rows of the table (all pairs, a ≤ b only when symmetric, b ≠ 0 for division)."""
    return cfg.p * (cfg.p + 1) // 2 if cfg.symmetric else cfg.p * (cfg.p - (cfg.operation == "divide"))


def n_params(cfg: Config) -> int:
    """Weights of the network."""
    if cfg.model == "transformer":
        d, m, v = cfg.d_embed, cfg.d_hidden, cfg.p + 1
        return 2 * v * d + 3 * d + 4 * d * d + 2 * d * m + m + d
    return cfg.p * cfg.d_embed + 2 * cfg.d_embed * cfg.d_hidden


def cost(cfg: Config) -> tuple[float, float]:
    """(peak bytes, flops): weights ×4 (params, grads, two AdamW moments); activations of the
    p² grid's forward pass (the restricted loss); flops: 6 per weight-use and training example per
    step, plus the evaluations' forward passes."""
    size = 8 if cfg.precision == "float64" else 4
    width = cfg.d_embed * (3 if cfg.model == "transformer" else 1) + cfg.d_hidden + cfg.p
    acts = cfg.p * cfg.p * width * (4 if cfg.model == "transformer" else 2)
    per_example = n_params(cfg) if cfg.model == "transformer" else cfg.d_embed * (2 * cfg.d_hidden + cfg.p)
    n_train = int(cfg.train_frac * n_pairs(cfg))
    evals = cfg.steps / cfg.eval_every + cfg.log_points
    flops = 6.0 * per_example * n_train * cfg.steps + 2.0 * per_example * n_pairs(cfg) * evals
    return float(size * (4 * n_params(cfg) + acts)), flops


def run(cfg: Config, recorder) -> None:
    """Train one run (labcore.phenomena.grokking.train)."""
    from labcore.phenomena.grokking.train import train

    train(cfg, recorder)


def _chance(cfg: Config) -> dict[str, float]:
    return {"chance 1/p": 1.0 / cfg.p}


EXPERIMENT = Experiment(
    name="grokking",
    title="Grokking: memorise, then generalise",
    config=Config,
    run=run,
    # `loss` appears only in the row that ends a run as diverged (train_loop logs the bad step).
    metrics=("train_loss", "test_loss", "train_acc", "test_acc", "weight_norm", "mem_step", "gen_step",
             "fourier_sparsity", "restricted_loss", "excluded_loss", "loss"),
    artifacts=(),
    icon=":material/lightbulb:",
    cost=cost,
    claims=CLAIMS,
    lesson=LESSON,
    # tiny, yet it memorises and generalises (mem_step, gen_step emitted): tests/phenomena/test_grokking.py TREND
    smoke=dict(p=11, symmetric=False, d_embed=32, d_hidden=16, lr=1e-2, train_frac=0.9, steps=400, eval_every=10,
               fourier_every=200, n_key=1),
    page=PageSpec(
        what_to_look_for=PAGE_TEXT,
        details=DETAILS,
        summary=('Grokking: a small network memorises modular arithmetic at once and, much later, suddenly '
                 'generalises.'),
        reference=REFERENCE,
        charts=(
            Chart("Accuracy: train and test", ("train_acc", "test_acc"), log_x=True, hlines=_chance,
                  note="Train accuracy reaches 1 within a few hundred steps; test accuracy waits at chance, "
                       "then jumps."),
            Chart("Loss (cross-entropy): train and test", ("train_loss", "test_loss"), log_y=True, log_x=True,
                  note="The test loss rises while the net memorises, then falls by orders of magnitude."),
            Chart("Weight norm ‖θ‖₂", ("weight_norm",), log_x=True,
                  note="Grows while memorising; weight decay pulls it down during the plateau."),
            Chart("Fourier sparsity of the embedding (share of energy in the top n_key frequencies)",
                  ("fourier_sparsity",), log_x=True,
                  hlines=lambda cfg: {"random embedding": min(1.0, cfg.n_key / max(1, cfg.p // 2))},
                  note="Near n_key/(p//2) for a random embedding; near 1 once the net computes with a few "
                       "frequencies."),
            Chart("Restricted and excluded loss (Nanda et al.)", ("restricted_loss", "excluded_loss"),
                  log_y=True, log_x=True, hlines=lambda cfg: {"uniform: log p": math.log(cfg.p)},
                  note="Restricted: only the key-frequency part of the logits, on all p² pairs; excluded: "
                       "that part removed, on the training pairs. Not measured for division."),
        ),
        sweep=SweepView(axes={"train_frac": SWEEP_FRACS, "weight_decay": SWEEP_WDS},
                        metrics=("gen_step", "mem_step"), loglog=True),
        arms=Arms(variants={"with weight decay (these settings)": {}, "no weight decay": {"weight_decay": 0.0}},
                  metrics=("test_acc", "train_acc", "weight_norm"), log_x=True),
    ),
)
