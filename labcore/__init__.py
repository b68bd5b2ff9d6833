"""DL Theory Lab engine: experiments, training loop, run store, jobs and CLI.

Importable without Streamlit; only `labcore.ui` touches Streamlit.
"""
