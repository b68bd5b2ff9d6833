"""Plotly figure builders (no Streamlit, no torch, no store): `plots` for a phenomenon's page
and its panels, `compare` for the Runs page. The pages and the phenomena both draw with them."""
