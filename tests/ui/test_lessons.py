"""Lesson mode (labcore/ui/lesson.py) through AppTest: the step in the URL, Next/Back, the
step's settings applied to the form, what to press, the question, and the verdicts of the
step's claims judged on the runs the step trains; the Lessons list on Home; and every
phenomenon's lesson walked step by step with its settings checked in the form."""
import dataclasses
import importlib

import pytest

from labcore.core.params import format_value
from labcore.core.registry import REGISTRY
from labcore.ui.lesson import step_values
from tests.plugins import quadratic_lesson
from tests.ui.test_pages import app, train
from tests.plugins import QUADRATIC

PHENOMENA = sorted(n for n in REGISTRY if n != "quadratic")


QUAD_CLAIMS, QUAD_LESSON = quadratic_lesson.CLAIMS, quadratic_lesson.LESSON


@pytest.fixture
def quad(monkeypatch):
    exp = dataclasses.replace(REGISTRY["quadratic"], claims=QUAD_CLAIMS, lesson=QUAD_LESSON)
    monkeypatch.setitem(REGISTRY, "quadratic", exp)
    return exp


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown) + " " + " ".join(c.value for c in at.caption)


def _step(at) -> str | None:
    """The lesson step in the page's URL (AppTest gives a str, or a list for repeated keys)."""
    value = at.query_params.get("lesson")
    return value[-1] if isinstance(value, list) else value


def _button(at, key):
    return next(b for b in at.button if b.key == key)


def _lesson(exp, keys=None):
    """The phenomenon's lesson, its steps' claims restricted to the claims `exp` declares
    (on a branch where the claims are not merged yet, the steps still check their settings)."""
    lesson = exp.lesson or importlib.import_module(f"labcore.phenomena.{exp.name}.lesson").LESSON
    known = {c.key for c in exp.claims}
    steps = tuple(dataclasses.replace(s, claims=tuple(k for k in s.claims if k in known)) for s in lesson.steps)
    return dataclasses.replace(lesson, steps=steps)


@pytest.mark.plugins(QUADRATIC)
def test_start_button_enters_step_one_and_url_carries_the_step(store, quad):
    at = app("quadratic")
    assert not any(b.key == "lesson_card" for b in at.button)
    _button(at, "lesson_start").click().run()
    assert _step(at) == '1'
    assert "step 1 of 3" in " ".join(p.proto.text for p in at.get("progress"))
    assert "Before you look:** Will the loss fall?" in " ".join(i.value for i in at.info)
    _button(at, "lesson_next").click().run()
    assert _step(at) == '2'
    assert at.session_state["lr"] == 1.0 and at.session_state["steps"] == 10 and at.session_state["n_seeds"] == 2
    assert "N seeds = 2" in _text(at)
    _button(at, "lesson_back").click().run()
    assert _step(at) == '1'
    assert at.session_state["lr"] == 0.1 and at.session_state["n_seeds"] == 1  # step 1's settings: the defaults
    _button(at, "lesson_leave").click().run()
    assert "lesson" not in at.query_params
    assert not at.exception


@pytest.mark.plugins(QUADRATIC)
def test_a_shared_step_link_applies_that_steps_settings(store, quad):
    at = app("quadratic", query={"lesson": "2"})
    assert "step 2 of 3" in " ".join(p.proto.text for p in at.get("progress"))
    lr = next(w for w in at.select_slider if w.key == "lr")
    assert lr.value == 1.0
    assert "Settings of this step (applied): lr=1, steps=10, N seeds=2" in _text(at)
    # a student may still move a slider inside the step: it is not reset on the next rerun
    lr.set_value(0.5).run()
    assert next(w for w in at.select_slider if w.key == "lr").value == 0.5
    assert _step(at) == '2'


@pytest.mark.plugins(QUADRATIC)
def test_sweep_step_names_the_sweep_button_and_its_axis(store, quad):
    at = app("quadratic", query={"lesson": "3"})
    assert "Press **Sweep lr**" in _text(at)
    assert at.session_state["sweep_axis"] == "lr"
    assert _button(at, "lesson_next").label == "Finish" and _button(at, "lesson_back").disabled is False
    _button(at, "lesson_next").click().run()
    assert "lesson" not in at.query_params and at.session_state["lr"] == 0.1  # left, settings kept


@pytest.mark.plugins(QUADRATIC)
def test_a_step_number_out_of_range_is_one_line_naming_the_parameter(store, quad):
    at = app("quadratic", query={"lesson": "9"})
    errors = [e.value.replace("\\", "") for e in at.error]  # Markdown escapes shown as plain text
    assert errors == ["URL: lesson must be a step number between 1 and 3, got '9' (using 1)"]
    assert "step 1 of 3" in " ".join(p.proto.text for p in at.get("progress"))


@pytest.mark.plugins(QUADRATIC)
@pytest.mark.slow
def test_verdicts_of_the_step_claims_on_the_runs_it_trains(store, quad):
    at = app("quadratic", query={"lesson": "1"})
    text = _text(at)
    assert "What this step checks" in text and "… **not yet**" in text and "press Run" in text
    assert _button(at, "lesson_train_0").label == "Train 1"
    train("quadratic", [{}], store)
    at.run()
    assert "✓ **holds** · GD lowers the loss" in _text(at)
    # step 3 judges the sweep claim on exactly the runs Sweep lr trains
    _button(at, "lesson_next").click().run()
    _button(at, "lesson_next").click().run()
    assert "… **not yet**" in _text(at)
    train("quadratic", [{"lr": 1.0}], store)
    at.run()
    assert "✓ **holds** · lr 1 ends lower than lr 0.1" in _text(at)
    assert not at.exception


@pytest.mark.plugins(QUADRATIC)
def test_home_lists_the_lessons_with_a_link_to_step_one(store, quad):
    at = app()
    assert "Lessons" in [h.value for h in at.subheader]
    assert "Quadratic lesson" in _text(at)
    links = [el.proto for el in at.get("page_link") if el.proto.label == "Start"]
    assert any(link.query_string == "lesson=1" and link.page.endswith("quadratic") for link in links), links


@pytest.mark.slow  # renders every phenomenon's page once per lesson step (AppTest)
@pytest.mark.parametrize("name", PHENOMENA)
def test_every_phenomenon_lesson_walks_its_steps_with_their_settings(store, monkeypatch, name):
    exp = REGISTRY[name]
    lesson = _lesson(exp)
    assert 3 <= len(lesson.steps) <= 6
    monkeypatch.setitem(REGISTRY, name, dataclasses.replace(exp, lesson=lesson))
    at = app(name, query={"lesson": "1"})
    for k, step in enumerate(lesson.steps, start=1):
        assert _step(at) == str(k)
        assert f"step {k} of {len(lesson.steps)}" in " ".join(p.proto.text for p in at.get("progress"))
        assert step.question in " ".join(i.value for i in at.info)
        for key, value in step_values(exp, step).items():
            want = format_value(value) if isinstance(value, tuple) else value
            assert at.session_state[key] == want, (name, k, key)
        assert at.session_state["n_seeds"] == step.n_seeds
        assert not at.error, [e.value for e in at.error]
        if k < len(lesson.steps):
            _button(at, "lesson_next").click().run()
    assert not at.exception


@pytest.mark.parametrize("name", PHENOMENA)
def test_lesson_steps_name_declared_claims_and_presets(name):
    exp = REGISTRY[name]
    lesson = exp.lesson or importlib.import_module(f"labcore.phenomena.{name}.lesson").LESSON
    for step in lesson.steps:
        step_values(exp, step)  # a preset the page does not offer raises
        exp.make_config(**step_values(exp, step))
        assert step.question.endswith("?") and len(step.text) < 400
        if exp.claims:  # once the claims are declared, a step closes on real ones
            assert set(step.claims) <= {c.key for c in exp.claims}


def test_a_steps_action_trains_the_seeds_its_claims_are_judged_on():
    """A claim judged on three seeds is "needs 3 seeds" after one Run (issue 38): a step that
    closes on it trains three, so pressing the step's button can close it."""
    from labcore.core.registry import REGISTRY

    short = []
    for name, exp in REGISTRY.items():
        for step in (exp.lesson.steps if exp.lesson else ()):
            for key in step.claims:
                claim = next(c for c in exp.claims if c.key == key)
                if claim.scope != "sweep" and step.action in ("run", "seeds") and step.n_seeds < claim.seeds:
                    short.append(f"{name}: {step.title!r} trains {step.n_seeds}, {key} needs {claim.seeds}")
    assert not short, short
