"""The status line of a group of runs on a page (a seed group, a sweep, the variants side by
side): counts, progress and an ETA measured on the pace every session of this server has
seen (`labcore.runs.pace`), so a reload or a second tab shows the same estimate."""
from __future__ import annotations

import time

from labcore.runs import analysis, pace
from labcore.ui import state


def status(exp, recs: list[dict], configs: list) -> str:
    """'1 done, 2 queued · 33% · ETA 40 s' for the runs of `configs` (`recs`: those with a
    record); the ETA counts queued runs by the Experiment's cost and the pace seen so far."""
    seen = state.pace_history()  # shared by the sessions of this server: a reload keeps the pace
    pace.observe(seen, recs, time.time())
    return analysis.status_line(recs, expected=len(configs), eta=pace.eta(exp, recs, configs, seen))
