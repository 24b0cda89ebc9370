"""Cached resources, session-state keys and the one way errors are shown."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

import streamlit as st

from core import access, auth
from core.config import load_settings
from core.errors import UserError
from core.models import Actor
from core.service import Practice


def secrets() -> dict:
    """Streamlit secrets as a plain mapping; an app without a secrets file has none."""
    try:
        return {k: v for k, v in st.secrets.items() if isinstance(v, (str, int, float, bool))}
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return {}


def _navigation_is_app_py() -> bool:
    """app.py declares the pages (st.navigation, by role). Streamlit only learns that when app.py
    first runs; until then a deep link in the first session after a restart runs the file in
    pages/ directly (its pages-folder mode), past the navigation. Every page imports this module,
    so saying it here closes that gap; returns whether the run importing it was in that mode."""
    from streamlit.runtime.pages_manager import PagesManager

    was = bool(PagesManager.uses_pages_directory)
    PagesManager.uses_pages_directory = False
    return was


_PAGES_FOLDER_RUN = [_navigation_is_app_py()]


def _through_app_py() -> None:
    """Serve the run that found Streamlit in pages-folder mode again, now through app.py (widgets
    made outside app.py's navigation would not survive the switch, so none are shown first)."""
    if _PAGES_FOLDER_RUN[0]:
        _PAGES_FOLDER_RUN[0] = False
        st.rerun()


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


LAST_CLIENT = "last_client"


def current_client_id() -> str | None:
    """The client in the address; else the one this session last opened (the sidebar's "Client record")."""
    client_id = st.query_params.get("client")
    if client_id:
        st.session_state[LAST_CLIENT] = client_id
    elif client_id := st.session_state.get(LAST_CLIENT):
        st.query_params["client"] = client_id
    return client_id


def open_client(client_id: str, tab: str = "Chart") -> None:
    # The address carries the client: switch_page clears the current query parameters.
    st.session_state[LAST_CLIENT] = client_id
    st.switch_page("pages/client.py", query_params={"client": client_id, "tab": tab})


def current_actor() -> Actor:
    """The signed-in person. The app routes to the sign-in page first, so a page never runs without one."""
    _through_app_py()
    actor = st.session_state.get("actor")
    if actor is None:
        from . import signin  # the form builds on this module

        signin.render()
        st.stop()
    return actor


def oidc_configured() -> bool:
    """Streamlit's built-in sign-in is used when the secrets name an identity provider."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def signed_in_actor() -> Actor | None:
    """The session's actor, or None: signs in an OIDC user, and signs out an idle session."""
    actor = st.session_state.get("actor")
    moment = auth.now()
    if actor is not None:
        if moment - st.session_state.get("last_seen", moment) > timedelta(minutes=auth.IDLE_MINUTES):
            sign_out(f"signed out after {auth.IDLE_MINUTES} minutes without activity")
            st.session_state["notice"] = (f"You were signed out after {auth.IDLE_MINUTES} minutes without "
                                          "activity. Sign in again to continue.")
            return None
    elif oidc_configured() and st.user.is_logged_in:
        try:
            actor = auth.sign_in_oidc(practice(), st.user.get("email"))
        except UserError as e:
            st.session_state["notice"] = e.message
            return None
        st.session_state["actor"], st.session_state["signed_in_at"] = actor, moment
    if actor is not None:
        st.session_state["last_seen"] = moment
    return actor


def sign_in(user_id: str, password: str) -> None:
    actor = auth.sign_in(practice(), user_id, password)
    st.session_state["actor"] = actor
    st.session_state["signed_in_at"] = st.session_state["last_seen"] = auth.now()


def sign_out(reason: str = "signed out") -> None:
    actor = st.session_state.get("actor")
    if actor is not None:
        auth.sign_out(practice(), actor, reason)
    for key in list(st.session_state):
        del st.session_state[key]  # nothing of the session survives: drafts are in the database
    if actor is not None and actor.auth == "oidc":
        st.logout()


def local(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time in the practice's time zone."""
    if moment is None:
        return ""
    zone = ZoneInfo(practice().settings.timezone)
    return moment.replace(tzinfo=timezone.utc).astimezone(zone).strftime(fmt)


def zone_name() -> str:
    return datetime.now(ZoneInfo(practice().settings.timezone)).strftime("%Z")


def require_page(action: str) -> Actor:
    """The signed-in actor, if their role opens this page; otherwise the page stops here."""
    actor = current_actor()
    if not access.can(actor, action):
        st.error(f"Your role does not allow you to {access.LABELS.get(action, action)}.", icon=":material/block:")
        st.stop()
    return actor


# Staff pages: (section, file, title, icon, the action that opens it). Core enforces the same actions again.
STAFF_PAGES = (
    ("Charts", "pages/clients.py", "Clients", ":material/group:", "view"),
    ("Charts", "pages/client.py", "Client record", ":material/person:", "view"),
    ("Practice", "pages/quality_lab.py", "Quality lab", ":material/science:", "quality_lab"),
    ("Practice", "pages/import_fhir.py", "Import FHIR", ":material/upload_file:", "import"),
    ("Practice", "pages/audit.py", "Audit log", ":material/history:", "audit_log"),
    ("Practice", "pages/users.py", "User accounts", ":material/manage_accounts:", "manage_users"),
)


def home_page(actor: Actor) -> str | None:
    """The first page the actor's roles open."""
    return next((path for _, path, _, _, action in STAFF_PAGES if access.can(actor, action)), None)
