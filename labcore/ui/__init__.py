"""Streamlit glue: the only part of labcore that imports streamlit."""
