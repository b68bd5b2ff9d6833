"""One reader per page tick: the records, rows and artifacts of the runs a page shows, read
from the store at most once per tick and handed to everything that draws them.

`RunData` is also what a phenomenon's panel and artifact view receive (see
docs/adding-a-phenomenon.md): `record(rid)`, `frame(rid)`, `artifact(rid, name)` and
`run_id(cfg)`, so a phenomenon never opens the store, calls the engine or reads the session.
Rows are read incrementally: the session keeps each run's rows and cursor, so a tick reads
only the chunks it has not seen (and none at all for a finished run already read).
"""
from __future__ import annotations

from typing import Any, Iterable

import pandas as pd
import streamlit as st

from labcore.core.status import any_active
from labcore.engine import jobs
from labcore.runs.tables import rows_frame


class RunData:
    """The store as one page tick sees it (each read memoised for the tick)."""

    def __init__(self, store: Any, experiment: str = "") -> None:
        self.store, self.experiment = store, experiment
        self._recs: dict[str, dict | None] = {}
        self._frames: dict[str, pd.DataFrame] = {}
        self._arts: dict[tuple[str, str], Any] = {}

    def run_id(self, cfg: Any) -> str:
        """The run id of Config `cfg` of this page's phenomenon (a run that may not exist yet)."""
        return jobs.run_id_for(self.experiment, cfg)

    def record(self, rid: str) -> dict | None:
        """Run `rid`'s record, or None when it was never submitted."""
        if rid not in self._recs:
            self._recs[rid] = self.store.get(rid)
        return self._recs[rid]

    def records(self, ids: Iterable[str]) -> list[dict]:
        """The records of the runs among `ids` that exist, in order (each id once)."""
        seen = dict.fromkeys(ids)
        return [r for r in (self.record(rid) for rid in seen) if r is not None]

    def frame(self, rid: str) -> pd.DataFrame:
        """Every row of run `rid` so far (empty for a run that does not exist)."""
        if rid not in self._frames:
            self._frames[rid] = self._read_rows(rid)
        return self._frames[rid]

    def artifact(self, rid: str, name: str) -> Any:
        """Artifact `name` of run `rid` (a DataFrame), or None."""
        if (rid, name) not in self._arts:
            rec = self.record(rid)
            self._arts[rid, name] = (self.store.artifact(rid, name)
                                     if rec is not None and name in rec.get("artifacts", ()) else None)
        return self._arts[rid, name]

    def signature(self, ids: Iterable[str]) -> tuple:
        """What a drawing of the runs `ids` depends on: each one's status, progress, rows read
        and artifacts. Equal signatures: nothing to redraw."""
        out = []
        for rid in dict.fromkeys(ids):
            rec = self.record(rid)
            if rec is not None:
                out.append((rid, rec.get("created"), rec["status"], rec.get("progress"),
                            len(self.frame(rid)), tuple(rec.get("artifacts", ()))))
        return tuple(out)

    def active(self, ids: Iterable[str]) -> bool:
        """True while any of the runs `ids` is queued or running."""
        return any_active(self.records(ids))

    def _read_rows(self, rid: str) -> pd.DataFrame:
        rec = self.record(rid)
        if rec is None:
            return rows_frame([])
        try:
            cache = st.session_state.setdefault("_rows", {})
        except Exception:  # noqa: BLE001 - outside a Streamlit session (the Runs page's helpers, tests)
            cache = {}
        entry = cache.get(rid)
        if entry is None or entry["created"] != rec.get("created"):  # new run, or re-created under its id
            entry = cache[rid] = {"cursor": 0, "rows": [], "created": rec.get("created"), "frame": None}
        if entry["frame"] is None or rec["status"] in ("queued", "running") or entry.get("open", True):
            rows, cursor = self.store.read_rows(rid, entry["cursor"])
            if rows:
                entry["rows"].extend(rows)
                entry["frame"] = None
            entry["cursor"] = cursor
            # a finished run whose rows are all read is never read again
            entry["open"] = rec["status"] in ("queued", "running")
        if entry["frame"] is None:
            entry["frame"] = rows_frame(entry["rows"])
        return entry["frame"]
