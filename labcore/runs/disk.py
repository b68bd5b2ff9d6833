"""The store's on-disk safety: JSON-only cache values, owner-only files, disk-full detection."""
from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
import zlib
from pathlib import Path

import diskcache
from diskcache.core import MODE_BINARY, MODE_RAW


def is_disk_full(exc: BaseException) -> bool:
    """True for the errors SQLite or the OS raise when the disk (or quota) is full."""
    text = str(exc).lower()
    return "disk is full" in text or "no space" in text or getattr(exc, "errno", None) in (28, 122)


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
        except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
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
        folder = Path(self.directory) / "quarantine"
        try:
            with self.transact():
                rows = self._sql("SELECT rowid, mode, filename, value FROM Cache WHERE key = ? AND raw = ?",
                                 (db_key, raw)).fetchall()
                if not rows:
                    return None
                rowid, mode, filename, value = rows[0]
                folder.mkdir(mode=0o700, exist_ok=True)
                path = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns()}.json"
                blob = value.hex() if isinstance(value, bytes) else value
                path.write_text(json.dumps({"key": str(key), "mode": mode, "filename": filename,
                                            "value": blob, "why": str(exc)}, default=str))
                os.chmod(path, 0o600)
                self._sql("DELETE FROM Cache WHERE rowid = ?", (rowid,))  # never the referenced file
        except (OSError, diskcache.Timeout, sqlite3.Error):
            return None
        print(f"warning: the run store entry {str(key)!r} was unreadable ({exc}); moved to {path}",
              file=sys.stderr, flush=True)
        return path


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
