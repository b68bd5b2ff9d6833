"""mup: the three parametrisations' init scales, forward multipliers and per-layer Adam rates
on hand-built models, the pure measurements against independent computations, the transfer
plot's frame, and the coordinate check's trend on a tiny grid (flat under μP, growing under SP)."""
import math

import numpy as np
import pandas as pd
import pytest
import torch

from labcore.core.recorder import Recorder
from labcore.core.registry import get
from labcore.phenomena.mup import measures
from labcore.phenomena.mup.nets import MLP, adam, rules
from tests.waiting import GUARD_S


def _model(parametrization: str, width: int, base: int = 64, d_in: int = 784, seed: int = 0) -> MLP:
    return MLP(d_in, width, 10, rules(parametrization, d_in, width, base), torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("width", [64, 512])
def test_each_parametrisation_draws_the_init_variance_of_its_table(width):
    sp, ntk, mup = (_model(p, width).weights for p in ("sp", "ntk", "mup"))
    # SP and μP: N(0, 1/fan_in) for the input and hidden layers; SP's readout 1/fan_in too
    for w in (sp, mup):
        assert float(w["input"].detach().std()) == pytest.approx(1 / math.sqrt(784), rel=0.03)
        assert float(w["hidden"].detach().std()) == pytest.approx(1 / math.sqrt(width), rel=0.05)
    assert float(sp["readout"].detach().std()) == pytest.approx(1 / math.sqrt(width), rel=0.15)
    assert float(mup["readout"].detach().abs().max()) == 0.0          # μP: the readout starts at zero
    for name in ("input", "hidden", "readout"):                # NTK: N(0, 1), scaled in the forward pass
        assert float(ntk[name].detach().std()) == pytest.approx(1.0, rel=0.15)


def test_adam_gets_one_group_per_layer_at_its_rate_multiple():
    lr = 0.01
    for width, m in ((64, 1), (256, 4), (1024, 16)):
        groups = {g["layer"]: g["lr"] for g in adam(_model("mup", width), lr).param_groups}
        assert groups == pytest.approx({"input": lr, "hidden": lr / m, "readout": lr})  # hidden η/m
        for p in ("sp", "ntk"):
            assert {g["layer"]: g["lr"] for g in adam(_model(p, width), lr).param_groups} == pytest.approx(
                {"input": lr, "hidden": lr, "readout": lr})


def test_the_forward_pass_applies_each_layers_multiplier():
    x = torch.rand(5, 784, generator=torch.Generator().manual_seed(3))
    for p in ("mup", "sp", "ntk"):
        model = _model(p, 256)
        with torch.no_grad():
            model.weights["readout"].normal_(generator=torch.Generator().manual_seed(4))  # non-zero under μP too
            w = {k: v.numpy().astype(np.float64) for k, v in model.weights.items()}
            r = model.rules
            h1 = np.maximum(r["input"].multiplier * x.numpy() @ w["input"].T, 0)
            h2 = np.maximum(r["hidden"].multiplier * h1 @ w["hidden"].T, 0)
            out = r["readout"].multiplier * h2 @ w["readout"].T
            np.testing.assert_allclose(model(x).numpy(), out, rtol=1e-4, atol=1e-5)
    assert rules("mup", 784, 1024, 64)["readout"].multiplier == pytest.approx(1 / 16)  # logits / m
    assert rules("ntk", 784, 1024, 64)["hidden"].multiplier == pytest.approx(1 / 32)   # 1/√n


def test_mup_equals_sp_at_the_base_width_but_for_the_readout():
    mup, sp = rules("mup", 784, 64, 64), rules("sp", 784, 64, 64)
    assert mup["input"] == sp["input"] and mup["hidden"] == sp["hidden"]
    assert mup["readout"].init_std == 0.0 and mup["readout"].multiplier == 1.0
    with pytest.raises(ValueError, match="unknown parametrization"):
        rules("xavier", 784, 64, 64)


def test_the_first_adam_step_moves_each_entry_by_its_layers_rate():
    """Adam's first step is lr · sign(gradient): every weight with a gradient moves by exactly its
    layer's rate, η/m for μP's hidden layer (so a sum over n inputs moves by Θ(1)), η under SP."""
    x = torch.rand(32, 784, generator=torch.Generator().manual_seed(5))
    y = torch.arange(32) % 10
    lr = 2.0 ** -8
    for p, width, hidden in (("mup", 64, lr), ("mup", 1024, lr / 16), ("sp", 1024, lr)):
        model = _model(p, width, seed=1)
        with torch.no_grad():  # a non-zero readout so the first step reaches the hidden layer under μP
            model.weights["readout"].normal_(generator=torch.Generator().manual_seed(2))
        before = {k: v.detach().clone() for k, v in model.weights.items()}
        opt = adam(model, lr, eps=1e-30)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        for name, rate in (("input", lr), ("hidden", hidden), ("readout", lr)):
            moved = (model.weights[name].detach() - before[name]).abs()
            moved = moved[model.weights[name].grad != 0]
            assert float(moved.median()) == pytest.approx(rate, rel=1e-3), (p, width, name)


def test_measures_against_independent_computations():
    gen = torch.Generator().manual_seed(0)
    w0, dw = torch.randn(40, 30, generator=gen), torch.randn(40, 30, generator=gen)
    s = np.linalg.svd(dw.numpy().astype(np.float64), compute_uv=False)[0] / np.linalg.svd(
        w0.numpy().astype(np.float64), compute_uv=False)[0]
    assert measures.spectral_change(w0, w0 + dw) == pytest.approx(s, rel=1e-6)
    assert measures.mean_abs(torch.tensor([[-1.0, 3.0]])) == 2.0
    assert measures.lr_exponents(-3, -1) == [-3, -2, -1]
    assert measures.metric_of(-8) == "loss_lr8" and measures.exponent_of("loss_lr8") == -8
    assert measures.recorded_loss(0.5, 2.3) == (0.5, False)
    assert measures.recorded_loss(3.0, 2.0) == (3.0, True)                    # above its start: unstable
    assert measures.recorded_loss(math.inf, 2.0) == (measures.CAP * 2.0, True)
    assert measures.recorded_loss(1e9, 2.0) == (measures.CAP * 2.0, True)     # capped
    assert measures.best_exponent({-8: 0.3, -7: 0.2, -6: math.nan}) == -7
    assert measures.best_exponent({-8: 0.2, -7: 0.2}) == -8                   # ties: the smaller rate
    assert measures.best_exponent({-8: math.nan}) is None


def test_the_transfer_frame_is_the_seed_mean_per_width_and_rate():
    from labcore.phenomena.mup.ui import transfer_frame

    a = pd.DataFrame({"step": [64, 1024], "loss_lr8": [0.2, 0.1], "loss_lr7": [0.3, 0.05]})
    b = a.assign(loss_lr8=[0.4, 0.3])
    table = transfer_frame([a, b, pd.DataFrame()])
    got = {(r.label, r.log2_lr): r.loss for r in table.itertuples()}
    assert got == pytest.approx({("n = 64", -8): 0.3, ("n = 64", -7): 0.3, ("n = 1024", -8): 0.2,
                                 ("n = 1024", -7): 0.05})


def test_a_tiny_grid_logs_one_row_per_width_and_its_coordinate_check_trends():
    """Flat under μP, growing under SP: the coordinate check on widths 32 and 512 (16x)."""
    exp = get("mup")
    rows = {}
    for p in ("mup", "sp"):
        rec = Recorder()
        exp.run(exp.make_config(parametrization=p, widths=(32, 512), base_width=32, log2_lr_min=-9,
                                log2_lr_max=-7, steps=8, n_train=128, probe=64, dataset="digits",
                                loss="mse"), rec)
        rows[p] = {r["step"]: r for r in rec.rows}
        assert sorted(rows[p]) == [32, 512]
        for r in rec.rows:
            assert {"loss_lr9", "loss_lr8", "loss_lr7", "best_log2_lr", "coord_out", "dw_hidden"} <= set(r)
            assert r["loss"] == min(r[f"loss_lr{k}"] for k in (9, 8, 7))
            assert r["loss"] < r["loss_init"]
    mup_ratio = rows["mup"][512]["coord_out"] / rows["mup"][32]["coord_out"]
    sp_ratio = rows["sp"][512]["coord_out"] / rows["sp"][32]["coord_out"]
    assert 0.5 < mup_ratio < 2 and sp_ratio > 4, (mup_ratio, sp_ratio)
    assert rows["sp"][512]["dw_hidden"] / rows["sp"][32]["dw_hidden"] > 4
    assert 0.5 < rows["mup"][512]["dw_hidden"] / rows["mup"][32]["dw_hidden"] < 2


def test_an_npz_file_trains_the_grid_and_the_run_records_it(tmp_path):
    """Your own data (`file:` datasets, as lazy_training and lottery_ticket offer): the input width
    and the number of classes are the file's, and the run records the file's name and digest."""
    import hashlib

    from labcore.admission import admit

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 6)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    np.savez(tmp_path / "mine.npz", X=x, y=y)
    exp = get("mup")
    cfg = exp.make_config(dataset=f"file:{tmp_path / 'mine.npz'}", widths=(16, 64), base_width=16, log2_lr_min=-8,
                          log2_lr_max=-6, steps=60, n_train=150, probe=32)
    admit(exp, cfg)
    rec = Recorder()
    exp.run(cfg, rec)
    assert [r["step"] for r in rec.rows] == [16, 64]
    assert all(r["loss"] < 0.7 * r["loss_init"] for r in rec.rows)  # the file's rule is learned (chance ln 2)
    sha = hashlib.sha256((tmp_path / "mine.npz").read_bytes()).hexdigest()
    assert rec.info["data"] == f"mine.npz (sha256 {sha})"


def test_the_transfer_panel_draws_one_curve_per_width_and_names_each_best_rate():
    """The page's panel through Streamlit's AppTest, on two runs' rows (a stub reader and selection)."""
    from streamlit.testing.v1 import AppTest

    def page():
        from types import SimpleNamespace

        import pandas as pd

        from labcore.core.registry import get
        from labcore.phenomena.mup.ui import transfer_view

        frames = {"a": pd.DataFrame({"step": [64, 1024], "loss_lr8": [0.2, 0.1], "loss_lr7": [0.3, 0.05]}),
                  "b": pd.DataFrame({"step": [64, 1024], "loss_lr8": [0.4, 0.3], "loss_lr7": [0.5, 0.07]})}
        data = SimpleNamespace(frame=lambda rid: frames[rid])
        sel = SimpleNamespace(group_ids=["a", "b"], group=[get("mup").config()])
        transfer_view(data, sel)

    at = AppTest.from_function(page).run(timeout=GUARD_S)
    assert not at.exception
    caption = at.caption[0].value
    assert "n = 64: 2^-8" in caption and "n = 1024: 2^-7" in caption and "2 run(s)" in caption
