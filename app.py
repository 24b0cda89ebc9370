"""Treatment Summaries: routes only (page config, sign-in gate, navigation by role, shared sidebar)."""

import streamlit as st

from core import access
from core.models import signature
from ui import signin
from ui.common import STAFF_PAGES, home_page, practice, sign_out, signed_in_actor, style

st.set_page_config(page_title="Treatment Summaries", page_icon=":material/clinical_notes:", layout="wide")
style()

PORTAL = st.Page("pages/portal.py", title="Client portal", icon=":material/lock_person:")
actor = signed_in_actor()
if actor is None:
    # Before sign-in every staff address shows the sign-in form (and, once signed in, its own page);
    # only the client portal, which has its own access code, runs as itself.
    sign_in = st.Page("pages/sign_in.py", title="Sign in", icon=":material/login:", default=True)
    staff = [st.Page(path, title=title, icon=icon) for _, path, title, icon, _ in STAFF_PAGES]
    page = st.navigation([sign_in, *staff, PORTAL], position="hidden")
    if page.url_path not in (PORTAL.url_path, sign_in.url_path):
        signin.render()
        st.stop()
else:
    home = home_page(actor)
    sections: dict[str, list[st.Page]] = {}
    for section, path, title, icon, action in STAFF_PAGES:
        if access.can(actor, action):
            sections.setdefault(section, []).append(st.Page(path, title=title, icon=icon, default=path == home))
    sign_in = st.Page("pages/sign_in.py", title="Sign in", icon=":material/login:", default=home is None)
    page = st.navigation([*(p for group in sections.values() for p in group), PORTAL, sign_in], position="hidden")
    if page.url_path != PORTAL.url_path:  # the portal is another audience: no staff navigation there
        with st.sidebar:
            for section, group in sections.items():
                st.caption(section)
                for p in group:
                    st.page_link(p)
            st.divider()
            st.caption(f"Signed in as {signature(actor.display_name, actor.credentials)} "
                       f"({', '.join(r.replace('_', ' ') for r in actor.roles)})")
            st.caption(f"Drafting engine: {practice().engine().label}")
            st.button("Sign out", key="sign_out", icon=":material/logout:", on_click=sign_out)
page.run()
