"""The sign-in form, shown in place of any staff page until someone signs in."""

from __future__ import annotations

import streamlit as st

from . import keys
from .common import user_errors
from .session import oidc_configured, sign_in


def render() -> None:
    st.title("Treatment Summaries")
    if notice := st.session_state.pop(keys.NOTICE, None):
        st.info(notice, icon=":material/info:")
    st.caption("Protected health information. Sign in to continue.")
    if oidc_configured():
        if st.button("Sign in with the practice's identity provider", type="primary", key="oidc_login"):
            st.login()
        st.divider()
    with st.form("sign_in"):
        user_id = st.text_input("User name", key="sign_in_user", autocomplete="username")
        password = st.text_input("Password", type="password", key="sign_in_password", autocomplete="current-password")
        if st.form_submit_button("Sign in", type="primary"):
            with user_errors():
                sign_in(user_id, password)
                st.rerun()  # the page at this address now runs for the signed-in user
