"""Engine tests: every store's worker pool is shut down when its test ends, so no stray
workers outlive a test."""
import pytest

from tests.waiting import TEARDOWN_S


@pytest.fixture
def store(tmp_path, monkeypatch):
    from labcore.engine import pool
    from labcore.runs.store import Store

    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LAB_WORKER_IDLE_S", "20")
    s = Store(tmp_path / "cache")
    yield s
    pool.shutdown(s, timeout=TEARDOWN_S)
