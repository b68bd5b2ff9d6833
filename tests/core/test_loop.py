import math

import pytest

from tests.waiting import eventually
from labcore.core.loop import train_loop
from labcore.core.recorder import Cancelled, Diverged, Recorder
from tests.plugins import QUADRATIC


def test_loop_measures_at_start_every_n_and_last_step():
    rec = Recorder()
    train_loop(rec, 10, lambda s: 1.0, lambda s: {"loss": 1.0 / (s + 1)}, measure_every=4)
    assert [r["step"] for r in rec.rows] == [0, 4, 8, 10]
    assert rec.fraction == 1.0


def test_non_finite_step_loss_raises_diverged_with_step():
    rec = Recorder()
    with pytest.raises(Diverged) as info:
        train_loop(rec, 10, lambda s: math.nan if s == 6 else 1.0, lambda s: {"acc": 0.5}, measure_every=100)
    assert info.value.step == 6
    assert rec.rows[-1]["step"] == 6 and math.isnan(rec.rows[-1]["loss"])


def test_should_stop_raises_cancelled_before_the_next_step():
    rec = Recorder()
    done = []

    def step(s):
        done.append(s)
        if s == 3:
            rec._stop.set()
        return 0.0

    with pytest.raises(Cancelled):
        train_loop(rec, 100, step)
    assert done == [0, 1, 2, 3]


@pytest.mark.plugins(QUADRATIC)
def test_recorder_flushes_rows_to_the_store_in_order(store):
    store.create("r", "quadratic", {}, {})
    rec = Recorder(store, "r", flush_s=0.0)
    for s in range(50):
        rec.log(s, loss=float(s))
    rec.progress(0.4)
    rec.close()
    assert list(store.metrics("r")["step"]) == list(range(50))
    assert store.get("r")["progress"] == 0.4


@pytest.mark.plugins(QUADRATIC)
def test_recorder_sees_a_cancel_request_and_beats(store):
    store.create("r", "quadratic", {}, {})
    rec = Recorder(store, "r", beat_s=0.05)
    try:
        assert not rec.should_stop()
        store.request_cancel("r")
        assert eventually(rec.should_stop)
        first = store.get("r")["heartbeat"]
        assert eventually(lambda: store.get("r")["heartbeat"] > first)  # the heartbeat keeps beating
    finally:
        rec.close()
