import pytest

from labcore.core.registry import get
from labcore.core.recorder import Recorder


def _final(**overrides):
    exp = get("lazy_training")
    rec = Recorder()
    exp.run(exp.make_config(n_train=64, n_test=64, steps=30, eval_every=10, probe=4, **overrides), rec)
    return rec.rows


@pytest.mark.parametrize("parametrization", ["standard", "ntk"])
def test_wider_nets_move_less(parametrization):
    narrow = _final(width=16, parametrization=parametrization)[-1]
    wide = _final(width=2048, parametrization=parametrization)[-1]
    assert wide["rel_change"] < narrow["rel_change"] / 3
    assert wide["kernel_change"] < narrow["kernel_change"]


def test_rows_have_the_design_metrics_and_training_learns():
    rows = _final(width=128, lr=2.0)
    assert [r["step"] for r in rows] == [0, 10, 20, 30]
    assert set(rows[0]) == {"step", "loss", "train_acc", "test_acc", "rel_change", "rel_change_l2",
                            "kernel_change"}
    assert rows[0]["rel_change"] == 0.0 and rows[0]["kernel_change"] == 0.0
    assert rows[-1]["loss"] < rows[0]["loss"] and rows[-1]["train_acc"] > 0.5


def test_same_config_gives_the_same_numbers():
    assert _final(width=32) == _final(width=32)
