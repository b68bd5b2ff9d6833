"""Navigation: the list of pages, built in one function (as Streamlit's hello app does)."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from labcore.experiments import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
ICONS = {"lazy_training": ":material/trending_down:", "teacher_student": ":material/school:",
         "feature_diversity": ":material/grid_view:", "steady_learner": ":material/timeline:",
         "preconditioner": ":material/speed:"}


def experiment_pages() -> dict[str, str]:
    """Experiment name -> page file, for the experiments that have a page."""
    return {name: f"views/{name}.py" for name in REGISTRY if (ROOT / "views" / f"{name}.py").exists()}


def pages() -> dict[str, list]:
    """Sections of st.Page objects for st.navigation."""
    phenomena = [st.Page(path, title=REGISTRY[name].title, url_path=name,
                         icon=ICONS.get(name, ":material/science:"))
                 for name, path in experiment_pages().items()]
    lab = [st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
           st.Page("views/runs.py", title="Runs", url_path="runs", icon=":material/table:")]
    return {"Lab": lab, "Phenomena": phenomena}
