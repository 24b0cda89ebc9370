"""Treatment Summaries: routes only (page config, navigation, shared sidebar)."""

import streamlit as st

from ui.common import current_actor, practice

st.set_page_config(page_title="Treatment Summaries", page_icon=":material/clinical_notes:", layout="wide")

STAFF = {
    "Charts": [
        st.Page("pages/clients.py", title="Clients", icon=":material/group:", default=True),
        st.Page("pages/client.py", title="Client record", icon=":material/person:"),
    ],
    "Practice": [
        st.Page("pages/quality_lab.py", title="Quality lab", icon=":material/science:"),
        st.Page("pages/import_fhir.py", title="Import FHIR", icon=":material/upload_file:"),
        st.Page("pages/audit.py", title="Audit log", icon=":material/history:"),
    ],
}
PORTAL = st.Page("pages/portal.py", title="Client portal", icon=":material/lock_person:")

# The client portal is another audience: it shows no staff navigation, names or engine details.
page = st.navigation([*(p for group in STAFF.values() for p in group), PORTAL], position="hidden")
if page.url_path != PORTAL.url_path:
    with st.sidebar:
        for section, pages in STAFF.items():
            st.caption(section)
            for p in pages:
                st.page_link(p)
        st.divider()
        actor = current_actor()
        st.caption(f"Signed in as {actor.display_name}, {actor.credentials}")
        st.caption(f"Drafting engine: {practice().engine().label}")
        st.page_link(PORTAL, label="Client portal (as a client sees it)")
page.run()
