"""Run store on diskcache: run records, metric rows, artifacts, CSV export, size budget.

Layout of keys (all values are plain data: dicts, lists, numbers, strings):
  index                     {run_id: created_time}          every run in the store
  run:{id}                  the run record (see `new_record`)
  nchunks:{id}              number of metric-row chunks written
  rows:{id}:{k}             chunk k: a list of row dicts ({"step": .., metric: ..})
  art:{id}:{name}           an artifact: {"columns": [...], "data": [[...], ...]}
  cancel:{id}               set when a cancel was requested
  slots, queue              job scheduling (see labcore.jobs)

Rows are appended in chunks inside a transaction, so an append is O(1), several writers
never lose a row, and a reader asks only for the chunks after its cursor.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import diskcache
import pandas as pd

from labcore.runs.tables import plain_row, rows_frame, to_table

SCHEMA_VERSION = 1
FINISHED = ("done", "failed", "cancelled", "diverged", "interrupted")
ACTIVE = ("queued", "running")
HEARTBEAT_STALE_S = 20.0
DEFAULT_BUDGET_BYTES = 2 * 1024**3


def default_dir() -> Path:
    """Store location: $LAB_CACHE_DIR or ./cache."""
    return Path(os.environ.get("LAB_CACHE_DIR", "cache")).resolve()


def run_id(experiment: str, overrides: dict[str, Any], schema: int = SCHEMA_VERSION) -> str:
    """Short hash of the canonical JSON of (experiment, schema version, non-default fields)."""
    blob = json.dumps({"e": experiment, "v": schema, "c": overrides}, sort_keys=True,
                      separators=(",", ":"), default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


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
    try:  # a killed child that nobody reaped yet still answers kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return True


class Store:
    """A run store in one directory. Safe to use from several processes at once."""

    def __init__(self, directory: str | os.PathLike | None = None,
                 budget_bytes: int | None = None) -> None:
        self.dir = Path(directory) if directory is not None else default_dir()
        self.dir.mkdir(parents=True, exist_ok=True)
        # eviction_policy="none": the default policy silently deletes live entries.
        self.cache = diskcache.Cache(str(self.dir), eviction_policy="none", timeout=60)
        env_budget = os.environ.get("LAB_CACHE_BUDGET_MB")
        self.budget_bytes = budget_bytes or (int(float(env_budget) * 1024**2) if env_budget
                                             else DEFAULT_BUDGET_BYTES)

    # ---- records -------------------------------------------------------------------
    def create(self, rid: str, experiment: str, config: dict, overrides: dict) -> dict:
        """Create (or reset) the record of a run as `queued`, dropping old rows/artifacts."""
        self._drop_data(rid)
        rec = {
            "id": rid, "experiment": experiment, "config": config, "overrides": overrides,
            "schema": SCHEMA_VERSION, "status": "queued", "progress": 0.0,
            "created": time.time(), "started": None, "finished": None, "pid": None,
            "device": None, "error": None, "diverged_step": None, "versions": {},
            "artifacts": [],
        }
        with self.cache.transact():
            self.cache.set(f"run:{rid}", rec)
            index = self.cache.get("index", {})
            index[rid] = rec["created"]
            self.cache.set("index", index)
        return rec

    def get(self, rid: str) -> dict | None:
        """The run record, with a dead worker's `running`/`queued` run turned `interrupted`."""
        rec = self.cache.get(f"run:{rid}")
        if rec is None or rec["status"] not in ACTIVE or rec.get("pid") is None:
            return rec
        beat = rec.get("heartbeat") or rec.get("started") or rec["created"]
        if not pid_alive(rec["pid"]) or time.time() - beat > HEARTBEAT_STALE_S:
            return self.update(rid, status="interrupted", finished=time.time(),
                               error=rec.get("error") or "worker process died")
        return rec

    def update(self, rid: str, **fields: Any) -> dict:
        """Change fields of a record atomically and return the new record."""
        with self.cache.transact():
            rec = self.cache.get(f"run:{rid}")
            if rec is None:
                raise KeyError(rid)
            rec.update(fields)
            self.cache.set(f"run:{rid}", rec)
        return rec

    def runs(self) -> list[dict]:
        """All run records, newest first."""
        index = self.cache.get("index", {})
        recs = [self.get(rid) for rid in sorted(index, key=index.get, reverse=True)]
        return [r for r in recs if r is not None]

    def beat(self, rid: str, **fields: Any) -> None:
        """Record that the worker of `rid` is alive (and update `fields`, e.g. progress),
        in one write."""
        self.update(rid, heartbeat=time.time(), **fields)

    # ---- metric rows ---------------------------------------------------------------
    def append_rows(self, rid: str, rows: list[dict]) -> None:
        """Append rows as one chunk: O(1), atomic, safe with several writers."""
        if not rows:
            return
        with self.cache.transact():
            k = self.cache.get(f"nchunks:{rid}", 0)
            self.cache.set(f"rows:{rid}:{k}", [plain_row(r) for r in rows])
            self.cache.set(f"nchunks:{rid}", k + 1)

    def read_rows(self, rid: str, cursor: int = 0) -> tuple[list[dict], int]:
        """Rows written since `cursor` (a chunk count) and the new cursor."""
        n = self.cache.get(f"nchunks:{rid}", 0)
        rows: list[dict] = []
        for k in range(cursor, n):
            rows.extend(self.cache.get(f"rows:{rid}:{k}", []))
        return rows, n

    def metrics(self, rid: str) -> pd.DataFrame:
        """All rows of a run as a DataFrame: `step` first, one column per metric."""
        return rows_frame(self.read_rows(rid)[0])

    # ---- artifacts -----------------------------------------------------------------
    def put_artifact(self, rid: str, name: str, value: Any) -> None:
        """Store an array or DataFrame as plain columns + data."""
        self.cache.set(f"art:{rid}:{name}", to_table(value))
        with self.cache.transact():
            rec = self.cache.get(f"run:{rid}")
            if rec is not None and name not in rec["artifacts"]:
                rec["artifacts"].append(name)
                self.cache.set(f"run:{rid}", rec)

    def artifact(self, rid: str, name: str) -> pd.DataFrame | None:
        """An artifact as a DataFrame (columns as stored), or None."""
        table = self.cache.get(f"art:{rid}:{name}")
        if table is None:
            return None
        return pd.DataFrame(table["data"], columns=table["columns"])

    # ---- cancel --------------------------------------------------------------------
    def request_cancel(self, rid: str) -> None:
        self.cache.set(f"cancel:{rid}", True)

    def cancel_requested(self, rid: str) -> bool:
        return bool(self.cache.get(f"cancel:{rid}", False))

    # ---- deletion, budget ----------------------------------------------------------
    def delete(self, rid: str) -> None:
        """Remove a run entirely (caller makes sure it is not running)."""
        self._drop_data(rid)
        with self.cache.transact():
            self.cache.delete(f"run:{rid}")
            index = self.cache.get("index", {})
            index.pop(rid, None)
            self.cache.set("index", index)

    def _drop_data(self, rid: str) -> None:
        rec = self.cache.get(f"run:{rid}")
        for k in range(self.cache.get(f"nchunks:{rid}", 0)):
            self.cache.delete(f"rows:{rid}:{k}")
        for name in (rec or {}).get("artifacts", []):
            self.cache.delete(f"art:{rid}:{name}")
        for key in (f"nchunks:{rid}", f"cancel:{rid}"):
            self.cache.delete(key)

    def size_bytes(self) -> int:
        """Bytes on disk used by the store."""
        return int(self.cache.volume())

    def enforce_budget(self) -> list[str]:
        """Delete the oldest finished runs until the store fits its budget; never an active one."""
        removed: list[str] = []
        if self.size_bytes() <= self.budget_bytes:
            return removed
        finished = [r for r in self.runs() if r["status"] in FINISHED]
        finished.sort(key=lambda r: r.get("finished") or r["created"])
        for rec in finished:
            if self.size_bytes() <= self.budget_bytes:
                break
            self.delete(rec["id"])
            removed.append(rec["id"])
        return removed
