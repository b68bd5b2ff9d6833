"""`python -m labcore bench`: the engine's costs, side by side, in one run of a few minutes.

1. lab loop / bare loop: the same lazy_training model, data and measurements, once written
   by hand (labcore/bare_loop.py: no Recorder, store or heartbeat) and once as the lab runs
   it (Recorder, row flushes, heartbeat, cancel polling; meta `loop_s`, `loop_cpu_s`). Both
   are submitted through `jobs.submit` to the same pool worker, alternating, so both get
   its thread budget, memory limit and process. Wall and CPU time. Goal <= 1.02.
2. submit -> first stored row, cold (no worker running: process start, torch import) and
   warm (a pool worker is idle). Goal warm <= 0.5 s on CPU.
3. a short default run of each phenomenon alone, then with two CPU-bound processes beside
   it (the thread budget keeps it within 1.5x of its quiet time).
4. edge_of_stability: HVPs per sharpness estimate, Lanczos vs power iteration, and one
   estimate vs one GD step (benchmarks/sharpness.py).
5. seed axis: 1, 2, 4, 8 seeds as one `run_seeds` group vs 8 solo runs, per phenomenon
   with run_seeds, and the stacked optimiser update (benchmarks/ensembles.py).

`python -m labcore bench --part 1` runs part 1 alone (the option repeats).
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from labcore import bare_loop

BENCH_CONFIG = dict(width=512, steps=300, eval_every=10, n_train=512)
QUICK_STEPS = 150     # steps (or epochs) of each phenomenon's run in part 3
PARTS = (1, 2, 3, 4, 5)


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
    meta = rec.get("meta") or {}
    return {"loop_s": meta.get("loop_s", float("nan")), "loop_cpu_s": meta.get("loop_cpu_s", float("nan")),
            "run_s": rec["run_s"], "first_row_s": first_row_s, "total_s": time.perf_counter() - t0,
            "status": rec["status"], "error": rec.get("error")}


def loop_ratio(store, repeats: int) -> dict:
    """Part 1: `repeats` rounds of a bare loop and a lab run of BENCH_CONFIG in the same pool
    worker, plus (for comparison: the old baseline) a bare loop in this process with the
    worker's thread budget; the order rotates from round to round, so none always runs
    right after another. Returns, per kind ("bare", "lab", "here"), the loops' wall and CPU
    seconds and their medians, and the lab/bare ratios: of the medians (wall and CPU), the
    median of the rounds' ratios, and of the fastest of each."""
    import torch

    from labcore.core.registry import get
    from labcore.engine.launch import threads_per_worker

    torch.set_num_threads(threads_per_worker())
    cfg = get("lazy_training").make_config(**BENCH_CONFIG)

    def here() -> dict:
        wall, cpu, _ = bare_loop.bare_loop(cfg)
        return {"loop_s": wall, "loop_cpu_s": cpu, "status": "done"}

    def worker(name: str) -> dict:
        out = lab_run(store, BENCH_CONFIG, name, first_row=False)
        if out["status"] != "done":
            raise RuntimeError(f"bench part 1: the {name} run ended {out['status']}: {out['error']}")
        return out

    kinds = {"bare": lambda: worker(bare_loop.NAME), "lab": lambda: worker("lazy_training"), "here": here}
    for name in (bare_loop.NAME, "lazy_training"):  # warm-up: the worker's first touch of both
        lab_run(store, {**BENCH_CONFIG, "steps": 10}, name, first_row=False)
    bare_loop.bare_loop(get("lazy_training").make_config(steps=10))
    runs: dict[str, list[dict]] = {k: [] for k in kinds}
    order = list(kinds)
    for i in range(repeats):
        for kind in order[i % 3:] + order[: i % 3]:
            runs[kind].append(kinds[kind]())
    wall = {k: [r["loop_s"] for r in v] for k, v in runs.items()}
    cpu = {k: [r["loop_cpu_s"] for r in v] for k, v in runs.items()}
    med = {k: statistics.median(v) for k, v in wall.items()}
    cpu_med = {k: statistics.median(v) for k, v in cpu.items()}
    return {"ratio": med["lab"] / med["bare"], "cpu_ratio": cpu_med["lab"] / cpu_med["bare"],
            "paired": statistics.median(a / b for a, b in zip(wall["lab"], wall["bare"])),
            "fastest": min(wall["lab"]) / min(wall["bare"]), "wall": wall, "cpu": cpu,
            "median": med, "cpu_median": cpu_med}


def _short(exp) -> dict:
    """A default run of `exp`, shortened to QUICK_STEPS steps/epochs."""
    fields = {f.name for f in dataclasses.fields(exp.config)}
    return {k: min(QUICK_STEPS, getattr(exp.config(), k)) for k in ("steps", "epochs") if k in fields}


def _burners(n: int) -> list:
    code = "while True: pass"
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(n)]


def main(repeats: int = 11, parts: tuple[int, ...] = PARTS) -> int:
    """Print the comparisons of `parts` (all five by default); `repeats` rounds for part 1."""
    from labcore.core.registry import REGISTRY, register
    from labcore.engine import launch, pool
    from labcore.runs.store import Store

    plugins = os.environ.get("LAB_PLUGINS")
    # the bench's workers (started below, they inherit this) can run the bare loop too
    os.environ["LAB_PLUGINS"] = ",".join(filter(None, [plugins, bare_loop.__name__]))
    added = bare_loop.NAME not in REGISTRY
    register(bare_loop.EXPERIMENT)
    store = Store(tempfile.mkdtemp(prefix="labbench-"))
    try:
        if 2 in parts:  # first: "cold" needs no worker running yet
            tiny = dict(width=16, steps=20)
            cold = lab_run(store, tiny)  # a process starts and imports torch
            warm = [lab_run(store, {**tiny, "seed": s})["first_row_s"] for s in range(1, 4)]
        print(f"device: CPU cores {os.cpu_count()}, max_jobs {launch.max_jobs()}, "
              f"threads per worker {launch.threads_per_worker()}; load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
        if 1 in parts:
            r = loop_ratio(store, repeats)
            wall, med, cpu = r["wall"]["bare"] + r["wall"]["lab"], r["median"], r["cpu_median"]
            print(f"1. lab loop / bare loop   {r['ratio']:.3f}  (medians of {repeats} rounds, both in one "
                  f"pool worker: lab {med['lab']:.3f}s, bare {med['bare']:.3f}s; median of the rounds' "
                  f"ratios {r['paired']:.3f}; fastest of each {r['fastest']:.3f}; runs spread "
                  f"{min(wall):.3f}-{max(wall):.3f}s; lazy_training {BENCH_CONFIG}; goal <= 1.02)\n"
                  f"   CPU time: lab / bare {r['cpu_ratio']:.3f} (lab {cpu['lab']:.3f}s, bare "
                  f"{cpu['bare']:.3f}s); the bare loop in the bench process instead (the old "
                  f"baseline): wall {med['here']:.3f}s, CPU {cpu['here']:.3f}s, lab / it "
                  f"{med['lab'] / med['here']:.3f} wall, {cpu['lab'] / cpu['here']:.3f} CPU", flush=True)
        if 2 in parts:
            print(f"2. submit -> first row    cold {cold['first_row_s']:.2f}s   warm "
                  f"{statistics.median(warm):.2f}s (median of {len(warm)}; goal warm <= 0.5s)")
        if 3 in parts:
            print(f"3. one run, quiet vs two CPU-bound processes beside it (goal <= 1.5x), "
                  f"{QUICK_STEPS} steps/epochs:")
            for name, exp in REGISTRY.items():
                if name in ("quadratic", bare_loop.NAME):
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
        shutil.rmtree(store.dir, ignore_errors=True)
        if plugins is None:
            os.environ.pop("LAB_PLUGINS", None)
        else:
            os.environ["LAB_PLUGINS"] = plugins
        if added:  # not a phenomenon: gone from this process's registry after the bench
            REGISTRY.pop(bare_loop.NAME, None)
    if 4 in parts:
        _sharpness()
    if 5 in parts:
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
