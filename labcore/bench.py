"""`python -m labcore bench`: the engine's costs, side by side, in one run of a few minutes.

1. lab loop / bare loop: the same lazy_training model, data and measurements, once written
   by hand (no Recorder, store or worker) and once through `jobs.submit` and a pool worker
   (Recorder, row flushes, heartbeat, cancel polling; meta `loop_s`). Goal <= 1.02.
2. submit -> first stored row, cold (no worker running: process start, torch import) and
   warm (a pool worker is idle). Goal warm <= 0.5 s on CPU.
3. a short default run of each phenomenon alone, then with two CPU-bound processes beside
   it (the thread budget keeps it within 1.5x of its quiet time).
4. edge_of_stability: HVPs per sharpness estimate, Lanczos vs power iteration, and one
   estimate vs one GD step (benchmarks/sharpness.py).
5. seed axis: 1, 2, 4, 8 seeds as one `run_seeds` group vs 8 solo runs, per phenomenon
   with run_seeds, and the stacked optimiser update (benchmarks/ensembles.py).
"""
from __future__ import annotations

import dataclasses
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

BENCH_CONFIG = dict(width=512, steps=300, eval_every=10, n_train=512)
QUICK_STEPS = 150     # steps (or epochs) of each phenomenon's run in part 3


def bare_loop(cfg) -> float:
    """Wall time of the training loop of a hand-written version of lazy_training (standard
    parametrization): same data, model, steps and measurements, no lab machinery."""
    import torch
    from torch.nn.functional import cross_entropy

    from labcore.core.rng import seed_everything
    from labcore.nn import data, device, models
    from labcore.nn.measures import basic as metrics
    from labcore.nn.measures.ntk import kernel_change, ntk_one_hidden

    seed_everything(cfg.seed)
    dev = device.resolve(cfg.device)
    split = data.load(cfg.dataset, cfg.n_train, cfg.n_test, cfg.seed)
    x, y = (split.x_train * cfg.input_scale).to(dev), split.y_train.to(dev)
    xt, yt = (split.x_test * cfg.input_scale).to(dev), split.y_test.to(dev)
    model = models.init_weights(models.mlp(x.shape[1], [cfg.width], split.n_classes), cfg.init).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr / math.sqrt(cfg.width))
    params0 = [p.detach().clone() for p in model.parameters()]
    probe = x[: cfg.probe]

    def kernel():
        return ntk_one_hidden(probe, model[0].weight, model[0].bias, model[2].weight, model[2].bias)

    k0, rows = kernel(), []
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for step in range(cfg.steps + 1):
        if step % cfg.eval_every == 0 or step == cfg.steps:
            with torch.no_grad():
                logits, params = model(x), list(model.parameters())
                rows.append((float(cross_entropy(logits, y)), metrics.accuracy(logits, y),
                             metrics.accuracy(model(xt), yt), metrics.rel_change(params0, params),
                             metrics.rel_change_l2(params0, params), kernel_change(k0, kernel())))
        if step == cfg.steps:
            break
        opt.zero_grad(set_to_none=True)
        loss = cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        float(loss.detach())  # the lab checks every step's loss for divergence; so does this loop
    return time.perf_counter() - t0  # float() above synchronises, so CUDA work is included


def lab_run(store, values: dict, experiment: str = "lazy_training", first_row: bool = True) -> dict:
    """Submit through the lab (a pool worker) and time it; returns the timings and record.
    `first_row=False` skips watching for the first row and polls the record slowly: on two
    cores a 2 ms poll beside the worker costs it a few percent, which part 1 would count."""
    from labcore.engine import jobs

    t0 = time.perf_counter()
    rid = jobs.submit(experiment, values, store, force=True)
    attempt = store.get(rid)["attempt"]
    while first_row:  # the first chunk written by this attempt
        info = store.data_info(rid)
        if info["attempt"] == attempt and info["n"] > info["first"]:
            break
        time.sleep(0.002)
    first_row_s = time.perf_counter() - t0 if first_row else float("nan")
    rec = jobs.wait(rid, store, poll=0.02 if first_row else 0.25)
    return {"loop_s": (rec.get("meta") or {}).get("loop_s", float("nan")), "run_s": rec["run_s"],
            "first_row_s": first_row_s, "total_s": time.perf_counter() - t0, "status": rec["status"]}


def _short(exp) -> dict:
    """A default run of `exp`, shortened to QUICK_STEPS steps/epochs."""
    fields = {f.name for f in dataclasses.fields(exp.config)}
    return {k: min(QUICK_STEPS, getattr(exp.config(), k)) for k in ("steps", "epochs") if k in fields}


def _burners(n: int) -> list:
    code = "while True: pass"
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(n)]


def main(repeats: int = 7) -> int:
    """Print the three comparisons; `repeats` alternations for the loop ratio."""
    from labcore.core.registry import REGISTRY, get
    from labcore.engine import launch, pool
    from labcore.runs.store import Store

    store = Store(tempfile.mkdtemp(prefix="labbench-"))
    try:
        cfg = get("lazy_training").make_config(**BENCH_CONFIG)
        tiny = dict(width=16, steps=20)
        cold = lab_run(store, tiny)  # no worker yet: a process starts and imports torch
        warm = [lab_run(store, {**tiny, "seed": s})["first_row_s"] for s in range(1, 4)]
        import torch

        torch.set_num_threads(launch.threads_per_worker())  # the bare loop gets the worker's budget
        bare_loop(get("lazy_training").make_config(steps=10))  # warm up imports and kernels
        bare, lab = [], []
        for i in range(repeats):
            bare.append(bare_loop(cfg))
            lab.append(lab_run(store, BENCH_CONFIG, first_row=False)["loop_s"])
        b, run = statistics.median(bare), statistics.median(lab)
        print(f"device: CPU cores {os.cpu_count()}, max_jobs {launch.max_jobs()}, "
              f"threads per worker {launch.threads_per_worker()}")
        print(f"1. lab loop / bare loop   {run / b:.3f}  (medians of {repeats}: lab {run:.3f}s, "
              f"bare {b:.3f}s; fastest of each {min(lab) / min(bare):.3f}; runs spread "
              f"{min(bare + lab):.3f}-{max(bare + lab):.3f}s; lazy_training {BENCH_CONFIG}; goal <= 1.02)")
        print(f"2. submit -> first row    cold {cold['first_row_s']:.2f}s   warm "
              f"{statistics.median(warm):.2f}s (median of {len(warm)}; goal warm <= 0.5s)")
        print(f"3. one run, quiet vs two CPU-bound processes beside it (goal <= 1.5x), "
              f"{QUICK_STEPS} steps/epochs:")
        for name, exp in REGISTRY.items():
            if name == "quadratic":
                continue
            values = _short(exp)
            quiet = lab_run(store, values, name)
            procs = _burners(2)
            try:
                busy = lab_run(store, values, name)
            finally:
                for proc in procs:
                    proc.kill()
                    proc.wait()
            print(f"   {name:<24} quiet {quiet['run_s']:7.2f}s  loaded {busy['run_s']:7.2f}s  "
                  f"ratio {busy['run_s'] / quiet['run_s']:.2f}  ({quiet['status']})", flush=True)
    finally:
        pool.shutdown(store)
    _sharpness()
    _ensembles()
    return 0


def _sharpness() -> None:
    """4. edge_of_stability's sharpness estimate: HVPs of Lanczos vs power iteration, and one
    estimate vs one GD step (benchmarks/sharpness.py, run in this process)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "sharpness.py"
    if not path.exists():  # an installed package without the benchmarks folder
        return
    print("4. edge_of_stability sharpness estimate:", flush=True)
    spec = importlib.util.spec_from_file_location("lab_sharpness_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main()


def _ensembles() -> None:
    """5. seed ensembles (benchmarks/ensembles.py, run in this process)."""
    import importlib.util
    from pathlib import Path

    from labcore.core.registry import REGISTRY

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "ensembles.py"
    if not path.exists():
        return
    spec = importlib.util.spec_from_file_location("lab_ensembles_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # the phenomena that stack their seeds (where it pays: steady_learner), at default settings
    module.main([n for n, e in REGISTRY.items() if e.run_seeds is not None and n != "quadratic"])


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
