"""What a class sees, in a real browser (Playwright + Debian's Chromium): earlier runs stay
faint behind the latest; a claim's Train button shows its runs in the status line; no ETA
before it is calibrated; one colour per layer across a page's charts; a share link that
carries the view; downloads named by phenomenon, run and chart; the Runs page on a
phenomenon's own x axis. Each test failed on the code before these were built."""
import re
import time

import pytest

from labcore.engine import jobs
from labcore.runs.store import Store
from tests.plugins import QUADRATIC
from tests.ui.browser import browser_page, press, require_browser, streamlit_server, wait_for_traces
from tests.ui.test_runs_page import put_run
from tests.waiting import GUARD_S

PLOTS = """(title) => {
    for (const gd of document.querySelectorAll('.js-plotly-plot'))
        if (((gd.layout.title || {}).text || '').replaceAll('<br>', ' ').includes(title))
            return {traces: gd.data.map(t => [t.name, t.opacity === undefined ? 1 : t.opacity,
                                              (t.line || {}).color, (t.line || {}).width]),
                    xaxis: gd._fullLayout.xaxis.type};
    return null;
}"""
pytestmark = pytest.mark.plugins(QUADRATIC)  # the quadratic's page and runs, in this process too


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    cache = tmp_path_factory.mktemp("browser_class") / "cache"
    store = Store(cache)
    with streamlit_server(cache, LAB_PLUGINS=QUADRATIC) as base:
        yield base, store


def plot(page, title):
    """The traces [(name, opacity, colour, width)] and x axis of the chart titled `title`."""
    return page.evaluate(PLOTS, title)


def status(page) -> str:
    return page.locator("p").filter(has_text=re.compile(r"^Status")).first.inner_text()


def test_a_second_setting_keeps_the_first_run_faint_until_cleared(server):
    base, store = server
    with browser_page() as page:
        page.goto(f"{base}/quadratic?steps=5")
        press(page, "Run", "Status: 1 done")
        slider = page.locator(".st-key-lr").get_by_role("slider")
        slider.focus()
        page.keyboard.press("ArrowRight")            # lr 0.1 -> the next grid value
        page.wait_for_function("() => location.search.includes('lr=')")
        press(page, "Run", "Clear the 1 earlier setting")
        page.wait_for_function(f"""() => {{ const p = ({PLOTS})('Loss');
            return p && p.traces.some(t => t[0] === 'earlier: lr=0.1'); }}""")
        traces = {t[0]: t for t in plot(page, "Loss")["traces"]}
        assert traces["earlier: lr=0.1"][1] == 0.35                          # faint
        assert [t[3] for n, t in traces.items() if not n.startswith("earlier")] == [3]  # latest bold
        page.get_by_role("button", name=re.compile("^Clear the 1 earlier setting")).click()
        page.wait_for_function(f"""() => {{ const p = ({PLOTS})('Loss');
            return p && !p.traces.some(t => t[0].startsWith('earlier')); }}""")


def test_a_claims_train_button_shows_its_runs_in_the_status_line(server):
    base, store = server
    with browser_page() as page:
        page.goto(f"{base}/quadratic?steps=40&sleep_ms=150&curvature=0.5")
        page.get_by_role("button", name="Train 2").first.click()
        page.get_by_text(re.compile(r"and 1 more you started")).first.wait_for()
        line = status(page)
        counts = re.findall(r"(\d+) (done|queued|running)", line)
        assert sum(int(n) for n, _ in counts) == 2 and re.search(r"queued|running", line), line


def test_no_eta_is_shown_before_the_run_has_calibrated_it(server):
    base, store = server
    seen = []
    with browser_page() as page:
        page.goto(f"{base}/quadratic?steps=60&sleep_ms=200&curvature=0.25")
        press(page, "Run", "Status:")
        deadline = time.monotonic() + GUARD_S  # a hang guard, not a timing
        while time.monotonic() < deadline:
            line = status(page)
            seen.append(line)
            if "done" in line:
                break
            page.wait_for_timeout(250)
    early = [s for s in seen if (m := re.search(r"(\d+)%", s)) and int(m.group(1)) < 15]
    assert early and all("ETA" not in s or "estimating" in s for s in early), seen
    assert any("done" in s for s in seen), seen[-3:]


def test_a_layer_has_one_colour_in_every_chart_of_the_page(server):
    base, store = server
    rid = put_run(store, "teacher_student", {"seed": 0})
    store.append_rows(rid, [{"step": 100 + s, **{f"corr_l{k}_{kind}": 0.1 * k + 0.01 * s
                                                  for k in (1, 2, 3) for kind in ("mean", "min", "dead", "mean_all")}}
                            for s in range(5)])
    titles = ("Mean best correlation per teacher node", "Mean best correlation, dead teacher",
              "Dead teacher nodes on the eval batch", "Worst teacher node's best correlation")
    with browser_page() as page:
        page.goto(f"{base}/teacher_student")
        wait_for_traces(page, titles[-1], 3)
        for title in titles:  # each chart is drawn on its own: the last one first, on a slow machine
            page.wait_for_function(f"(title) => ({PLOTS})(title) !== null", arg=title, timeout=GUARD_S * 1000)
        colours = [{t[0].split("_")[1]: t[2] for t in plot(page, title)["traces"] if t[0].startswith("corr_l")}
                   for title in titles]
    assert all(c == colours[0] for c in colours) and sorted(colours[0]) == ["l1", "l2", "l3"], colours
    assert len(set(colours[0].values())) == 3, colours


def test_the_share_link_opens_the_same_grouped_view_elsewhere(server):
    base, store = server
    ids = [put_run(store, "lazy_training", {"width": w, "seed": s}) for w in (16, 64) for s in (0, 1)]
    with browser_page() as page:
        page.goto(f"{base}/runs?runs={','.join(ids)}&group=width&smooth=0.6")
        wait_for_traces(page, "loss vs step", 6)     # two widths: the mean, its raw mean and its band each
        link = page.locator("code").filter(has_text="/runs?").first.inner_text()
        assert "group=width" in link and "smooth=0.6" in link
    with browser_page() as fresh:                    # nothing but the link
        fresh.goto(base + link.strip())
        wait_for_traces(fresh, "loss vs step", 6)
        names = [t[0] for t in plot(fresh, "loss vs step")["traces"]]
        assert sum("(mean of" in (n or "") for n in names) == 2, names


def test_a_charts_download_is_named_by_phenomenon_run_and_chart(server, tmp_path):
    base, store = server
    rid = jobs.submit("quadratic", {"steps": 7}, store)
    assert jobs.wait(rid, store, timeout=GUARD_S)["status"] == "done"
    with browser_page() as page:
        page.goto(f"{base}/quadratic?steps=7")
        wait_for_traces(page, "Iterate", 1)
        chart = page.locator(".st-key-chart_1")      # the second chart: Iterate
        chart.hover()
        with page.expect_download() as info:
            chart.locator(".modebar-btn[data-title='Download plot']").click()
        name = info.value.suggested_filename
    assert name.startswith(f"quadratic_{rid}_") and "Iterate" in name and name.endswith(".svg"), name


def test_the_runs_page_draws_random_features_on_their_log_axis(server):
    base, store = server
    rid = put_run(store, "double_descent", {"seed": 3})
    store.append_rows(rid, [{"step": n, "rf_test_error": 0.5 / (1 + abs(n - 400) / 100)} for n in (10, 100, 400, 4000)])
    with browser_page() as page:
        page.goto(f"{base}/runs?runs={rid}&metrics=rf_test_error")
        wait_for_traces(page, "rf_test_error vs random features N", 1)
        drawn = plot(page, "rf_test_error vs random features N")
    assert drawn["xaxis"] == "log", drawn                      # the page's axis, not a linear "step"
