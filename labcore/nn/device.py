"""Compute device choice (`auto|cpu|cuda`) and a description of the machine."""
from __future__ import annotations

import functools
import os
import subprocess
from importlib import metadata


def resolve(name: str = "auto"):
    """torch.device for `auto|cpu|cuda`; `cuda` without a GPU is an error, `auto` falls back."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device=cuda was asked for but no CUDA GPU is available; use auto or cpu")
    return torch.device(name)


def describe(dev) -> str:
    """Short text for a run record: 'cpu (2 cores)' or 'cuda:0 NVIDIA H100 ...'."""
    import torch

    if dev.type == "cuda":
        return f"cuda:{dev.index or 0} {torch.cuda.get_device_name(dev.index or 0)}"
    return f"cpu ({os.cpu_count()} cores)"


@functools.lru_cache(maxsize=1)
def machine() -> dict:
    """What the home page shows: CPU cores, GPUs and the torch version.

    Asks nvidia-smi rather than torch so the dashboard server never loads torch.
    """
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=5)
        gpus = [line.strip() for line in out.stdout.splitlines() if line.strip()]
    except (OSError, subprocess.SubprocessError):
        gpus = []
    try:
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch_version = "not installed"
    return {"cpu_cores": os.cpu_count(), "gpus": gpus, "torch": torch_version}
