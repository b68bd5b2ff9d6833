"""One reader per page tick: the records, rows and artifacts of the runs a page shows, read
at most once per tick and handed to everything that draws them.

`RunData` is also what a phenomenon's panel and artifact view receive (see
docs/adding-a-phenomenon.md): `record(rid)`, `frame(rid)`, `artifact(rid, name)` and
`run_id(cfg)`, so a phenomenon never opens the store, calls the engine or reads the session.
Reads go through the server's shared `labcore.ui.feed.Feed`: thirty sessions polling one
live run cost one record read and one read of its new rows per tick, and one DataFrame per
new chunk. Only a polling tick shares (`fresh=False`); any other reader (a click, a form change,
the Runs page's helpers) reads records and new rows afresh, so what a session just did
shows at once.
"""
from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

from labcore.core.run_states import any_active
from labcore.engine import jobs
from labcore.ui.feed import Feed


class RunData:
    """The store as one page tick sees it (each read memoised for the tick)."""

    def __init__(self, store: Any, experiment: str = "", fresh: bool = True, feed: Feed | None = None) -> None:
        self.store, self.experiment, self.fresh = store, experiment, fresh
        self.feed = feed if feed is not None else _feed(store)
        self._recs: dict[str, dict | None] = {}
        self._frames: dict[str, pd.DataFrame] = {}
        self._arts: dict[tuple[str, str], Any] = {}

    def run_id(self, cfg: Any) -> str:
        """The run id of Config `cfg` of this page's phenomenon (a run that may not exist yet)."""
        return jobs.run_id_for(self.experiment, cfg)

    def record(self, rid: str) -> dict | None:
        """Run `rid`'s record, or None when it was never submitted."""
        if rid not in self._recs:
            self._recs[rid] = self.feed.record(rid, fresh=self.fresh)
        return self._recs[rid]

    get = record  # store-like, for judges written against a store (runs.verdicts.judge)

    def records(self, ids: Iterable[str]) -> list[dict]:
        """The records of the runs among `ids` that exist, in order (each id once)."""
        seen = dict.fromkeys(ids)
        return [r for r in (self.record(rid) for rid in seen) if r is not None]

    def frame(self, rid: str) -> pd.DataFrame:
        """Every row of run `rid` so far (empty for a run that does not exist)."""
        if rid not in self._frames:
            self._frames[rid] = self.feed.frame(rid, self.record(rid), fresh=self.fresh)
        return self._frames[rid]

    def artifact(self, rid: str, name: str) -> Any:
        """Artifact `name` of run `rid` (a DataFrame), or None."""
        if (rid, name) not in self._arts:
            rec = self.record(rid)
            self._arts[rid, name] = self.feed.artifact(rid, rec, name) if rec is not None else None
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


def _feed(store: Any) -> Feed:
    """The server's shared Feed of `store`; outside a Streamlit server (the CLI's helpers,
    tests calling a view directly), a private one."""
    from labcore.ui import state

    return state.feed(store)
