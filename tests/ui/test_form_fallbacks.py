"""Bad settings never cost a page its Run button (issues #24 item 9 and #27): one line naming
the parameter and what is allowed, the default used, Run / Cancel / Sweep kept."""
import pytest

from labcore.core.params import format_value, specs
from labcore.core.registry import REGISTRY
from labcore.nn import data
from tests.ui.test_pages import app, by_title
from tests.ui.test_runs_page import put_run

# every tuple-valued parameter of every page
TUPLES = [(name, s) for name, exp in REGISTRY.items() for s in specs(exp.config) if s.type is tuple]


def errors(at) -> list[str]:
    return [e.value.replace("\\", "") for e in at.error]  # Markdown escapes removed


def controls(at) -> set[str]:
    labels = {b.label for b in at.button}
    return {lab for lab in labels if lab in ("Run", "Cancel") or lab.startswith("Sweep ")}


def test_every_tuple_parameter_exists():
    assert {(name, s.name) for name, s in TUPLES} >= {("teacher_student", "teacher"), ("lottery_ticket", "widths")}


@pytest.mark.parametrize("page,spec", TUPLES, ids=[f"{n}-{s.name}" for n, s in TUPLES])
def test_a_bad_tuple_in_the_url_is_one_line_and_the_page_keeps_run(store, page, spec):
    clean = controls(app(page))
    assert {"Run", "Cancel"} <= clean
    # out of range: below lo where 0 is not allowed (0-5), else above hi (mode_connectivity's k may be 0)
    out = "0-5" if (spec.lo or 0) > 0 else f"5-{int(spec.hi) + 1}"
    for bad in ("abc", "10-x", out):
        at = app(page, query={spec.name: bad})
        lines = errors(at)
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"URL: {spec.name}='{bad}' is ") and "allowed: " in lines[0]
        assert lines[0].endswith(f"(using {format_value(spec.default)})")
        assert controls(at) == clean  # Run, Cancel and the page's Sweep


def test_a_bad_tuple_typed_in_the_form_is_one_line_and_the_page_keeps_run(store):
    at = app("teacher_student")
    at.text_input(key="teacher").set_value("10-x")
    at.run()
    assert errors(at) == ["teacher='10-x' is not valid; allowed: 1..8 integers in 1..1000 joined by '-', "
                          "e.g. 10-15-20-25 (using 10-15-20-25)"]
    assert {"Run", "Cancel"} <= controls(at) and at.text_input(key="teacher").value == "10-x"  # kept to edit


def test_n_train_and_n_test_share_the_digits_pool_on_the_page(store):
    at = app("lazy_training", query={"n_train": "1788"})
    assert errors(at) == ["n_train + n_test = 2300 is out of range for dataset=digits (n_train=1788, n_test=512); "
                          "allowed: n_train + n_test ≤ 1797 (they share the digits pool of 1797 examples), so "
                          "n_train ≤ 1285 with n_test = 512 (using n_train=256)"]
    assert {"Run", "Cancel"} <= controls(at)
    ok = app("lazy_training", query={"n_train": "1285"})  # the range printed is the range enforced
    assert errors(ok) == []


def test_a_dataset_not_on_this_machine_is_one_line_and_run_submits_nothing(store, monkeypatch, tmp_path):
    """Fashion-MNIST without Debian's files, offline: the page says so at once (without
    contacting the download site) and keeps Run, Cancel, Sweep and its charts; Run probes the
    site, says why not, and submits nothing."""
    import socket

    probes = []

    def unplugged(*args, **kwargs):
        probes.append(args)
        raise OSError("network is unplugged (test)")

    monkeypatch.setattr(data, "DEBIAN_FASHION", tmp_path / "absent")
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(data, "_REACH", {})
    monkeypatch.setattr(socket, "create_connection", unplugged)
    put_run(store, "preconditioner", {"seed": 0})  # the default settings' stored run: its charts
    at = app("preconditioner")
    assert errors(at) == [f"dataset=fashion_mnist is not on this machine (not in {tmp_path / 'data'} (apt-get "
                          "install dataset-fashion-mnist)): Run downloads it where there is a network; offline "
                          "now: digits, mnist"]
    assert by_title(at) and probes == []  # drawing the page contacted nothing
    assert {"Run", "Cancel"} <= controls(at) and any(c.startswith("Sweep ") for c in controls(at))
    fresh = app("preconditioner", query={"seed": "5"})  # not trained: Run would submit
    next(b for b in fresh.button if b.label == "Run").click()
    fresh.run()
    assert not fresh.exception and len(probes) == 1
    assert any(e.startswith("Not started: dataset=fashion_mnist is not available: ") and
               e.endswith("allowed now: digits, mnist") for e in errors(fresh)), errors(fresh)
    assert len(store.runs()) == 1  # nothing submitted
