"""Seed-ensemble benchmark: `python benchmarks/ensembles.py [--quick] [--threads=N] [NAME ...]`.

For every phenomenon with `run_seeds` (the ones whose training is written over a seed axis
because stacking pays: steady_learner; default settings; --quick caps steps/epochs at 60),
side by side in one run, in this process with the worker's thread budget
(`launch.threads_per_worker()`), rows kept in memory (no store):
  solo      CPU time of seed 0's solo `run` (the group of one), then of seeds 0-7 one after another
  group N   CPU time of `run_seeds` over seeds 0..N-1, for N = 1, 2, 4, 8
and the ratios group N / one solo seed and 8 solo / group 8 (the gain of stacking: a phenomenon
where it stays near 1 trains its seeds one after another instead, with no stacked copy). Part 0 first measures
the stacked optimiser update three ways (torch.optim foreach over stacked leaves, a vmapped per-seed functional
update, labcore.nn.seed_axis.sgd_step) on lazy_training's default net for 8 seeds.
Each timing is the median of `repeats` (1 by default: the solo column already runs 8).
`main()` returns 0, so `python -m labcore bench` can call it.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUICK_CAP = 60
SIZES = (1, 2, 4, 8)


def _configs(exp, n: int, quick: bool) -> list:
    import dataclasses

    fields = {f.name for f in dataclasses.fields(exp.config)}
    base = exp.config()
    cap = {k: min(QUICK_CAP, getattr(base, k)) for k in ("steps", "epochs") if quick and k in fields}
    return [exp.make_config(**{**cap, "seed": s}) for s in range(n)]


def _time(fn) -> float:
    """CPU seconds of `fn()` in this process (the machine is shared: wall time would count
    the other processes' load; with one intra-op thread CPU time is the work done)."""
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def _solo(exp, cfgs) -> list[float]:
    from labcore.core.recorder import Diverged, Recorder

    def one(cfg):
        try:
            exp.run(cfg, Recorder())
        except Diverged:
            pass
    return [_time(lambda c=c: one(c)) for c in cfgs]


def _group(exp, cfgs) -> float:
    from labcore.core.recorder import Recorder

    return _time(lambda: exp.run_seeds(cfgs, [Recorder() for _ in cfgs]))


def optimiser_part(seeds: int = 8, reps: int = 200) -> None:
    """0. One stacked update of lazy_training's default net (width 256, digits) for `seeds`."""
    import torch

    from labcore.nn import seed_axis

    shapes = [(256, 64), (256,), (10, 256), (10,)]
    leaves = [torch.randn(seeds, *s, requires_grad=True) for s in shapes]
    grads = [torch.randn_like(p) for p in leaves]
    for p, g in zip(leaves, grads):
        p.grad = g.clone()
    ms, vs = [torch.zeros_like(p) for p in leaves], [torch.zeros_like(p) for p in leaves]

    def per(fn) -> float:
        fn()
        t = _time(lambda: [fn() for _ in range(reps)])
        return t / reps * 1e6

    with torch.no_grad():
        sgd, adam = seed_axis.optimizer("sgd", leaves, 0.01), seed_axis.optimizer("adam", leaves, 1e-3)
        rows = {
            "SGD  torch.optim foreach": per(sgd.step),
            "SGD  vmap(functional)": per(lambda: seed_axis.sgd_vmapped(leaves, grads, 0.01)),
            "SGD  seed_axis.sgd_step": per(lambda: seed_axis.sgd_step(leaves, grads, 0.01)),
            "Adam torch.optim foreach": per(adam.step),
            "Adam vmap(functional)": per(lambda: seed_axis.adam_vmapped(leaves, grads, ms, vs, 1, 1e-3)),
        }
    print(f"0. stacked optimiser update, {seeds} seeds of a 256-wide MLP (µs per step):", flush=True)
    for name, us in rows.items():
        print(f"   {name:<26} {us:8.1f}")


def main(names: list[str] | None = None, quick: bool = False, repeats: int = 1, threads: int | None = None,
         optimiser: bool = True) -> int:
    """Run the benchmark for `names` (default: every phenomenon with run_seeds); returns 0.
    `threads`: intra-op threads (default the worker's budget, `launch.threads_per_worker()`);
    `optimiser`: also part 0, the stacked optimiser update."""
    import torch

    from labcore.core.registry import REGISTRY
    from labcore.engine import launch

    threads = threads or launch.threads_per_worker()
    torch.set_num_threads(threads)
    if optimiser:
        optimiser_part()
    names = names or [n for n, e in REGISTRY.items() if e.run_seeds is not None and n != "quadratic"]
    print(f"5. seed ensembles ({'quick: steps/epochs <= %d' % QUICK_CAP if quick else 'default settings'}; "
          f"{threads} intra-op thread(s), rows in memory; seconds):", flush=True)
    print(f"   {'phenomenon':<24}{'solo 1':>8}{'solo x8':>9}" + "".join(f"{'group ' + str(n):>9}" for n in SIZES)
          + "   group/solo1 for 1,2,4,8     8 solo/group 8")
    for name in names:
        exp = REGISTRY[name]
        cfgs = _configs(exp, max(SIZES), quick)
        _group(exp, cfgs[:1])  # warm up imports, data caches and kernels
        solo, groups = [], {n: [] for n in SIZES}
        for _ in range(repeats):
            solo.append(_solo(exp, cfgs))
            for n in SIZES:
                groups[n].append(_group(exp, cfgs[:n]))
        one = statistics.median(s[0] for s in solo)
        eight = statistics.median(sum(s) for s in solo)
        g = {n: statistics.median(v) for n, v in groups.items()}
        ratios = " ".join(f"{g[n] / one:5.2f}" for n in SIZES)
        print(f"   {name:<24}{one:8.2f}{eight:9.2f}" + "".join(f"{g[n]:9.2f}" for n in SIZES)
              + f"   {ratios}       {eight / g[8]:5.2f}", flush=True)
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    given = [a.split("=", 1)[1] for a in args if a.startswith("--threads=")]
    raise SystemExit(main([a for a in args if not a.startswith("--")] or None, quick="--quick" in args,
                          threads=int(given[0]) if given else None))
