"""The frame around every staff screen: page setup, the sign-in gate with the idle sign-out, the
sidebar with the links each role may open, and the role check of each screen.

app.py puts every screen in this frame through `st.navigation`. The screens live in `pages/` (the
product's layout), which Streamlit also reads as its own multipage folder: in the first session
after a start, before app.py has run once, a deep link runs the screen's file directly. Each
screen's first call, `require_page`, then draws the same frame itself, so no screen is ever shown
outside it; Streamlit's automatic page list is hidden by `client.showSidebarNavigation = false`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from core import access
from core.models import Actor, signature
from core.safety import shown

from . import keys, signin
from .common import opened, practice, style
from .session import sign_out, signed_in_actor

# Staff screens: (section, file, title, icon, the action that opens it). Core enforces the same actions again.
STAFF_PAGES = (
    ("Charts", "pages/clients.py", "Clients", ":material/group:", "view"),
    ("Charts", "pages/client.py", "Client record", ":material/person:", "view"),
    ("Practice", "pages/quality_lab.py", "Quality lab", ":material/science:", "quality_lab"),
    ("Practice", "pages/import_fhir.py", "Import FHIR", ":material/upload_file:", "import"),
    ("Practice", "pages/import_notes.py", "Import notes", ":material/note_add:", "import"),
    ("Practice", "pages/audit.py", "Audit log", ":material/history:", "audit_log"),
    ("Practice", "pages/users.py", "User accounts", ":material/manage_accounts:", "manage_users"),
)
PORTAL = ("pages/portal.py", "Client portal", ":material/lock_person:")
SIGN_IN = ("pages/sign_in.py", "Sign in", ":material/login:")

_run = threading.local()  # Streamlit runs each session's script on a thread of its own


def setup() -> None:
    st.set_page_config(page_title="Treatment Summaries", page_icon=":material/clinical_notes:", layout="wide")
    style()


def home_page(actor: Actor) -> str | None:
    """The first screen the actor's roles open."""
    return next((path for _, path, _, _, action in STAFF_PAGES if access.can(actor, action)), None)


def sidebar(actor: Actor) -> None:
    with st.sidebar:
        section = None
        for name, path, title, icon, action in STAFF_PAGES:
            if access.can(actor, action):
                if name != section:
                    st.caption(name)
                    section = name
                st.page_link(path, label=title, icon=icon)
        st.divider()
        st.caption(
            shown(
                f"Signed in as {signature(actor.display_name, actor.credentials)} "
                f"({', '.join(r.replace('_', ' ') for r in actor.roles)})"
            )
        )
        st.caption(f"Drafting engine: {practice().engine().label}")
        st.button("Sign out", key="sign_out", icon=":material/logout:", on_click=sign_out)


def navigation() -> st.Page:
    """app.py: the pages this session may open, with the sign-in gate in front of the staff ones."""
    setup()
    opened()
    actor = signed_in_actor()
    portal = st.Page(PORTAL[0], title=PORTAL[1], icon=PORTAL[2])
    if actor is None:
        # Before sign-in every staff address shows the sign-in form (and, once signed in, its own page);
        # only the client portal, which has its own access code, runs as itself.
        sign_in = st.Page(SIGN_IN[0], title=SIGN_IN[1], icon=SIGN_IN[2], default=True)
        staff = [st.Page(path, title=title, icon=icon) for _, path, title, icon, _ in STAFF_PAGES]
        page = st.navigation([sign_in, *staff, portal], position="hidden")
        if page.url_path not in (portal.url_path, sign_in.url_path):
            signin.render()
            st.stop()
        return page
    home = home_page(actor)
    staff = [
        st.Page(path, title=title, icon=icon, default=path == home)
        for _, path, title, icon, action in STAFF_PAGES
        if access.can(actor, action)
    ]
    sign_in = st.Page(SIGN_IN[0], title=SIGN_IN[1], icon=SIGN_IN[2], default=home is None)
    page = st.navigation([*staff, portal, sign_in], position="hidden")
    if page.url_path != portal.url_path:  # the portal is another audience: no staff navigation there
        sidebar(actor)
    return page


@contextmanager
def framed() -> Iterator[None]:
    """app.py runs the chosen page inside this: the frame is drawn already."""
    _run.framed = True
    try:
        yield
    finally:
        _run.framed = False


def current_actor() -> Actor:
    """The signed-in person. A screen runs only inside the frame, so never without one."""
    actor = st.session_state.get(keys.ACTOR)
    if actor is None:
        signin.render()
        st.stop()
    return actor


def require_page(action: str) -> Actor:
    """Every staff screen's first call: the frame if Streamlit ran the file past app.py, then the
    signed-in actor, if their role opens this screen; otherwise the screen stops here."""
    if not getattr(_run, "framed", False):
        setup()
        opened()
        actor = signed_in_actor()
        if actor is None:
            signin.render()
            st.stop()
        sidebar(actor)
    actor = current_actor()
    if not access.can(actor, action):
        st.error(f"Your role does not allow you to {access.LABELS.get(action, action)}.", icon=":material/block:")
        st.stop()
    return actor
