import pytest
import torch

from labcore.phenomena.teacher_student import MATRIX, PAPER
from labcore.phenomena.teacher_student import nets as teachers
from labcore.core.registry import get
from labcore.core.params import ParamError
from labcore.core.recorder import Recorder

SMALL = dict(teacher="10-15", d_output=20, node_multi=5, steps=1000, eval_every=250, eval_size=512)


def _run(**kw):
    exp = get("teacher_student")
    rec = Recorder()
    exp.run(exp.make_config(**kw), rec)
    return rec


def test_teacher_rows_are_unique_levels_normalised_by_the_weight_norm():
    # the original's normalize_layer divides [w, b] by ‖w‖ (not by ‖[w, b]‖)
    t = teachers.make_teacher(20, [10, 15], 5, seed=0)
    for lin in t.linears():
        torch.testing.assert_close(lin.weight.norm(dim=1), torch.ones(lin.out_features))
        assert len({tuple(r.tolist()) for r in lin.weight}) == lin.out_features
        assert all(r.abs().sum() > 0 for r in lin.weight)
        assert (lin.bias.abs() * lin.weight.abs().max(dim=1).values <= 0.5 + 1e-6).all()  # U(-0.5, 0.5) / ‖w‖
    assert t.hidden[0].bias.abs().max() > 0.05
    levels = t.hidden[0].weight / t.hidden[0].weight.abs().max(dim=1, keepdim=True).values
    assert set(torch.round(levels * 2).unique().tolist()) <= {-2.0, -1.0, 0.0, 1.0, 2.0}
    no_bias = teachers.make_teacher(20, [10, 15], 5, seed=0, bias=False)
    assert all((lin.bias == 0).all() for lin in no_bias.linears())


def test_student_recovers_the_teacher_lowest_layer_first():
    rows = _run(**SMALL).rows
    first, last = rows[0], rows[-1]
    assert last["corr_l1_mean"] >= 0.95 > first["corr_l1_mean"]
    assert last["corr_l1_mean"] > last["corr_l2_mean"]
    assert last["loss"] < first["loss"] / 10


@pytest.mark.slow
def test_unit_data_std_leaves_correlations_low():
    wide, narrow = _run(**SMALL).rows[-1], _run(**{**SMALL, "data_std": 1.0}).rows[-1]
    assert narrow["corr_l1_mean"] < 0.8 < wide["corr_l1_mean"]


def test_artifacts_matrix_fan_out_and_luck():
    rec = _run(**{**SMALL, "steps": 200, "eval_every": 50})
    corr = rec.artifacts["corr_l1"]
    assert corr.shape == (10, 50)
    snaps = sorted(int(n.split("_t")[1]) for n in rec.artifacts if n.startswith("corr_l1_t"))
    assert snaps[0] == 0 and snaps[-1] == 200 and 3 <= len(snaps) <= 6
    assert (rec.artifacts["corr_l1_t200"] == corr).all()
    fan = rec.artifacts["fanout_l1"]
    assert len(fan) == 50 and set(fan["aligned"]) <= {0, 1}
    assert ((fan["best_corr"] >= 0.95) == (fan["aligned"] == 1)).all()
    luck = rec.artifacts["luck_l2"]
    assert len(luck) == 15 and (luck["init_rank"] >= 0).all() and (luck["init_rank"] < 75).all()


def test_matrix_mode_loss_is_half_the_sum_over_outputs():
    # averaging over outputs (F.mse_loss) made every step 2/d_out of the original's
    out, target = torch.randn(8, 30), torch.randn(8, 30)
    want = 0.5 * ((out - target) ** 2).sum() / 8
    torch.testing.assert_close(teachers.matrix_loss(out, target), want)
    torch.testing.assert_close(teachers.matrix_loss(out, target),
                               torch.nn.functional.mse_loss(out, target) * 30 / 2)


def test_matrix_mode_renormalises_every_layer_including_the_output():
    # the original renormalises every column of every matrix after each step, output included
    net = teachers.ReluMLP(10, [40], 30)
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(3.0)
    teachers.normalize_fan_in(net)
    for lin in net.linears():
        rows = torch.cat([lin.weight, lin.bias[:, None]], dim=1)
        torch.testing.assert_close(rows.norm(dim=1), torch.ones(lin.out_features))


def test_readme_matrix_command_collapses_unaligned_fan_out():
    # a shortened README command (the preset: 20,000 iterations at lr 0.05; here 1,000 at lr
    # 0.25): the 20 teacher copies keep fan-out ~1.1-1.4, the other 20 nodes fall below 2% of
    # that (the full preset: ~2e-3; the lab before, averaged loss and a free output layer: 0.084)
    rec = _run(**{**get("teacher_student").page.presets[MATRIX], "steps": 1000, "lr": 0.25, "eval_every": 1000,
                  "eval_size": 512})
    assert rec.rows[-1]["corr_l1_mean"] > 0.99
    fan = rec.artifacts["fanout_l1"]
    aligned = fan[fan["aligned"] == 1]["fan_out_norm"]
    unaligned = fan[fan["aligned"] == 0]["fan_out_norm"]
    assert len(aligned) == 20 and len(unaligned) == 20
    assert aligned.min() > 0.8
    assert unaligned.median() < 0.02 * aligned.median()
    # the metric the claim judges: the same split on the last eval batch (redrawn: compare loosely)
    last = rec.rows[-1]
    assert last["aligned_nodes"] == 20
    assert last["unaligned_fanout_ratio"] == pytest.approx(unaligned.median() / aligned.median(), rel=0.05)


def test_fanout_split_against_numpy_medians():
    import numpy as np

    from labcore.phenomena.teacher_student.measures import fanout_split

    gen = torch.Generator().manual_seed(0)
    corr = torch.rand((3, 6), generator=gen) * 0.5
    corr[0, 1], corr[2, 4], corr[1, 5], corr[0, 0] = 0.99, 0.97, 0.96, 0.94  # aligned: 1, 4, 5 (0 just below)
    w = torch.randn((4, 6), generator=gen)  # the layer above: column i is node i's fan-out
    out = fanout_split(corr, w, 0.95)
    norms = np.linalg.norm(w.numpy(), axis=0)
    assert out["aligned_nodes"] == 3
    assert out["unaligned_fanout_ratio"] == pytest.approx(np.median(norms[[0, 2, 3]]) / np.median(norms[[1, 4, 5]]))
    assert "unaligned_fanout_ratio" not in fanout_split(torch.full((3, 6), 0.99), w, 0.95)  # all aligned
    none = fanout_split(torch.zeros((3, 6)), w, 0.95)
    assert none == {"aligned_nodes": 0}


def test_dead_teacher_nodes_count_as_zero_in_mean_all(monkeypatch):
    make = teachers.make_teacher

    def with_a_dead_node(*args, **kw):
        t = make(*args, **kw)
        t.hidden[0].bias[0] = -1e4  # lowest-layer node 0 never fires
        return t

    monkeypatch.setattr(teachers, "make_teacher", with_a_dead_node)
    row = _run(**{**SMALL, "steps": 100, "eval_every": 100}).rows[-1]
    assert row["corr_l1_dead"] == 1 and row["corr_l2_dead"] == 0
    # mean leaves the dead node out; the original's mean counts it as 0
    assert row["corr_l1_mean_all"] == pytest.approx(row["corr_l1_mean"] * 9 / 10, rel=1e-5)
    assert row["corr_l2_mean_all"] == pytest.approx(row["corr_l2_mean"], rel=1e-6)


def test_paper_scale_preset_is_the_original_recipe_and_a_fixed_set_trains():
    p = get("teacher_student").page.presets[PAPER]
    assert p["n_train"] == 100_000 and p["batch_size"] == 64
    assert p["steps"] == 40 * -(-100_000 // 64) == 62_520  # 40 epochs, last batch of an epoch partial
    assert (p["eval_size"], p["eval_redraw"], p["node_multi"], p["lr"], p["d_output"], p["data_std"]) == \
        (192, True, 10, 0.05, 100, 10.0)
    rows = _run(**{**SMALL, "n_train": 500, "steps": 300, "eval_every": 150, "eval_redraw": True,
                   "eval_size": 192}).rows
    assert rows[-1]["loss"] < rows[0]["loss"] / 3 and rows[-1]["corr_l1_mean"] > rows[0]["corr_l1_mean"]


def test_teacher_widths_are_a_tuple_parameter_validated_centrally():
    exp = get("teacher_student")
    assert exp.make_config(teacher="10-15").teacher == (10, 15)
    assert exp.make_config(teacher=[4, 5]).teacher == (4, 5)
    with pytest.raises(ParamError,
                       match="teacher='10-x' is not valid; allowed: 1..8 integers in 1..1000 joined by '-'"):
        exp.make_config(teacher="10-x")
    with pytest.raises(ParamError, match="teacher='3000-3000' is out of range"):
        exp.make_config(teacher="3000-3000")


def test_per_sample_gradients_average_to_the_batch_gradient():
    torch.manual_seed(0)
    teacher = teachers.make_teacher(6, [4], 3, seed=0)
    student = teachers.ReluMLP(6, [8], 3)
    x = 5 * torch.randn(16, 6)
    target, _ = teacher(x)
    grads = teachers.per_sample_gradients(student, x, target)
    out, _ = student(x)
    torch.nn.functional.mse_loss(out, target).backward()
    for name, p in student.named_parameters():
        assert grads[name].shape == (16, *p.shape)
        torch.testing.assert_close(grads[name].mean(dim=0), p.grad, rtol=1e-4, atol=1e-6)
    assert teachers.gradient_noise_ratio(grads) > 0


@pytest.mark.slow
def test_per_sample_mode_trains_and_logs_gradient_noise():
    rows = _run(**{**SMALL, "steps": 300, "eval_every": 150, "per_sample": True}).rows
    assert rows[-1]["corr_l1_mean"] > rows[0]["corr_l1_mean"] and rows[-1]["grad_noise"] > 0
    with pytest.raises(ParamError, match="per_sample=true is not allowed with normalize=true"):
        get("teacher_student").make_config(per_sample=True, normalize=True)


@pytest.mark.slow
def test_readme_command_at_the_default_budget_aligns_the_lowest_layer():
    # README: --data_std 10 --node_multi 10 --lr 0.05 --d_output 100 --seed 124: "0.999 in a few
    # iterations" (an iteration = an epoch of 1,563 steps); the default budget is 4 of them
    cfg = get("teacher_student").make_config(seed=124)
    assert (cfg.data_std, cfg.node_multi, cfg.lr, cfg.d_output, cfg.steps) == (10.0, 10, 0.05, 100, 4 * 1563)
    rows = _run(seed=124, eval_every=cfg.steps).rows
    assert rows[-1]["corr_l1_mean"] >= 0.99 > rows[0]["corr_l1_mean"]
    assert rows[-1]["corr_l2_mean"] < rows[-1]["corr_l1_mean"]
