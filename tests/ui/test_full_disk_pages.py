"""Pages on a full disk (issue #24 item 6): Home, Runs and a phenomenon page read and draw the
stored runs, say the one line, and keep their Run button; pressing it says the line and
writes nothing."""
from labcore.engine import jobs
from labcore.runs import store as run_store
from tests.full_disk import simulate
from tests.ui.test_pages import app, by_title
from tests.ui.test_runs_page import put_run
import pytest
from tests.plugins import QUADRATIC

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin


def full_line(store) -> str:
    return f"the run store at {store.dir} is on a full disk: free space or set LAB_CACHE_DIR"


def errors(at) -> list[str]:
    return [e.value.replace("\\", "") for e in at.error]  # Markdown escapes removed


def test_pages_read_on_a_full_disk_and_run_says_the_one_line(store, monkeypatch):
    rid = put_run(store, "quadratic", {"steps": 20})
    simulate(monkeypatch)  # from here every SQLite write fails as on a full disk

    home = app()
    assert "Nothing is training or waiting right now." in [c.value for c in home.caption]
    assert any("1 runs" in m.value for m in home.markdown)
    runs = app("runs", query={"runs": rid})
    assert any(rid in str(d.value.get("run_id", "")) for d in runs.dataframe)
    assert by_title(runs)  # the selected run's charts are drawn

    page = app("quadratic", query={"steps": "20"})
    assert "Loss" in by_title(page) and full_line(store) not in errors(page)
    labels = [b.label for b in page.button]
    assert {"Run", "Cancel"} <= set(labels) and any(lab.startswith("Sweep") for lab in labels)
    page.select_slider(key="steps").set_value(50)  # settings not trained yet: Run would write
    page.run()
    next(b for b in page.button if b.label == "Run").click()
    page.run()
    assert not page.exception
    assert errors(page).count(full_line(store)) == 1  # the one line, no traceback
    assert store.get(jobs.run_id_for("quadratic", {"steps": 50})) is None  # nothing written
    assert "Run" in [b.label for b in page.button]

    # the server's store remembers the failed write: every page now says the line at the top
    for at in (app(), app("runs", query={"runs": rid}), app("quadratic", query={"steps": "20"})):
        assert full_line(store) in errors(at)


def test_a_disk_without_space_is_said_on_every_page_before_any_write(store, monkeypatch):
    rid = put_run(store, "quadratic", {"steps": 20})
    simulate(monkeypatch)
    monkeypatch.setattr(run_store, "low_space", lambda directory: True)  # statvfs: no space left
    for at in (app(), app("runs", query={"runs": rid}), app("quadratic", query={"steps": "20"})):
        assert errors(at).count(full_line(store)) == 1
    page = app("quadratic", query={"steps": "20"})
    next(b for b in page.button if b.label == "Cancel").click()  # a write: refused, said once
    page.run()
    assert not page.exception and errors(page).count(full_line(store)) == 1
    assert store.get(rid)["status"] == "done" and "Loss" in by_title(page)
