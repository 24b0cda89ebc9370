"""Cached resources, the one way errors are shown, times as the practice reads them, and opening a client."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import streamlit as st

from core import charts
from core.config import load_settings
from core.errors import SessionEnded, UserError
from core.safety import shown
from core.service import Practice

from . import keys


def secrets() -> dict:
    """Streamlit secrets as a plain mapping; an app without a secrets file has none."""
    try:
        return {k: v for k, v in st.secrets.items() if isinstance(v, (str, int, float, bool))}
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return {}


# Destructive confirmations look destructive; Streamlit gives every keyed widget an "st-key-<key>" class.
STYLE = """<style>
[class*="st-key-confirm_delete"] button, [class*="st-key-confirm_discard"] button {
  background-color: #b3261e; border-color: #b3261e; color: #fff; }
[class*="st-key-confirm_delete"] button:hover, [class*="st-key-confirm_discard"] button:hover {
  background-color: #8c1d18; border-color: #8c1d18; color: #fff; }
</style>"""


def style() -> None:
    st.html(STYLE)


@st.cache_resource(show_spinner="Opening the chart database…")
def practice() -> Practice:
    """One practice (one DuckDB connection) per server process, shared by every session. The demo
    charts and accounts come only when asked for (TS_DEMO=1, as `./dev app` does); otherwise the
    database must exist (`python -m core init`)."""
    return Practice.open(load_settings(secrets()), demo_data=os.environ.get("TS_DEMO") == "1")


def opened() -> None:
    """The database opens, or the screen (the portal too) says why not, in core's words."""
    try:
        practice()
    except UserError as e:
        st.error(e.message, icon=":material/database:")
        st.stop()


@contextmanager
def uploaded(files) -> Iterator[tuple[list[Path], Callable[[int, int, str], None]]]:
    """Uploaded files as paths in a folder of their own (gone afterwards), and a progress bar's
    callback (done, total, file name) for core's import use cases; a UserError shows as an error."""
    bar = st.progress(0.0, text="Reading files…")

    def show_progress(done: int, total: int, name: str) -> None:
        bar.progress(done / total, text=shown(f"Read {name} ({done} of {total})"))

    with tempfile.TemporaryDirectory() as folder, user_errors():
        paths = []
        for f in files:
            path = Path(folder) / Path(f.name).name
            path.write_bytes(f.getvalue())
            paths.append(path)
        yield paths, show_progress
        bar.progress(1.0, text="Imported.")


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a core error where the user is, in its own words; anything else is a real bug."""
    try:
        yield
    except SessionEnded as e:  # core ended the sign-in: back to the sign-in screen, saying why
        session_ended(e)
        st.rerun()
    except UserError as e:
        st.error(shown(e.message), icon=":material/error:")  # messages quote what was typed or asked for


def session_ended(e: SessionEnded, unsaved: tuple[str, str, str] | None = None) -> None:
    """Core ended the sign-in session (and recorded why): nothing of this browser session is kept but
    the notice and, if a save was refused for it, the (user, client, text) typed, shown back only to
    the same user once they sign in again."""
    st.session_state.clear()
    st.session_state[keys.NOTICE] = e.message
    if unsaved:
        st.session_state[keys.UNSAVED_AT_SIGN_OUT] = unsaved


def may(action: str, client_id: str) -> bool:
    """Whether to offer the action on this client: core's answer, asked once per client in a session
    (a change of roles ends the session; core checks every action again anyway)."""
    key = keys.permitted(client_id)
    if key not in st.session_state:
        st.session_state[key] = charts.permitted(practice(), st.session_state[keys.ACTOR], client_id)
    return action in st.session_state[key]


def current_client_id() -> str | None:
    """The client in the address; else the one this session last opened (the sidebar's "Client record")."""
    client_id = st.query_params.get("client")
    if client_id:
        st.session_state[keys.LAST_CLIENT] = client_id
    elif client_id := st.session_state.get(keys.LAST_CLIENT):
        st.query_params["client"] = client_id
    return client_id


def open_client(client_id: str, tab: str = "Chart") -> None:
    # The address carries the client: switch_page clears the current query parameters.
    st.session_state[keys.LAST_CLIENT] = client_id
    st.switch_page("pages/client.py", query_params={"client": client_id, "tab": tab})


def local(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time in the practice's time zone."""
    if moment is None:
        return ""
    zone = ZoneInfo(practice().settings.timezone)
    return moment.replace(tzinfo=UTC).astimezone(zone).strftime(fmt)


def zone_name() -> str:
    return datetime.now(ZoneInfo(practice().settings.timezone)).strftime("%Z")
