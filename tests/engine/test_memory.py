"""A run that crosses the OS-enforced memory limit ends `failed: out of memory (...)` and its
worker is replaced (issue #24). The limit is tiny (LAB_MAX_MEMORY_GB=0.25) and the run asks
for 2 GB, so the test never comes near the machine's memory."""

import pytest

from labcore.engine import jobs
from tests.waiting import eventually

PLUGIN = "tests.engine.memory_plugin"


pytestmark = pytest.mark.plugins(PLUGIN)  # here and in the workers (tests/conftest.py)


@pytest.fixture(autouse=True)
def memory_limit(monkeypatch):
    monkeypatch.setenv("LAB_MAX_MEMORY_GB", "0.25")  # workers read it at start
    monkeypatch.setenv("LAB_MAX_JOBS", "1")


@pytest.mark.slow
def test_a_run_past_the_memory_limit_fails_out_of_memory_and_the_worker_is_replaced(store):
    hog = jobs.submit("memory_hog", {"gb": 2.0}, store)
    small = jobs.submit("memory_hog", {"gb": 0.01}, store)  # queued behind it
    rec = eventually(lambda: (r := store.get(hog))["status"] not in ("queued", "running") and r)
    assert rec["status"] == "failed"
    assert rec["error"] == "out of memory (needed more than 2.0 GB; limit LAB_MAX_MEMORY_GB=0.25)"
    assert store.metrics(hog)["step"].tolist() == [0]  # rows up to the failure kept
    rec2 = eventually(lambda: (r := store.get(small))["status"] not in ("queued", "running") and r)
    assert rec2["status"] == "done" and rec2["pid"] != rec["pid"]  # a fresh worker took it
