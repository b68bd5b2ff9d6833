"""The lab's own words while its server is down, instead of Streamlit's stock dialog.

When the page loses its server (a restart, a stop), Streamlit's frontend opens a "Connection
error" dialog: "Streamlit server is not responding. Are you connected to the internet?" (page
opened at 127.0.0.1 or a host name), or "Is Streamlit still running? ... streamlit run
yourscript.py" (opened at localhost). Both mislead a class using a lab on one machine, and
Streamlit 1.67 has no option, theme key or API for the text (streamlit/streamlit#12661 asks for
one). What it does support is running a page's own JavaScript in the app's document
(`st.html(..., unsafe_allow_javascript=True)`): the script below watches for that dialog and
replaces the two stock sentences (only those: a 403 or a timeout keeps Streamlit's words).
The dialog's text is Streamlit's, not an API, so `tests/ui/test_browser.py` stops a real server
and reads the dialog: an upgrade that rewords it fails that test instead of passing unseen.
"""
from __future__ import annotations

import json

import streamlit as st

MESSAGE = ("The lab's server is not answering: it is restarting or was stopped. Runs already training "
           "go on in their own processes, and this page reconnects by itself when the server is back.")
COMMAND = "bash scripts/dashboard.sh"   # how the lab is started (README), for the localhost variant
# Streamlit's two "server not responding" sentences (frontend bundle, Streamlit 1.67).
STOCK = r"connected to the internet|Is Streamlit still running"

SCRIPT = """<span id="lab-offline"></span>
<style>[data-testid="stElementContainer"]:has(#lab-offline) {display: none;}</style>
<script>
(() => {
  if (window.__labOffline) return;  // once per browser tab: the element survives reruns anyway
  window.__labOffline = true;
  const message = %(message)s, command = %(command)s, stock = new RegExp(%(stock)s, "i");
  const reword = () => {
    for (const dialog of document.querySelectorAll('[role="dialog"]')) {
      const texts = document.createTreeWalker(dialog, NodeFilter.SHOW_TEXT);
      for (let node = texts.nextNode(); node; node = texts.nextNode()) {
        // text nodes only: React keeps its elements, and sets the text again if it changes
        if (stock.test(node.nodeValue)) node.nodeValue = message;
        else if (/^\\s*streamlit run \\S+\\s*$/.test(node.nodeValue)) node.nodeValue = command;
      }
    }
  };
  new MutationObserver(reword).observe(document.body, {childList: true, subtree: true, characterData: true});
})();
</script>""" % {"message": json.dumps(MESSAGE), "command": json.dumps(COMMAND), "stock": json.dumps(STOCK)}


def restart_notice() -> None:
    """Install the rewording script in this page (hidden: its element takes no room)."""
    st.html(SCRIPT, unsafe_allow_javascript=True)
