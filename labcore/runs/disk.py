"""The store's on-disk safety: JSON-only cache values, owner-only files, disk-full detection."""
from __future__ import annotations

import os
from pathlib import Path

import diskcache
from diskcache.core import MODE_BINARY, MODE_RAW


def is_disk_full(exc: BaseException) -> bool:
    """True for the errors SQLite or the OS raise when the disk (or quota) is full."""
    text = str(exc).lower()
    return "disk is full" in text or "no space" in text or getattr(exc, "errno", None) in (28, 122)


class SafeJSONDisk(diskcache.JSONDisk):
    """JSONDisk that refuses anything but JSON blobs: diskcache's JSONDisk still unpickles a
    value stored with mode PICKLE, so a planted `cache.db` row could run code on read."""

    def fetch(self, mode, filename, value, read):
        """JSONDisk.fetch, refusing a value not stored raw/binary (e.g. pickled), a read as a file, or a
        file outside the store (ValueError)."""
        if mode not in (MODE_RAW, MODE_BINARY) or read:
            raise ValueError(f"refusing a non-JSON cache value (mode {mode})")
        if filename is not None and (os.path.isabs(filename) or ".." in Path(filename).parts):
            raise ValueError("refusing a cache value outside the store")
        return super().fetch(mode, filename, value, read)

    def get(self, key, raw):
        """JSONDisk.get, refusing a pickled key (ValueError)."""
        if not raw:
            raise ValueError("refusing a pickled cache key")
        return super().get(key, raw)


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
