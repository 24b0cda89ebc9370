"""Clients: find a client by name or id and open their chart."""

import pandas as pd
import streamlit as st

from core import charts
from core.safety import shown
from ui.common import open_client, practice
from ui.frame import current_actor, require_page

require_page("view")

st.title("Clients")
search = st.text_input(
    "Search by name or client id", key="client_search", placeholder="e.g. Ñúñez or C1001", type="search"
)
rows = charts.find_clients(practice(), current_actor(), search)
if not rows:
    st.info(shown(f"No client matches '{search}'. Check the spelling or search by client id."))
    st.stop()

table = pd.DataFrame(
    [
        {
            "Client": r.full_name,
            "ID": r.id,
            "Clinician": r.clinician,
            "First seen": r.first_date,
            "Last seen": r.last_date,
        }
        for r in rows
    ]
)
st.caption(f"{len(rows)} client{'s' if len(rows) != 1 else ''}. Select a row to open the chart.")
picked = st.dataframe(
    table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="client_table"
)
if picked.selection.rows:
    open_client(rows[picked.selection.rows[0]].id)
