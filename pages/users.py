"""User accounts (administrators): add, disable, reset passwords."""

import pandas as pd
import streamlit as st

from core import auth
from core.models import ROLES
from core.safety import shown
from ui.common import local, practice, user_errors
from ui.frame import current_actor, require_page

require_page("manage_users")

st.title("User accounts")
with user_errors():
    users = auth.list_users(practice(), current_actor())
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "User": u.id,
                    "Name": u.display_name,
                    "Roles": ", ".join(u.roles),
                    "Signs as": u.clinician_id or "",
                    "E-mail": u.email or "",
                    "Status": "disabled" if u.disabled else "active",
                    "Locked until": local(u.locked_until) if u.locked_until else "",
                }
                for u in users
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    left, right = st.columns(2, gap="large")
    with left, st.form("add_user", clear_on_submit=True):
        st.markdown("**Add a user**")
        user_id = st.text_input("User name (lower case)", key="new_user_id")
        name = st.text_input("Display name", key="new_user_name")
        roles = st.multiselect("Roles", ROLES, key="new_user_roles")
        clinicians = auth.clinicians(practice(), current_actor())
        clinician = st.selectbox(
            "Signs as clinician (clinicians and supervisors)",
            [None, *clinicians],
            format_func=lambda c: "—" if c is None else shown(f"{c.signature_name} ({c.id})"),
            key="new_user_clinician",
        )
        email = st.text_input("E-mail (for identity-provider sign-in)", key="new_user_email")
        password = st.text_input("Initial password", type="password", key="new_user_password")
        if st.form_submit_button("Add user", type="primary"):
            with user_errors():
                auth.add_user(
                    practice(),
                    current_actor(),
                    user_id.strip().lower(),
                    name.strip(),
                    roles,
                    password or None,
                    clinician.id if clinician else None,
                    email.strip() or None,
                )
                st.rerun()
    with right:
        st.markdown("**Change an account**")
        target = st.selectbox("User", [u.id for u in users], key="change_user")
        new_password = st.text_input("New password", type="password", key="reset_password")
        c1, c2 = st.columns(2)
        if c1.button("Reset password", key="do_reset", disabled=not new_password):
            with user_errors():
                auth.reset_password(practice(), current_actor(), target, new_password)
                st.success(shown(f"Password of {target} reset."))
        disabled = next(u.disabled for u in users if u.id == target)
        if c2.button("Enable" if disabled else "Disable", key="do_disable"):
            with user_errors():
                auth.set_disabled(practice(), current_actor(), target, not disabled)
                st.rerun()
