"""Cached resources, the one way errors are shown, times as the practice reads them, and opening a client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from core.config import load_settings
from core.errors import UserError
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
    """One practice (one DuckDB connection) per server process, shared by every session."""
    return Practice.open(load_settings(secrets()))


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a core error where the user is, in its own words; anything else is a real bug."""
    try:
        yield
    except UserError as e:
        st.error(e.message, icon=":material/error:")


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
