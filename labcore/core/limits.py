"""Resource bounds checked at admission (`labcore.admission`): a config whose estimated peak
memory (its phenomenon's `cost`) exceeds the budget is refused before anything is written."""
from __future__ import annotations

import os

from labcore.core.params import ParamError, format_value


def memory_budget_bytes() -> float:
    """$LAB_MAX_MEMORY_GB, else half of this machine's RAM."""
    from labcore.core import env

    gb = env.number("LAB_MAX_MEMORY_GB")
    if gb is not None:
        return gb * 1024**3
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2
    except (ValueError, OSError, AttributeError):
        return 8 * 1024**3


def check_memory(cfg, cost) -> None:
    """Raise ParamError naming the size parameters when cost(cfg) exceeds the budget."""
    from labcore.core.params import specs

    need, _ = cost(cfg)
    limit = memory_budget_bytes()
    if need <= limit:
        return
    sizes = [s for s in specs(type(cfg)) if (s.type is int and s.log) or s.type is tuple]
    grown = [s for s in sizes if _size(getattr(cfg, s.name)) > _size(s.default)] or sizes
    names = ", ".join(f"{s.name}={format_value(getattr(cfg, s.name))}" for s in grown)
    raise ParamError(f"this config needs about {need / 1024**3:.1f} GB of memory ({names}); "
                     f"allowed: at most {limit / 1024**3:.1f} GB (LAB_MAX_MEMORY_GB): make these smaller")


def _size(value) -> float:
    if isinstance(value, tuple):
        return float(sum(value))
    return float(value)


# ---- the limit the OS enforces on a worker -----------------------------------------------
_LIMIT: dict = {}


def _vm_size() -> int:
    """This process's virtual size in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def enforce_memory_limit() -> int | None:
    """Make the OS refuse this process more than its current size plus the memory budget
    ($LAB_MAX_MEMORY_GB, else half the RAM): RLIMIT_AS, so an allocation past it raises
    MemoryError (numpy, Python) or a "can't allocate memory" RuntimeError (torch) in the run
    instead of the machine reaching the kernel's OOM killer. Called once by a worker after
    importing torch (the baseline is the libraries' mappings, not the run's data). Skipped
    with CUDA, whose driver reserves far more address space than memory. Returns the limit
    in bytes, or None when none was set."""
    import resource

    try:
        import torch

        if torch.cuda.is_available():
            return None
    except ImportError:
        pass
    base = _vm_size()
    if not base:
        return None
    # + 1 GiB of address space the run never touches: thread stacks and malloc arenas
    limit = int(base + memory_budget_bytes() + 1024**3)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    _LIMIT["bytes"] = limit
    return limit


def out_of_memory(exc: BaseException) -> str | None:
    """The run's error line when `exc` is an allocation the memory limit refused, else None:
    "out of memory (needed more than N GB; limit LAB_MAX_MEMORY_GB=M)"."""
    import re

    text = str(exc)
    if not (isinstance(exc, MemoryError) or "can't allocate memory" in text
            or "not enough memory" in text.lower() or "out of memory" in text.lower()):
        return None
    limit_gb = memory_budget_bytes() / 1024**3
    need = limit_gb
    m = re.search(r"allocate ([\d.]+) ([KMGT]i?B)", text)  # numpy: "Unable to allocate 23.2 GiB ..."
    if m:
        scale = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}[m.group(2)[0]]
        need = max(need, float(m.group(1)) * scale / 1024**3)
    m = re.search(r"allocate (\d+) bytes", text)  # torch: "... you tried to allocate N bytes"
    if m:
        need = max(need, int(m.group(1)) / 1024**3)
    env = os.environ.get("LAB_MAX_MEMORY_GB")
    setting = f"LAB_MAX_MEMORY_GB={env}" if env else f"LAB_MAX_MEMORY_GB unset: {limit_gb:.1f} GB, half the RAM"
    return f"out of memory (needed more than {need:.1f} GB; limit {setting})"
