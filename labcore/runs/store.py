"""Run store on diskcache: run records, fenced metric rows, artifacts, size budget.

Keys (every value is JSON, never pickle, so a crafted cache cannot run code):
  index            {run_id: created}                 every run in the store
  run:{id}         the run record (status, attempt, lease, ...)
  data:{id}        {"attempt", "first", "n"}: chunks first..n-1 belong to `attempt`
  rows:{id}:{k}    chunk k: a list of row dicts ({"step": .., metric: ..})
  art:{id}:{name}  an artifact: {"columns": [...], "data": [[...], ...]}
  cancel:{id}      set when a cancel was requested
  queue, claims, workers, ...   scheduling state, read and written through labcore.runs.scheduling

Writes from a worker carry its `attempt`; a write whose attempt is not the record's current
one, or whose run is no longer active, is refused (fencing), so a stale or duplicate worker
never interleaves rows with the live one. The first write of a new attempt replaces the old
attempt's rows and artifacts, so re-running a run loses nothing until new data exists.
Reading never writes, not even to open the store (a read-only view of the database, see
labcore.runs.disk.ReadOnlyCache; a store that does not exist reads as empty and is not
created), and readers degrade (None / empty) on I/O errors instead of crashing.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import sqlite3
import sys
import threading
import time
import zlib
from pathlib import Path
from typing import Any, Callable

import diskcache

from labcore.core import env
from labcore.core.run_states import ACTIVE, FINISHED
from labcore.runs.lock import FairLock
from labcore.runs.disk import (DiskFull, QuarantineCache, ReadOnlyCache, ReadOnlyStore, RefusedValue,
                                SafeJSONDisk, StoreDamaged, damage, damaged_line, dir_read_only, full_disk_line,
                                is_damage, is_disk_full, is_read_only, keep_aside, keep_reserve, low_space,
                                make_private, read_only_line, release_reserve)

SCHEMA_VERSION = 3  # 2: steady_learner mlp runs train on the seed axis (baddbmm; float32 rows differ ~1e-4 from v1);
# 3: steady_learner starts from PyTorch's init (a run at defaults trains another net than a v2 one)
BUDGET_GRACE_S = 300.0       # runs finished this recently are never removed by the budget
DEFAULT_BUDGET_BYTES = 2 * 1024**3
LOCK_TIMEOUT_S = 60.0       # a write waiting longer than this for the store raises diskcache.Timeout
# A write that failed for a full disk is said on the pages this long, unless statvfs still
# shows the disk full (pages only write when asked, so nothing else would clear it)
FULL_REMEMBERED_S = 300.0
READ_ERRORS = (sqlite3.Error, OSError, ValueError, zlib.error, diskcache.Timeout)


def lease_s() -> float:
    """A claim's lease ($LAB_LEASE_S, default 10 s); the heartbeat renews it every ~0.5 s. It
    decides liveness only where the worker process cannot be seen (Ray, another host)."""
    return env.number("LAB_LEASE_S", 10.0)


def default_dir() -> Path:
    """Store location: $LAB_CACHE_DIR or ./cache."""
    return Path(os.environ.get("LAB_CACHE_DIR", "cache")).resolve()


def run_id(experiment: str, overrides: dict[str, Any], schema: int = SCHEMA_VERSION) -> str:
    """Short hash of the canonical JSON of (experiment, schema version, non-default fields),
    and the experiment's recipe version when above 1 (`Experiment.recipe`: a changed default)."""
    key = {"e": experiment, "v": schema, "c": overrides}
    recipe = _recipe(experiment)
    if recipe > 1:  # only then, so that every other phenomenon's ids stay as they were
        key["r"] = recipe
    blob = json.dumps(key, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


def _recipe(experiment: str) -> int:
    """The registered experiment's recipe version (1 for a name not registered here)."""
    from labcore.core.registry import REGISTRY

    exp = REGISTRY.get(experiment)
    return int(getattr(exp, "recipe", 1)) if exp is not None else 1


class Store:
    """A run store in one private directory. Safe to use from several processes at once."""

    def __init__(self, directory: str | os.PathLike | None = None,
                 budget_bytes: int | None = None) -> None:
        self.dir = Path(directory) if directory is not None else default_dir()
        env_budget = env.number("LAB_CACHE_BUDGET_MB")
        self.budget_bytes = budget_bytes or (int(env_budget * 1024**2) if env_budget is not None
                                             else DEFAULT_BUDGET_BYTES)
        self.read_error: str | None = None  # the last read that failed, for a one-line notice
        # the last write that failed for a full disk (None once a write succeeds again)
        self.write_error: str | None = None
        self._write_failed_at = 0.0
        self._cache: QuarantineCache | None = None   # opened at the first write (see `cache`)
        self._reader: ReadOnlyCache | None = None
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._lock = FairLock(self.dir, LOCK_TIMEOUT_S)
        self._damage: str | None = None   # what is wrong with the database (None: nothing seen)
        self._checked = False

    @property
    def cache(self) -> QuarantineCache:
        """The writable cache, opened at first use: that creates the directory and the database
        and writes diskcache's settings, so only writers open it. Reading never does (issue
        #24 item 6): readers go through `_readable`, which writes nothing."""
        if self._cache is None:
            self.check()  # never write into (or over) a damaged database
            with self._thread_lock:
                if self._cache is None:
                    old = os.umask(0o077)  # the store and anything diskcache creates now: owner only
                    try:
                        self.dir.mkdir(parents=True, exist_ok=True)
                        # eviction_policy="none": the default policy silently deletes live entries.
                        cache = QuarantineCache(str(self.dir), eviction_policy="none", timeout=60,
                                                disk=SafeJSONDisk)
                    finally:
                        os.umask(old)
                    make_private(self.dir)
                    keep_reserve(self.dir)
                    self._cache = cache
        return self._cache

    def _readable(self) -> QuarantineCache | None:
        """What reads go through: the writable cache once this process opened it, else a
        read-only view of the existing store (nothing written: a full disk or a read-only
        directory can still be read), else None: there is no store yet, every read gives its
        default and nothing is created."""
        if self._cache is not None:
            return self._cache
        if self._reader is None:
            if not self.exists():
                return None
            self._reader = ReadOnlyCache(self.dir, disk=SafeJSONDisk, timeout=60, writer=lambda: self.cache)
        return self._reader

    def close(self) -> None:
        """Close the database connections and lock files this object opened (reopened at the
        next use)."""
        with self._thread_lock:
            for cache in (self._cache, self._reader):
                if cache is not None:
                    cache.close()
            self._cache = self._reader = None
            self._lock.close()

    def exists(self) -> bool:
        """True when the store has been created (by a write) at `dir`."""
        return (self.dir / "cache.db").is_file()

    def damaged(self, where: str | None = None) -> str | None:
        """The one line saying the store's database is damaged and what to do (naming the
        store as `where`, default its directory), or None. The database is checked once per
        Store (`runs.disk.damage`); a read that fails for damage later is remembered too."""
        if not self._checked:
            self._checked = True
            self._damage = self._damage or damage(self.dir)
        return damaged_line(where or self.dir, self._damage) if self._damage else None

    def check(self) -> None:
        """Raise StoreDamaged (its message: the one line) when the database is damaged."""
        line = self.damaged()
        if line:
            raise StoreDamaged(line)

    def read_only(self) -> bool:
        """True when the store's directory cannot be written (a read-only mount): it is read,
        and every write is refused with `read_only_line`."""
        return dir_read_only(self.dir)

    def disk_full(self) -> bool:
        """True when the store's disk is full: its file system has almost no space left, or a
        write failed for a full disk in the last FULL_REMEMBERED_S seconds and none has
        succeeded since (a quota, or a disk SQLite calls full before statvfs does)."""
        recent = self.write_error is not None and time.monotonic() - self._write_failed_at < FULL_REMEMBERED_S
        return recent or low_space(self.dir)

    # ---- reading (never writes) ----------------------------------------------------
    def read(self, key: str, default: Any = None) -> Any:
        """`cache.get(key)`, but an unreadable or refused entry gives `default`."""
        try:
            cache = self._readable()
            value = default if cache is None else cache.get(key, default)
        except READ_ERRORS as exc:
            self.read_error = f"{type(exc).__name__}: {exc}"
            if is_damage(exc):
                self._damage = str(exc)
            return default
        return value

    def get(self, rid: str) -> dict | None:
        """The run record as stored (no side effects; liveness is the scheduler's job). A
        value that is JSON but no run record is quarantined (one warning line), not hidden."""
        rec = self.read(f"run:{rid}")
        if rec is None or is_record(rec):
            return rec
        self._quarantine(f"run:{rid}", "not a run record")
        return None

    def _quarantine(self, key: str, why: str) -> None:
        try:
            cache = self._readable()
            if cache is not None:
                cache.quarantine(key, RefusedValue(why))
        except READ_ERRORS:
            pass  # a read-only or full store: the entry stays, refused at every read

    def runs(self) -> list[dict]:
        """All run records, newest first. Raises StoreDamaged for a damaged database: a
        damaged store is never shown as an empty one."""
        self.check()
        index = clean_index(self.read("index", {}))[0]
        self.check()
        recs = [self.get(rid) for rid in sorted(index, key=index.get, reverse=True)]
        return [r for r in recs if r is not None]

    def set_aside(self, key: str, junk: list, why: str) -> None:
        """Move the junk part of entry `key` to quarantine/ with one warning line (the caller
        writes the cleaned value back, in its transaction)."""
        try:
            where = f"moved to {keep_aside(self.dir, {'key': key, 'value': junk, 'why': why})}"
        except OSError as exc:
            where = f"dropped (quarantine/ not writable: {exc})"
        shown = _one_line(repr(junk), 120)
        print(f"warning: the run store entry {key!r} held junk ({why}): {shown}; {where}",
              file=sys.stderr, flush=True)

    def data_info(self, rid: str) -> dict:
        """{"attempt", "first", "n"} of the stored rows (the attempt that wrote them)."""
        return self.read(f"data:{rid}") or {"attempt": None, "first": 0, "n": 0}

    def read_rows(self, rid: str, cursor: int = 0) -> tuple[list[dict], int]:
        """Rows written since `cursor` (a chunk count) and the new cursor."""
        info = self.data_info(rid)
        rows: list[dict] = []
        for k in range(max(cursor, info["first"]), info["n"]):
            rows.extend(self.read(f"rows:{rid}:{k}", []) or [])
        return rows, info["n"]

    def metrics(self, rid: str):
        """All rows of a run as a DataFrame: `step` first, one column per metric."""
        from labcore.runs.tables import rows_frame

        return rows_frame(self.read_rows(rid)[0])

    def artifact(self, rid: str, name: str):
        """An artifact as a DataFrame (columns as stored), or None."""
        import pandas as pd

        table = self.read(f"art:{rid}:{name}")
        if not isinstance(table, dict):
            return None
        return pd.DataFrame(table["data"], columns=table["columns"])

    def cancel_requested(self, rid: str) -> bool:
        """True when a cancel was requested for run `rid` (its `cancel:` flag is set)."""
        return bool(self.read(f"cancel:{rid}", False))

    def size_bytes(self) -> int:
        """Bytes on disk used by the store (0 when it cannot be read)."""
        try:
            cache = self._readable()
            return 0 if cache is None else int(cache.volume())
        except READ_ERRORS:
            return 0

    # ---- writing -------------------------------------------------------------------
    @contextlib.contextmanager
    def transact(self):
        """One write transaction (re-entrant), entered in turn. SQLite's own busy handler
        retries with growing sleeps, so under 16 writers one append could lose the race
        for tens of seconds (docs/measurements.md, "Store writes"); a fair file lock taken first
        (labcore.runs.lock.FairLock: writers enter in the order they asked) hands the write lock
        round in order instead. Raises diskcache.Timeout
        after LOCK_TIMEOUT_S. A write that fails for a full disk is remembered in
        `write_error` (cleared by the next one that succeeds)."""
        with self._thread_lock:  # threads of this process queue here (flock is per process)
            outer = self._depth == 0
            try:
                cache = self.cache  # the first write opens (and may create) the store
                if outer:
                    self._lock.acquire()
                self._depth += 1
                try:
                    with cache.transact():
                        yield
                finally:
                    self._depth -= 1
                    if outer:
                        self._lock.release()
            except Exception as exc:
                if is_read_only(exc, self.dir):  # one line, not "unable to open database file"
                    raise ReadOnlyStore(errno.EROFS, read_only_line(self.dir)) from exc
                if not is_disk_full(exc, self.dir):
                    raise
                self.write_error, self._write_failed_at = full_disk_line(self.dir), time.monotonic()
                if is_disk_full(exc):
                    raise
                raise DiskFull(errno.ENOSPC, f"No space left on device ({type(exc).__name__}: {exc})") from exc
            if outer:
                self.write_error = None

    def write_on_reserve(self, write: Callable[[], Any]) -> Any:
        """`write()`; when it fails for a full disk, free the store's reserve (a file of
        RESERVE_BYTES kept in the store for this) and try once more. For the writes that
        must land however full the disk is: a run's final status, the reap of a dead
        worker's run (a disk that filled mid-run left the run `running`
        and its waiting CLI waiting forever). Raises what the last try raised."""
        try:
            return write()
        except Exception as exc:  # noqa: BLE001 - only a full disk is retried
            if not is_disk_full(exc, self.dir) or not release_reserve(self.dir):
                raise
        return write()

    def put_record(self, rec: dict) -> None:
        """Write a record and index it (call inside `transact()` with other changes)."""
        self.cache.set(f"run:{rec['id']}", rec)
        index = self.cache.get("index", {})
        index[rec["id"]] = rec["created"]
        self.cache.set("index", index)

    def create(self, rid: str, experiment: str, config: dict, overrides: dict) -> dict:
        """Create (or reset) a `queued` record with no data (direct use; the scheduler arms
        runs through `labcore.engine.scheduler.submit`)."""
        with self.transact():
            old = self.cache.get(f"run:{rid}")
            self._drop_data(rid, old)
            rec = new_record(rid, experiment, config, overrides, (old or {}).get("attempt", 0) + 1)
            self.put_record(rec)
        return rec

    def _fenced(self, rid: str, attempt: int | None) -> dict | None:
        """The record if a write by `attempt` is allowed (None: an unfenced admin write)."""
        rec = self.cache.get(f"run:{rid}")
        if rec is None or attempt is None:
            return rec
        return rec if rec.get("attempt") == attempt and rec["status"] in ACTIVE else None

    def update(self, rid: str, attempt: int | None = None, **fields: Any) -> dict | None:
        """Change fields of a record atomically; returns it, or None when fenced off."""
        with self.transact():
            rec = self._fenced(rid, attempt)
            if rec is None:
                if attempt is None:
                    raise KeyError(rid)
                return None
            rec.update(fields)
            self.cache.set(f"run:{rid}", rec)
        return rec

    def renew(self, rid: str, attempt: int, **fields: Any) -> tuple[bool, bool]:
        """Heartbeat: renew the claim's lease (and write `fields`, e.g. progress) in one
        write. Returns (still ours, cancel requested)."""
        now = time.time()
        rec = self.update(rid, attempt, heartbeat=now, lease_until=now + lease_s(), **fields)
        if (rec is not None and float(rec.get("progress") or 0.0) > 0
                and (rec.get("moved") or 0) < (rec.get("started") or 0)):
            # when this attempt first moved: its start-up (worker, data, model) ends there, and
            # any page, even one opened later, measures the pace from it (pace.eta_seconds)
            self.update(rid, attempt, moved=now)
        return rec is not None, self.cancel_requested(rid)

    def request_cancel(self, rid: str) -> None:
        """Set the cancel flag of run `rid` (the Recorder's heartbeat reads it through `renew`)."""
        self.cache.set(f"cancel:{rid}", True)

    def _adopt(self, rid: str, rec: dict, attempt: int | None) -> dict:
        """The data header; the first write of a new attempt drops the old attempt's data."""
        info = self.cache.get(f"data:{rid}") or {"attempt": rec.get("attempt"), "first": 0, "n": 0}
        if attempt is not None and info["attempt"] != attempt:
            self._drop_data(rid, rec, keep_cancel=True)
            info = {"attempt": attempt, "first": info["n"], "n": info["n"]}  # numbering goes on
            rec.update(artifacts=[], created=time.time())  # readers keyed on `created` reset
            self.put_record(rec)
        return info

    def append_rows(self, rid: str, rows: list[dict], attempt: int | None = None) -> bool:
        """Append rows as one chunk: O(1), atomic, fenced. False when refused."""
        if not rows:
            return True
        from labcore.runs.tables import plain_row

        chunk = [plain_row(r) for r in rows]
        with self.transact():
            rec = self._fenced(rid, attempt)
            if rec is None:
                return False
            info = self._adopt(rid, rec, attempt)
            self.cache.set(f"rows:{rid}:{info['n']}", chunk)
            info["n"] += 1
            self.cache.set(f"data:{rid}", info)
        return True

    def put_artifact(self, rid: str, name: str, value: Any, attempt: int | None = None) -> bool:
        """Store an array or DataFrame as plain columns + data. False when refused."""
        from labcore.runs.tables import to_table

        table = to_table(value)
        with self.transact():
            rec = self._fenced(rid, attempt)
            if rec is None:
                return False
            self.cache.set(f"data:{rid}", self._adopt(rid, rec, attempt))
            self.cache.set(f"art:{rid}:{name}", table)
            if name not in rec["artifacts"]:
                rec["artifacts"].append(name)
                self.cache.set(f"run:{rid}", rec)
        return True

    # ---- deletion, budget ----------------------------------------------------------
    def delete(self, rid: str) -> None:
        """Remove a run entirely (caller makes sure it is not running)."""
        with self.transact():
            self._drop_data(rid, self.cache.get(f"run:{rid}"))
            self.cache.delete(f"run:{rid}")
            self.cache.delete(f"data:{rid}")
            index = self.cache.get("index", {})
            index.pop(rid, None)
            self.cache.set("index", index)

    def _drop_data(self, rid: str, rec: dict | None, keep_cancel: bool = False) -> None:
        info = self.cache.get(f"data:{rid}") or {"first": 0, "n": 0}
        for k in range(info["first"], info["n"]):
            self.cache.delete(f"rows:{rid}:{k}")
        for name in (rec or {}).get("artifacts", []):
            self.cache.delete(f"art:{rid}:{name}")
        if not keep_cancel:
            self.cache.delete(f"cancel:{rid}")

    def enforce_budget(self, keep: tuple[str, ...] | set[str] = ()) -> list[str]:
        """Delete the oldest finished runs until the store fits its budget. Never an active
        run, a run finished in the last BUDGET_GRACE_S seconds, or one in `keep`."""
        removed: list[str] = []
        if self.size_bytes() <= self.budget_bytes:
            return removed
        cutoff = time.time() - BUDGET_GRACE_S
        old = [r for r in self.runs() if r["status"] in FINISHED and r["id"] not in keep
               and (r.get("finished") or r["created"]) < cutoff]
        for rec in sorted(old, key=lambda r: r.get("finished") or r["created"]):
            if self.size_bytes() <= self.budget_bytes:
                break
            self.delete(rec["id"])
            removed.append(rec["id"])
        return removed


RECORD_FIELDS = {"id": str, "experiment": str, "status": str, "attempt": int, "created": (int, float),
                 "progress": (int, float), "config": dict, "overrides": dict}


def is_record(value: Any) -> bool:
    """True for a plausible run record (what readers index into without checking)."""
    return isinstance(value, dict) and all(isinstance(value.get(k), t) for k, t in RECORD_FIELDS.items())


def clean_index(value: Any) -> tuple[dict, list]:
    """The `index` entry without junk: ({run_id: created}, [junk items])."""
    if not isinstance(value, dict):
        return {}, ([] if value is None else [value])
    good = {k: v for k, v in value.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return good, [[k, v] for k, v in value.items() if k not in good]


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def new_record(rid: str, experiment: str, config: dict, overrides: dict, attempt: int) -> dict:
    """A fresh `queued` record for `attempt`."""
    return {"id": rid, "experiment": experiment, "config": config, "overrides": overrides,
            "schema": SCHEMA_VERSION, "status": "queued", "progress": 0.0, "attempt": attempt,
            "created": time.time(), "started": None, "finished": None, "pid": None,
            "device": None, "error": None, "diverged_step": None, "versions": {},
            "artifacts": [], "meta": {}, "heartbeat": None, "lease_until": None, "run_s": None}
