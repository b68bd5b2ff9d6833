"""The lab's numeric environment settings, read in one place: a value that is not a number
(or is out of range) is one line naming the variable and what it allows (a ParamError, so
the CLI and the pages say it as they say a bad parameter), never a raw ValueError, and
`check()` refuses it before anything is queued (a bad LAB_MAX_JOBS or
LAB_THREADS left the run `queued`)."""
from __future__ import annotations

import math
import os

from labcore.core.params import ParamError

# name: (int or float, smallest allowed value, whether that value itself is allowed)
SETTINGS: dict[str, tuple[type, float, bool]] = {
    "LAB_MAX_MEMORY_GB": (float, 0.0, False),
    "LAB_MAX_JOBS": (int, 1, True),
    "LAB_MAX_QUEUED": (int, 1, True),
    "LAB_CACHE_BUDGET_MB": (float, 0.0, False),
    "LAB_LEASE_S": (float, 0.0, False),
    "LAB_LEASE_DEAD_S": (float, 0.0, True),
    "LAB_THREADS": (int, 1, True),
}


def allowed(name: str) -> str:
    """What `name` allows, in words."""
    kind, lo, closed = SETTINGS[name]
    if kind is int:
        return f"an integer {int(lo)} or more"
    return f"a number {'of at least' if closed else 'above'} {lo:g}"


def number(name: str, default: float | None = None) -> float | int | None:
    """$name as its kind (int or float), or `default` when unset or empty. Raises ParamError
    (one line) for a value that is not a number or is out of range."""
    raw = os.environ.get(name, "")
    if not raw.strip():
        return default
    kind, lo, closed = SETTINGS[name]
    try:
        value = float(raw)
        if kind is int:
            if not value.is_integer():
                raise ValueError(raw)
            value = int(value)
    except (ValueError, OverflowError):
        raise ParamError(f"{name}={raw[:40]} is not a number; allowed: {allowed(name)}") from None
    if not math.isfinite(value) or value < lo or (value == lo and not closed):
        raise ParamError(f"{name}={raw} is out of range; allowed: {allowed(name)}")
    return value


def check() -> None:
    """Raise ParamError for the first numeric setting that is set but not allowed."""
    for name in SETTINGS:
        number(name)
