"""One teacher-student run: the student trained on the teacher's outputs (torch, imported by `run`)."""
from __future__ import annotations

import pandas as pd
import torch

from labcore.core.loop import train_loop
from labcore.core.rng import seed_everything, torch_generator
from labcore.nn import device
from labcore.nn.measures.correlation import pearson_matrix
from labcore.phenomena.teacher_student import nets as teachers
from labcore.phenomena.teacher_student.measures import best_match, fan_out_norms, fanout_split, init_rank

ALIGNED = 0.95  # a student node is "aligned" when it correlates this well with some teacher node


def train(cfg, recorder) -> None:
    """Train the student; log per-layer best correlations; store matrices, fan-out, luck."""
    seed_everything(cfg.seed)
    dev = device.resolve(cfg.device)
    widths = list(cfg.teacher)
    teacher = teachers.make_teacher(cfg.d_input, widths, cfg.d_output, cfg.seed, bias=cfg.teacher_bias).to(dev)
    student = teachers.ReluMLP(cfg.d_input, [w * cfg.node_multi for w in widths], cfg.d_output,
                               batchnorm=cfg.normalize)
    gen = torch_generator(cfg.seed, "init")
    data_gen = torch_generator(cfg.seed, "data")
    eval_gen = torch_generator(cfg.seed, "eval")
    order_gen = torch_generator(cfg.seed, "order")
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
    loss_fn = teachers.matrix_loss if cfg.mode == "matrix" else torch.nn.functional.mse_loss

    def gaussian(n: int, g: torch.Generator) -> torch.Tensor:
        return cfg.data_std * torch.randn((n, cfg.d_input), generator=g).to(dev)  # (n, d)

    # The original trains on a fixed set (100k samples, shuffled each epoch, last batch
    # partial as a DataLoader gives); n_train 0 draws fresh samples every step instead.
    x_train = gaussian(cfg.n_train, data_gen) if cfg.n_train else None  # (N, d)
    batches: list = []

    def next_batch() -> torch.Tensor:
        if x_train is None:
            return gaussian(cfg.batch_size, data_gen)
        if not batches:
            perm = torch.randperm(cfg.n_train, generator=order_gen).to(dev)
            batches.extend(reversed(perm.split(cfg.batch_size)))
        return x_train[batches.pop()]

    fixed_eval = gaussian(cfg.eval_size, eval_gen)

    def evaluate(x_eval: torch.Tensor):
        """One eval pass on x_eval (n, d): student output (n, d_out), teacher output, the
        teacher's post-ReLU activations and the per-layer correlations (m_k, M_k)."""
        student.eval()
        with torch.no_grad():
            y_eval, t_acts = teacher(x_eval)
            out, s_acts = student(x_eval)
        student.train()
        return out, y_eval, t_acts, [pearson_matrix(t, s) for t, s in zip(t_acts, s_acts)]

    corr_init = evaluate(fixed_eval)[3]
    noise = {"ratio": None}  # gradient noise ratio of the last step (per_sample only)
    snap_every = cfg.eval_every * max(1, round(cfg.steps / 4 / cfg.eval_every))  # ~5 snapshots

    def step_fn(step: int):
        x = next_batch()
        with torch.no_grad():
            target, _ = teacher(x)
        opt.zero_grad(set_to_none=True)
        if cfg.per_sample:
            grads = teachers.per_sample_gradients(student, x, target)  # name -> (B, *shape)
            for name, p in student.named_parameters():
                p.grad = grads[name].mean(dim=0)
            noise["ratio"] = teachers.gradient_noise_ratio(grads)
            with torch.no_grad():
                loss = loss_fn(student(x)[0], target)
        else:
            out, _ = student(x)
            loss = loss_fn(out, target)  # sgd: mean over batch and outputs, as the original's nn.MSELoss
            loss.backward()
        opt.step()
        if cfg.mode == "matrix":
            teachers.normalize_fan_in(student)
        return loss.detach()

    def measure(step: int) -> dict:
        out, y_eval, t_acts, corrs = evaluate(gaussian(cfg.eval_size, eval_gen) if cfg.eval_redraw else fixed_eval)
        row = {"loss": float(loss_fn(out, y_eval))}
        if noise["ratio"] is not None:
            row["grad_noise"] = noise["ratio"]
        snapshot = step % snap_every == 0 or step == cfg.steps
        for k, (corr, t) in enumerate(zip(corrs, t_acts), start=1):
            if snapshot:  # a few matrices over time for the page's time slider
                recorder.artifact(f"corr_l{k}_t{step}", corr.cpu().numpy())
            # A teacher node constant on the eval batch (dead ReLU) cannot be matched by anything:
            # `mean`/`min` leave it out, `mean_all` counts it as 0 as the original does.
            live = t.std(dim=0) > 1e-8  # (m_k,) bool
            best, _ = best_match(corr)  # (m_k,): 0 for dead teacher nodes
            row[f"corr_l{k}_mean_all"] = float(best.mean())
            row[f"corr_l{k}_dead"] = int((~live).sum())
            if live.any():
                row[f"corr_l{k}_mean"], row[f"corr_l{k}_min"] = float(best[live].mean()), float(best[live].min())
        if cfg.mode == "matrix":  # the over-parameterisation check, on the lowest hidden layer (the README's)
            row.update(fanout_split(corrs[0], student.linears()[1].weight, ALIGNED))
        return row

    recorder.meta(device=device.describe(dev))
    train_loop(recorder, cfg.steps, step_fn, measure, cfg.eval_every)

    final = evaluate(fixed_eval)[3]
    linears = student.linears()
    for k, (c0, c) in enumerate(zip(corr_init, final), start=1):
        best, idx = best_match(c)
        recorder.artifact(f"corr_l{k}", c.cpu().numpy())
        recorder.artifact(f"luck_l{k}", pd.DataFrame({
            "teacher_node": range(len(best)), "best_student": idx.cpu().numpy(),
            "final_corr": best.cpu().numpy(), "init_corr": c0.gather(1, idx[:, None])[:, 0].cpu().numpy(),
            "init_rank": init_rank(c0, idx).cpu().numpy()}))
        norms = fan_out_norms(linears[k].weight).cpu().numpy()
        best_any = c.max(dim=0).values.cpu().numpy()  # each student node's best teacher match
        recorder.artifact(f"fanout_l{k}", pd.DataFrame({
            "student_node": range(len(norms)), "fan_out_norm": norms,
            "aligned": (best_any >= ALIGNED).astype(int), "best_corr": best_any}))
