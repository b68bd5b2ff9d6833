"""Local backend liveness: a claim's worker is a process on this host, known by its pid and
its start time (so a recycled pid is not mistaken for the worker)."""
from __future__ import annotations

import os
import socket
from pathlib import Path

HOST = socket.gethostname()


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def start_ticks(pid: int | None) -> int | None:
    """The process start time in clock ticks since boot (None where /proc is missing)."""
    fields = _stat(pid) if pid else None
    return int(fields[19]) if fields and len(fields) > 19 else None


def pid_alive(pid: int | None) -> bool:
    """True when a process with this pid exists on this host and is not a zombie."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    fields = _stat(pid)  # a killed child that nobody reaped yet still answers kill(pid, 0)
    return fields is None or fields[0] not in ("Z", "X")


def owns(claim: dict) -> bool:
    """True when the claim's worker runs on this host (so its pid can be checked)."""
    return claim.get("host", HOST) == HOST and bool(claim.get("pid"))


def alive(claim: dict) -> bool:
    """The claim's worker process still exists (a stopped process counts as alive)."""
    pid = claim.get("pid")
    if not pid_alive(pid):
        return False
    ticks = claim.get("ticks")
    return ticks is None or start_ticks(pid) in (None, ticks)
