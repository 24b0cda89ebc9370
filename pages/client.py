"""A client's record: the chart at a glance and the Summary tab."""

import streamlit as st

from ui import chart, workspace
from ui.common import current_client_id, user_errors
from ui.frame import require_page

require_page("view")

client_id = current_client_id()
if not client_id:
    st.info("Choose a client on the Clients page first.")
    st.page_link("pages/clients.py", label="Go to Clients", icon=":material/group:")
    st.stop()

with user_errors():
    chart.header(client_id)
    overview, summary = st.tabs(["Chart", "Summary"], key="tab", on_change="rerun", bind="query-params")
    if overview.open:
        with overview:
            chart.render(client_id)
    if summary.open:
        with summary:
            workspace.render(client_id)
