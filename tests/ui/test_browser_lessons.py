"""A real browser walks a lesson end to end: Home's Lessons entry, step 1 in the URL, Run,
the step's verdict, Next (the URL and the form follow), the sweep step and its verdict."""
import os

from tests.ui.browser import browser_page, press, require_browser, streamlit_server
from tests.waiting import GUARD_S


def test_a_lesson_walked_in_the_browser(tmp_path):
    require_browser()
    cache = tmp_path / "cache"
    cache.mkdir()
    plugins = os.environ.get("LAB_PLUGINS", "") + ",tests.plugins.quadratic_lesson"
    with streamlit_server(cache, LAB_PLUGINS=plugins) as base, browser_page() as page:
        page.goto(base)
        page.get_by_text("Quadratic lesson").first.wait_for()
        link = page.locator('[data-testid="stPageLink-NavLink"][href="quadratic_lesson?lesson=1"]').first
        href = link.get_attribute("href")
        assert href == "quadratic_lesson?lesson=1"
        page.goto(f"{base}/{href}")  # Home's link to step 1 (following the href a click would follow)
        page.wait_for_function("() => location.pathname.endsWith('quadratic_lesson') "
                               "&& location.search.includes('lesson=1')")
        page.get_by_text("step 1 of 3").first.wait_for()
        page.get_by_text("Will the loss fall?").first.wait_for()
        press(page, "Run", "GD lowers the loss")
        page.locator("text=✓ holds").first.wait_for(timeout=GUARD_S * 1000)
        page.get_by_role("button", name="Next").click()
        page.wait_for_function("() => location.search.includes('lesson=2') && location.search.includes('lr=1')")
        page.get_by_text("step 2 of 3").first.wait_for()
        page.get_by_role("button", name="Next").click()
        page.wait_for_function("() => location.search.includes('lesson=3')")
        page.get_by_text("Press Sweep lr").first.wait_for()
        press(page, "Sweep lr", "lr 1 ends lower than lr 0.1")
        page.locator("text=✓ holds").first.wait_for(timeout=GUARD_S * 1000)
        # a teacher's link to step 2 opens step 2 with its settings
        page.goto(f"{base}/quadratic_lesson?lesson=2")
        page.get_by_text("step 2 of 3").first.wait_for()
        page.get_by_text("Settings of this step (applied): lr=1, steps=10, N seeds=2").first.wait_for()
