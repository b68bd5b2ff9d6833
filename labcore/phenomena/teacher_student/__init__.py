"""Luck Matters (Tian et al. 2019): an over-parameterised student trained on a ReLU
teacher's outputs; student nodes align with teacher nodes (correlation -> 1) from the
lowest layer up, and the winners were already ahead at initialisation ("luck").
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.core import param_groups
from labcore.core.experiment import Chart, Experiment, PageSpec, SweepView
from labcore.core.params import BaseConfig, ParamError, param
from labcore.phenomena.teacher_student.claims import CLAIMS
from labcore.phenomena.teacher_student.lesson import LESSON

# Presets named after the original's README commands. recon_multilayer.py: 100k fixed samples,
# 40 epochs of batch 64 = 62,520 SGD steps, eval on 3 × 64 re-drawn samples once an epoch.
PAPER = ("recon_multilayer.py --data_std 10.0 --node_multi 10 --lr 0.05 --dataset gaussian --d_output 100 "
         "--seed 124 (paper scale)")
# test_multilayer.py: ks=[10, 20, 30] is input 10, one hidden layer of 20, output 30; teacher
# bias 0, x ~ N(0, 1), 20,000 iterations, eval on 1024 fresh samples every 100.
MATRIX = "test_multilayer.py --perturb --node_multi 2 --lr 0.05 --init_std 0.1 --batchsize 64 --seed 232"


@dataclass(frozen=True)
class Config(BaseConfig):
    """Settings of a Luck Matters run (over-parameterised student of a ReLU teacher); each field's
    `help` documents it."""
    node_multi: int = param(10, lo=1, hi=50, help="student width = node_multi × teacher width")
    init: str = param("pytorch", choices=("pytorch", "gaussian", "perturb"),
                      help="perturb: student starts at the teacher + noise (extra nodes random)")
    lr: float = param_groups.lr(0.05, help="SGD learning rate")
    seed: int = param_groups.seed()
    teacher: tuple = param((10, 15, 20, 25), lo=1, hi=1000, length=(1, 8),
                           help="teacher hidden widths, lowest first, e.g. 10-15-20-25")
    d_input: int = param(20, lo=1, hi=1000, log=True, help="input dimension")
    d_output: int = param(100, lo=1, hi=1000, log=True, help="teacher/student output dimension")
    data_std: float = param(10.0, lo=0.01, hi=100.0, log=True,
                            help="x ~ N(0, data_std²); std 1 leaves ReLU corners uncovered")
    batch_size: int = param_groups.batch_size(64, help="Gaussian samples per step")
    # 4 of the original's "iterations" (epochs of 1,563 steps): the README command (seed 124) reaches
    # l1 0.990 at step 4,500 and 0.996 at 6,000 (measured; ~18 s CPU at one thread)
    steps: int = param_groups.steps(6252, help="SGD steps (the original's iteration = an epoch of 1,563 steps)")
    n_train: int = param(0, lo=0, hi=1_000_000, help="0: fresh samples every step; N: a fixed set of N "
                                                     "samples, reshuffled every epoch (the original: 100,000)")
    teacher_bias: bool = param(True, help="teacher biases U(-0.5, 0.5); off: 0 (the matrix README command)")
    mode: str = param("sgd", choices=("sgd", "matrix"),
                      help="matrix: the original's test_multilayer.py; loss ½·Σ over outputs, every fan-in "
                           "column of every layer renormalised to 1 after each step (over-parameterisation check)")
    normalize: bool = param(False, help="BatchNorm before every ReLU of the student")
    per_sample: bool = param(False, help="exact per-sample gradients (torch.func), averaged for the step; "
                                         "logs grad_noise, the gradient noise ratio")
    init_std: float = param(0.1, lo=1e-4, hi=10.0, log=True, help="std of gaussian init / perturb noise",
                            advanced=True)
    eval_size: int = param(1024, lo=16, hi=100_000, log=True, help="eval batch", advanced=True)
    eval_redraw: bool = param(False, help="draw a fresh eval batch at every measurement (the original: 3 × 64 "
                                          "samples each eval); off: one fixed batch", advanced=True)
    eval_every: int = param(50, lo=1, hi=100_000, log=True, help="measure every N steps", advanced=True)
    device: str = param_groups.device()

    def check(self) -> None:
        """per_sample excludes mode=matrix and normalize=true; else raise ParamError naming the clashing
        parameters and the setting allowed."""
        if self.per_sample and self.mode == "matrix":
            raise ParamError("per_sample=true is not allowed with mode=matrix; allowed: per_sample with "
                             "mode=sgd (per-sample gradients use the averaged MSE)")
        if self.per_sample and self.normalize:
            raise ParamError("per_sample=true is not allowed with normalize=true; allowed: per_sample with "
                             "normalize=false (BatchNorm couples the samples of a batch)")


def cost(cfg: Config) -> tuple[float, float]:
    """(peak bytes, flops): teacher + student weights (×4), eval activations, correlation
    matrices (kept as a few snapshots per layer)."""
    t_dims = [cfg.d_input, *cfg.teacher, cfg.d_output]
    s_dims = [cfg.d_input, *(w * cfg.node_multi for w in cfg.teacher), cfg.d_output]
    t_par = sum(a * b for a, b in zip(t_dims, t_dims[1:]))
    s_par = sum(a * b for a, b in zip(s_dims, s_dims[1:]))
    acts = cfg.eval_size * (sum(t_dims) + sum(s_dims))
    corr = sum(w * w * cfg.node_multi for w in cfg.teacher) * 8  # matrices in memory and as artifacts
    flops = 6.0 * cfg.batch_size * (t_par + s_par) * cfg.steps
    return 4.0 * (t_par + 4 * s_par + 2 * acts) + 8.0 * corr, flops


def run(cfg: Config, recorder) -> None:
    """Train the student; log per-layer best correlations; store matrices, fan-out, luck
    (labcore.phenomena.teacher_student.train)."""
    from labcore.phenomena.teacher_student.train import train

    train(cfg, recorder)


EXPERIMENT = Experiment(
    name="teacher_student",
    title="Teacher-student: Luck Matters",
    config=Config,
    run=run,
    metrics=("loss", "grad_noise", "corr_l{k}_mean", "corr_l{k}_min", "corr_l{k}_mean_all", "corr_l{k}_dead",
             "aligned_nodes", "unaligned_fanout_ratio"),
    artifacts=("corr_l{k}", "corr_l{k}_t{step}", "luck_l{k}", "fanout_l{k}"),
    icon=":material/school:",
    cost=cost,
    claims=CLAIMS,
    lesson=LESSON,
    page=PageSpec(
        what_to_look_for=(
            'A student network with node_multi times more nodes learns from a fixed ReLU teacher. '
            'For every teacher node the best-correlated student node climbs towards correlation '
            '1: the **lowest layer aligns first and best**, higher layers lag, and the winners '
            'were often already among the best at initialisation (*luck*).'),
        details=(
            "**Defaults** (6,252 steps of fresh batches of 64 = 4 of the original's 'iterations', "
            "i.e. epochs of 1,563 steps; ~20 s on one core): the README command (seed 124) gives lowest "
            "layer 0.996 (the original: '0.999 in a few iterations'), second-lowest 0.84; seed 0 gives 0.999 "
            "and 0.86: the original's 'second lowest ~0.95' needs its budget. The "
            "*recon_multilayer.py … (paper scale)* preset is the original recipe (100k fixed samples, 40 "
            "epochs of batch 64 = 62,520 SGD steps, eval on 192 re-drawn samples; ~1.5 min on one CPU "
            "thread): seed 124 gives 0.9999 and 0.968 (the original: 0.999 and ~0.95). With data_std 1 the "
            "inputs rarely reach the ReLU corners that identify a teacher node, so correlations stay "
            "clearly lower. `mean` leaves out teacher nodes that are dead on the eval batch; `mean_all` "
            "counts them as 0, as the original's figure does. In `matrix` mode (the original's "
            "test_multilayer.py: every fan-in column of every layer, output included, renormalised to 1 "
            "after each step of ½·Σ-over-outputs squared error) the fan-out norms of student nodes that "
            "match no teacher node collapse: the *test_multilayer.py --perturb …* preset (the README "
            "command, 12-60 s on one busy core) leaves the 20 teacher copies at 1.02-1.44 and the other 20 at "
            "7e-4..0.2 (median ratio `unaligned_fanout_ratio` 1.7e-3; the README's printout: 1.07-1.46 and "
            "4e-5..1.5e-3); seeds 0-4 and 100-109 give 20 aligned nodes each and median ratios 3e-6..2e-3, "
            "all below the claim's 1e-2 — see the fan-out bars "
            "below the charts."),
        summary=('Teacher and student: the nodes of an over-parameterised student network line up with those'
                 ' of a fixed teacher, lowest layer first, and luck at initialisation picks the winners.'),
        reference=("Tian, Jiang, Gong & Morcos 2019, *Luck Matters: Understanding Training Dynamics of "
                   "Deep ReLU Networks*. Original code: LuckMatters."),
        charts=(
            Chart("Mean best correlation per teacher node, by layer", ("corr_l*_mean",),
                  hlines=lambda cfg: {"1.0": 1.0},
                  note="Defaults at step 6,252: seed 124 l1 0.996, l2 0.84, l3 0.72, l4 0.81; seed 0 l1 0.999, "
                       "l2 0.86, l3 0.82, l4 0.79. Paper-scale preset at "
                       "step 62,520: l1 0.9999, l2 0.968, l3 0.88, l4 0.95 (dead teacher nodes left out)."),
            Chart("Mean best correlation, dead teacher nodes counted as 0 (the original's figure)",
                  ("corr_l*_mean_all",), hlines=lambda cfg: {"1.0": 1.0},
                  note="Equal to the chart above unless a teacher node is constant on the eval batch "
                       "(corr_l*_dead > 0); paper-scale preset: l3 0.79 and l4 0.91 with 2 and 1 dead."),
            Chart("Dead teacher nodes on the eval batch, by layer", ("corr_l*_dead",)),
            Chart("Worst teacher node's best correlation, by layer", ("corr_l*_min",)),
            Chart("Student loss (MSE to teacher; matrix mode: ½·Σ over outputs)", ("loss",), log_y=True),
            Chart("Gradient noise ratio (per-sample gradients)", ("grad_noise",), log_y=True),
        ),
        sweep=SweepView(axes={"node_multi": (1, 2, 5, 10)}, metrics=("corr_l1_mean",)),
        artifact_view="artifacts",
    ),
)
