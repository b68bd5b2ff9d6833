"""Every chart's camera button saves SVG or PNG at the width chosen in the sidebar."""
import json

from tests.ui.test_pages import app
import pytest
from tests.plugins import QUADRATIC
from tests.waiting import GUARD_S


def _configs(at):
    return [json.loads(el.proto.config) for el in at.get("plotly_chart")]


@pytest.mark.plugins(QUADRATIC)
def test_charts_download_svg_by_default_and_png_at_the_chosen_width(store):
    from labcore.engine import jobs

    rid = jobs.submit("quadratic", {"steps": 5}, store)
    assert jobs.wait(rid, store, timeout=GUARD_S)["status"] == "done"
    at = app("quadratic", query={"steps": "5"})
    configs = _configs(at)
    assert configs and all(c["toImageButtonOptions"]["format"] == "svg" for c in configs)
    assert all(c["toImageButtonOptions"]["width"] == 900 for c in configs)
    at.radio(key="fig_format").set_value("png")
    at.select_slider(key="fig_width").set_value(1200)
    at.run()
    configs = _configs(at)
    assert configs and {(c["toImageButtonOptions"]["format"], c["toImageButtonOptions"]["width"]) for c in configs} \
        == {("png", 1200)}
    # downloads are named by phenomenon, run and chart, not all `figure`
    names = [c["toImageButtonOptions"]["filename"] for c in configs]
    assert all(n.startswith(f"quadratic_{rid}_") for n in names), names
    assert len(set(names)) == len(names)


def test_download_names_keep_only_safe_characters():
    from labcore.ui.figure_export import filename

    assert filename("Loss (cross-entropy): train and test", "grokking_3f2a") == \
        "grokking_3f2a_Loss_cross-entropy_train_and_test"
    assert filename("<b>ÿ</b> / ../x", "") == "b_b_.._x"
    assert filename("", "") == "figure"
