"""Treatment Summaries: routes only (page config, navigation, shared sidebar)."""

import streamlit as st

from ui.common import practice

st.set_page_config(page_title="Treatment Summaries", page_icon=":material/clinical_notes:", layout="wide")

pages = [
    st.Page("pages/clients.py", title="Clients", icon=":material/group:", default=True),
    st.Page("pages/client.py", title="Client record", icon=":material/person:"),
]
navigation = st.navigation(pages)

with st.sidebar:
    engine = practice().engine()
    st.caption(f"Drafting engine: {engine.label}")
navigation.run()
