"""Import FHIR R4 bundles (or NDJSON) from an EHR export, so those charts can be summarized."""

import tempfile
from pathlib import Path

import streamlit as st

from core import charts
from core.safety import shown
from ui.chart import load_chart
from ui.common import practice, user_errors
from ui.frame import current_actor, require_page

require_page("import")

st.title("Import FHIR records")
st.caption(
    "FHIR R4 Bundles (JSON) or NDJSON of resources. All files are imported, or none if one is malformed; "
    "importing the same file again adds nothing."
)
files = st.file_uploader("FHIR files", type=["json", "ndjson"], accept_multiple_files=True, key="fhir_files")
everything = st.toggle(
    "Import every condition, plan, medication and encounter (not only behavioral health)", key="fhir_all"
)
if st.button("Import", type="primary", disabled=not files, key="fhir_import"):
    bar = st.progress(0.0, text="Reading files…")

    def show_progress(done: int, total: int, name: str) -> None:
        bar.progress(done / total, text=shown(f"Read {name} ({done} of {total})"))

    with tempfile.TemporaryDirectory() as folder, user_errors():
        paths = []
        for f in files:
            path = Path(folder) / Path(f.name).name
            path.write_bytes(f.getvalue())
            paths.append(path)
        reports = charts.import_fhir(
            practice(),
            current_actor(),
            paths,
            show_progress,
            behavioral_only=not everything,
        )
        bar.progress(1.0, text="Imported.")
        load_chart.clear()
        for r in reports:
            with st.container(border=True):
                st.markdown(shown(f"**{r.client_name}** → client `{r.client_id}`"))
                st.text(r.describe())
                st.page_link(
                    "pages/client.py",
                    label="Open chart",
                    query_params={"client": r.client_id},
                    icon=":material/person:",
                )
