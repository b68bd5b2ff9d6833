"""Disk-full detection: which errors mean the disk (or quota) is full. Plain Python (os, sqlite3),
so the Recorder (core) and the store (runs) share it without core importing the store's layer."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

# Below this many free bytes the store's disk counts as full: SQLite needs whole pages (and a
# transaction several), so a write would fail anyway.
LOW_SPACE_BYTES = 1024**2


def is_disk_full(exc: BaseException, directory: Path | None = None) -> bool:
    """True for the errors SQLite or the OS raise when the disk (or quota) is full; with
    `directory`, also any SQLite or OS error while its disk has no space left (a really full
    disk often gives "disk I/O error": SQLite could not even grow its log)."""
    text = str(exc).lower()
    if "disk is full" in text or "no space" in text or getattr(exc, "errno", None) in (28, 122):
        return True
    return directory is not None and isinstance(exc, (sqlite3.Error, OSError)) and low_space(directory)


def low_space(directory: Path) -> bool:
    """True when the file system holding `directory` (or its nearest existing parent) has
    under LOW_SPACE_BYTES free for this user. A file system that reports no blocks at all
    (some virtual ones) is never called full."""
    path = Path(directory)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        st = os.statvfs(path)
    except OSError:
        return False
    return st.f_blocks > 0 and st.f_bavail * st.f_frsize < LOW_SPACE_BYTES
