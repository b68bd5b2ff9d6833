"""DL Theory Lab: `streamlit run app.py`. Navigation only; the page files live in views/
(not pages/, which Streamlit would also list in the sidebar on deep links)."""
import streamlit as st

from labcore.ui.figure_export import download_settings
from labcore.ui.nav import pages
from labcore.ui.offline import restart_notice
from labcore.ui.state import check_warm_worker


def main() -> None:
    st.set_page_config(page_title="DL Theory Lab", page_icon=":material/science:", layout="wide")
    check_warm_worker()  # one worker waits with torch imported while the dashboard lives
    # every page listed: with more than twelve, Streamlit shows ten and hides the rest behind
    # "View 3 more", where a class would not find the last three phenomena
    navigation = st.navigation(pages(), expanded=True)
    download_settings()  # one sidebar control for every chart's SVG/PNG download
    restart_notice()  # the lab's words, not "Are you connected to the internet?", while the server is down
    navigation.run()


main()
