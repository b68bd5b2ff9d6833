"""Shared fixtures. Every test gets its own store directory; workers inherit it."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ["LAB_PLUGINS"] = "tests.plugins.quadratic"
os.environ.setdefault("LAB_MAX_JOBS", "2")
sys.path.insert(0, str(ROOT))


def pytest_configure(config):
    """Trainings inside the test process use one intra-op thread: torch's default (all
    cores) thrashes on a 2-core machine where workers and the browser also run."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture
def store(tmp_path, monkeypatch):
    from labcore.runs.store import Store

    from labcore.engine import pool

    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "cache"))
    store = Store(tmp_path / "cache")
    yield store
    pool.shutdown(store)  # no warm workers outlive the test that started them


@pytest.fixture
def online_datasets(monkeypatch):
    """Pretend torchvision datasets can be fetched, for tests that only build paper-scale Configs."""
    from labcore.nn import data

    monkeypatch.setattr(data, "available", lambda name, choices=None: None)
    # ... and that the full sets are on disk (offline, `mnist` is MNIST-5k: 5,000 examples)
    monkeypatch.setattr(data, "pool_size", lambda name: 1797 if name == "digits" else None)
