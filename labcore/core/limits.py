"""Resource bounds checked at admission (`labcore.admission`): a config whose estimated peak
memory (its phenomenon's `cost`) exceeds the budget is refused before anything is written."""
from __future__ import annotations

import os

from labcore.core.params import ParamError, format_value


def memory_budget_bytes() -> float:
    """$LAB_MAX_MEMORY_GB, else half of this machine's RAM."""
    env = os.environ.get("LAB_MAX_MEMORY_GB")
    if env:
        return float(env) * 1024**3
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
