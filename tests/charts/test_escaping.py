"""User-typed strings never reach Plotly as HTML (issue #24): run names, groups and setting
values are escaped in legends, hovers, ticks and annotations."""
import pandas as pd

from labcore.charts import comparison_plots, plots

EVIL = '<a href="http://x/phish">Click me</a> <b>B</b>'
SAFE = '&lt;a href="http://x/phish"&gt;Click me&lt;/a&gt; &lt;b&gt;B&lt;/b&gt;'


def _frame():
    return pd.DataFrame({"run_id": ["r1"] * 3, "step": [0, 1, 2], "loss": [1.0, 0.5, 0.25]})


def test_run_names_are_escaped_in_the_runs_chart_legend_and_hover():
    fig = comparison_plots.runs_figure(_frame(), None, "loss", "step", {"r1": EVIL}, {})
    assert [t.name for t in fig.data] == [SAFE]
    smooth = comparison_plots.runs_figure(_frame(), _frame(), "loss", "step", {"r1": EVIL}, {})
    assert {t.name for t in smooth.data} == {SAFE, SAFE + " (raw)"}
    assert "<a" not in fig.to_json() and "<b>" not in fig.to_json()


def test_group_names_setting_values_and_labels_are_escaped_everywhere():
    frame = pd.DataFrame({"label": [EVIL] * 2, "step": [0, 1], "loss": [1.0, 0.5]})
    assert plots.curves(frame, ["loss"], "Loss").data[0].name == SAFE
    bars = plots.sweep(pd.DataFrame({"teacher": [EVIL, "b"], "loss": [1.0, 2.0]}), "teacher", "loss",
                       "t", categorical=True)
    assert list(bars.data[0].x) == [SAFE, "b"]
    table = pd.DataFrame({"teacher": [EVIL, "x"], "loss · final": [1.0, 2.0]})
    par = comparison_plots.parallel_figure(table, ["teacher"], "loss · final")
    assert SAFE in par.data[0].dimensions[0].ticktext
    assert "<a" not in par.to_json()
    line = plots.curves(frame, ["loss"], "Loss", hlines={EVIL: 0.5})
    assert line.layout.annotations[0].text == SAFE
