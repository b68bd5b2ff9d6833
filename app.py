"""DL Theory Lab: `streamlit run app.py`. Navigation only; pages live in pages/."""
import streamlit as st

from labcore.ui.nav import pages


def main() -> None:
    st.set_page_config(page_title="DL Theory Lab", page_icon=":material/science:", layout="wide")
    st.navigation(pages()).run()


main()
