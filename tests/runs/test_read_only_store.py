"""A read-only store (issue 39 item 3): it is read, a cache hit is answered, and every write
is refused in one line, not a 35-line "unable to open database file" traceback."""
import pytest

from labcore import cli as lab_cli
from labcore.engine import jobs
from labcore.runs.disk import ReadOnlyStore
from labcore.runs.store import Store
from tests.full_disk import read_only_mount, simulate_read_only
from tests.ui.test_runs_page import put_run
from tests.plugins import QUADRATIC

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin


def read_only_line(directory) -> str:
    return (f"error: the run store at {directory} is read-only: its runs can be read, not trained or "
            "changed; set LAB_CACHE_DIR to a writable directory")


def _check_cli(directory, done_steps, capsys):
    assert lab_cli.main(["run", "quadratic", "--steps", str(done_steps)]) == 0  # the cache hit
    out = capsys.readouterr()
    assert " done " in out.out and out.err.count("error") == 0
    assert lab_cli.main(["run", "quadratic", "--steps", "7"]) == 1  # would train: refused
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [read_only_line(directory)]
    assert lab_cli.main(["runs"]) == 0
    assert " done " in capsys.readouterr().out


@pytest.mark.parametrize("how", ["simulated", "mount"])
def test_a_read_only_store_reads_answers_hits_and_refuses_writes_in_one_line(how, tmp_path, monkeypatch, capsys):
    directory = tmp_path / "disk" / "cache"
    monkeypatch.setenv("LAB_CACHE_DIR", str(directory))
    if how == "simulated":
        directory.parent.mkdir()
        put_run(Store(directory), "quadratic", {"steps": 5})
        simulate_read_only(monkeypatch)
        _check_cli(directory, 5, capsys)
        with pytest.raises(ReadOnlyStore):
            jobs.submit("quadratic", {"steps": 9}, Store(directory))
        return
    with read_only_mount(tmp_path / "disk") as remount:
        writer = Store(directory)
        put_run(writer, "quadratic", {"steps": 5})
        writer.close()  # no file open for writing: the remount needs that
        remount()
        _check_cli(directory, 5, capsys)
