"""Cached resources, session-state keys and the one way errors are shown."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

import streamlit as st

from core.config import load_settings
from core.errors import UserError
from core.models import Actor
from core.service import Practice

DEFAULT_CLINICIAN = "K06"


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
    st.session_state["tab"] = tab
    st.switch_page("pages/client.py")


def current_actor() -> Actor:
    """The person using the app. Until sign-in exists, the practice's clinical supervisor."""
    clinician = practice().store.clinician(DEFAULT_CLINICIAN)
    return Actor(clinician.id, clinician.display_name, "supervisor", clinician.credentials, clinician.id)


def local(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time in the practice's time zone."""
    if moment is None:
        return ""
    zone = ZoneInfo(practice().settings.timezone)
    return moment.replace(tzinfo=timezone.utc).astimezone(zone).strftime(fmt)


def zone_name() -> str:
    return datetime.now(ZoneInfo(practice().settings.timezone)).strftime("%Z")
