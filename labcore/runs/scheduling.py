"""The scheduling state in the run store, by name: the engine reads and writes it only here.

Keys (all JSON, see labcore.runs.store):
  queue            [run_id, ...]                      runs waiting, FIFO
  claims           {run_id: {"pid", "attempt", ...}}  runs being trained
  workers          {pid: {"ticks", "started"}}        the local pool's worker processes
  supervisor       {"pid", "ticks"}                   the store's supervisor process
  exits            {pid: {"rc", "at"}}                how the last 64 workers ended
  ray_dispatcher   {"pid", "ticks", "started"}        the Ray backend's dispatcher
  index, run:{id}, cancel:{id}   a run's record and its cancel flag (also used by Store)

Each entry is a `Slot`: `get`/`set`/`clear` are for use inside `store.transact()` (they
raise on I/O errors, as a writer must); `read` is the degrading reader (an unreadable or
missing entry gives the empty value), for polls outside a transaction. The record helpers
below write a record without touching the index (the scheduler changes status fields of a
record that exists; `Store.put_record` creates one).
"""
from __future__ import annotations

from typing import Any, Callable

from labcore.runs.store import Store


class Slot:
    """One named scheduling entry of the store, with its empty value."""

    def __init__(self, key: str, empty: Callable[[], Any]) -> None:
        self.key = key
        self.empty = empty

    def get(self, store: Store) -> Any:
        """The stored value or the empty one (inside a transaction; raises on I/O errors)."""
        return store.cache.get(self.key, self.empty())

    def read(self, store: Store) -> Any:
        """The stored value, or the empty one when missing or unreadable (never raises)."""
        return store.read(self.key, self.empty()) or self.empty()

    def set(self, store: Store, value: Any) -> None:
        """Replace the value (inside a transaction)."""
        store.cache.set(self.key, value)

    def clear(self, store: Store) -> None:
        """Remove the entry (inside a transaction)."""
        store.cache.delete(self.key)


QUEUE = Slot("queue", list)
CLAIMS = Slot("claims", dict)
WORKERS = Slot("workers", dict)
SUPERVISOR = Slot("supervisor", lambda: None)
EXITS = Slot("exits", dict)
RAY_DISPATCHER = Slot("ray_dispatcher", lambda: None)
INDEX = Slot("index", dict)  # {run_id: created}, written by Store.put_record / delete


def record(store: Store, rid: str) -> dict | None:
    """Run `rid`'s record as stored, or None (inside a transaction; raises on I/O errors)."""
    return store.cache.get(f"run:{rid}")


def save_record(store: Store, rec: dict) -> None:
    """Write back a record that exists (its index entry is left as it is)."""
    store.cache.set(f"run:{rec['id']}", rec)


def cancel_flag(store: Store, rid: str) -> bool:
    """The cancel flag of run `rid` (inside a transaction; raises on I/O errors)."""
    return bool(store.cache.get(f"cancel:{rid}"))


def clear_cancel(store: Store, rid: str) -> None:
    """Drop the cancel flag of run `rid` (a re-armed run starts uncancelled)."""
    store.cache.delete(f"cancel:{rid}")
