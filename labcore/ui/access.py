"""Who may act: on localhost everyone; on an exposed dashboard (LAB_HOST not loopback)
starting, cancelling and deleting runs need LAB_TOKEN, entered once per browser session,
or the dashboard is read-only. Also hides server details (tracebacks, paths) when exposed.
"""
from __future__ import annotations

import ast
import hmac
import re
import os

import streamlit as st

LOOPBACK = ("127.0.0.1", "localhost", "::1", "")
# what GFM autolinks: a scheme before "://", "www" before ".", and the "@" of an address
AUTOLINK = re.compile(r"(?:https?|ftp|mailto|xmpp|www)(?=\\?[:.])|@", re.IGNORECASE)
MARKUP = "\\`*_[]()<>!#|~$:&"  # what could make user text a link, an image, markup or math


def exposed() -> bool:
    """True when the dashboard listens beyond this machine ($LAB_HOST, set by scripts/dashboard.sh)."""
    return os.environ.get("LAB_HOST", "127.0.0.1").strip() not in LOOPBACK


def can_act() -> bool:
    """May this browser session start, cancel or delete runs?"""
    if not exposed():
        return True
    return bool(os.environ.get("LAB_TOKEN")) and bool(st.session_state.get("_token_ok"))


def why_not() -> str:
    """One line saying why actions are disabled (empty when they are not)."""
    if can_act():
        return ""
    if not os.environ.get("LAB_TOKEN"):
        return "Read-only: this shared dashboard has no LAB_TOKEN, so runs cannot be started or changed."
    return "Read-only until the access token is entered (sidebar)."


def token_box() -> None:
    """The sidebar field where a student or teacher enters LAB_TOKEN once per session."""
    token = os.environ.get("LAB_TOKEN")
    if not exposed() or not token or st.session_state.get("_token_ok"):
        return
    given = st.sidebar.text_input("Access token", type="password", key="_token_input",
                                  help="ask the person running the dashboard; needed to start, cancel or delete runs")
    if given:
        if hmac.compare_digest(given.encode(), token.encode()):
            st.session_state["_token_ok"] = True
            st.rerun()
        st.sidebar.error("Wrong token.")


def one_line(error) -> str:
    """A stored error as one readable line: a list of messages (several seeds, or a list
    stored as its repr "['RuntimeError: ...']") joined with "; ", duplicates once."""
    if isinstance(error, str) and error.startswith("[") and error.endswith("]"):
        try:
            error = ast.literal_eval(error)
        except (ValueError, SyntaxError):
            pass
    if isinstance(error, (list, tuple)):
        return "; ".join(dict.fromkeys(one_line(e) for e in error if e))
    return " ".join(str(error or "").split())


def error_detail(text) -> str:
    """A run's error for display: the whole traceback on localhost, its last line when
    exposed; a list of errors as one line (see `one_line`)."""
    if isinstance(text, (list, tuple)) or (isinstance(text, str) and text.startswith("[")):
        text = one_line(text)
    lines = (text or "").strip().splitlines()
    if not lines:
        return ""
    return "\n".join(lines) if not exposed() else lines[-1]


def where(path) -> str:
    """A server path for display: shown on localhost, hidden when exposed."""
    return str(path) if not exposed() else "(hidden on a shared dashboard)"


def plain(text: str) -> str:
    """User or run text made safe for st.markdown/st.error: Markdown and HTML characters escaped,
    so a crafted value can never render as a link, an image or markup. Escaping does not stop
    Streamlit's autolinking (GitHub-flavoured Markdown finds `http://`, `www.` and `a@b.c` in
    the text after parsing), so a word joiner (U+2060, invisible) is put inside each of those."""
    out = []
    for ch in str(text):
        out.append("\\" + ch if ch in MARKUP else ch)
    return AUTOLINK.sub(lambda m: m.group(0) + "\u2060", "".join(out))
