"""One colour per layer, arm or setting across all of a page's charts (issue 44: on
teacher-student layer 1 was blue in one chart, orange in the next, green in a third)."""
import pandas as pd

from labcore.charts import plots


def _colours(fig):
    return {t.name: t.line.color for t in fig.data}


def test_a_layer_keeps_its_colour_in_every_chart_of_the_page():
    frame = pd.DataFrame([{"label": "seed 0", "step": s, **{f"corr_l{k}_{kind}": 0.1 * k + s
                                                             for k in (1, 2, 3) for kind in ("mean", "min", "dead")},
                           **{f"corr_l{k}_mean_all": 0.2 * k for k in (1, 2, 3)}} for s in range(3)])
    charts = [plots.curves(frame, [f"corr_l{k}_{kind}" for k in (1, 2, 3)], kind)
              for kind in ("mean", "min", "dead", "mean_all")]
    by_layer = [[_colours(fig)[f"corr_l{k}_{kind}"] for k in (1, 2, 3)]
                for fig, kind in zip(charts, ("mean", "min", "dead", "mean_all"))]
    assert all(layers == by_layer[0] for layers in by_layer)     # layer k: one colour in all four
    assert len(set(by_layer[0])) == 3                             # three layers, three colours


def test_the_varying_part_never_cuts_a_number():
    assert plots.varying_part(["corr_l1_mean", "corr_l10_mean"]) == ["1", "10"]
    assert plots.varying_part(["test_acc_winning", "test_acc_reinit"]) == ["winning", "reinit"]
    assert plots.varying_part(["train_acc", "test_acc"]) == ["train", "test"]
    assert plots.varying_part(["loss", "loss"]) == ["loss", "loss"]
