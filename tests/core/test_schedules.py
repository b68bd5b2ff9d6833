"""train_loop's scheduled measurements and spans, and named random streams."""
import numpy as np

from labcore.core.loop import at, every, log_spaced, train_loop
from labcore.core.recorder import Recorder
from labcore.core.rng import numpy_rng, stream_seed


def test_several_cadences_merge_into_one_row_per_step():
    rec = Recorder()
    train_loop(rec, 20, lambda s: 1.0, lambda s: {"loss": 1.0}, measure_every=5,
               schedules=[(every(10), lambda s: {"sharpness": float(s)}), (at([3, 7]), lambda s: {"probe": 1.0})])
    steps = [r["step"] for r in rec.rows]
    assert steps == [0, 3, 5, 7, 10, 15, 20]  # one row per step, in order
    by_step = {r["step"]: r for r in rec.rows}
    assert set(by_step[10]) == {"step", "loss", "sharpness"} and set(by_step[3]) == {"step", "probe"}
    assert "sharpness" in by_step[0] and "sharpness" in by_step[20]  # first and last step always


def test_log_spaced_steps_are_dense_early_and_sparse_late():
    rec = Recorder()
    train_loop(rec, 1000, lambda s: 0.0, schedules=[(log_spaced(10), lambda s: {"i": 1.0})])
    steps = [r["step"] for r in rec.rows]
    assert steps[0] == 0 and steps[-1] == 1000 and 8 <= len(steps) <= 12
    gaps = np.diff(steps)
    assert all(b >= a for a, b in zip(gaps, gaps[1:]))  # gaps grow


def test_until_ends_early_and_progress_reaches_one():
    rec = Recorder()
    done = train_loop(rec, 100, lambda s: 0.0, lambda s: {"loss": 1.0 / (s + 1)}, measure_every=1,
                      until=lambda row: row["loss"] < 0.1)
    assert done == 10 and rec.rows[-1]["step"] == 10 and rec.fraction == 1.0


def test_until_with_a_reason_records_why_the_run_stopped_early():
    rec = Recorder()
    train_loop(rec, 100, lambda s: 0.0, lambda s: {"loss": 1.0 / (s + 1)}, measure_every=1,
               until=lambda row: "loss reached 0.1" if row["loss"] < 0.1 else "")
    assert rec.info["stopped_early"] == {"step": 10, "of": 100, "why": "loss reached 0.1"}
    plain = Recorder()  # a bare True stops the run too, without a reason to show
    train_loop(plain, 100, lambda s: 0.0, lambda s: {"loss": 1.0 / (s + 1)}, until=lambda row: row["loss"] < 0.1)
    assert "stopped_early" not in plain.info and plain.rows[-1]["step"] == 10


def test_spans_keep_progress_right_across_rounds():
    rec = Recorder()
    seen = []
    for r, (lo, hi) in enumerate([(0.0, 0.5), (0.5, 0.75), (0.75, 1.0)]):
        rec.span(lo, hi)
        train_loop(rec, 4, lambda s: (seen.append(rec.fraction) or 0.0))
    assert seen == sorted(seen) and 0.5 <= seen[5] <= 0.75  # monotone over rounds
    assert rec.fraction == 1.0


def test_non_finite_value_of_any_metric_ends_the_run_with_its_name():
    import pytest

    from labcore.core.recorder import Diverged

    rec = Recorder()
    with pytest.raises(Diverged) as info:
        train_loop(rec, 10, lambda s: 1.0, lambda s: {"loss": 1.0, "grad_std_l1": float("nan") if s == 4 else 1.0})
    assert info.value.step == 4 and info.value.metric == "grad_std_l1"
    assert "grad_std_l1 became nan at step 4" in str(info.value)


def test_named_streams_are_independent_across_seeds_and_names():
    # the old scheme gave seed s's noise the seed s+1 of init; named streams never collide
    seeds = {(s, n): stream_seed(s, n) for s in range(20) for n in ("init", "data", "noise", "order")}
    assert len(set(seeds.values())) == len(seeds)
    assert stream_seed(3, "init") == stream_seed(3, "init")  # stable
    a, b = numpy_rng(0, "noise").normal(size=1000), numpy_rng(1, "init").normal(size=1000)
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.15
