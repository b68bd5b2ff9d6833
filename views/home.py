"""Home: one card per phenomenon, the queue (running and waiting runs, with Cancel), the
machine and the store."""
import re
import time

import streamlit as st

from labcore.nn import device
from labcore.engine import jobs, launch
from labcore.core.registry import ERRORS, REGISTRY, is_user
from labcore.runs import analysis
from labcore.ui import access, full_disk, state
from labcore.ui.nav import phenomenon_page

st.title("DL Theory Lab")
st.markdown("Pick a phenomenon, move the sliders, press **Run**: a real PyTorch model trains in "
            "the background and the curves grow as it learns. Every run is kept, so the same "
            "settings come back instantly; compare and export them on **Runs**.")
full_disk.notice(state.store())
if (trouble := jobs.worker_trouble(state.store())) is not None:
    st.error(access.plain(trouble), icon=":material/error:")



def summary(text: str, most: int = 320) -> str:
    """The opening sentences of a page's text, up to about `most` characters: the Home card
    says what the page shows; the numbers and recipes stay on the page."""
    out = ""
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z*(])", text.strip()):
        if out and len(out) + len(sentence) > most:
            break
        out = f"{out} {sentence}".strip()
    if out.count("**") % 2:  # a bold span cut in two would swallow the rest of the card
        out = out.replace("**", "")
    return out if len(out) <= most + 200 else out[:most].rsplit(" ", 1)[0] + " …"


for name, line in ERRORS.items():  # a phenomenon of the user folder that did not load: one line each
    if access.exposed():  # no paths on a dashboard the network can see: the error's own words only
        line = line.split(": ", 1)[-1]
    st.warning(f"Your phenomenon **{access.plain(name)}** was not loaded: {access.plain(line)}",
               icon=":material/error:")

cols = st.columns(3)
for i, exp in enumerate(REGISTRY.values()):
    with cols[i % 3].container(border=True):
        st.subheader(exp.title + (" (yours)" if is_user(exp.name) else ""))
        st.write(exp.page.summary or summary(exp.page.what_to_look_for))  # one sentence: what it is
        st.caption(exp.page.reference)
        # a short label: "Open <long title>" was cut off in a third of the screen
        st.page_link(phenomenon_page(exp), label="Open page", icon=":material/arrow_forward:",
                     help=f"Open {exp.title}")


def lessons_list() -> None:
    """Lessons: every phenomenon that declares one, with a link to its step 1."""
    from labcore.ui.lesson import lessons

    found = lessons()
    if not found:
        return
    st.subheader("Lessons")
    st.caption("Guided walks through a phenomenon, a few steps each: what to set, what to press, "
               "a question to think about, and the verdict that closes the step. Step links can be shared.")
    for exp, lesson in found:
        with st.container(border=True):
            text, link = st.columns([4, 1], vertical_alignment="center")
            text.markdown(f"**{access.plain(lesson.title)}** · {access.plain(exp.title)} · "
                          f"{len(lesson.steps)} steps  \n{access.plain(lesson.summary)}")
            link.page_link(phenomenon_page(exp), label="Start", icon=":material/school:",
                           query_params={"lesson": "1"}, help=f"Step 1 of the lesson on {exp.title}")


lessons_list()


QUEUE_POLL_S = 2.0


def queue(fresh: bool = False) -> list[dict]:
    """The running and queued runs, read at most once a second for all polling sessions (a
    class of thirty on Home costs one read of the queue per second, not thirty); `fresh`
    after this session's own action (a Cancel)."""
    store = state.store()
    return state.feed(store).recent("queue", lambda: jobs.active(store), fresh=fresh)


busy = bool(queue(fresh=True))  # and the drawing below reuses this read


@st.fragment(run_every=QUEUE_POLL_S if busy else None)
def active_runs() -> None:
    """The queue: running runs, then queued ones in order, with progress and Cancel; polled
    every QUEUE_POLL_S only while something is queued or running (an idle Home costs the
    server nothing; it shows a run submitted elsewhere on its next rerun)."""
    st.subheader("Queue")
    store = state.store()
    store.read_error = None
    runs = queue()
    if store.read_error:
        st.warning(f"The run store could not be read completely ({store.read_error}).")
    if busy and not runs:
        st.rerun()  # the queue emptied: redraw once, at rest
    if not runs:
        st.caption("Nothing is training or waiting right now.")
    for rec in runs[:SHOWN]:
        _run_card(rec, store)
    if len(runs) > SHOWN:
        st.caption(f"… and {len(runs) - SHOWN} more waiting (all of them are listed on Runs).")


SHOWN = 30  # queue cards drawn; a long sweep's tail is summarised in one line


def _run_card(rec: dict, store) -> None:
    """One queued or running run: phenomenon, its settings in words, progress, Cancel."""
    exp = REGISTRY.get(rec["experiment"])
    title = exp.title if exp is not None else rec["experiment"]
    settings = ", ".join(f"{k}={analysis.show(v)}" for k, v in sorted(rec["overrides"].items()) if k != "seed")
    pct = 100 * float(rec["progress"] or 0.0)
    where = (f"running · {pct:.0f}%" if rec["status"] == "running"
             else f"queued · #{rec['position'] or '?'} in line")
    with st.container(border=True):
        text, stop = st.columns([5, 1], vertical_alignment="center")
        text.markdown(f"**{access.plain(title)}** · {access.plain(settings or 'default settings')} · "
                      f"seed {rec['config'].get('seed', '?')}")
        text.progress(float(rec["progress"] or 0.0), text=f"{where} · run {rec['id']}")
        # on_click runs before the rerun it triggers, so the list redrawn is already updated
        stop.button("Cancel", key=f"cancel_{rec['id']}", icon=":material/stop:", disabled=not access.can_act(),
                    help=access.why_not() or None, on_click=full_disk.attempt,
                    args=(store, jobs.cancel, rec["id"], store), kwargs={"say": False})


active_runs()

st.subheader("Machine and store")
info = device.machine()
store = state.store()
gpu = ", ".join(info["gpus"]) if info["gpus"] else "none (training runs on the CPU)"
st.markdown(f"- CPU cores: **{info['cpu_cores']}**; GPU: **{gpu}**; torch {info['torch']}\n"
            f"- Concurrent runs: **{launch.max_jobs()}** (env `LAB_MAX_JOBS`), "
            f"**{launch.threads_per_worker()}** intra-op thread(s) each\n"
            f"- Store: `{access.where(store.dir)}`, **{store.size_bytes() / 1e6:.1f} MB** of "
            f"{store.budget_bytes / 1e6:.0f} MB budget, {len(store.runs())} runs\n"
            f"- Page loaded {time.strftime('%H:%M:%S')}")
