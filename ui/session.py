"""Who is signed in to this browser session: sign-in, the idle sign-out, sign-out."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

import streamlit as st

from core import auth
from core.errors import UserError
from core.models import Actor

from . import keys
from .common import practice


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
        if moment - st.session_state.get(keys.LAST_SEEN, moment) > timedelta(minutes=auth.IDLE_MINUTES):
            sign_out(f"signed out after {auth.IDLE_MINUTES} minutes without activity")
            st.session_state[keys.NOTICE] = (
                f"You were signed out after {auth.IDLE_MINUTES} minutes without activity. Sign in again to continue."
            )
            return None
    elif oidc_configured() and st.user.is_logged_in:
        try:
            email = cast(str | None, st.user.get("email"))  # the OIDC email claim is a string when present
            actor = auth.sign_in_oidc(practice(), email)
        except UserError as e:
            st.session_state[keys.NOTICE] = e.message
            return None
        st.session_state[keys.ACTOR], st.session_state[keys.SIGNED_IN_AT] = actor, moment
    if actor is not None:
        st.session_state[keys.LAST_SEEN] = moment
    return actor


def sign_in(user_id: str, password: str) -> None:
    actor = auth.sign_in(practice(), user_id, password)
    st.session_state[keys.ACTOR] = actor
    st.session_state[keys.SIGNED_IN_AT] = st.session_state[keys.LAST_SEEN] = auth.now()


def sign_out(reason: str = "signed out") -> None:
    actor = st.session_state.get(keys.ACTOR)
    if actor is not None:
        auth.sign_out(practice(), actor, reason)
    for key in list(st.session_state):
        del st.session_state[key]  # nothing of the session survives: drafts are in the database
    if actor is not None and actor.auth == "oidc":
        st.logout()
