"""Submitting the runs of one click: the per-click cap, the confirmation above
CONFIRM_ABOVE runs, admission (what this machine can run) and the one-line refusals. Used by
a page's run controls and by the claims and lesson panels' Train buttons."""
from __future__ import annotations

import streamlit as st

from labcore.admission import admit_all
from labcore.core.params import ParamError
from labcore.engine import jobs
from labcore.engine.scheduler import QueueFull
from labcore.ui import access, full_disk, history, state

CONFIRM_ABOVE = 16  # runs per click that need a confirmation
MAX_PER_CLICK = 64  # runs one click may start (sweep × seeds)


def request_runs(exp, configs: list, what: str) -> bool:
    """Submit the runs of one click: refused above MAX_PER_CLICK, confirmed above CONFIRM_ABOVE.
    Returns True when they were submitted or wait for the confirmation."""
    if not access.can_act():
        st.error(access.why_not())
        return False
    if len(configs) > MAX_PER_CLICK:
        st.error(f"This {what} would start {len(configs)} runs; allowed: at most {MAX_PER_CLICK} per click "
                 "(fewer seeds or a narrower sweep).")
        return False
    if len(configs) > CONFIRM_ABOVE:
        st.session_state["_pending"] = (exp.name, what, configs)
        return True
    return _submit(exp, configs)


def _submit(exp, configs: list) -> bool:
    """Admit, then submit `configs` (the seeds of one setting go as one job); False when refused."""
    store = state.store()
    try:
        admit_all(exp, configs)  # what this machine can run: device, dataset, memory
        ok = full_disk.attempt(store, jobs.submit_many, exp.name, configs, store)
        if ok:  # the page's status line counts them while they queue and train
            history.started(exp.name, [jobs.run_id_for(exp.name, c) for c in configs])
        return ok
    except (QueueFull, ParamError) as exc:  # the queue is full, or a config over a limit: say so
        st.error(access.plain(f"Not started: {exc}"))
        return False


def confirm(exp) -> None:
    """The confirmation a click above CONFIRM_ABOVE runs waits for; starts them on Yes."""
    pending = st.session_state.get("_pending")
    if not pending or pending[0] != exp.name:
        return
    _, what, configs = pending
    st.warning(f"This {what} starts {len(configs)} runs. Start them?")
    yes, no = st.columns(2)
    if yes.button(f"Start {len(configs)} runs", type="primary", key="confirm_yes"):
        st.session_state.pop("_pending")
        _submit(exp, configs)
        st.rerun()
    if no.button("Don't start", key="confirm_no"):
        st.session_state.pop("_pending")
        st.rerun()
