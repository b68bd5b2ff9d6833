"""Run statuses and the lookup errors shared by the CLI, the store and the pages (no
heavy imports, so the CLI can name them without loading pandas or torch)."""
from __future__ import annotations

ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "cancelled", "diverged", "interrupted")
REUSABLE = ("done", "diverged")  # deterministic outcomes: the same settings give them again


def any_active(recs) -> bool:
    """True when any of the run records `recs` is still active (queued or running)."""
    return any(r["status"] in ACTIVE for r in recs)


class UnknownRun(LookupError):
    """A run id that is not in the store (a usage error, not a bug)."""
