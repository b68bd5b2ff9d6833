"""A worker that finished and exited is reaped at once: no <defunct> child stays under the
process (the dashboard server, a CLI) that started it."""
import os
from pathlib import Path

from tests.waiting import eventually
from labcore.engine import jobs
import pytest
from tests.plugins import QUADRATIC

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin


def _children() -> dict[int, str]:
    """{pid: state letter} of this process's child processes, read from /proc."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        fields = text.rsplit(")", 1)[1].split()  # after "(comm)": state, ppid, ...
        if int(fields[1]) == os.getpid():
            out[int(stat.parent.name)] = fields[0]
    return out


def test_a_finished_worker_leaves_no_zombie(store, monkeypatch):
    monkeypatch.setenv("LAB_WORKER_IDLE_S", "0.5")  # workers exit half a second after the queue empties
    before = set(_children())
    rid = jobs.submit("quadratic", {"steps": 5}, store)
    workers = set(_children()) - before
    assert workers, "the submit started no worker process"
    assert jobs.wait(rid, store, timeout=60)["status"] == "done"
    eventually(lambda: not (workers & set(_children())), poll=0.2)
    left = workers & set(_children())
    assert not left, f"worker(s) still children of this process: {_children()}"
