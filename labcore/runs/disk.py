"""The store's on-disk safety: JSON-only cache values, owner-only files, disk-full detection,
and a read-only open that writes nothing (a full disk or a read-only directory stays readable)."""
from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
import time
import urllib.parse
import zlib
from pathlib import Path
from typing import Callable

import diskcache
from diskcache.core import DBNAME, DEFAULT_SETTINGS, MODE_BINARY, MODE_RAW

# disk-full detection lives in core (the Recorder needs it too); the store and the entry points
# import it from here as before
from labcore.core.disk_errors import LOW_SPACE_BYTES, is_disk_full, low_space  # noqa: F401 - re-exported


class ReadOnlyStore(OSError):
    """A store write refused because the store is read-only (a read-only mount or directory);
    its message is the one line every entry point shows (`read_only_line`)."""


def read_only_line(directory) -> str:
    """The one line every entry point (CLI, pages) shows when the store cannot be written."""
    return (f"the run store at {directory} is read-only: its runs can be read, not trained or "
            "changed; set LAB_CACHE_DIR to a writable directory")


def dir_read_only(directory: Path) -> bool:
    """True when `directory` (or its nearest existing parent) cannot be written: a read-only
    file system (also for root) or a directory without write permission for this user."""
    path = Path(directory)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    return not os.access(path, os.W_OK)


def is_read_only(exc: BaseException, directory: Path | None = None) -> bool:
    """True for the errors of a write to a read-only store; with `directory`, also any SQLite
    or OS error while that directory cannot be written ("unable to open database file")."""
    if isinstance(exc, ReadOnlyStore) or getattr(exc, "errno", None) == 30:  # EROFS
        return True
    if "readonly database" in str(exc).lower() or "read-only file system" in str(exc).lower():
        return True
    return directory is not None and isinstance(exc, (sqlite3.Error, OSError)) and dir_read_only(directory)


# A store's database is checked for damage when a process first opens it: with SQLite's
# `PRAGMA quick_check` while the file is at most this big (a few ms per MB), else only by the
# errors its reads raise (a truncated cache.db listed as an empty store).
QUICK_CHECK_MAX_BYTES = 16 * 1024**2
EMPTY_GRACE_S = 5.0  # a database without tables younger than this is a store being created, not damage


class StoreDamaged(RuntimeError):
    """The store's database is damaged; the message is the one line saying what to do."""


def damaged_line(directory, why: str) -> str:
    """The one line every entry point shows for a damaged store."""
    return (f"the run store at {directory} is damaged ({why}): run `python -m labcore doctor` "
            "to move the damaged database aside and keep what can still be read")


def is_damage(exc: BaseException) -> bool:
    """True for SQLite's errors about a damaged file (malformed, not a database), not for a
    locked or unopenable one."""
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)


def damage(directory: Path) -> str | None:
    """What is wrong with the store's database at `directory`, in words, or None: healthy,
    absent, or not readable for another reason (locked, permissions: readers degrade)."""
    path = Path(directory) / DBNAME
    try:
        st = path.stat()
    except OSError:
        return None
    young = time.time() - st.st_mtime < EMPTY_GRACE_S  # a store being created now: no tables yet
    if st.st_size == 0:
        return None if young else "its database file is empty"
    try:
        con, _ = connect_readonly(path, 5.0)
        try:
            if st.st_size <= QUICK_CHECK_MAX_BYTES:
                ((verdict,), *_) = con.execute("PRAGMA quick_check(1)").fetchall()
                if verdict != "ok":
                    return f"database disk image is malformed: {verdict}"
            con.execute("SELECT key, raw FROM Cache ORDER BY rowid DESC LIMIT 1").fetchall()
        finally:
            con.close()
    except sqlite3.OperationalError as exc:
        return "it has no run store tables" if "no such table" in str(exc) and not young else None
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None


RESERVE_BYTES = 256 * 1024  # the store's reserve: room for a few final writes (~40 kB each) on a full disk
RESERVE = "reserve"


def keep_reserve(directory: Path) -> None:
    """Make sure the store keeps its reserve file (RESERVE_BYTES of allocated space, freed by
    `release_reserve` so the final writes of a run land on a full disk). Made only while the
    disk has room to spare; never raises."""
    path = Path(directory) / RESERVE
    if path.exists():
        return
    try:
        st = os.statvfs(directory)
        if st.f_blocks > 0 and st.f_bavail * st.f_frsize < 8 * RESERVE_BYTES + LOW_SPACE_BYTES:
            return
        tmp = path.with_name(f"{RESERVE}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, bytes(RESERVE_BYTES))  # written, not sparse: the blocks are really held
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:
        pass


def release_reserve(directory: Path) -> bool:
    """Delete the store's reserve file; True when there was one to free."""
    try:
        os.unlink(Path(directory) / RESERVE)
        return True
    except OSError:
        return False


class DiskFull(OSError):
    """A store write that failed for a full disk, whatever SQLite called it (errno ENOSPC, so
    every `is_disk_full` check downstream sees it)."""


def full_disk_line(directory) -> str:
    """The one line every entry point (CLI, pages) shows when the store's disk is full."""
    return f"the run store at {directory} is on a full disk: free space or set LAB_CACHE_DIR"


class RefusedValue(ValueError):
    """A cache value that is not plain JSON (pickled, a file outside the store, corrupt)."""


class SafeJSONDisk(diskcache.JSONDisk):
    """JSONDisk that refuses anything but JSON blobs: diskcache's JSONDisk still unpickles a
    value stored with mode PICKLE, so a planted `cache.db` row could run code on read."""

    def fetch(self, mode, filename, value, read):
        """JSONDisk.fetch, refusing a value not stored raw/binary (e.g. pickled), a read as a file, or a
        file outside the store (ValueError)."""
        if mode not in (MODE_RAW, MODE_BINARY) or read:
            raise RefusedValue(f"refusing a non-JSON cache value (mode {mode})")
        if filename is not None and (os.path.isabs(filename) or ".." in Path(filename).parts):
            raise RefusedValue("refusing a cache value outside the store")
        try:
            return super().fetch(mode, filename, value, read)
        except (zlib.error, UnicodeDecodeError, json.JSONDecodeError, TypeError) as exc:  # TypeError: text, not bytes
            raise RefusedValue(f"refusing a corrupt cache value ({type(exc).__name__})") from None

    def get(self, key, raw):
        """JSONDisk.get, refusing a pickled key (ValueError)."""
        if not raw:
            raise ValueError("refusing a pickled cache key")
        return super().get(key, raw)


class QuarantineCache(diskcache.Cache):
    """A Cache whose refused entries (RefusedValue) are moved aside instead of failing every
    later read: the row is written to `quarantine/` in the store (key, mode, the value as
    stored; a referenced file is never opened), deleted from the cache, and named in one
    warning line on stderr; the read then gives `default`, so one bad entry stops nothing."""

    def get(self, key, default=None, read=False, expire_time=False, tag=False, retry=False):
        """Cache.get; a refused value is quarantined and `default` returned."""
        try:
            return super().get(key, default, read, expire_time, tag, retry)
        except RefusedValue as exc:
            self.quarantine(key, exc)
            return default

    def quarantine(self, key, exc: BaseException) -> Path | None:
        """Move the row of `key` to quarantine/ (see the class doc); returns the file, or None
        when it could not be written (a read-only or full disk: the entry stays, refused)."""
        db_key, raw = self._disk.put(key)
        try:
            with self.transact():
                rows = self._sql("SELECT rowid, mode, filename, value FROM Cache WHERE key = ? AND raw = ?",
                                 (db_key, raw)).fetchall()
                if not rows:
                    return None
                rowid, mode, filename, value = rows[0]
                blob = value.hex() if isinstance(value, bytes) else value
                path = keep_aside(self.directory, {"key": str(key), "mode": mode, "filename": filename,
                                                   "value": blob, "why": str(exc)})
                self._sql("DELETE FROM Cache WHERE rowid = ?", (rowid,))  # never the referenced file
        except (OSError, diskcache.Timeout, sqlite3.Error):
            return None
        print(f"warning: the run store entry {str(key)!r} was unreadable ({exc}); moved to {path}",
              file=sys.stderr, flush=True)
        return path


def keep_aside(directory, entry: dict) -> Path:
    """Write `entry` (what was taken out of the store, and why) to a new file in the store's
    `quarantine/` (owner only); returns it. Raises OSError when it cannot be written."""
    folder = Path(directory) / "quarantine"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(entry, default=str))
    os.chmod(path, 0o600)
    return path


IMMUTABLE_S = 2.0  # an immutable read view is renewed this often (the disk may have been freed)


class ReadOnlyCache(QuarantineCache):
    """A read-only view of an existing store, which writes nothing. diskcache's own start-up
    (`Cache.__init__`) writes its settings and schema, so on a full disk or in a read-only
    directory it fails before any read (`labcore runs` and every page would show a
    traceback). This view reads the settings instead and opens the database with SQLite's
    `mode=ro`. Where SQLite cannot set up its shared memory for the write-ahead log (a
    read-only directory, a full disk) and the log holds no unmerged commits, the file itself is
    the whole store and is read as `immutable` (renewed every IMMUTABLE_S seconds). A refused
    entry is quarantined through `writer()` (the store's writable cache) when that opens."""

    def __init__(self, directory: str | os.PathLike, disk: type = diskcache.JSONDisk,
                 timeout: float = 60.0, writer: Callable[[], QuarantineCache] | None = None) -> None:
        # no Cache.__init__ (see the class doc): only what Cache's readers use is set up here
        self._directory = str(directory)
        self._timeout = timeout
        self._local = threading.local()
        self._txn_id = None
        self._writer = writer
        settings = {**DEFAULT_SETTINGS, **dict(self._sql("SELECT key, value FROM Settings").fetchall())}
        for key, value in settings.items():
            setattr(self, key, value)  # statistics, eviction_policy, ...: as Cache.reset sets them
        self._disk = disk(self._directory, **{k[5:]: v for k, v in settings.items() if k.startswith("disk_")})
        ((self._page_size,),) = self._sql("PRAGMA page_size").fetchall()

    @property
    def _con(self) -> sqlite3.Connection:
        pid = os.getpid()
        if getattr(self._local, "pid", None) != pid:  # a forked child opens its own connection
            self.close()
            self._local.pid = pid
        con = getattr(self._local, "con", None)
        since = getattr(self._local, "immutable", None)
        if con is not None and since is not None and time.monotonic() - since > IMMUTABLE_S:
            self.close()
            con = None
        if con is None:
            con, immutable = connect_readonly(Path(self._directory) / DBNAME, self._timeout)
            self._local.con = con
            self._local.immutable = time.monotonic() if immutable else None
        return con

    def quarantine(self, key, exc: BaseException) -> Path | None:
        """Quarantine through the writable cache (a repair, so a write); None where it cannot open."""
        try:
            return self._writer().quarantine(key, exc) if self._writer is not None else None
        except (OSError, diskcache.Timeout, sqlite3.Error):
            return None


def connect_readonly(path: Path, timeout: float) -> tuple[sqlite3.Connection, bool]:
    """A read-only SQLite connection to `path` and whether it reads the file as immutable
    (see ReadOnlyCache). Raises sqlite3.Error when neither can read it."""
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    con = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    try:
        con.execute("SELECT 1 FROM Settings LIMIT 1").fetchall()  # sets up the WAL's shared memory
        return con, False
    except sqlite3.OperationalError:
        con.close()
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise  # commits not merged into the file yet: an immutable read would show an older store
    con = sqlite3.connect(uri + "&immutable=1", uri=True, timeout=timeout, isolation_level=None)
    con.execute("SELECT 1 FROM Settings LIMIT 1").fetchall()
    return con, True


def make_private(directory: Path) -> None:
    """0700 on the store directory, 0600 on the files already in it (a store created by an
    older version under umask 022 becomes private too)."""
    try:
        os.chmod(directory, 0o700)
        for p in directory.iterdir():
            if p.is_file():
                os.chmod(p, 0o600)
    except OSError:
        pass  # not ours to change (e.g. a shared read-only store): reading still works
