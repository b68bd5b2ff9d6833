"""Test plugins are loaded per test (`@pytest.mark.plugins`, tests/conftest.py): a test without
the mark sees the lab's own registry and environment, before and after one with it."""
import os

import pytest

from labcore.core.registry import REGISTRY
from tests.plugins import QUADRATIC


def _own_registry() -> bool:
    return all(e.run.__module__.startswith("labcore.phenomena.") for e in REGISTRY.values())


def test_an_unmarked_test_sees_only_the_labs_phenomena():
    assert _own_registry() and "quadratic" not in REGISTRY
    assert QUADRATIC not in os.environ.get("LAB_PLUGINS", "").split(",")


@pytest.mark.plugins(QUADRATIC)
def test_a_marked_test_has_the_plugin_here_and_in_the_environment_its_workers_inherit():
    assert REGISTRY["quadratic"].run.__module__ == QUADRATIC
    assert QUADRATIC in os.environ["LAB_PLUGINS"].split(",")


def test_after_a_marked_test_the_plugin_is_gone_again():
    assert _own_registry() and "quadratic" not in REGISTRY
    assert QUADRATIC not in os.environ.get("LAB_PLUGINS", "").split(",")
