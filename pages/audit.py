"""Audit log: who did what to which draft or summary, and when."""

import pandas as pd
import streamlit as st

from core import summaries
from core.safety import shown
from ui.common import local, practice
from ui.frame import current_actor, require_page

require_page("audit_log")

st.title("Audit log")
chain = summaries.audit_chain(practice(), current_actor())
if chain.holds:
    st.success(chain.describe(), icon=":material/verified:")
else:
    st.error(chain.describe(), icon=":material/gpp_bad:")
client = st.text_input("Client id (optional)", key="audit_client", placeholder="e.g. C1001").strip() or None
entries = summaries.audit_log(practice(), current_actor(), client)
if not entries:
    st.info(shown("No audit entries" + (f" for client {client}." if client else ".")))
    st.stop()
st.dataframe(
    pd.DataFrame(
        [
            {
                "When": local(e.at, "%Y-%m-%d %H:%M:%S"),
                "Who": e.actor,
                "Action": e.action,
                "Client": e.client_id,
                "Summary": e.summary_id,
                "Draft": e.draft_id,
                "Detail": e.detail,
            }
            for e in entries
        ]
    ),
    hide_index=True,
    width="stretch",
)
st.caption(f"Newest first; {len(entries)} entries shown. Note and summary text is never written to the log.")
