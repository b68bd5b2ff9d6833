"""Pages on a read-only store (issue 39 item 3): they read and draw the stored runs, say the
one line at the top, keep their Run button, and pressing it says the line (no exception box)
and writes nothing."""
import pytest

from labcore.engine import jobs
from labcore.runs.store import Store
from tests.full_disk import read_only_mount, simulate_read_only
from tests.ui.test_full_disk_pages import errors
from tests.ui.test_pages import app, by_title
from tests.ui.test_runs_page import put_run
from tests.plugins import QUADRATIC

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin


def line(directory) -> str:
    return (f"the run store at {directory} is read-only: its runs can be read, not trained or "
            "changed; set LAB_CACHE_DIR to a writable directory")


def _check_pages(directory, rid):
    for at in (app(), app("runs", query={"runs": rid})):
        assert errors(at).count(line(directory)) == 1
    page = app("quadratic", query={"steps": "20"})
    assert "Loss" in by_title(page) and errors(page).count(line(directory)) == 1
    page.select_slider(key="steps").set_value(50)  # settings not trained yet: Run would write
    page.run()
    next(b for b in page.button if b.label == "Run").click()
    page.run()
    assert not page.exception
    assert errors(page).count(line(directory)) == 1  # the one line, no traceback
    assert Store(directory).get(jobs.run_id_for("quadratic", {"steps": 50})) is None
    assert "Run" in [b.label for b in page.button]


@pytest.mark.parametrize("how", ["simulated", "mount"])
def test_pages_read_a_read_only_store_and_run_says_the_one_line(how, tmp_path, monkeypatch):
    directory = tmp_path / "disk" / "cache"
    monkeypatch.setenv("LAB_CACHE_DIR", str(directory))
    if how == "simulated":
        directory.parent.mkdir()
        rid = put_run(Store(directory), "quadratic", {"steps": 20})
        simulate_read_only(monkeypatch)
        _check_pages(directory, rid)
        return
    with read_only_mount(tmp_path / "disk") as remount:
        writer = Store(directory)
        rid = put_run(writer, "quadratic", {"steps": 20})
        writer.close()
        remount()
        _check_pages(directory, rid)
