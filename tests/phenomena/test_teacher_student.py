import pytest
import torch

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


def test_teacher_rows_are_unique_unit_norm_levels():
    t = teachers.make_teacher(20, [10, 15], 5, seed=0)
    for lin in t.linears():
        rows = torch.cat([lin.weight, lin.bias[:, None]], dim=1)
        torch.testing.assert_close(rows.norm(dim=1), torch.ones(len(rows)))
        assert len({tuple(r.tolist()) for r in lin.weight}) == lin.out_features
        assert all(r.abs().sum() > 0 for r in lin.weight)
    levels = t.hidden[0].weight / t.hidden[0].weight.abs().max(dim=1, keepdim=True).values
    assert set(torch.round(levels * 2).unique().tolist()) <= {-2.0, -1.0, 0.0, 1.0, 2.0}


def test_student_recovers_the_teacher_lowest_layer_first():
    rows = _run(**SMALL).rows
    first, last = rows[0], rows[-1]
    assert last["corr_l1_mean"] >= 0.95 > first["corr_l1_mean"]
    assert last["corr_l1_mean"] > last["corr_l2_mean"]
    assert last["loss"] < first["loss"] / 10


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


def test_matrix_mode_collapses_unaligned_fan_out_by_more_than_10x():
    # the "matrix check" preset: a one-hidden-layer teacher, student = teacher + noise with
    # twice the nodes, projected GD on unit-norm fan-in rows
    rec = _run(**get("teacher_student").page.presets["matrix check"], eval_every=1500, eval_size=512)
    assert rec.rows[-1]["corr_l1_mean"] > 0.99  # the teacher copy stays aligned
    fan = rec.artifacts["fanout_l1"]
    aligned = fan[fan["aligned"] == 1]["fan_out_norm"]
    unaligned = fan[fan["best_corr"] < 0.9]["fan_out_norm"]
    assert len(aligned) >= 10 and len(unaligned) >= 5
    assert aligned.min() > 10 * unaligned.max()


def test_teacher_widths_are_a_tuple_parameter_validated_centrally():
    exp = get("teacher_student")
    assert exp.make_config(teacher="10-15").teacher == (10, 15)
    assert exp.make_config(teacher=[4, 5]).teacher == (4, 5)
    with pytest.raises(ParamError, match="teacher='10-x' is not valid; allowed: 1..8 integers in 1..1000 joined by '-'"):
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


def test_per_sample_mode_trains_and_logs_gradient_noise():
    rows = _run(**{**SMALL, "steps": 300, "eval_every": 150, "per_sample": True}).rows
    assert rows[-1]["corr_l1_mean"] > rows[0]["corr_l1_mean"] and rows[-1]["grad_noise"] > 0
    with pytest.raises(ParamError, match="per_sample=true is not allowed with normalize=true"):
        get("teacher_student").make_config(per_sample=True, normalize=True)
