"""Safe to share: bad URL values answered in one line, user text never rendered as markup,
an exposed dashboard read-only without the token."""
from labcore.ui.access import plain
from tests.ui.test_pages import app
import pytest
from tests.plugins import QUADRATIC


def errors(at):
    return [e.value.replace("\\", "") for e in at.error]


def buttons(at):
    return {b.label: b for b in at.button}


def test_bad_page_values_in_the_url_are_named_not_dropped(store):
    at = app("lazy_training", query={"n_seeds": "999", "sweep_axis": "bogus"})
    text = " ".join(errors(at))
    assert "n_seeds=999 is out of range; allowed: 1..10" in text
    assert "sweep_axis='bogus' is not allowed; allowed: one of width" in text
    at = app("lazy_training", query={"n_seeds": "abc", "width": ["64", "128"]})
    text = " ".join(errors(at))
    assert "n_seeds='abc' is not a valid int" in text and "width is given 2 times" in text


def test_crafted_url_text_is_never_rendered_as_markdown(store):
    evil = "10-[click](http://evil.example)-![x](http://evil.example/x.png)"
    at = app("teacher_student", query={"teacher": evil})
    raw = " ".join(e.value for e in at.error)
    assert "teacher=" in raw and "](" not in raw.replace("\\](", "").replace("\\]\\(", "")
    assert "\\[click\\]\\(http" in raw  # escaped: shown as text, not as a link
    assert plain("![x](y)") == "\\!\\[x\\]\\(y\\)"
    assert at.title[0].value == "Teacher-student: Luck Matters"  # the page is still there, error on top


def test_huge_or_unicode_numbers_in_the_url_get_one_line(store):
    at = app("lazy_training", query={"width": "1" + "0" * 400, "seed": "２"})
    text = " ".join(errors(at))
    assert "width=1000" in text and "is out of range; allowed: 2..100000" in text
    assert "seed='２' is not a valid int" in text


def test_exposed_dashboard_is_read_only_without_the_token(store, monkeypatch):
    monkeypatch.setenv("LAB_HOST", "0.0.0.0")
    monkeypatch.delenv("LAB_TOKEN", raising=False)
    at = app("lazy_training")
    assert buttons(at)["Run"].disabled and buttons(at)["Cancel"].disabled
    assert any("Read-only" in i.value for i in at.info)


def test_exposed_dashboard_accepts_actions_after_the_token(store, monkeypatch):
    monkeypatch.setenv("LAB_HOST", "0.0.0.0")
    monkeypatch.setenv("LAB_TOKEN", "s3cret")
    at = app("lazy_training")
    assert buttons(at)["Run"].disabled
    box = next(t for t in at.text_input if t.label == "Access token")
    box.set_value("wrong").run()
    assert "Wrong token." in errors(at)
    next(t for t in at.text_input if t.label == "Access token").set_value("s3cret").run()
    assert not buttons(at)["Run"].disabled
    assert not [t for t in at.text_input if t.label == "Access token"]


@pytest.mark.slow
@pytest.mark.plugins(QUADRATIC)
def test_home_queue_cancel_needs_the_token_when_exposed(store, monkeypatch):
    from labcore.engine import jobs

    rid = jobs.submit("quadratic", {"steps": 100_000, "sleep_ms": 2}, store)
    try:
        monkeypatch.setenv("LAB_HOST", "0.0.0.0")
        monkeypatch.delenv("LAB_TOKEN", raising=False)
        at = app()
        cancel = next(b for b in at.button if b.key == f"cancel_{rid}")
        assert cancel.disabled
        assert str(store.dir) not in " ".join(m.value for m in at.markdown)  # no server path when exposed
    finally:
        jobs.cancel(rid, store)
        jobs.wait(rid, store, timeout=30)


def test_bare_urls_and_addresses_in_escaped_text_are_not_autolinked():
    # issue 39 item 7: Streamlit's GFM autolinking turned bare URLs in one-line alerts into links
    import re

    text = plain("see http://evil.example/x, HTTPS://evil.example, www.evil.example and me@evil.example")
    seen = text.replace("\\", "")  # what the reader sees once Markdown drops the escapes
    assert not re.search(r"(https?://|www\.)", seen, re.IGNORECASE)  # GFM's literal autolinks
    assert not re.search(r"[-.\w+]+@[-\w]+(\.[-\w]+)+", seen, re.ASCII)  # GFM's e-mail autolink
    want = "see http://evil.example/x, HTTPS://evil.example, www.evil.example and me@evil.example"
    assert seen.replace("\u2060", "") == want
