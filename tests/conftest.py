"""Shared fixtures. Every test gets its own store directory; workers inherit it."""
import os
import sys
from pathlib import Path

import pytest

from tests.waiting import TEARDOWN_S

ROOT = Path(__file__).resolve().parent.parent
# One worker per test store unless a test asks for more (it sets LAB_MAX_JOBS itself): each
# worker is a fresh interpreter importing torch, the suite's largest cost (docs/measurements.md,
# "Test suite"). Concurrency has its own tests.
os.environ.setdefault("LAB_MAX_JOBS", "1")
# No warm worker per dashboard (AppTest or a served one) unless a test asks for it: each
# would import torch beside the tests (tests/ui/test_classroom.py checks the warm worker).
os.environ.setdefault("LAB_WARM_WORKER", "0")
sys.path.insert(0, str(ROOT))


# Modules whose tests all start workers or render pages: `slow`. Elsewhere a test is `slow`
# when it says so (`@pytest.mark.slow`: it trains a phenomenon to its trend or renders its page,
# over a second on a busy 2-core machine, measured with --durations=0). Everything else that is
# neither `browser` nor `ray` is `unit` (the inner loop: -m unit).
SLOW_MODULES = {
    "tests/test_cli.py", "tests/ui/test_pages.py", "tests/ui/test_runs_page.py",
    "tests/ui/test_serve.py", "tests/ui/test_caps.py", "tests/ui/test_full_disk_pages.py",
    "tests/ui/test_read_only_pages.py",
    "tests/ui/test_form_fallbacks.py",
    "tests/engine/test_groups.py", "tests/engine/test_jobs.py", "tests/engine/test_pool_reap.py",
    "tests/engine/test_scheduler.py", "tests/engine/test_warm.py", "tests/engine/test_zygote.py",
    "tests/engine/test_faults.py", "tests/test_api.py", "tests/test_check.py", "tests/runs/test_quarantine.py",
    "tests/ui/test_claims_panel.py", "tests/ui/test_classroom.py", "tests/ui/test_pages_interp.py",
    "tests/ui/test_session_history.py", "tests/ui/test_figure_export.py",
}


def pytest_collection_modifyitems(config, items):
    """Mark every test `browser`, `ray`, `slow` or `unit`: by its module, or by its own
    `slow` marker (see pyproject.toml); then order the modules longest kind first, so that
    the test processes (`-n 2`, whole modules each) start the long ones and end on short ones."""
    for item in items:
        path = Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix()
        name = path.rsplit("/", 1)[-1]
        if name.startswith("test_browser"):
            item.add_marker(pytest.mark.browser)
        elif name == "test_ray.py":
            item.add_marker(pytest.mark.ray)
        elif path in SLOW_MODULES or item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
        else:
            item.add_marker(pytest.mark.unit)
    kinds = ("browser", "ray", "slow", "unit")
    rank: dict = {}  # a module's rank: its longest kind of test (each module stays whole, in order)
    for item in items:
        kind = next(i for i, k in enumerate(kinds) if item.get_closest_marker(k))
        rank[item.fspath] = min(rank.get(item.fspath, kind), kind)
    items.sort(key=lambda item: rank[item.fspath])


def pytest_configure(config):
    """Trainings inside the test process use one intra-op thread: torch's default (all
    cores) thrashes on a 2-core machine where workers and the browser also run. A test
    process starts many workers, so it forks them from a zygote, as the dashboard does
    (labcore.engine.zygote; the first starts and $LAB_WORKER_START=exec take a fresh interpreter)."""
    import torch

    from labcore.engine import jobs

    torch.set_num_threads(1)
    jobs.fork_workers()


@pytest.fixture(autouse=True)
def _plugins(request, monkeypatch):
    """Load the test plugins a test asks for with `@pytest.mark.plugins(MODULE, ...)` (e.g.
    tests.plugins.QUADRATIC) for that test only: registered in this process's registry, and
    named in $LAB_PLUGINS for the workers and servers it starts. Every other test sees the
    lab's own registry, as `labcore list` does."""
    names = list(dict.fromkeys(m for mark in request.node.iter_markers("plugins") for m in mark.args))
    if not names:
        return
    from labcore.core import registry

    monkeypatch.setenv("LAB_PLUGINS", ",".join(filter(None, [os.environ.get("LAB_PLUGINS", ""), *names])))
    before = set(registry.REGISTRY)
    for name in names:
        registry._register_module(name)
    # handed to monkeypatch, so the next test sees the registry as it was, even when the test
    # itself replaced an entry with monkeypatch (undone first, in reverse order)
    for name in set(registry.REGISTRY) - before:
        monkeypatch.setitem(registry.REGISTRY, name, registry.REGISTRY.pop(name))


@pytest.fixture
def store(tmp_path, monkeypatch):
    from labcore.runs.store import Store

    from labcore.engine import pool

    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "cache"))
    store = Store(tmp_path / "cache")
    yield store
    pool.shutdown(store, timeout=TEARDOWN_S)  # no warm workers outlive the test that started them


@pytest.fixture
def online_datasets(monkeypatch):
    """Pretend torchvision datasets can be fetched, for tests that only build paper-scale Configs."""
    from labcore.nn import data

    monkeypatch.setattr(data, "available", lambda name, choices=None, probe=True: None)
    # ... and that the full sets are on disk (offline, `mnist` is MNIST-5k: 5,000 examples)
    monkeypatch.setattr(data, "pool_size", lambda name: 1797 if name == "digits" else None)
