"""The Runs page in a real browser (Playwright + Debian's Chromium): an id-based link
reproduces a comparison in a fresh browser; smoothing draws raw + smoothed curves."""
import urllib.parse

import pytest

from labcore.runs.store import Store
from tests.ui.browser import browser_page, pick_runs, require_browser, streamlit_server, wait_for_traces
from tests.ui.test_runs_page import put_run


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    cache = tmp_path_factory.mktemp("browser_runs") / "cache"
    store = Store(cache)
    ids = [put_run(store, "lazy_training", {"width": w, "seed": s}) for w in (16, 64) for s in (0, 1)]
    with streamlit_server(cache) as base:
        yield base, ids, store


def traces(page, title):
    """[(name, opacity, colour)] of the chart whose title contains `title`."""
    return page.evaluate("""(title) => {
        for (const gd of document.querySelectorAll('.js-plotly-plot'))
            if (((gd.layout.title || {}).text || '').includes(title))
                return gd.data.map(t => [t.name, t.opacity === undefined ? 1 : t.opacity, t.line.color]);
        return [];
    }""", title)


def test_id_link_reproduces_the_selection_in_a_fresh_browser(server):
    base, ids, store = server
    picked = [ids[0], ids[3]]
    with browser_page() as page:
        page.goto(f"{base}/runs")
        pick_runs(page, picked)
        wait_for_traces(page, "loss vs step", 2)
        page.wait_for_function("(ids) => decodeURIComponent(location.search).includes(ids)", arg=",".join(picked))
        url = page.url
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    assert query["runs"] == [",".join(picked)]  # ids only: no labels, no status
    with browser_page() as fresh:  # a new browser: nothing but the link
        fresh.goto(url)
        wait_for_traces(fresh, "loss vs step", 2)
        chips = fresh.locator('[data-testid="stMultiSelect"]').filter(has_text="Compare runs").inner_text()
        assert all(rid in chips for rid in picked) and ids[1] not in chips
        names = [t[0] for t in traces(fresh, "loss vs step")]
        assert names == ["width=16 · seed 0", "width=64 · seed 1"]  # readable legends, not ids
        # a link naming a run this store does not have says so in one line
        fresh.goto(f"{base}/runs?runs={ids[0]},0123456789ab")
        fresh.get_by_text("Not in this store: 0123456789ab").wait_for()
        wait_for_traces(fresh, "loss vs step", 1)


def test_smoothing_draws_the_raw_curve_faintly_behind_the_smoothed_one(server):
    base, ids, store = server
    with browser_page() as page:
        page.goto(f"{base}/runs?runs={ids[0]},{ids[1]}")
        wait_for_traces(page, "loss vs step", 2)
        assert all(t[1] == 1 for t in traces(page, "loss vs step"))  # no smoothing: raw only
        slider = page.get_by_role("slider")  # the smoothing slider (the page's only slider)
        slider.focus()
        for _ in range(60):
            page.keyboard.press("ArrowRight")
        page.wait_for_function("() => location.search.includes('smooth=')")
        wait_for_traces(page, "loss vs step", 4)
        drawn = traces(page, "loss vs step")
        raw = [t for t in drawn if t[1] < 1]
        smooth = [t for t in drawn if t[1] == 1]
        assert len(raw) == 2 and len(smooth) == 2
        assert sorted(t[2] for t in raw) == sorted(t[2] for t in smooth)  # each raw curve in its run's colour


# the grid's cell editor is open with this text: a focused textarea holding it
EDITING = "(text) => { const t = document.activeElement; return !!t && t.tagName === 'TEXTAREA' && t.value === text; }"


def _settled_box(page, locator) -> dict:
    """The element's box in the viewport once two reads 300 ms apart agree (it is in view)."""
    locator.scroll_into_view_if_needed()
    box, last = locator.bounding_box(), None
    while box != last:
        page.wait_for_timeout(300)
        last, box = box, locator.bounding_box()
    return box


def test_a_name_typed_in_the_editor_is_stored_and_an_unticked_run_is_hidden(server):
    base, ids, store = server
    with browser_page() as page:  # 1400 px wide: the editor's columns sit where measured below
        page.goto(f"{base}/runs?runs={ids[1]},{ids[2]}")
        wait_for_traces(page, "loss vs step", 2)
        grid = page.locator('[data-testid="stDataFrame"]').nth(1)  # 0: the runs table, 1: the editor
        grid.scroll_into_view_if_needed()
        grid.get_by_text(ids[2]).wait_for(state="attached")  # the grid has its data
        # Retried: a double-click can be swallowed while the canvas draws, and an edit committed
        # with Enter is now and then never sent (seen quietly too, 1 run in 3; the grid then
        # keeps focus on the cell): a user types it again. Left open, see the stop note.
        for _ in range(6):
            box = _settled_box(page, grid)  # measured each time: the page may have scrolled or reflowed
            page.mouse.dblclick(box["x"] + 278, box["y"] + 53)  # row 1, column `name`
            try:  # the cell editor opens (a focused textarea), takes the text, then Enter commits
                page.wait_for_function(EDITING, arg="", timeout=10_000)
                page.keyboard.type("my baseline")
                page.wait_for_function(EDITING, arg="my baseline", timeout=10_000)
            except Exception:  # noqa: BLE001 - playwright's TimeoutError: the double-click was lost
                page.keyboard.press("Escape")
                continue
            page.keyboard.press("Enter")
            for _ in range(20):
                if (store.get(ids[1]).get("name") or "") == "my baseline":
                    break
                page.wait_for_timeout(250)
            else:
                page.keyboard.press("Escape")
                continue
            break
        assert store.get(ids[1]).get("name") == "my baseline"  # in the record, for every browser
        page.wait_for_function("() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                               ".some(gd => gd.data.some(t => t.name === 'my baseline'))")
        for _ in range(3):  # the editor may be redrawing after the rename: click again if unseen
            box = _settled_box(page, grid)
            page.mouse.click(box["x"] + 65, box["y"] + 88)  # row 2, column `show`
            try:
                page.wait_for_function("(id) => location.search.includes('hide=' + id)", arg=ids[2], timeout=30_000)
                break
            except Exception:  # noqa: BLE001 - playwright's TimeoutError: try the click again
                continue
        wait_for_traces(page, "loss vs step", 1)
        assert f"hide={ids[2]}" in page.url
