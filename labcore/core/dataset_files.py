"""Registered dataset files: your own `.npz`/`.csv` files offered by name, as `file:NAME`, in a
page's dataset choice and on the command line (`--dataset file:NAME`).

Two places register a file; a name given by the first wins:
- `$LAB_DATASETS`: entries separated by commas or colons, each `name=path` or a bare path
  (named by its stem: `/data/blobs.npz` is `blobs`); a relative path is taken from the
  directory the lab starts in.
- the user folder's `datasets/` (`$LAB_EXPERIMENTS/datasets`, else `./experiments/datasets`):
  every `*.npz` and `*.csv` there, named by its stem.

Only files that exist are listed. A value `file:X` names a registered file when X has no `/`
and does not end in `.npz` or `.csv`; any other `file:` value is a path. Nothing here imports
numpy or torch: pages list the names without reading the files (admission reads and checks them).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from labcore.core.catalogue import FILE_PREFIX

SUFFIXES = (".npz", ".csv")
FOLDER = "datasets"  # inside the user folder
_NAME = re.compile(r"[A-Za-z0-9_.\-]+")


def is_name(rest: str) -> bool:
    """True when the part after `file:` is a registered file's name rather than a path."""
    return bool(_NAME.fullmatch(rest)) and not rest.endswith(SUFFIXES)


def _entries(value: str) -> list[tuple[str, Path]]:
    """(name, path) of each `$LAB_DATASETS` entry, in order."""
    out = []
    for item in filter(None, (p.strip() for p in re.split(r"[,:]", value))):
        name, _, path = item.rpartition("=")
        path = Path(path).expanduser()
        out.append((name.strip() or path.stem, path))
    return out


def registered() -> dict[str, Path]:
    """name -> absolute path of every registered file that exists: `$LAB_DATASETS` first, then
    the user folder's `datasets/`, sorted by name within each."""
    from labcore.core.registry import user_dir

    found: dict[str, Path] = {}
    for name, path in _entries(os.environ.get("LAB_DATASETS", "")):
        if is_name(name) and name not in found and path.is_file() and path.suffix in SUFFIXES:
            found[name] = path.resolve()
    mine = user_dir()
    folder = mine / FOLDER if mine is not None else None
    if folder is not None and folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix in SUFFIXES and is_name(path.stem):
                found.setdefault(path.stem, path.resolve())
    return found


def absolute_env() -> str | None:
    """`$LAB_DATASETS` with every entry as `name=/absolute/path` (None when unset): what a worker,
    which starts in another directory (or on another node), is given."""
    value = os.environ.get("LAB_DATASETS", "").strip()
    if not value:
        return None
    return ",".join(f"{name}={path.resolve()}" for name, path in _entries(value))


def choices() -> list[str]:
    """The dataset values of the registered files: `file:NAME` each."""
    return [FILE_PREFIX + name for name in registered()]


def resolve(value: str) -> Path:
    """The path a `file:` dataset value names: a registered file's, or the path itself.
    ValueError (one line) for a name that is not registered."""
    rest = value[len(FILE_PREFIX):]
    if not is_name(rest):
        return Path(rest).expanduser()
    known = registered()
    if rest in known:
        return known[rest]
    where = "$LAB_DATASETS or the user folder's datasets/"
    listed = ", ".join(known) or "none"
    raise ValueError(f"dataset={value}: no registered file named {rest!r} (registered in {where}: {listed}); "
                     "a path needs a / or the .npz/.csv suffix")
