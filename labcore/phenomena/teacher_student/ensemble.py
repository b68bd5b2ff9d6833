"""teacher_student for N seeds in one process (sgd mode): each seed has its own teacher,
data, eval batch and student, built exactly as its solo run builds them; the students are
stacked and stepped together through vmap(functional_call). BatchNorm (`normalize`), exact
per-sample gradients and matrix mode train their seeds one after another (BatchNorm's
running statistics and the per-sample/projection steps have no stacked version here)."""
from __future__ import annotations


def run_seeds(cfgs: list, recs: list) -> list:
    """Train one student per Config (same settings but `seed`), seed i's rows to recs[i]."""
    from labcore.nn import ensemble
    from labcore.phenomena.teacher_student import run

    cfg = cfgs[0]
    if cfg.normalize or cfg.per_sample or cfg.mode != "sgd":
        return ensemble.sequential(run, cfgs, recs)
    return _stacked(cfgs, recs)


def _stacked(cfgs: list, recs: list) -> list:
    import pandas as pd
    import torch

    from labcore.core.loop import train_loop
    from labcore.core.rng import seed_everything, torch_generator
    from labcore.nn import device, ensemble
    from labcore.nn.measures.correlation import pearson_matrix
    from labcore.phenomena.teacher_student import ALIGNED
    from labcore.phenomena.teacher_student import nets as teachers
    from labcore.phenomena.teacher_student.measures import best_match, fan_out_norms, init_rank

    cfg, S = cfgs[0], len(cfgs)
    dev = device.resolve(cfg.device)
    widths = list(cfg.teacher)
    seeds = []  # per seed: teacher, student, data/eval/order generators (the solo run's order)
    for c in cfgs:
        seed_everything(c.seed)
        teacher = teachers.make_teacher(c.d_input, widths, c.d_output, c.seed, bias=c.teacher_bias)
        student = teachers.ReluMLP(c.d_input, [w * c.node_multi for w in widths], c.d_output)
        gen = torch_generator(c.seed, "init")
        gens = {n: torch_generator(c.seed, n) for n in ("data", "eval", "order")}
        if c.init == "gaussian":
            with torch.no_grad():
                for p in student.parameters():
                    if p.ndim == 2:
                        p.normal_(0.0, c.init_std, generator=gen)
        elif c.init == "perturb":
            teachers.perturb_from(student, teacher, c.init_std, gen)
        seeds.append({"teacher": teacher, "student": student, **gens})

    def gaussian(n: int, g) -> torch.Tensor:
        return cfg.data_std * torch.randn((n, cfg.d_input), generator=g).to(dev)  # (n, d)

    for s in seeds:  # the solo order of draws: training set (if fixed), then the eval batch
        s["x_train"] = gaussian(cfg.n_train, s["data"]) if cfg.n_train else None
        s["batches"] = []
        s["eval_x"] = gaussian(cfg.eval_size, s["eval"])
    base = ensemble.template(seeds[0]["student"])
    tbase = ensemble.template(seeds[0]["teacher"])
    params = {k: v.to(dev).detach().requires_grad_(True) for k, v in ensemble.stack([s["student"] for s in seeds]).items()}
    tparams = {k: v.to(dev).detach() for k, v in ensemble.stack([s["teacher"] for s in seeds]).items()}
    leaves = list(params.values())
    opt = ensemble.optimizer("sgd", leaves, cfg.lr)
    group = ensemble.SeedGroup(recs)

    def next_batch(s: dict) -> torch.Tensor:
        if s["x_train"] is None:
            return gaussian(cfg.batch_size, s["data"])
        if not s["batches"]:
            perm = torch.randperm(cfg.n_train, generator=s["order"]).to(dev)
            s["batches"].extend(reversed(perm.split(cfg.batch_size)))
        return s["x_train"][s["batches"].pop()]

    def forward(p: dict, net, x: torch.Tensor):
        return ensemble.vmapped(net, p, x)  # ((S, n, out), [(S, n, width_k)])

    def evaluate(x_eval: torch.Tensor):
        with torch.no_grad():
            y_eval, t_acts = forward(tparams, tbase, x_eval)
            out, s_acts = forward(params, base, x_eval)
        corrs = [[pearson_matrix(t[i], s[i]) for t, s in zip(t_acts, s_acts)] for i in range(S)]
        return out, y_eval, t_acts, corrs  # corrs[i][k-1]: (m_k, M_k)

    corr_init = evaluate(torch.stack([s["eval_x"] for s in seeds]))[3]
    snap_every = cfg.eval_every * max(1, round(cfg.steps / 4 / cfg.eval_every))

    def step_fn(step: int) -> float:
        x = torch.stack([next_batch(s) for s in seeds])  # (S, B, d): each seed's own batch
        with torch.no_grad():
            target, _ = forward(tparams, tbase, x)
        opt.zero_grad(set_to_none=True)
        out, _ = forward(params, base, x)
        loss = ((out - target) ** 2).flatten(1).mean(dim=1)  # (S,): mse per seed, as nn.MSELoss
        group.descend(opt, step, loss, leaves)
        return 0.0

    def measure(step: int) -> dict:
        x_eval = torch.stack([gaussian(cfg.eval_size, s["eval"]) if cfg.eval_redraw else s["eval_x"] for s in seeds])
        out, y_eval, t_acts, corrs = evaluate(x_eval)
        row: dict = {"loss": ((out - y_eval) ** 2).flatten(1).mean(dim=1)}
        snapshot = step % snap_every == 0 or step == cfg.steps
        for k in range(1, len(widths) + 1):
            cols = {f"corr_l{k}_{n}": [None] * S for n in ("mean_all", "dead", "mean", "min")}
            for i in range(S):
                corr, t = corrs[i][k - 1], t_acts[k - 1][i]
                if snapshot:
                    group.artifact(i, f"corr_l{k}_t{step}", corr.cpu().numpy())
                live = t.std(dim=0) > 1e-8  # (m_k,): dead teacher nodes left out of mean/min
                best, _ = best_match(corr)
                cols[f"corr_l{k}_mean_all"][i] = float(best.mean())
                cols[f"corr_l{k}_dead"][i] = int((~live).sum())
                if live.any():
                    cols[f"corr_l{k}_mean"][i] = float(best[live].mean())
                    cols[f"corr_l{k}_min"][i] = float(best[live].min())
            row.update(cols)
        return row

    group.meta(device=device.describe(dev))
    outcomes = group.run(lambda: train_loop(group, cfg.steps, step_fn, measure, cfg.eval_every))
    final = evaluate(torch.stack([s["eval_x"] for s in seeds]))[3]
    names = [f"hidden.{k}.weight" for k in range(len(widths))] + ["out.weight"]
    for i in range(S):
        if outcomes[i] is not None:
            continue
        for k, (c0, c) in enumerate(zip(corr_init[i], final[i]), start=1):
            best, idx = best_match(c)
            group.artifact(i, f"corr_l{k}", c.cpu().numpy())
            group.artifact(i, f"luck_l{k}", pd.DataFrame({
                "teacher_node": range(len(best)), "best_student": idx.cpu().numpy(),
                "final_corr": best.cpu().numpy(), "init_corr": c0.gather(1, idx[:, None])[:, 0].cpu().numpy(),
                "init_rank": init_rank(c0, idx).cpu().numpy()}))
            norms = fan_out_norms(params[names[k]][i].detach()).cpu().numpy()
            best_any = c.max(dim=0).values.cpu().numpy()
            group.artifact(i, f"fanout_l{k}", pd.DataFrame({
                "student_node": range(len(norms)), "fan_out_norm": norms,
                "aligned": (best_any >= ALIGNED).astype(int), "best_corr": best_any}))
    return outcomes
