"""The Claims panel: one line per claim of the phenomenon, ✓ / ✗ / … / –, the paper's figure
beside the measured one, judged on the runs each claim needs from the page's settings.

It polls (every 5 s) only while one of those runs is queued or running, through the server's
shared reads, and a verdict is judged once per change of its runs for every session (issue
31); when the last one ends it reruns the page once so the polling stops. A claim whose runs were never
trained says what they are and offers a button that trains exactly them. The same lines serve
the Runs page (`verdict_lines`), judged on the user's selection.
"""
from __future__ import annotations

import contextlib

from typing import Any

import streamlit as st

from labcore.core.claims import MISSING, SYMBOL
from labcore.core.run_states import ACTIVE
from labcore.runs.verdicts import Judged, concerned, judge, judge_selection
from labcore.ui import access, state
from labcore.ui.figures import cached
from labcore.ui.reader import RunData
from labcore.ui.submit import request_runs

POLL_S = 5.0   # verdicts move slowly: a poll redraws a dozen elements for every session


def panel(exp: Any, base: Any) -> None:
    """The page's Claims panel for `exp`, judged from the page's settings `base`."""
    if not exp.claims:
        return
    ids = {rid for c in exp.claims for _, rid in concerned(exp, c, base)}
    first = RunData(state.store(), exp.name)  # this run of the page may follow an action: fresh
    active = any((first.record(rid) or {}).get("status") in ACTIVE for rid in ids)

    @st.fragment(run_every=POLL_S if active else None)
    def live() -> None:
        polled = st.session_state.get("_claims_ticked", False)
        data = RunData(state.store(), exp.name, fresh=False) if polled else first
        st.session_state["_claims_ticked"] = True
        with state.watchers().turn if polled else contextlib.nullcontext():  # one poll at a time
            now = [judged(exp, c, base, data) for c in exp.claims]
            _draw(exp, base, now)
        if active and not any(j.active for j in now):
            st.rerun()  # the concerned runs ended: redraw the page once, without polling

    st.session_state["_claims_ticked"] = False
    live()


def judged(exp: Any, claim: Any, base: Any, data: RunData) -> Judged:
    """`claim` judged on the runs it needs from `base`, read through `data`: judged once per
    change of those runs (their signature) for all the server's sessions."""
    ids = [rid for _, rid in concerned(exp, claim, base)]
    live = repr(base) if data.active(ids) else None  # while they train: re-judged every REBUILD_S at most
    return cached(f"claim:{exp.name}:{claim.key}", (repr(base), data.signature(ids)),
                  lambda: judge(exp, claim, base, data, data.frame), live=live)


def _draw(exp: Any, base: Any, judged: list[Judged]) -> None:
    counts = {s: sum(j.verdict.status == s for j in judged) for s in SYMBOL}
    summary = " · ".join(f"{SYMBOL[s]} {n}" for s, n in counts.items() if n)
    with st.container(border=True):
        st.markdown(f"**Claims** — {summary}")
        for i, j in enumerate(judged):
            text, button = st.columns([6, 1], vertical_alignment="center")
            text.markdown(line(j))
            if j.missing and not j.active:
                configs = [cfg for cfg, rid in concerned(exp, j.claim, base) if rid in j.missing]
                if button.button(f"Train {len(configs)}", key=f"claim_train_{i}",
                                 help=access.plain(f"train the {len(configs)} run(s) this claim needs from the "
                                                   f"current settings ({j.claim.needs or 'as listed'})"),
                                 disabled=bool(access.why_not())):
                    request_runs(exp, configs, "claim")
                    st.rerun()


def line(j: Judged) -> str:
    """One claim as a Markdown line: symbol, statement, paper figure, measured figures."""
    claim, verdict = j.claim, j.verdict
    seeds = f" · {claim.seeds} seeds" if claim.seeds > 1 else ""
    out = (f"{verdict.symbol} **{access.plain(claim.statement)}**  \n"
           f"paper: {access.plain(claim.paper)} ({access.plain(claim.source)}){seeds} · "
           f"measured: {access.plain(verdict.measured) or '—'}")
    if j.missing and not j.active and claim.needs and claim.needs not in (verdict.measured or ""):
        out += f" · {access.plain(claim.needs)}"  # what to press, unless the verdict said it already
    have = [r for r in j.ids if j.statuses.get(r) not in (None, MISSING)]
    if have:  # which runs the verdict is about (the page's own, a claim's seeds, a sweep)
        shown = ", ".join(have[:4]) + (f" and {len(have) - 4} more" if len(have) > 4 else "")
        out += f"  \n:gray[judged on run{'s' if len(have) > 1 else ''} {access.plain(shown)}]"
    if not claim.expected:
        out += f"  \n*not expected to hold here:* {access.plain(claim.reason)}"
    return out


def verdict_lines(exp: Any, records: list[dict], read) -> None:
    """The claims of `exp` judged on the records a user selected (the Runs page)."""
    if not exp.claims or not records:
        return
    judged = judge_selection(exp, records, read)
    with st.container(border=True):
        st.markdown(f"**Claims of {access.plain(exp.title)}**, judged on the {len(records)} selected "
                    f"run{'s' if len(records) > 1 else ''}")
        for j in judged:
            st.markdown(line(j))
