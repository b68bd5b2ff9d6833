"""Figure downloads: every chart's camera button (Plotly's modebar) saves the chart as SVG
or PNG at the width chosen once in the sidebar, with its bands, reference lines and legend.

The browser renders the file itself, so nothing is installed on the server for it; a
notebook saves the same figures with `labcore.api.save_figure` (kaleido).
"""
from __future__ import annotations

import re

import streamlit as st

FORMATS = ("svg", "png")
WIDTHS = (480, 640, 900, 1200, 1800)  # px: a column, a half page, a page, a slide, a poster
DEFAULT_FORMAT, DEFAULT_WIDTH = "svg", 900


def download_settings() -> None:
    """The sidebar control, drawn once per rerun by app.py for every page."""
    with st.sidebar.expander("Figure downloads"):
        st.radio("format", FORMATS, key="fig_format", horizontal=True,
                 format_func=str.upper, help="what the camera button of every chart saves")
        st.select_slider("width (px)", WIDTHS, value=DEFAULT_WIDTH, key="fig_width")


CONTEXT = "_figure_context"  # session key: what the page draws ("grokking_3f2a9c" or "runs"), set per rerun


def context(*parts: str) -> None:
    """Name this rerun's downloads after what the page draws: the phenomenon and its run id
    (a phenomenon page), or "runs" (the Runs page)."""
    st.session_state[CONTEXT] = "_".join(p for p in parts if p)


def filename(title: str, ctx: str = "") -> str:
    """'grokking_3f2a9c_Accuracy_train_and_test': the page's context, then the chart's title,
    in the characters every file system takes."""
    slug = lambda text: re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")  # noqa: E731
    name = "_".join(p for p in (slug(ctx)[:40], slug(title)[:60]) if p)
    return name or "figure"


def config(title: str = "figure") -> dict:
    """st.plotly_chart's `config`: the camera button saves `<context>_<title>`.svg/.png at the
    chosen width (the height is the chart's own)."""
    name = filename(title, st.session_state.get(CONTEXT, ""))
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": st.session_state.get("fig_format", DEFAULT_FORMAT),
                                     "width": int(st.session_state.get("fig_width", DEFAULT_WIDTH)),
                                     "height": None, "scale": 2 if st.session_state.get("fig_format") == "png" else 1,
                                     "filename": name}}


def chart(container, fig, key: str) -> None:
    """Draw `fig` full width in `container` (st or a column) with the download settings."""
    title = fig.layout.title.text or key if fig.layout.title else key
    container.plotly_chart(fig, width="stretch", key=key, config=config(re.sub(r"<[^>]+>", " ", title or key)))
