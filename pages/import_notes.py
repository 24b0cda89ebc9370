"""Import notes from files into one client's chart: plain text, Markdown, CSV (a note per row), PDF."""

import streamlit as st

from core import charts
from core.models import NOTE_TYPES
from core.note_files import SUFFIXES, Defaults
from core.safety import shown
from ui.chart import load_chart
from ui.common import practice, uploaded
from ui.frame import current_actor, require_page

require_page("import")

st.title("Import notes")
st.caption(
    "Plain text, Markdown and PDF files (one note each) and CSV files (a note per row, with columns for "
    "text and, where known, date, type, title, author and signed). Each note keeps its type: administrative, "
    "cancellation and psychotherapy notes stay out of summaries, and so do unsigned notes. All files are "
    "imported, or none if one row or page is bad; importing the same file again adds nothing."
)
search = st.text_input("Client", placeholder="Name or client id", key="notes_client_search")
matches = charts.find_clients(practice(), current_actor(), search)[:50] if search.strip() else []
wanted = st.query_params.get("client")
if wanted and not search.strip():
    matches = [r for r in charts.find_clients(practice(), current_actor(), wanted) if r.id == wanted]
client = st.selectbox(
    "Import into the chart of",
    matches,
    format_func=lambda r: shown(f"{r.full_name} ({r.id})"),
    placeholder="Search for the client first" if not matches else "Choose a client",
    key=f"notes_client:{search.strip().lower()}",  # a new search offers its own first match
)
files = st.file_uploader(
    "Note files", type=[s.lstrip(".") for s in SUFFIXES], accept_multiple_files=True, key="notes_files"
)
left, middle, right = st.columns(3)
note_type = left.selectbox(
    "Type, where a file does not say", NOTE_TYPES, index=NOTE_TYPES.index("progress"), key="notes_type"
)
note_date = middle.date_input(
    "Date, where a file does not say", value=None, max_value=practice().today(), key="notes_date", format="YYYY-MM-DD"
)
author = right.text_input("Author, where a file does not say", placeholder="Clinician id or name", key="notes_author")
signed = st.toggle("The notes are signed (final)", value=True, key="notes_signed")

if st.button("Import notes", type="primary", disabled=not (files and client), key="notes_import"):
    with uploaded(files) as (paths, show_progress):
        defaults = Defaults(note_type, note_date, author.strip() or None, signed)
        reports = charts.import_notes(practice(), current_actor(), client.id, paths, defaults, show_progress)
        load_chart.clear()
        for r in reports:
            st.text(r.describe())
        st.page_link(
            "pages/client.py", label="Open the chart", query_params={"client": client.id}, icon=":material/person:"
        )
