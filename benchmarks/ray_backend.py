"""Overhead of the Ray backend vs the local one, side by side on this machine.

    .venv/bin/python benchmarks/ray_backend.py [--sweep 16] [--repeats 3]

Starts a local Ray instance (`ray.init(num_cpus=cores)`) and a fresh store per backend,
then alternates the backends phase by phase (so load from elsewhere hits both alike):
(1) submit -> first stored row of a tiny run, cold (no worker / no dispatcher yet), then
warm (repeats); (2) the wall time of sweeps of N lazy_training runs (new seeds each time),
submit of the first to the last `done`; the first sweep may start a second worker process
(its imports count), the later ones find every worker warm. run_s: each run's own time
inside `runner.execute`. Both backends run the same configs with the same concurrency
(LAB_MAX_JOBS, default here one run per core) and threads per run, and must store the same rows.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LAB_PLUGINS", "tests.plugins.quadratic")

SWEEP_CFG = {"width": 64, "steps": 60, "n_train": 128, "n_test": 128, "probe": 4}


def first_row_s(store, cfg: dict) -> float:
    """Seconds from submit to the first row of the run in the store (then wait for the end)."""
    from labcore.engine import jobs

    t0 = time.perf_counter()
    rid = jobs.submit("quadratic", cfg, store)
    while store.data_info(rid)["n"] == 0:
        time.sleep(0.005)
    dt = time.perf_counter() - t0
    assert jobs.wait(rid, store, timeout=120)["status"] == "done"
    return dt


def sweep_s(store, n: int, first_seed: int = 0) -> tuple[float, list]:
    """Wall time of an n-run sweep (submit -> all done) and its records."""
    from labcore.engine import jobs

    t0 = time.perf_counter()
    ids = [jobs.submit("lazy_training", {**SWEEP_CFG, "seed": s}, store) for s in range(first_seed, first_seed + n)]
    recs = [jobs.wait(rid, store, timeout=600) for rid in ids]
    assert all(r["status"] == "done" for r in recs), [r.get("error") for r in recs]
    return time.perf_counter() - t0, recs


class Backend:
    """One backend with its own store; `use()` makes it the one jobs.submit starts."""

    def __init__(self, name: str, base: Path) -> None:
        from labcore.runs.store import Store

        self.name, self.store = name, Store(base / name)
        self.res: dict = {"warm": [], "sweeps": [], "run_s": [], "rows": {}}

    def use(self):
        os.environ["LAB_BACKEND"] = self.name
        return self.store

    def close(self) -> None:
        from labcore.engine import pool
        from labcore.engine.backends import ray as ray_backend

        (ray_backend.shutdown if self.name == "ray" else pool.shutdown)(self.store)


def bench(base: Path, n: int, repeats: int) -> dict:
    """The phases alternate between the backends, so load from elsewhere hits both alike."""
    both = [Backend("local", base), Backend("ray", base)]
    try:
        for b in both:
            b.res["cold"] = first_row_s(b.use(), {"steps": 5, "seed": 100})
        for i in range(repeats):
            for b in both:
                b.res["warm"].append(first_row_s(b.use(), {"steps": 5, "seed": 101 + i}))
        for i in range(repeats):
            for b in both:
                wall, recs = sweep_s(b.use(), n, first_seed=i * n)
                b.res["sweeps"].append(wall)
                b.res["run_s"].append(sum(r["run_s"] for r in recs))
                b.res["rows"].update({r["id"]: b.store.metrics(r["id"]).drop(columns=["_t"], errors="ignore")
                                      for r in recs})
    finally:
        for b in both:
            b.close()
    return {b.name: b.res for b in both}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sweep", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    import ray

    cores = os.cpu_count() or 2
    # one intra-op thread per run and as many runs as cores, on both backends: Ray's CPUs
    # per run default to the local thread budget (cores // LAB_MAX_JOBS)
    os.environ.setdefault("LAB_MAX_JOBS", str(cores))
    os.environ.update(LAB_WORKER_IDLE_S="60")
    ctx = ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False)
    os.environ["RAY_ADDRESS"] = ctx.address_info["gcs_address"]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            res = bench(Path(tmp), args.sweep, args.repeats)
    finally:
        ray.shutdown()
    loc, ray_ = res["local"], res["ray"]
    same = all(loc["rows"][k].equals(ray_["rows"][k]) for k in loc["rows"])
    from labcore.engine.pool import threads_per_worker

    med = statistics.median
    print(f"{cores} cores, LAB_MAX_JOBS={os.environ['LAB_MAX_JOBS']}, {threads_per_worker()} thread(s) "
          f"per run, ray {ray.__version__}; medians of {args.repeats} where repeated")
    print(f"{'':36}{'local':>10}{'ray':>10}")
    print(f"{'submit -> first row, cold (s)':36}{loc['cold']:10.2f}{ray_['cold']:10.2f}")
    print(f"{'submit -> first row, warm (s)':36}{med(loc['warm']):10.3f}{med(ray_['warm']):10.3f}")
    print(f"{f'{args.sweep}-run sweep, first, wall (s)':36}{loc['sweeps'][0]:10.2f}{ray_['sweeps'][0]:10.2f}")
    if args.repeats > 1:
        print(f"{f'{args.sweep}-run sweep, warm, wall (s)':36}{med(loc['sweeps'][1:]):10.2f}"
              f"{med(ray_['sweeps'][1:]):10.2f}")
        print(f"{'  its runs, sum of run_s (s)':36}{med(loc['run_s'][1:]):10.2f}{med(ray_['run_s'][1:]):10.2f}")
    print(f"all sweeps, each wall (s): local {[round(x, 2) for x in loc['sweeps']]}, "
          f"ray {[round(x, 2) for x in ray_['sweeps']]}")
    print(f"rows identical on both backends: {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
