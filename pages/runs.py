"""Runs: every run in the store (placeholder list until the runs page issue)."""
import streamlit as st

from labcore.ui import state

st.title("Runs")
for rec in state.store().runs():
    st.write(rec["id"], rec["experiment"], rec["status"], rec["overrides"])
