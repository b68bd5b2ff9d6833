"""Lesson mode on a phenomenon page: a guided walk through `exp.lesson`, one step at a time.

The current step lives in the URL (`?lesson=3`), so a teacher can share "step 3". Entering a
step (by Next/Back, a link or a reload) applies its settings to the form once — the preset
named by the step over the defaults, then the step's delta, and its N seeds — so a student
may still move a slider inside the step. The step card says what to press and asks the
step's question before any result; below it, the verdicts of the step's claims, judged on
the runs each claim needs from the page's settings, exactly as the Claims panel judges them.

Two calls hook it into `labcore.ui.page.render`: `header(exp)` before the form is drawn
(widget values can only be set before their widgets exist) and `verdicts(exp, base)` once
the page's Config is known.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from labcore.core.claims import SYMBOL
from labcore.core.lessons import Lesson, Step
from labcore.core.params import format_value, specs
from labcore.runs.verdicts import concerned
from labcore.runs.verdicts import judge as verdicts_judge
from labcore.ui import access, state
from labcore.ui.figures import cached
from labcore.ui.reader import RunData
from labcore.ui.submit import request_runs

PARAM = "lesson"    # the query parameter holding the 1-based step number
POLL_S = 2.0        # verdicts are re-judged this often while a concerned run trains


def step_number(lesson: Lesson) -> tuple[int | None, str]:
    """The 1-based step the URL asks for, or None outside lesson mode; plus a one-line
    message when the URL's value is not a step number (then step 1 is used)."""
    raw = st.query_params.get(PARAM)
    if raw is None:
        return None, ""
    n = len(lesson.steps)
    try:
        k = int(raw)
    except ValueError:
        k = 0
    if not 1 <= k <= n:
        return 1, f"URL: lesson must be a step number between 1 and {n}, got {raw!r} (using 1)"
    return k, ""


def step_values(exp: Any, step: Step) -> dict:
    """The form values a step sets: every parameter's default, then the step's preset, then its
    delta (so entering a step gives the same runs whatever was set before)."""
    presets = exp.page.presets
    if step.preset is not None and step.preset not in presets:
        raise ValueError(f"{exp.name}: lesson step {step.title!r} names unknown preset {step.preset!r}; "
                         f"known: {', '.join(presets) or 'none'}")
    values = {s.name: s.default for s in specs(exp.config)}
    values.update(presets.get(step.preset, {}) if step.preset else {})
    values.update(step.settings)
    return values


def _apply(exp: Any, k: int) -> None:
    """Put step k's values into the widgets' session state (read when the form is drawn;
    their query-param binding then writes them to the URL)."""
    step = exp.lesson.steps[k - 1]
    for key, value in step_values(exp, step).items():
        st.session_state[key] = format_value(value) if isinstance(value, tuple) else value
    st.session_state["n_seeds"] = step.n_seeds
    if step.action == "sweep" and sweep_axis(exp, step):
        st.session_state["sweep_axis"] = sweep_axis(exp, step)
    st.session_state["_lesson_applied"] = (exp.name, k)


def _go(k: int | None) -> None:
    """Move to step k (None leaves lesson mode); the settings follow on the rerun."""
    if k is None:
        st.query_params.pop(PARAM, None)
        st.session_state.pop("_lesson_applied", None)
    else:
        st.query_params[PARAM] = str(k)


def sweep_axis(exp: Any, step: Step) -> str:
    """The axis a sweep step sweeps: the axis of its first sweep claim when the page offers it,
    else the page's key axis ("" when the page has no sweep)."""
    axes = exp.sweep_axes()
    claims = {c.key: c for c in exp.claims}
    for key in step.claims:
        axis = getattr(claims.get(key), "axis", None)
        if axis in axes:
            return axis
    return next(iter(axes), "")


def what_to_press(exp: Any, step: Step) -> str:
    """The step's action in words, naming the page's own buttons."""
    seeds = f"with N seeds = {step.n_seeds} (set for you) " if step.n_seeds > 1 else ""
    if step.action == "sweep":
        axis = sweep_axis(exp, step) or "the key axis"
        values = ", ".join(str(v) for v in exp.sweep_axes().get(axis, ()))
        return f"Press **Sweep {axis}** {seeds}(it trains {axis} = {values}; the summary appears below the charts)."
    if step.action == "arms" and exp.page.arms is not None:
        return (f"Press **Run the {len(exp.page.arms.variants)} variants** under *Side by side* "
                f"({' · '.join(exp.page.arms.variants)}).")
    if step.action == "seeds" or step.n_seeds > 1:
        return f"Press **Run** {seeds}: the charts show the mean ± std over the seeds."
    return "Press **Run** and watch the charts grow."


def header(exp: Any) -> Step | None:
    """The lesson bar at the top of a page: a Start button outside lesson mode; in it, the
    progress, the current step (its text, what to press, the question) and Back/Next.
    Returns the current Step, or None outside lesson mode."""
    lesson: Lesson | None = getattr(exp, "lesson", None)
    if lesson is None:
        return None
    k, error = step_number(lesson)
    if k is None:
        st.button(f"Start the lesson: {lesson.title}", icon=":material/school:", key="lesson_start",
                  on_click=_go, args=(1,), help=lesson.summary)
        return None
    if error:
        st.error(access.plain(error))
    if st.session_state.get("_lesson_applied") != (exp.name, k):
        _apply(exp, k)
    step, n = lesson.steps[k - 1], len(lesson.steps)
    with st.container(border=True, key="lesson_card"):
        st.progress(k / n, text=f"Lesson · {lesson.title} · step {k} of {n}")
        st.markdown(f"#### {k}. {step.title}")
        st.markdown(step.text)
        applied = _applied_text(exp, step)
        if applied:
            st.caption(f"Settings of this step (applied): {access.plain(applied)}")
        st.markdown(what_to_press(exp, step))
        st.info(f"**Before you look:** {step.question}", icon=":material/help:")
        back, leave, nxt = st.columns(3)
        back.button("Back", icon=":material/arrow_back:", key="lesson_back", disabled=k == 1,
                    on_click=_go, args=(k - 1,), width="stretch")
        leave.button("Leave the lesson", key="lesson_leave", on_click=_go, args=(None,), width="stretch")
        nxt.button("Next" if k < n else "Finish", icon=":material/arrow_forward:" if k < n else ":material/check:",
                   key="lesson_next", on_click=_go, args=(k + 1 if k < n else None,), type="primary",
                   width="stretch")  # Finish leaves lesson mode; the runs and settings stay
    return step


def _applied_text(exp: Any, step: Step) -> str:
    parts = [f"preset {step.preset}"] if step.preset else []
    parts += [f"{key}={format_value(v)}" for key, v in step.settings.items()]
    if step.n_seeds > 1:
        parts.append(f"N seeds={step.n_seeds}")
    return ", ".join(parts)


def judge(exp: Any, key: str, base: Any, data: RunData | None = None) -> tuple[Any, Any, dict, list]:
    """(claim, verdict, statuses, missing configs) for the claim called `key`, judged on the
    runs it needs from the page's Config `base` by the Claims panel's own judge
    (`runs.verdicts.judge`: one meaning per verdict), read through `data` (default: fresh
    reads). Judged once per change of those runs for all the server's sessions."""
    claim = {c.key: c for c in exp.claims}[key]
    pairs = concerned(exp, claim, base)
    data = data or RunData(state.store(), exp.name)
    ids = [rid for _, rid in pairs]

    def build():
        j = verdicts_judge(exp, claim, base, data, data.frame)
        missing = [cfg for cfg, rid in pairs if rid in j.missing]
        return claim, j.verdict, j.statuses, missing

    live = repr(base) if data.active(ids) else None  # while they train: re-judged every REBUILD_S at most
    return cached(f"lesson:{exp.name}:{key}", (repr(base), data.signature(ids)), build, live=live)


def verdicts(exp: Any, step: Step | None, base: Any) -> None:
    """The verdicts of the current step's claims, judged from the page's Config `base`;
    re-judged every POLL_S while one of their runs trains (through the server's shared
    reads), with a button that trains the runs a claim still needs."""
    if step is None or base is None:
        return
    if not step.claims:
        return
    judged = [judge(exp, key, base) for key in step.claims]
    active = any(s in ("queued", "running") for _, _, statuses, _ in judged for s in statuses.values())

    @st.fragment(run_every=POLL_S if active else None)
    def live() -> None:
        data = RunData(state.store(), exp.name, fresh=False)
        now = [judge(exp, key, base, data) for key in step.claims]
        _draw(exp, now)
        if active and not any(s in ("queued", "running") for _, _, st_, _ in now for s in st_.values()):
            st.rerun()  # the step's runs ended: redraw once, then stop polling

    live()


def _draw(exp: Any, judged: list) -> None:
    with st.container(border=True, key="lesson_verdicts"):
        st.markdown("**What this step checks**")
        for i, (claim, verdict, statuses, missing) in enumerate(judged):
            text, button = st.columns([6, 1], vertical_alignment="center")
            measured = access.plain(verdict.measured) or "—"
            text.markdown(f"{verdict.symbol} **{verdict.status}** · {access.plain(claim.statement)}  \n"
                          f"paper: {access.plain(claim.paper)} · measured: {measured}")
            busy = any(s in ("queued", "running") for s in statuses.values())
            if missing and not busy and verdict.status != "holds" and button.button(
                    f"Train {len(missing)}", key=f"lesson_train_{i}", disabled=not access.can_act(),
                    help=access.plain(f"train the {len(missing)} run(s) this check needs "
                                      f"({claim.needs or 'from the current settings'})")):
                request_runs(exp, missing, "lesson step")
                st.rerun()


def lessons() -> list[tuple[Any, Lesson]]:
    """(Experiment, Lesson) of every registered phenomenon that declares a lesson."""
    from labcore.core.registry import REGISTRY

    return [(exp, exp.lesson) for exp in REGISTRY.values() if getattr(exp, "lesson", None) is not None]


__all__ = ["header", "verdicts", "lessons", "step_values", "what_to_press", "judge", "SYMBOL"]
