"""`python -m labcore doctor`: check the store's database and, when it is damaged, move it
aside and rebuild a new one from every entry that can still be read.

The damaged files (cache.db and its -wal/-shm) go to `damaged-<time>/` in the store, kept
as they were; the new database gets each readable row of the old one as stored (values are
not decoded, so nothing is run), then an `index` of the run records it holds. Value files
diskcache keeps beside the database (large values) stay where they are.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import time
import zlib
from pathlib import Path

from diskcache.core import DBNAME

from labcore.runs.disk import damage

COLUMNS = "rowid, key, raw, store_time, expire_time, access_time, access_count, tag, size, mode, filename, value"
GIVE_UP_AFTER = 20_000  # consecutive unreadable or missing rowids after the last good one


def check(directory: Path) -> str | None:
    """What is wrong with the database, or None. Unlike the check at open, this one runs
    SQLite's full `integrity_check` whatever the size."""
    found = damage(directory)
    if found or not (Path(directory) / DBNAME).is_file():
        return found
    con = sqlite3.connect(f"file:{Path(directory) / DBNAME}?mode=ro", uri=True)
    try:
        ((verdict,), *_) = con.execute("PRAGMA integrity_check(1)").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        con.close()
    return None if verdict == "ok" else f"database disk image is malformed: {verdict}"


def padded(path: Path) -> Path:
    """`path`, or a copy of it padded with zeros to the size its header records: SQLite reads
    nothing, not even the schema, of a file cut short (a truncation after a checkpoint), while
    the padded copy gives every page that survived."""
    head = path.read_bytes()[:100]
    if len(head) < 100 or not head.startswith(b"SQLite format 3\0"):
        return path
    page = int.from_bytes(head[16:18], "big")
    page = 65536 if page == 1 else page
    want = int.from_bytes(head[28:32], "big") * page
    if path.stat().st_size >= want:
        return path
    copy = path.with_name(path.name + ".padded")
    shutil.copyfile(path, copy)
    with open(copy, "r+b") as f:
        f.truncate(want)
    return copy


def salvage(path: Path) -> list[tuple]:
    """Every row of the Cache table of the database at `path` that SQLite can still read: a
    scan in rowid order, then, past the first error, one lookup per rowid."""
    rows: list[tuple] = []
    if path.stat().st_size == 0:
        return rows
    path = padded(path)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    last = 0
    try:
        try:
            for row in con.execute(f"SELECT {COLUMNS} FROM Cache ORDER BY rowid"):
                rows.append(row)
                last = row[0]
            return rows
        except sqlite3.DatabaseError:
            pass
        misses, rowid = 0, last
        while misses < GIVE_UP_AFTER:
            rowid += 1
            try:
                row = con.execute(f"SELECT {COLUMNS} FROM Cache WHERE rowid = ?", (rowid,)).fetchone()
            except sqlite3.DatabaseError:
                row = None
            if row is None:
                misses += 1
            else:
                rows.append(row)
                misses = 0
    except sqlite3.DatabaseError:
        pass  # not even the table can be found: nothing to keep
    finally:
        con.close()
    return rows


def _key(stored) -> object:
    """A Cache row's key as the store named it (JSONDisk keeps keys as compressed JSON)."""
    if isinstance(stored, bytes):
        try:
            return json.loads(zlib.decompress(stored))
        except (zlib.error, ValueError):
            return None
    return stored


def repair(directory: Path) -> dict:
    """Move the damaged database aside and rebuild the store from what can be read; returns
    {"kept": rows kept, "runs": run records kept, "aside": the folder of the damaged files}."""
    from labcore.runs.disk import make_private
    from labcore.runs.store import Store, clean_index, is_record

    directory = Path(directory)
    aside = directory / f"damaged-{time.strftime('%Y%m%d-%H%M%S')}"
    aside.mkdir(mode=0o700)
    for suffix in ("", "-wal", "-shm"):
        part = directory / (DBNAME + suffix)
        if part.exists():
            part.rename(aside / part.name)
    rows = salvage(aside / DBNAME)
    store = Store(directory)
    cache = store.cache  # a new, empty database with diskcache's schema and settings
    index: dict = {}
    with store.transact():
        for _, key, raw, *rest in rows:
            name = _key(key)
            if name == "index":
                continue  # rebuilt below from the records kept
            cache._sql("INSERT OR REPLACE INTO Cache(key, raw, store_time, expire_time, access_time, "
                       "access_count, tag, size, mode, filename, value) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       (key, raw, *rest))
            if isinstance(name, str) and name.startswith("run:"):
                try:
                    rec = cache.get(name)
                except Exception:  # noqa: BLE001 - an unreadable value stays for quarantine
                    rec = None
                if is_record(rec):
                    index[rec["id"]] = rec["created"]
        cache.set("index", clean_index(index)[0])
    store.close()
    make_private(directory)
    return {"kept": len(rows), "runs": len(index), "aside": aside}
