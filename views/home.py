"""Home: one card per phenomenon, the runs training now, the machine and the store."""
import time

import streamlit as st

from labcore.nn import device
from labcore.engine import jobs
from labcore.core.registry import REGISTRY
from labcore.ui import state
from labcore.ui.nav import phenomenon_page

st.title("DL Theory Lab")
st.markdown("Pick a phenomenon, move the sliders, press **Run**: a real PyTorch model trains in "
            "the background and the curves grow as it learns. Every run is kept, so the same "
            "settings come back instantly; compare and export them on **Runs**.")

cols = st.columns(3)
for i, exp in enumerate(REGISTRY.values()):
    with cols[i % 3].container(border=True):
        st.subheader(exp.title)
        st.write(exp.page.what_to_look_for)
        st.caption(exp.page.reference)
        st.page_link(phenomenon_page(exp), label=f"Open {exp.title}", icon=":material/arrow_forward:")


@st.fragment(run_every=2.0)
def active_runs() -> None:
    """Queued and running runs with their progress, refreshed every 2 s."""
    st.subheader("Active runs")
    runs = jobs.active(state.store())
    if not runs:
        st.caption("Nothing is training right now.")
    for rec in runs:
        label = f"{rec['experiment']} {rec['id']} · {rec['status']} · {rec['overrides']}"
        st.progress(float(rec["progress"]), text=label)


active_runs()

st.subheader("Machine and store")
info = device.machine()
store = state.store()
gpu = ", ".join(info["gpus"]) if info["gpus"] else "none (training runs on the CPU)"
st.markdown(f"- CPU cores: **{info['cpu_cores']}**; GPU: **{gpu}**; torch {info['torch']}\n"
            f"- Concurrent runs: **{jobs.max_jobs()}** (env `LAB_MAX_JOBS`)\n"
            f"- Store: `{store.dir}`, **{store.size_bytes() / 1e6:.1f} MB** of "
            f"{store.budget_bytes / 1e6:.0f} MB budget, {len(store.runs())} runs\n"
            f"- Page loaded {time.strftime('%H:%M:%S')}")
