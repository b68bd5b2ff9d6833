"""Luck Matters (Tian et al. 2019): an over-parameterised student trained on a ReLU
teacher's outputs; student nodes align with teacher nodes (correlation -> 1) from the
lowest layer up, and the winners were already ahead at initialisation ("luck").
"""
from __future__ import annotations

from dataclasses import dataclass

from labcore.core import groups
from labcore.core.experiment import Chart, Experiment, PageSpec, SweepView
from labcore.core.params import BaseConfig, ParamError, param


ALIGNED = 0.95  # a student node is "aligned" when it correlates this well with some teacher node


@dataclass(frozen=True)
class Config(BaseConfig):
    node_multi: int = param(10, lo=1, hi=50, help="student width = node_multi × teacher width")
    init: str = param("pytorch", choices=("pytorch", "gaussian", "perturb"),
                      help="perturb: student starts at the teacher + noise (extra nodes random)")
    lr: float = groups.lr(0.05, help="SGD learning rate")
    seed: int = groups.seed()
    teacher: tuple = param((10, 15, 20, 25), lo=1, hi=1000, length=(1, 8),
                           help="teacher hidden widths, lowest first, e.g. 10-15-20-25")
    d_input: int = param(20, lo=1, hi=1000, log=True, help="input dimension")
    d_output: int = param(100, lo=1, hi=1000, log=True, help="teacher/student output dimension")
    data_std: float = param(10.0, lo=0.01, hi=100.0, log=True,
                            help="x ~ N(0, data_std²); std 1 leaves ReLU corners uncovered")
    batch_size: int = groups.batch_size(64, help="fresh Gaussian samples per step")
    steps: int = groups.steps(2000, help="SGD steps")
    mode: str = param("sgd", choices=("sgd", "matrix"),
                      help="matrix: projected GD on unit-norm fan-in rows (over-parameterisation check)")
    normalize: bool = param(False, help="BatchNorm before every ReLU of the student")
    per_sample: bool = param(False, help="exact per-sample gradients (torch.func), averaged for the step; "
                                         "logs grad_noise, the gradient noise ratio")
    init_std: float = param(0.1, lo=1e-4, hi=10.0, log=True, help="std of gaussian init / perturb noise",
                            advanced=True)
    eval_size: int = param(1024, lo=16, hi=100_000, log=True, help="fixed eval batch", advanced=True)
    eval_every: int = param(50, lo=1, hi=100_000, log=True, help="measure every N steps", advanced=True)
    device: str = groups.device()

    def check(self) -> None:
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


def run(cfg: Config, rec) -> None:
    """Train the student; log per-layer best correlations; store matrices, fan-out, luck."""
    import pandas as pd
    import torch

    from labcore.core.loop import train_loop
    from labcore.core.rng import seed_everything, torch_generator
    from labcore.nn import device
    from labcore.nn.measures.correlation import pearson_matrix
    from labcore.phenomena.teacher_student import nets as teachers
    from labcore.phenomena.teacher_student.measures import best_match, fan_out_norms, init_rank

    seed_everything(cfg.seed)
    dev = device.resolve(cfg.device)
    widths = list(cfg.teacher)
    teacher = teachers.make_teacher(cfg.d_input, widths, cfg.d_output, cfg.seed).to(dev)
    student = teachers.ReluMLP(cfg.d_input, [w * cfg.node_multi for w in widths], cfg.d_output,
                               batchnorm=cfg.normalize)
    gen = torch_generator(cfg.seed, "init")
    data_gen = torch_generator(cfg.seed, "data")
    if cfg.init == "gaussian":
        with torch.no_grad():
            for p in student.parameters():
                if p.ndim == 2:
                    p.normal_(0.0, cfg.init_std, generator=gen)
    elif cfg.init == "perturb":
        teachers.perturb_from(student, teacher.cpu(), cfg.init_std, gen)
        teacher.to(dev)
    student.to(dev)
    if cfg.mode == "matrix":
        teachers.normalize_fan_in(student)
    opt = torch.optim.SGD(student.parameters(), lr=cfg.lr)
    x_eval = cfg.data_std * torch.randn((cfg.eval_size, cfg.d_input), generator=data_gen).to(dev)  # (n, d)
    with torch.no_grad():
        y_eval, t_acts = teacher(x_eval)
    # A teacher node that is constant on the eval batch (dead ReLU) cannot be matched by
    # anything; it is left out of the mean/min so it does not pin corr_min at 0.
    alive = [t.std(dim=0) > 1e-8 for t in t_acts]  # (m_k,) bool per layer

    def evaluate() -> tuple[torch.Tensor, list[torch.Tensor]]:
        """One eval forward pass: student output (n, d_out) and per-layer correlations."""
        student.eval()
        with torch.no_grad():
            out, s_acts = student(x_eval)
        student.train()
        return out, [pearson_matrix(t, s) for t, s in zip(t_acts, s_acts)]  # (m_k, M_k) each

    corr_init = evaluate()[1]
    noise = {"ratio": None}  # gradient noise ratio of the last step (per_sample only)
    snap_every = cfg.eval_every * max(1, round(cfg.steps / 4 / cfg.eval_every))  # ~5 snapshots

    def step_fn(step: int):
        x = cfg.data_std * torch.randn((cfg.batch_size, cfg.d_input), generator=data_gen).to(dev)
        with torch.no_grad():
            target, _ = teacher(x)
        opt.zero_grad(set_to_none=True)
        if cfg.per_sample:
            grads = teachers.per_sample_gradients(student, x, target)  # name -> (B, *shape)
            for name, p in student.named_parameters():
                p.grad = grads[name].mean(dim=0)
            noise["ratio"] = teachers.gradient_noise_ratio(grads)
            with torch.no_grad():
                loss = torch.nn.functional.mse_loss(student(x)[0], target)
        else:
            out, _ = student(x)
            loss = torch.nn.functional.mse_loss(out, target)  # mean over batch and outputs, as nn.MSELoss
            loss.backward()
        if cfg.mode == "matrix":
            teachers.project_fan_in_grads(student)
        opt.step()
        if cfg.mode == "matrix":
            teachers.normalize_fan_in(student)
        return loss.detach()

    def measure(step: int) -> dict:
        out, corrs = evaluate()
        row = {"loss": float(torch.nn.functional.mse_loss(out, y_eval))}
        if noise["ratio"] is not None:
            row["grad_noise"] = noise["ratio"]
        snapshot = step % snap_every == 0 or step == cfg.steps
        for k, (corr, live) in enumerate(zip(corrs, alive), start=1):
            if snapshot:  # a few matrices over time for the page's time slider
                rec.artifact(f"corr_l{k}_t{step}", corr.cpu().numpy())
            best, _ = best_match(corr[live])
            row[f"corr_l{k}_mean"], row[f"corr_l{k}_min"] = float(best.mean()), float(best.min())
        return row

    rec.meta(device=device.describe(dev))
    train_loop(rec, cfg.steps, step_fn, measure, cfg.eval_every)

    final = evaluate()[1]
    linears = student.linears()
    for k, (c0, c) in enumerate(zip(corr_init, final), start=1):
        best, idx = best_match(c)
        rec.artifact(f"corr_l{k}", c.cpu().numpy())
        rec.artifact(f"luck_l{k}", pd.DataFrame({
            "teacher_node": range(len(best)), "best_student": idx.cpu().numpy(),
            "final_corr": best.cpu().numpy(), "init_corr": c0.gather(1, idx[:, None])[:, 0].cpu().numpy(),
            "init_rank": init_rank(c0, idx).cpu().numpy()}))
        norms = fan_out_norms(linears[k].weight).cpu().numpy()
        best_any = c.max(dim=0).values.cpu().numpy()  # each student node's best teacher match
        rec.artifact(f"fanout_l{k}", pd.DataFrame({
            "student_node": range(len(norms)), "fan_out_norm": norms,
            "aligned": (best_any >= ALIGNED).astype(int), "best_corr": best_any}))


EXPERIMENT = Experiment(
    name="teacher_student",
    title="Teacher-student: Luck Matters",
    config=Config,
    run=run,
    metrics=("loss", "grad_noise", "corr_l{k}_mean", "corr_l{k}_min"),
    artifacts=("corr_l{k}", "corr_l{k}_t{step}", "luck_l{k}", "fanout_l{k}"),
    icon=":material/school:",
    cost=cost,
    page=PageSpec(
        what_to_look_for=(
            "A student network with node_multi times more nodes learns from a fixed ReLU teacher. For "
            "every teacher node, the best-correlated student node (post-ReLU activations on a fixed "
            "batch) climbs towards correlation 1: the **lowest layer aligns first and best**, higher "
            "layers lag. The winners were often already among the best at initialisation (the *luck* "
            "view). With data_std 1 the inputs rarely reach the ReLU corners that identify a teacher "
            "node, so correlations stay clearly lower. In `matrix` mode (unit-norm fan-in rows, started "
            "from the teacher plus noise) the fan-out norms of student nodes that align with no teacher "
            "node fall towards zero below the output (preset *matrix check*: a one-hidden-layer "
            "teacher); in deeper teachers the lower layers keep using their extra nodes."),
        reference=("Tian, Jiang, Gong & Morcos 2019, *Luck Matters: Understanding Training Dynamics of "
                   "Deep ReLU Networks*. Seed: LuckMatters."),
        charts=(
            Chart("Mean best correlation per teacher node, by layer", ("corr_l*_mean",),
                  hlines=lambda cfg: {"1.0": 1.0}),
            Chart("Worst teacher node's best correlation, by layer", ("corr_l*_min",)),
            Chart("Student loss (MSE to teacher)", ("loss",), log_y=True),
            Chart("Gradient noise ratio (per-sample gradients)", ("grad_noise",), log_y=True),
        ),
        sweep=SweepView(axes={"node_multi": (1, 2, 5, 10)}, metrics=("corr_l1_mean",)),
        presets={
            "data_std 1": dict(data_std=1.0),
            "matrix check": dict(mode="matrix", init="perturb", node_multi=2, lr=0.05, steps=3000,
                                 teacher=(10,), d_output=20),
            "paper scale (GPU)": dict(node_multi=10, steps=50_000, batch_size=256, eval_size=8192),
        },
        artifact_view="artifacts",
    ),
)
