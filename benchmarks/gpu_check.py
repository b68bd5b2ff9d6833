"""GPU checks, run by hand on a CUDA machine: `python benchmarks/gpu_check.py`.

1. lazy_training on device=cuda through a real worker (jobs.submit), recorded device.
2. Determinism on CUDA: the same Config twice gives identical rows.
3. feature_diversity ConstNet with deterministic kernels vs CUDA's non-deterministic ones.
4. `labcore bench` figures on the GPU (lab loop vs bare loop).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from labcore.engine import jobs
from labcore.core.registry import get
from labcore.runs.store import Store
from labcore.core.recorder import Recorder


def rows(name: str, **kw) -> list[dict]:
    exp = get(name)
    rec = Recorder()
    exp.run(exp.make_config(**kw), rec)
    return rec.rows


def main() -> int:
    assert torch.cuda.is_available(), "no CUDA device"
    print("device:", torch.cuda.get_device_name(0), "torch", torch.__version__)
    store = Store(tempfile.mkdtemp())
    t0 = time.time()
    rid = jobs.submit("lazy_training", {"device": "cuda", "width": 4096, "steps": 500}, store)
    rec = jobs.wait(rid, store)
    print(f"1. worker on cuda: status {rec['status']}, device {rec['device']!r}, {time.time() - t0:.1f}s, "
          f"final rel_change {store.metrics(rid)['rel_change'].iloc[-1]:.4f}")
    a = rows("lazy_training", device="cuda", width=1024, steps=100)
    b = rows("lazy_training", device="cuda", width=1024, steps=100)
    print("2. same config twice on cuda, identical rows:", a == b)
    for det in (True, False):
        r = rows("feature_diversity", device="cuda", deterministic=det, steps=600, eval_every=100)
        print(f"3. ConstNet deterministic={det}: feat_corr {r[-1]['feat_corr']:.6f}, "
              f"bwd_corr {r[-1]['bwd_corr']:.6f}, test_acc {r[-1]['test_acc']:.3f}")
    for width in (1024, 10_000, 100_000):
        t = time.time()
        r = rows("lazy_training", device="cuda", width=width, steps=500, dataset="digits", n_train=1024,
                 lr=0.01, init="pytorch", eval_every=50)
        print(f"   lazy width {width}: rel_change {r[-1]['rel_change']:.5f} ({time.time() - t:.1f}s)")
    t = time.time()
    r = rows("teacher_student", device="cuda", steps=2000)
    print(f"   teacher_student default on cuda: corr_l1_mean {r[-1]['corr_l1_mean']:.4f} "
          f"corr_l2_mean {r[-1]['corr_l2_mean']:.4f} ({time.time() - t:.1f}s)")
    from labcore.bench import main as bench
    print("4. bench on cuda (device auto):")
    return bench(3)


if __name__ == "__main__":
    raise SystemExit(main())
