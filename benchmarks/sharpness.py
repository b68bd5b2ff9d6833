"""Sharpness benchmark for edge_of_stability: `python benchmarks/sharpness.py [repeats]`.

On the page's default net (digits 1,000, fc-tanh 200-200, MSE), at initialisation and after
GD has reached the edge of stability, it prints side by side:
1. Hessian-vector products until the top eigenvalue is within 1e-3 (relative) of a tight
   reference, Lanczos vs plain power iteration from the same start vector, cold (random
   start) and warm (the eigenvector from `eig_every` steps earlier, as the run does);
   goal: Lanczos ≤ 0.5× power iteration's count;
2. the products each method spends with its own stopping rule at tol 1e-3, and the error;
3. wall time of one sharpness estimate as the run makes it (graph + warm-started Lanczos)
   vs one GD step, medians over interleaved repeats.
`main()` returns 0, so `python -m labcore bench` can call it.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TOL = 1e-3
POWER_CAP = 400  # power iteration HVPs before giving up (reported as None)


def _to_tol(history: list[float], ref: float) -> int | None:
    """Products until the running estimate is within TOL of `ref` (None: never)."""
    return next((i + 1 for i, v in enumerate(history) if abs(v - ref) <= TOL * abs(ref)), None)


def main(repeats: int = 5) -> int:
    """Run the benchmark and print the figures; returns 0."""
    import torch

    torch.set_num_threads(1)
    from labcore.core.registry import get
    from labcore.core.rng import seed_everything
    from labcore.nn import data
    from labcore.nn.measures.hessian import hvp_operator, lanczos, power_iteration
    from labcore.phenomena.edge_of_stability.nets import Sharpness, fc_net, loss_fn, standardise

    cfg = get("edge_of_stability").make_config()
    seed_everything(cfg.seed)
    split = data.load(cfg.dataset, cfg.n_train, 10, cfg.seed)
    x, y = standardise(split.x_train)[0], split.y_train  # (n, d), (n,)
    model = fc_net(x.shape[1], cfg.width, cfg.depth, split.n_classes, cfg.activation, cfg.init)
    crit = loss_fn(cfg.loss, split.n_classes)
    params = list(model.parameters())
    dim = sum(p.numel() for p in params)
    opt = torch.optim.SGD(params, lr=cfg.lr)

    def gd_step() -> None:
        opt.zero_grad(set_to_none=True)
        crit(model(x), y).backward()
        opt.step()

    def operator():
        return hvp_operator(crit(model(x), y), params)

    print(f"net: {cfg.dataset} n={cfg.n_train}, fc-{cfg.activation} {cfg.width}x{cfg.depth}, {cfg.loss}, "
          f"P={dim} parameters, lr={cfg.lr}, 1 thread; tolerance {TOL:g} relative")
    prev = None
    for label, gd_steps in (("init", 0), ("edge (step 500)", 500)):
        for _ in range(gd_steps - cfg.eig_every):
            gd_step()
        if gd_steps:  # the eigenvector eig_every steps earlier is the run's warm start
            prev = lanczos(operator(), dim, tol=1e-6, max_iter=200,
                           generator=torch.Generator().manual_seed(1)).vectors[:, 0]
            for _ in range(cfg.eig_every):
                gd_step()
        mv = operator()
        ref = lanczos(mv, dim, tol=1e-6, max_iter=120, generator=torch.Generator().manual_seed(2)).values[0]
        print(f"\n[{label}] reference sharpness {ref:.4f} (2/lr = {2 / cfg.lr:.3f})")
        starts = {"cold": None} if prev is None else {"cold": None, "warm": prev}
        for start, v0 in starts.items():
            gen = lambda: torch.Generator().manual_seed(3)  # the same start for both
            hl, hp = [], []
            lanczos(mv, dim, v0=v0, tol=0.0, max_iter=60, generator=gen(), history=hl)
            power_iteration(mv, dim, v0=v0, tol=0.0, max_iter=POWER_CAP, generator=gen(), history=hp)
            nl, np_ = _to_tol(hl, ref), _to_tol(hp, ref)
            ratio = f"{nl / np_:.2f}x" if nl and np_ else "n/a"
            print(f"  1. {start:<4} HVPs to {TOL:g}: lanczos {nl}  power {np_}  ratio {ratio} (goal <= 0.5x)")
            own_l = lanczos(mv, dim, v0=v0, tol=TOL, max_iter=60, generator=gen())
            own_p = power_iteration(mv, dim, v0=v0, tol=TOL, max_iter=POWER_CAP, generator=gen())
            print(f"  2. {start:<4} own stopping rule (tol {TOL:g}): lanczos {own_l.hvps} HVPs "
                  f"(error {abs(own_l.values[0] / ref - 1):.1e})  power {own_p.hvps} HVPs "
                  f"(error {abs(own_p.values[0] / ref - 1):.1e})")
    # 3. Interleaved so that load from other processes hits both alike.
    sharp = Sharpness(model, crit, x, y, k=cfg.top_k, method=cfg.eig_method, tol=cfg.eig_tol,
                      max_iter=cfg.eig_iters, generator=torch.Generator().manual_seed(4))
    sharp()
    t_step, t_eig, hvps = [], [], []
    for _ in range(repeats):
        for _ in range(cfg.eig_every):
            t0 = time.perf_counter()
            gd_step()
            t_step.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        hvps.append(sharp().hvps)
        t_eig.append(time.perf_counter() - t0)
    step, eig = statistics.median(t_step), statistics.median(t_eig)
    print(f"\n3. one sharpness estimate / one GD step: {eig / step:.1f}x (medians: estimate "
          f"{eig * 1e3:.1f} ms "
          f"with {statistics.median(hvps):.0f} HVPs, warm-started every {cfg.eig_every} steps; "
          f"GD step {step * 1e3:.1f} ms); per estimate every {cfg.eig_every} steps the run spends "
          f"{eig / (cfg.eig_every * step):.2f}x its GD time on the sharpness")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
