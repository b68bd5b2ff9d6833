"""Recorder: in memory, fenced writes through a RunSink, and a heartbeat that never dies
silently."""
import sqlite3

import pytest

from tests.waiting import eventually
from labcore.core.recorder import Diverged, Recorder
from tests.plugins import QUADRATIC


def test_in_memory_recorder_keeps_rows_artifacts_and_progress():
    rec = Recorder()
    rec.log(0, loss=1.0)
    rec.artifact("a", [1.0, 2.0])
    rec.span(0.5, 1.0)
    rec.progress(0.5)
    rec.meta(device="cpu", lr=0.1)
    rec.close()
    assert rec.rows == [{"step": 0, "loss": 1.0}] and list(rec.artifacts) == ["a"]
    assert rec.fraction == 0.75 and rec.device == "cpu" and rec.info == {"lr": 0.1}
    with pytest.raises(Diverged) as err:
        rec.log(1, acc=float("nan"))
    assert err.value.step == 1 and err.value.metric == "acc"


@pytest.mark.plugins(QUADRATIC)
def test_writes_carry_the_attempt_and_a_refused_write_stops_the_run(store):
    store.create("r", "quadratic", {}, {})
    rec = Recorder(store, "r", flush_s=0.0, beat_s=60)
    assert rec.attempt == store.get("r")["attempt"]
    rec.log(0, loss=1.0)
    store.update("r", status="interrupted")  # e.g. declared dead by the scheduler
    rec.log(1, loss=0.5)
    rec.artifact("late", [1.0])
    rec.close()
    assert rec.revoked and rec.should_stop()
    assert list(store.metrics("r")["step"]) == [0] and store.artifact("r", "late") is None


class _FullDisk:
    """A RunSink whose disk is full: every write raises like SQLite does."""

    def get(self, rid):
        return {"attempt": 1}

    def renew(self, rid, attempt, **fields):
        raise sqlite3.OperationalError("database or disk is full")

    append_rows = put_artifact = update = renew


def test_disk_full_in_the_heartbeat_stops_the_run_with_a_clear_failure():
    rec = Recorder(_FullDisk(), "r", beat_s=0.01)
    assert eventually(rec.should_stop)
    rec.close()
    assert rec.failure.startswith("disk full") and not rec.revoked


@pytest.mark.plugins(QUADRATIC)
def test_the_first_row_is_written_at_once_even_after_empty_heartbeats(store):
    """A run whose first measurement comes after a heartbeat (edge of stability's step-0
    sharpness estimate takes half a second) still shows its first row at once: an empty beat
    is no write (it held the row back until the next beat, 0.5 s later; issue 31)."""
    store.create("r", "quadratic", {}, {})
    rec = Recorder(store, "r", beat_s=0.01)  # flush_s 0.5: later rows wait for a beat
    try:
        assert eventually(lambda: (store.get("r") or {}).get("heartbeat") is not None)  # beats went by
        rec.log(0, loss=1.0)
        assert list(store.metrics("r")["step"]) == [0]  # written by the log itself, not a later beat
    finally:
        rec.close()
