"""Clients: find a client by name or id, see what waits on each chart, and open their Summary tab."""

from datetime import datetime

import pandas as pd
import streamlit as st

from core import charts
from core.safety import shown
from ui.common import local, open_client, practice
from ui.frame import current_actor, require_page

require_page("view")
WHEN_WHO = 240  # pixels: "2026-11-30 14:02 · Ruth Abernathy" and a longer name


def when_who(moment: datetime | None, who: str | None) -> str:
    """When, in the practice's time zone, and who: "2026-11-30 14:02 · Ruth Abernathy"; empty if never."""
    return f"{local(moment)} · {shown(who or '')}" if moment else ""


st.title("Clients")
search = st.text_input(
    "Search by name or client id", key="client_search", placeholder="e.g. Ñúñez or C1001", type="search"
)
if st.session_state.get("client_page_search") != search:  # a new search starts at its first page
    st.session_state["client_page_search"], st.session_state["client_page"] = search, 0
found = charts.client_page(practice(), current_actor(), search, st.session_state.get("client_page", 0))
rows = found.rows
if not rows:
    st.info(shown(f"No client matches '{search}'. Check the spelling or search by client id."))
    st.stop()

table = pd.DataFrame(
    [
        {
            "Client": shown(r.full_name),
            "ID": shown(r.id),
            "Clinician": shown(r.clinician or ""),
            "Draft in progress": when_who(r.draft_started_at, r.draft_started_by),
            "Draft last changed": when_who(r.draft_changed_at, r.draft_changed_by),
            "Last signed": when_who(r.last_signed_at, r.last_signed_by),
            "Unsigned notes": r.unsigned_notes,
            "First seen": r.first_date,
            "Last seen": r.last_date,
        }
        for r in rows
    ]
)
zone = practice().settings.timezone
shown_range = f" (here {found.first + 1}-{found.first + len(rows)})" if found.total > len(rows) else ""
st.caption(
    f"{found.total:,} client{'s' if found.total != 1 else ''}{shown_range}. Select a row to open the client's "
    f"Summary tab (the Chart tab is beside it). Times are in the practice's time zone, {zone}."
)
picked = st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode=["single-row", "single-cell"],  # a click on any cell of a row opens that client
    key="client_table",
    column_config={
        "Client": st.column_config.TextColumn(width=160),
        "ID": st.column_config.TextColumn(width=70),
        "Clinician": st.column_config.TextColumn(width=140),
        "Draft in progress": st.column_config.TextColumn(
            width=WHEN_WHO, help="The open draft: when it was started and by whom. Empty when there is none."
        ),
        "Draft last changed": st.column_config.TextColumn(
            width=WHEN_WHO, help="The open draft's latest edit, Update, Undo or Redo: when and by whom."
        ),
        "Last signed": st.column_config.TextColumn(
            width=WHEN_WHO, help="The newest signed treatment summary that was not deleted: when, and who signed it."
        ),
        "Unsigned notes": st.column_config.NumberColumn(
            width=115, help="Intake and progress notes without a signature: a summary can use them only once signed."
        ),
        "First seen": st.column_config.DateColumn(width=95),
        "Last seen": st.column_config.DateColumn(width=95),
    },
)
if found.total > found.per_page:
    pages = -(-found.total // found.per_page)
    number = found.first // found.per_page
    back, where, ahead = st.columns([1, 2, 1], vertical_alignment="center")
    if back.button("Previous", icon=":material/chevron_left:", disabled=number == 0, width="stretch"):
        st.session_state["client_page"] = number - 1
        st.rerun()
    where.caption(f"Page {number + 1} of {pages:,}. Search to find a client at once.")
    if ahead.button("Next", icon=":material/chevron_right:", disabled=number + 1 >= pages, width="stretch"):
        st.session_state["client_page"] = number + 1
        st.rerun()
chosen = picked.selection.rows or [row for row, _ in picked.selection.cells]
if chosen:
    open_client(rows[chosen[0]].id, tab="Summary")
