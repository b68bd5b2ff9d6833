import math

import pytest
import torch

from labcore.phenomena.preconditioner import nets as precond
from labcore.core.registry import get
from labcore.core.recorder import Recorder


def _rows(**kw):
    exp = get("preconditioner")
    rec = Recorder()
    exp.run(exp.make_config(**{"n_train": 300, "n_test": 100, **kw}), rec)
    return rec


def test_preconditioner_is_the_product_of_later_inverse_gains():
    assert precond.preconditioner([2.0, 4.0, 0.5, 1.0]) == pytest.approx([0.5, 2.0, 1.0, 1.0])


def test_measured_gain_of_a_linear_unit_matches_the_hand_formula():
    torch.manual_seed(0)
    model = precond.TutorialCNN(1, 1, extra_layers=0)
    x = torch.randn(512, 1, 32, 32)
    g = precond.gains(model, x, torch.Generator().manual_seed(0))
    w = model.out.weight.detach()  # (10, 84): input grad = δ W with δ ~ N(0, 1)
    assert g[-1] == pytest.approx(float(w.norm() / math.sqrt(w.shape[1])), rel=0.05)
    assert len(g) == len(model.units()) == 5


def test_static_method_equalises_per_layer_gradients_at_init_on_a_deep_net():
    deep = dict(extra_layers=6, steps=1, eval_every=1)
    default = _rows(method="default", **deep).rows[0]
    static = _rows(method="static", **deep).rows[0]
    layers = [k for k in range(1, 20) if f"grad_std_l{k}" in default]
    assert len(layers) == 11
    d = [default[f"grad_std_l{k}"] for k in layers]
    s = [static[f"grad_std_l{k}"] for k in layers]
    assert max(s) / min(s) < 2.0
    assert max(d) / min(d) > 100.0


def test_static_learns_faster_at_first():
    kw = dict(steps=100, eval_every=100, extra_layers=2)
    default = _rows(method="default", **kw).rows[-1]
    static = _rows(method="static", **kw).rows[-1]
    assert static["test_acc"] > default["test_acc"] + 0.2
    rec = _rows(method="static", steps=1, eval_every=1)
    table = rec.artifacts["init_layers"]
    assert list(table.columns) == ["layer", "grad_std", "act_std", "precond"]
    assert table["precond"].iloc[-1] == 1.0 and len(table) == len(rec.info["preconditioner"])
