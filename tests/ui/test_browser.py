"""A real browser (Playwright + Debian's Chromium) against a running dashboard."""
import time

import pandas as pd
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from labcore.engine import jobs
from labcore.runs.store import Store
from tests.waiting import GUARD_S, eventually
from tests.ui.browser import (browser_page, pick_runs, plot_points, press, require_browser, run_page,
                              streamlit_app, streamlit_server, wait_for_traces)
from tests.plugins import QUADRATIC


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    cache = tmp_path_factory.mktemp("browser") / "cache"
    cache.mkdir()
    with streamlit_server(cache, LAB_PLUGINS=QUADRATIC) as base:  # the quadratic's page too, for the module
        yield base, Store(cache)


@pytest.fixture
def page(server):
    with browser_page() as page:
        yield page


def test_lazy_training_page_grows_curves_live_and_downloads_csv(server, page, tmp_path):
    base, _ = server
    # a long run so the chart can be watched while it trains
    page.goto(f"{base}/lazy_training?steps=20000&eval_every=20&width=128")
    page.get_by_text("not run yet").wait_for()
    nav = page.evaluate("() => Array.from(document.querySelectorAll('[data-testid=stSidebarNav] a'))"
                        ".map(a => a.textContent)")
    assert any("Lazy training vs width" in n for n in nav) and not any(n == "app" for n in nav)
    slider = page.get_by_role("slider").first  # width is the first slider
    moved = "() => location.search.includes('width=') && !location.search.includes('width=128')"
    for attempt in range(5):  # a key pressed before the slider is live on a busy machine is lost
        slider.focus()
        page.keyboard.press("ArrowRight")
        try:
            page.wait_for_function(moved, timeout=30_000)
            break
        except PlaywrightTimeout:
            if attempt == 4:
                raise
    assert "width=" in page.url and "width=128" not in page.url  # the slider moved
    press(page, "Run", "1 running")
    counts = []
    deadline = time.monotonic() + GUARD_S  # a hang guard, not a timing
    while time.monotonic() < deadline and len(set(counts)) < 3:
        n = plot_points(page, "Training loss")
        if n and (not counts or n != counts[-1]):
            counts.append(n)
        page.wait_for_timeout(300)
    assert len(set(counts)) >= 3 and counts == sorted(counts), counts  # grew during training
    assert page.get_by_text("1 running").count() >= 1  # ...while still running
    # while it trains: the file is a snapshot that stays put for a few seconds, so a download
    # survives the live view's redraws (a file replaced every second cancelled slow ones)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV (plotted runs) · snapshot").click()
    info.value.save_as(tmp_path / "live.csv")
    live = pd.read_csv(tmp_path / "live.csv")
    assert {"run_id", "step", "loss", "rel_change", "kernel_change"} <= set(live.columns) and len(live) >= 1
    press(page, "Cancel", "1 cancelled")
    # stopped: the button loses "· snapshot" when it holds the final file (clicking as soon as
    # "cancelled" showed, before the button's own update arrived, got the last snapshot)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV (plotted runs)", exact=True).click()
    path = tmp_path / "runs.csv"
    info.value.save_as(path)
    frame = pd.read_csv(path)
    assert len(frame) >= max(counts[-1], len(live))  # every point seen live is in the file


def test_runs_page_overlays_two_runs_and_downloads_long_csv(server, page, tmp_path):
    base, store = server
    ids = [jobs.submit("lazy_training", {"width": w, "steps": 20}, store) for w in (16, 64)]
    for rid in ids:
        assert jobs.wait(rid, store, timeout=GUARD_S)["status"] == "done"
    page.goto(f"{base}/runs")
    pick_runs(page, ids)
    wait_for_traces(page, "loss vs step", 2)
    path = tmp_path / "long.csv"

    def download() -> pd.DataFrame:
        # the button may still hold the one-run file while the page reruns after the second pick
        with page.expect_download() as info:
            page.get_by_role("button", name="Download selected runs, long format (CSV)").click()
        info.value.save_as(path)
        frame = pd.read_csv(path)
        return [frame] if frame["run_id"].nunique() == 2 else []

    got = eventually(download, poll=1.0)
    assert got, "the long CSV never held both runs"
    long = got[0]
    assert sorted(long["run_id"].unique()) == sorted(ids)
    assert len(long) == 2 * 5  # steps 0..20 every 5


def test_teacher_student_page_runs_and_shows_heatmap(server, page):
    base, _ = server
    run_page(page, f"{base}/teacher_student?teacher=10-15&d_output=20&node_multi=2&steps=200&eval_every=50")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".some(gd => gd.data && gd.data[0] && gd.data[0].type === 'heatmap')")
    assert plot_points(page, "Mean best correlation per teacher node") == 5  # steps 0..200 every 50


def test_steady_learner_page_runs_and_shows_region_map(server, page):
    base, _ = server
    run_page(page, f"{base}/steady_learner?n_samples=30&epochs=10&grid=20&freq=1.0")
    page.get_by_text("Activation regions over").first.wait_for()
    assert plot_points(page, "Cumulative trajectory length") == 11  # epochs 0..10


def test_feature_diversity_page_runs_and_shows_layer_heatmap(server, page):
    base, _ = server
    run_page(page, f"{base}/feature_diversity?steps=20&eval_every=10&n_train=100&n_test=50")
    page.get_by_text("feat_corr per layer over time").first.wait_for()
    assert plot_points(page, "Mean correlations") == 3  # steps 0, 10, 20


def test_preconditioner_page_runs_both_methods(server, page):
    base, _ = server
    run_page(page, f"{base}/preconditioner?steps=20&eval_every=10&n_train=100&n_test=50",
             status="2 done", button="Run the 2 variants: default · static")
    wait_for_traces(page, "loss_smooth: variants", 2)
    page.get_by_text("Gradient std at each layer's output, at init").first.wait_for()


@pytest.mark.plugins(QUADRATIC)
def test_exposed_dashboard_refuses_actions_until_the_token_is_given(tmp_path):
    require_browser()
    cache = tmp_path / "cache"
    cache.mkdir()
    with streamlit_server(cache, LAB_HOST="0.0.0.0", LAB_TOKEN="s3cret") as base, browser_page() as page:
        page.goto(f"{base}/quadratic?steps=5")
        page.get_by_text("Read-only until the access token is entered").wait_for()
        run = page.get_by_role("button", name="Run", exact=True)
        assert run.is_disabled()
        token = page.get_by_label("Access token", exact=True).and_(page.locator("input"))
        token.fill("wrong")
        token.press("Enter")
        page.get_by_text("Wrong token.").wait_for()
        assert run.is_disabled() and Store(cache).runs() == []
        page.get_by_label("Access token", exact=True).and_(page.locator("input")).fill("s3cret")
        page.get_by_label("Access token", exact=True).and_(page.locator("input")).press("Enter")
        # the rerun after the token drops the read-only notice: until it has finished, the stale
        # (disabled) Run button can still be on the page next to the new one
        page.wait_for_function("() => { const runs = Array.from(document.querySelectorAll('button'))"
                               ".filter(b => b.innerText.trim() === 'Run'); "
                               "return runs.length === 1 && !runs[0].disabled; }")
        press(page, "Run", "Status: 1 done")
        assert [r["status"] for r in Store(cache).runs()] == ["done"]


def test_a_preset_reaches_the_run(server, page):
    """Click a preset whose values are off the sliders' grid (epochs=60), press Run: the stored
    record trains those values, and the URL carries them (issue 19: it trained epochs=300)."""
    base, store = server
    page.goto(f"{base}/steady_learner")
    page.get_by_text("not run yet").wait_for()
    page.get_by_role("button", name="cnn + label corruption").click()
    page.wait_for_function("() => location.search.includes('epochs=60')")
    deadline = time.monotonic() + GUARD_S  # a hang guard, not a timing
    recs, clicks = [], 0
    while time.monotonic() < deadline and not recs and clicks < 3:
        # Streamlit restarts a running script on each new rerun request (runner.fastReruns); a
        # click that lands just before another request (the preset's widgets settling) can be
        # lost on a loaded machine, as a user's would be, who clicks again: so does this test.
        # The values checked below are those of the click that got through.
        page.get_by_role("button", name="Run", exact=True).click()
        clicks += 1
        again = min(deadline, time.monotonic() + GUARD_S / 3)
        while time.monotonic() < again and not recs:
            recs = [r for r in store.runs() if r["experiment"] == "steady_learner" and r["config"]["mode"] == "cnn"]
            page.wait_for_timeout(200)
    assert recs, f"Run started nothing ({clicks} clicks)"
    cfg = recs[0]["config"]
    try:
        assert (cfg["epochs"], cfg["corruption"], cfg["n_samples"], cfg["width"], cfg["lr"]) == (60, 0.2, 100, 16, 0.01)
        assert "epochs=60" in page.url and "mode=cnn" in page.url
    finally:
        jobs.cancel(recs[0]["id"], store)


@pytest.mark.plugins(QUADRATIC)
def test_a_click_of_more_than_16_runs_asks_first(server, page):
    """Sweep lr × 10 seeds = 20 runs: the page asks; "Don't start" writes nothing, confirming
    queues all 20 (issue 13: one click used to start every run at once, unasked)."""
    base, store = server

    def sweep_runs():
        return [r for r in store.runs() if r["experiment"] == "quadratic" and r["config"]["sleep_ms"] == 1.0]

    page.goto(f"{base}/quadratic?steps=5&sleep_ms=1&n_seeds=10")
    press(page, "Sweep lr", "This sweep starts 20 runs. Start them?")
    page.get_by_role("button", name="Don't start").click()
    page.get_by_text("This sweep starts 20 runs").wait_for(state="detached")
    assert sweep_runs() == []
    page.get_by_role("button", name="Sweep lr").click()
    page.get_by_role("button", name="Start 20 runs").click()
    deadline = time.monotonic() + GUARD_S  # a hang guard, not a timing
    while time.monotonic() < deadline and len(sweep_runs()) < 20:
        page.wait_for_timeout(200)
    assert len(sweep_runs()) == 20


def test_sidebar_names_fit_at_1280_px_and_a_phone_says_where_the_settings_are(server, page):
    """The sidebar shows each page's short label (Streamlit cuts a long one with "…"), the
    heading keeps the full title; on a 390 px phone, where Streamlit collapses the sidebar, one
    line under Run says where the sliders went, and on a laptop that line takes no room."""
    from labcore.core.registry import REGISTRY
    from labcore.ui.page import PHONE_HINT

    base, _ = server
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/grokking")
    page.get_by_role("heading", level=1).first.wait_for()
    page.get_by_role("button", name="Run", exact=True).wait_for()
    # every page is listed without a click (Streamlit hides all but ten behind "View 3 more")
    page.get_by_text(REGISTRY["teacher_student"].nav_label, exact=True).wait_for()
    assert not page.locator('[data-testid="stSidebarNavViewButton"]', has_text="more").count()
    labels = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stSidebarNavLink"] span')]
        .filter(s => getComputedStyle(s).textOverflow === 'ellipsis')
        .map(s => [s.textContent, s.scrollWidth <= s.clientWidth])""")
    # the lab's phenomena, in order; the server and this test process may also hold test
    # plugins (the quadratic this module's server loads, the bench's bare loop)
    lab = [e.nav_label for e in REGISTRY.values() if e.run.__module__.startswith("labcore.phenomena.")]
    assert [name for name, _ in labels if "(test plugin)" not in name] == ["Home", "Runs", *lab]
    assert [name for name, fits in labels if not fits] == []
    assert page.get_by_role("heading", level=1).first.text_content() == REGISTRY["grokking"].title
    hint = page.locator(".lab-phone-hint")
    assert hint.text_content() == PHONE_HINT and not hint.is_visible()
    assert page.evaluate("""() => document.querySelector('.lab-phone-hint')
        .closest('[data-testid="stElementContainer"]').getBoundingClientRect().height""") == 0

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.get_by_role("button", name="Run", exact=True).wait_for()
    hint.wait_for(state="visible")
    box = hint.bounding_box()
    run = page.get_by_role("button", name="Run", exact=True).bounding_box()
    assert run["y"] < box["y"] and box["y"] + box["height"] <= 844   # under Run, on the first screen
    assert not page.locator('[data-testid="stSidebar"]').is_visible() or \
        page.locator('[data-testid="stSidebar"]').bounding_box()["x"] < 0   # the sidebar is collapsed


def test_a_stopped_server_is_explained_in_the_labs_words(tmp_path, page):
    """Stop the server under two open tabs: Streamlit's dialog would ask "Are you connected to
    the internet?" (tab at 127.0.0.1) or say "streamlit run yourscript.py" (tab at localhost);
    the lab's script (ui/offline.py) rewords both, the tab keeps its page behind, and it
    reconnects by itself once the server is back, as the message says."""
    from labcore.ui.offline import COMMAND, MESSAGE

    cache = tmp_path / "cache"
    cache.mkdir()
    with streamlit_app(cache) as (base, proc):
        local = page.context.browser.new_page()
        page.goto(f"{base}/grokking")
        local.goto(base.replace("127.0.0.1", "localhost") + "/runs")
        for tab in (page, local):
            tab.get_by_role("heading", level=1).first.wait_for()
            tab.locator("#lab-offline").wait_for(state="attached")   # hidden: it takes no room
            tab.wait_for_function("() => window.__labOffline === true")  # the script ran
        proc.terminate()
        proc.wait(10)
        for tab in (page, local):
            dialog = tab.get_by_role("dialog")
            dialog.get_by_text(MESSAGE).wait_for()
            text = dialog.text_content()
            assert "internet" not in text and "Is Streamlit still running" not in text, text
        assert "yourscript.py" not in local.get_by_role("dialog").text_content()
        assert COMMAND in local.get_by_role("dialog").text_content()
        assert page.get_by_role("heading", level=1).first.text_content().startswith("Grokking")
    # what the message promises: the server back on its port, the tab reconnects by itself
    with streamlit_app(cache, port=int(base.rsplit(":", 1)[1])):
        page.get_by_role("dialog").wait_for(state="detached")
        page.get_by_role("button", name="Run", exact=True).wait_for()
