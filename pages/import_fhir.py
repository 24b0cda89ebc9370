"""Import FHIR R4 bundles (or NDJSON) from an EHR export, so those charts can be summarized."""

import streamlit as st

from core import charts
from core.safety import shown
from ui.chart import load_chart
from ui.common import practice, uploaded
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
    with uploaded(files) as (paths, show_progress):
        reports = charts.import_fhir(
            practice(),
            current_actor(),
            paths,
            show_progress,
            behavioral_only=not everything,
        )
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
