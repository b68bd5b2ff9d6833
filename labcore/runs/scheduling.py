"""The scheduling state in the run store, by name: the engine reads and writes it only here.

Keys (all JSON, see labcore.runs.store):
  queue            [run_id, ...]                      runs waiting, FIFO
  claims           {run_id: {"pid", "attempt", ...}}  runs being trained
  workers          {pid: {"ticks", "started"}}        the local pool's worker processes
  supervisor       {"pid", "ticks"}                   the store's supervisor process
  exits            {pid: {"rc", "at"}}                how the last 64 workers ended
  crashes          {"count", "at", "cause", "log"}    workers that died at start, in a row
  ray_dispatcher   {"pid", "ticks", "started"}        the Ray backend's dispatcher
  index, run:{id}, cancel:{id}   a run's record and its cancel flag (also used by Store)

Each entry is a `Slot`: `get`/`set`/`clear` are for use inside `store.transact()` (they
raise on I/O errors, as a writer must); `read` is the degrading reader (an unreadable or
missing entry gives the empty value), for polls outside a transaction. Both give only
well-formed parts (one `{'x': 1}` in the queue stopped every worker):
`get` moves junk (a wrong type, a bad element) to the store's quarantine/ with one warning
line and writes the rest back; `read` just leaves it out. The record helpers
below write a record without touching the index (the scheduler changes status fields of a
record that exists; `Store.put_record` creates one).
"""
from __future__ import annotations

from typing import Any, Callable

from labcore.runs.store import Store, clean_index, is_record


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _list_of(ok: Callable[[Any], bool]) -> Callable[[Any], tuple[Any, list]]:
    def clean(value: Any) -> tuple[list, list]:
        if not isinstance(value, list):
            return [], [value]
        return [v for v in value if ok(v)], [v for v in value if not ok(v)]
    return clean


def _dict_of(ok: Callable[[str, Any], bool]) -> Callable[[Any], tuple[Any, list]]:
    def clean(value: Any) -> tuple[dict, list]:
        if not isinstance(value, dict):
            return {}, [value]
        return ({k: v for k, v in value.items() if ok(k, v)},
                [[k, v] for k, v in value.items() if not ok(k, v)])
    return clean


def _process_or_none(value: Any) -> tuple[Any, list]:
    if value is None or (isinstance(value, dict) and _is_int(value.get("pid"))):
        return value, []
    return None, [value]


class Slot:
    """One named scheduling entry of the store, with its empty value and its cleaner
    (`clean(value) -> (well-formed part, [junk])`)."""

    def __init__(self, key: str, empty: Callable[[], Any],
                 clean: Callable[[Any], tuple[Any, list]] = lambda v: (v, [])) -> None:
        self.key = key
        self.empty = empty
        self.clean = clean

    def get(self, store: Store) -> Any:
        """The stored value or the empty one (inside a transaction; raises on I/O errors).
        Junk in it is quarantined (one warning) and the rest written back."""
        value = store.cache.get(self.key)
        if value is None:
            return self.empty()
        good, junk = self.clean(value)
        if junk:
            store.set_aside(self.key, junk, f"not a well-formed {self.key} entry")
            self.set(store, good) if good is not None else self.clear(store)
        return self.empty() if good is None else good

    def read(self, store: Store) -> Any:
        """The stored value, or the empty one when missing or unreadable (never raises);
        junk left out."""
        value = store.read(self.key)
        good = None if value is None else self.clean(value)[0]
        return good or self.empty()

    def set(self, store: Store, value: Any) -> None:
        """Replace the value (inside a transaction)."""
        store.cache.set(self.key, value)

    def clear(self, store: Store) -> None:
        """Remove the entry (inside a transaction)."""
        store.cache.delete(self.key)


QUEUE = Slot("queue", list, _list_of(lambda v: isinstance(v, str)))
CLAIMS = Slot("claims", dict, _dict_of(lambda k, v: isinstance(v, dict) and _is_int(v.get("pid"))
                                       and _is_int(v.get("attempt"))))
WORKERS = Slot("workers", dict, _dict_of(lambda k, v: k.isdigit() and isinstance(v, dict)))
SUPERVISOR = Slot("supervisor", lambda: None, _process_or_none)
EXITS = Slot("exits", dict, _dict_of(lambda k, v: k.isdigit() and isinstance(v, dict) and _is_int(v.get("rc"))
                                     and isinstance(v.get("at"), (int, float))))
# {"count", "at", "cause", "log"}: workers that died at start, in a row (engine.pool backs off)
CRASHES = Slot("crashes", dict, lambda v: (v, []) if isinstance(v, dict) and _is_int(v.get("count"))
               and isinstance(v.get("at"), (int, float)) else ({}, [v]))
RAY_DISPATCHER = Slot("ray_dispatcher", lambda: None, _process_or_none)
INDEX = Slot("index", dict, clean_index)  # {run_id: created}, written by Store.put_record / delete


def record(store: Store, rid: str) -> dict | None:
    """Run `rid`'s record as stored, or None (inside a transaction; raises on I/O errors).
    A value that is no run record is quarantined (one warning) and reads as None."""
    rec = store.cache.get(f"run:{rid}")
    if rec is None or is_record(rec):
        return rec
    store.cache.quarantine(f"run:{rid}", ValueError("not a run record"))
    return None


def save_record(store: Store, rec: dict) -> None:
    """Write back a record that exists (its index entry is left as it is)."""
    store.cache.set(f"run:{rec['id']}", rec)


def cancel_flag(store: Store, rid: str) -> bool:
    """The cancel flag of run `rid` (inside a transaction; raises on I/O errors)."""
    return bool(store.cache.get(f"cancel:{rid}"))


def clear_cancel(store: Store, rid: str) -> None:
    """Drop the cancel flag of run `rid` (a re-armed run starts uncancelled)."""
    store.cache.delete(f"cancel:{rid}")
