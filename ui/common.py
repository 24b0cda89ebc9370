"""Cached resources, session-state keys and the one way errors are shown."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from core.config import load_settings
from core.errors import UserError
from core.service import Practice


def secrets() -> dict:
    """Streamlit secrets as a plain mapping; an app without a secrets file has none."""
    try:
        return {k: v for k, v in st.secrets.items() if isinstance(v, (str, int, float, bool))}
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return {}


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
    return st.query_params.get("client")


def open_client(client_id: str, tab: str = "Chart") -> None:
    st.query_params["client"] = client_id
    st.session_state["client_tab"] = tab
    st.switch_page("pages/client.py")
