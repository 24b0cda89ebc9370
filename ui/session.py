"""Who is signed in to this browser session: sign-in, the idle sign-out, sign-out."""

from __future__ import annotations

from typing import cast

import streamlit as st

from core import auth
from core.errors import SessionEnded, UserError
from core.models import Actor

from . import keys
from .common import practice, session_ended


def oidc_configured() -> bool:
    """Streamlit's built-in sign-in is used when the secrets name an identity provider."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def signed_in_actor() -> Actor | None:
    """The session's actor, or None: signs in an OIDC user, and signs out an idle session."""
    actor = st.session_state.get(keys.ACTOR)
    moment = auth.now()
    if actor is not None:
        try:
            auth.check_session(practice(), actor)  # idle, signed out elsewhere, disabled, locked, roles changed
        except SessionEnded as e:
            session_ended(e)
            return None
    elif oidc_configured() and st.user.is_logged_in:
        try:
            email = cast(str | None, st.user.get("email"))  # the OIDC email claim is a string when present
            actor = auth.sign_in_oidc(practice(), email)
        except UserError as e:
            st.session_state[keys.NOTICE] = e.message
            return None
        st.session_state[keys.ACTOR], st.session_state[keys.SIGNED_IN_AT] = actor, moment
    return actor


def sign_in(user_id: str, password: str) -> None:
    actor = auth.sign_in(practice(), user_id, password)
    unsaved = st.session_state.pop(keys.UNSAVED_AT_SIGN_OUT, None)
    if unsaved and unsaved[0] == actor.id:  # text a save refused when the session ended: shown back to its author
        _, client_id, text = unsaved
        st.session_state[keys.closed_draft(client_id)] = (
            "You were signed out before this text was saved; it is not in the draft.",
            text,
        )
        st.session_state[keys.LAST_CLIENT] = client_id
    st.session_state[keys.ACTOR] = actor
    st.session_state[keys.SIGNED_IN_AT] = auth.now()


def sign_out(reason: str = "signed out") -> None:
    actor = st.session_state.get(keys.ACTOR)
    if actor is not None:
        auth.sign_out(practice(), actor, reason)
    st.session_state.clear()  # nothing of the session survives: drafts are in the database
    if actor is not None and actor.auth == "oidc":
        st.logout()
