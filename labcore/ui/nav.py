"""Navigation: the list of pages, built in one function (as Streamlit's hello app does).

Phenomenon pages are generated from the registry: each Experiment's PageSpec becomes a
page at /<name>, so adding a phenomenon adds its page with no file here or in views/.
"""
from __future__ import annotations

import streamlit as st

from labcore.core.experiment import Experiment
from labcore.core.registry import REGISTRY


def phenomenon_page(exp: Experiment) -> st.Page:
    """The st.Page of one phenomenon (a callable page rendering its PageSpec)."""
    def page() -> None:
        from labcore.ui.page import render

        render(exp)

    page.__name__ = f"page_{exp.name}"  # Streamlit keys callable pages by name
    # the sidebar shows the short label; the page's heading (ui.page.render) keeps the full title
    return st.Page(page, title=exp.nav_label, url_path=exp.name, icon=exp.icon)


def pages() -> dict[str, list]:
    """Sections of st.Page objects for st.navigation."""
    lab = [st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
           st.Page("views/runs.py", title="Runs", url_path="runs", icon=":material/table:")]
    return {"Lab": lab, "Phenomena": [phenomenon_page(exp) for exp in REGISTRY.values()]}
