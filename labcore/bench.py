"""`python -m labcore bench`: the lab's overhead against a bare PyTorch loop, side by side.

The bare loop trains the same lazy_training model on the same data with the same
measurements, written by hand with no Recorder, store or worker. The lab run goes through
`jobs.submit` and a worker process; the wall time of its training loop (Recorder, row
flushes, heartbeat and cancel polling included; recorded as meta `loop_s`) is compared with
the bare loop's. Repeats alternate the two and the
medians are reported, plus the latency from submit to the first stored row.
"""
from __future__ import annotations

import math
import statistics
import tempfile
import time

BENCH_CONFIG = dict(width=512, steps=2000, eval_every=10, n_train=512)


def bare_loop(cfg) -> float:
    """Wall time of the training loop of a hand-written version of lazy_training (standard
    parametrization): same data, model, steps and measurements, no lab machinery."""
    import torch
    from torch.nn.functional import cross_entropy

    from labcore.nn import data
    from labcore.nn import device
    from labcore.nn.measures import basic as metrics
    from labcore.nn import models

    torch.manual_seed(cfg.seed)
    dev = device.resolve(cfg.device)
    split = data.load(cfg.dataset, cfg.n_train, cfg.n_test, cfg.seed)
    x, y, xt, yt = (t.to(dev) for t in (split.x_train, split.y_train, split.x_test, split.y_test))
    model = models.init_weights(models.mlp(x.shape[1], [cfg.width], split.n_classes), cfg.init).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr / math.sqrt(cfg.width))
    params0 = [p.detach().clone() for p in model.parameters()]
    probe = x[: cfg.probe]

    def kernel():
        return metrics.ntk_one_hidden(probe, model[0].weight, model[0].bias, model[2].weight, model[2].bias)

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
                             metrics.rel_change_l2(params0, params), metrics.kernel_change(k0, kernel())))
        if step == cfg.steps:
            break
        opt.zero_grad(set_to_none=True)
        loss = cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        float(loss.detach())  # the lab checks every step's loss for divergence; so does this loop
    return time.perf_counter() - t0  # float() above synchronises, so CUDA work is included


def lab_run(store, values: dict) -> dict:
    """Submit through the lab (worker process) and time it; returns the timings."""
    from labcore.engine import jobs
    from labcore.runs.store import pid_alive

    t0 = time.perf_counter()
    rid = jobs.submit("lazy_training", values, store, force=True)
    while store.cache.get(f"nchunks:{rid}", 0) == 0:
        time.sleep(0.005)
    first_row = time.perf_counter() - t0
    rec = jobs.wait(rid, store, poll=0.02)
    total = time.perf_counter() - t0
    while pid_alive(rec["pid"]):  # let the worker exit before the next timing starts
        time.sleep(0.05)
    return {"loop_s": rec["meta"]["loop_s"], "run_s": rec["run_s"], "first_row_s": first_row, "total_s": total,
            "status": rec["status"]}


def main(repeats: int = 3) -> int:
    """Print the lab/bare wall-time ratio and the submit-to-first-row latency."""
    from labcore.core.registry import get
    from labcore.runs.store import Store

    cfg = get("lazy_training").make_config(**BENCH_CONFIG)
    store = Store(tempfile.mkdtemp(prefix="labbench-"))
    bare, lab = [], []
    bare_loop(get("lazy_training").make_config(steps=10))  # warm up imports and kernels
    for i in range(repeats):
        bare.append(bare_loop(cfg))
        lab.append(lab_run(store, BENCH_CONFIG))
        print(f"repeat {i + 1}: bare loop {bare[-1]:.3f}s  lab loop {lab[-1]['loop_s']:.3f}s  "
              f"(submit->done {lab[-1]['total_s']:.2f}s, status {lab[-1]['status']})")
    b = statistics.median(bare)
    run = statistics.median(r["loop_s"] for r in lab)
    first = statistics.median(r["first_row_s"] for r in lab)
    total = statistics.median(r["total_s"] for r in lab)
    print(f"config: lazy_training {BENCH_CONFIG}")
    print(f"bare PyTorch loop  median {b:.3f}s")
    print(f"lab loop (worker)  median {run:.3f}s")
    print(f"ratio lab/bare     {run / b:.3f}   (medians; goal <= 1.05)")
    print(f"ratio lab/bare     {min(r['loop_s'] for r in lab) / min(bare):.3f}   (best of each)")
    print(f"submit -> first stored row  median {first:.2f}s (process start, imports, data, first step)")
    print(f"submit -> done              median {total:.2f}s")
    return 0
