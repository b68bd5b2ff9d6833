"""The server's one view of the store, shared by every session (a class of thirty
watching one live run must cost the server one read per run per tick, not thirty).

A `Feed` lives once per server process (`state.feed()`). For each run it keeps the record
read at most once per `TICK_S` (any session asking within that window gets the same
record), and the rows read incrementally behind one cursor, with the DataFrame of them built
once per new chunk of rows. Artifacts are kept per run incarnation (`created`): they are
written once, when a run ends. A session's own actions (a click, a form change) read its
records afresh (`fresh=True`), so what it just submitted or renamed shows at once; only the
polling ticks share.

Thread safety: Streamlit runs each session's script in its own thread; one lock guards the
Feed's tables, and a store read happens under it, so two sessions never read the same chunk.
Frames handed out are shared: callers must not modify them in place (they never did; the
session cache before this held them across ticks the same way).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

import pandas as pd

from labcore.core.run_states import ACTIVE
from labcore.runs.tables import rows_frame

TICK_S = 1.0   # how old a shared record may be (the page's polling period)


class Feed:
    """Records, rows and artifacts of the store's runs, shared by all sessions of a server."""

    def __init__(self, store: Any, max_age: float = TICK_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.store, self.max_age, self.clock = store, max_age, clock
        self._lock = threading.RLock()
        self._records: dict[str, tuple[float, dict | None]] = {}
        self._rows: dict[str, dict] = {}
        self._arts: dict[tuple, Any] = {}
        self._recent: dict[str, tuple[float, Any]] = {}   # store queries shared for max_age (the queue)
        self.reads = {"record": 0, "rows": 0, "artifact": 0}   # store reads made (tests count them)

    def record(self, rid: str, fresh: bool = False) -> dict | None:
        """Run `rid`'s record: the shared one unless older than `max_age` (or `fresh`)."""
        with self._lock:
            kept = self._records.get(rid)
            if fresh or kept is None or self.clock() - kept[0] >= self.max_age:
                self.reads["record"] += 1
                kept = self._records[rid] = (self.clock(), self.store.get(rid))
            return kept[1]

    def frame(self, rid: str, rec: dict | None, fresh: bool = False, system: bool = False) -> pd.DataFrame:
        """Every row of run `rid` (whose record is `rec`) so far, as one shared DataFrame.
        The store is asked for new rows at most once per `max_age` (or now, when `fresh`)
        while the run is queued or running, and once after it ended (its last chunk); a
        finished run's rows are never read again. `system`: with the wall-time column `_t`."""
        if rec is None:
            return rows_frame([], system=system)
        with self._lock:
            entry = self._rows.get(rid)
            if entry is None or entry["created"] != rec.get("created"):  # new, or re-created under its id
                entry = self._rows[rid] = {"cursor": 0, "rows": [], "created": rec.get("created"),
                                           "frames": {}, "open": True, "read_at": None, "new": []}
            live = rec["status"] in ACTIVE
            due = fresh or entry["read_at"] is None or self.clock() - entry["read_at"] >= self.max_age
            if entry["open"] and (due or not live):
                self.reads["rows"] += 1
                rows, entry["cursor"] = self.store.read_rows(rid, entry["cursor"])
                entry["read_at"] = self.clock()
                if rows:
                    entry["rows"].extend(rows)
                    entry["new"].extend(rows)
                entry["open"] = live  # the read after the run ended was the last one
            if entry["new"]:  # the frames grow by the new chunk (not all rows again: docs/measurements.md)
                for kind, old in list(entry["frames"].items()):
                    entry["frames"][kind] = _grown(old, rows_frame(entry["new"], system=kind))
                entry["new"] = []
            if system not in entry["frames"]:
                entry["frames"][system] = rows_frame(entry["rows"], system=system)
            return entry["frames"][system]

    def artifact(self, rid: str, rec: dict, name: str) -> Any:
        """Artifact `name` of run `rid` (a DataFrame), or None; read once per incarnation."""
        key = (rid, rec.get("created"), name, tuple(rec.get("artifacts", ())))
        with self._lock:
            if key not in self._arts:
                self.reads["artifact"] += 1
                self._arts[key] = (self.store.artifact(rid, name) if name in rec.get("artifacts", ()) else None)
            return self._arts[key]

    def recent(self, key: str, compute: Callable[[], Any], fresh: bool = False) -> Any:
        """`compute()` (a store query, e.g. the queue), shared for `max_age` seconds."""
        with self._lock:
            kept = self._recent.get(key)
            if fresh or kept is None or self.clock() - kept[0] >= self.max_age:
                kept = self._recent[key] = (self.clock(), compute())
            return kept[1]


def _grown(old: pd.DataFrame, chunk: pd.DataFrame) -> pd.DataFrame:
    """`old` with the rows of `chunk` appended: the frame `rows_frame` gives for all of them
    (union of columns, step first, a fresh index)."""
    if old.empty:
        return chunk
    return pd.concat([old, chunk], ignore_index=True)


class Watchers:
    """Which sessions are watching a live page, and what one of their ticks costs the server:
    the refresh period stretches so that all live ticks together stay within a CPU budget."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}   # session id -> when it last ticked
        self.cost = 0.0                      # mean CPU seconds of one tick (moving average)
        self._last_rerun = float("-inf")     # when a session last reran its page to retune
        # One polling tick draws at a time. Thirty sessions drawing at once share one core
        # through the GIL in 5 ms slices, so each of their ticks took thirty times its CPU
        # in wall time and a starved server finished almost none (docs/measurements.md,
        # "Classroom"). In turn, each tick ends as soon as
        # its own work is done; polls that arrive meanwhile are merged by Streamlit.
        self.turn = threading.Lock()

    def ticked(self, session: str, cpu_s: float) -> None:
        """Session `session` drew a tick that took `cpu_s` CPU seconds of its thread."""
        with self._lock:
            self._seen[session] = self.clock()
            self.cost = cpu_s if self.cost == 0.0 else 0.9 * self.cost + 0.1 * cpu_s

    def may_rerun(self, gap: float) -> bool:
        """True at most once per `gap` seconds for the whole server: sessions that all want a
        full rerun at once (a class retuning its refresh period together) take turns instead
        of re-rendering thirty pages at the same moment (measured: docs/measurements.md, "Classroom")."""
        with self._lock:
            now = self.clock()
            if now - self._last_rerun < gap:
                return False
            self._last_rerun = now
            return True

    def count(self, within: float = 10.0) -> int:
        """Sessions that ticked in the last `within` seconds."""
        with self._lock:
            now = self.clock()
            for key in [k for k, t in self._seen.items() if now - t > within]:
                del self._seen[key]
            return len(self._seen)


def refresh_period(base: float, sessions: int, tick_cost: float, budget: float) -> float:
    """The polling period of a live page: `base` seconds, stretched when `sessions` watching,
    each tick costing `tick_cost` CPU seconds, would spend more than `budget` cores on
    refreshes: period = max(base, sessions * tick_cost / budget), so every session slows
    down equally and the server's refresh work stays within its budget (rounded to 0.5 s
    so that small changes do not restart the sessions' timers)."""
    wanted = sessions * tick_cost / budget if budget > 0 else base
    return max(base, round(wanted * 2) / 2)
