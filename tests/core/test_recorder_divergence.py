"""The one divergence rule (issue #24): any logged metric non-finite, or the training loss
above `divergence_factor` x its first value, ends the run `diverged` with the step and the
metric; an exception after the loss blew up is that divergence, not a crash."""
import math

import numpy as np
import pytest

from labcore.core.loop import train_loop
from labcore.core.recorder import Diverged, Recorder
from labcore.engine.runner import failure


def _quadratic(rec, lr, steps=50):
    x = 1.0

    def step_fn(step):
        nonlocal x
        loss = 0.5 * x * x
        x = x - lr * x
        return loss

    return train_loop(rec, steps, step_fn, lambda s: {"loss": 0.5 * x * x}, measure_every=10)


def test_loss_past_100x_its_first_value_is_divergence_at_that_step():
    rec = Recorder()
    with pytest.raises(Diverged) as info:
        _quadratic(rec, lr=2.5)  # x *= -1.5: the loss grows 2.25x a step, 0.5 -> >50 at step 6
    assert info.value.step == 6 and info.value.metric == "loss"
    assert "over 100x its first value 0.5" in str(info.value)
    assert rec.rows[-1] == {"step": 6, "loss": pytest.approx(0.5 * 1.5**12)}


def test_the_factor_is_an_experiment_setting():
    rec = Recorder(divergence_factor=None)  # only non-finite values count
    with pytest.raises(Diverged) as info:
        _quadratic(rec, lr=2.5, steps=2000)
    assert math.isinf(info.value.value) and "loss became inf" in str(info.value)
    assert _quadratic(Recorder(divergence_factor=1e6), lr=1.5, steps=40) == 40  # 0.25x a step: fine


def test_a_measurement_that_raises_after_the_loss_blew_up_is_divergence():
    rec = Recorder()
    rec.log(0, loss=0.5)
    rec.check_loss(1, 30.0)  # 60x: not yet over the rule, but far past its start

    try:
        np.linalg.eigvalsh(np.full((3, 3), np.nan))
    except np.linalg.LinAlgError as exc:
        final = failure(exc, rec)
    assert final["status"] == "diverged" and final["diverged_step"] == 1
    assert final["error"].startswith("loss became 30 at step 1 (LinAlgError after it)")
    calm = Recorder()
    calm.log(0, loss=0.5)
    assert failure(RuntimeError("boom"), calm)["status"] == "failed"
