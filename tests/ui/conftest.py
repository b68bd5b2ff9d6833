"""UI tests: a browser module's tests share one Chromium (a fresh context each), closed when
the module ends so no Playwright event loop outlives it into another module's tests."""
import pytest


@pytest.fixture(scope="module", autouse=True)
def _one_chromium_per_module():
    yield
    from tests.ui.browser import _SHARED, close_browser

    if _SHARED:
        close_browser()
