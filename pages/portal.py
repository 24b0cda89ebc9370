"""Client portal: what a client sees with their access code (only their shared summaries)."""

import streamlit as st

from core import summaries
from core.safety import shown
from ui.common import local, opened, practice, user_errors

opened()
st.title("Client portal")
code = st.text_input(
    "Access code",
    key="portal_code",
    type="password",
    value=st.query_params.get("token", ""),
    help="The personal code your care team gave you.",
)
if not code:
    st.caption("Enter the access code from your care team to see the treatment summaries shared with you.")
    st.stop()
with user_errors():
    view = summaries.portal(practice(), code)
    st.subheader(shown(f"Hello, {view.first_name}"))
    if not view.summaries:
        st.info("Your care team has not shared any treatment summaries with you yet.")
    for s in view.summaries:
        with st.container(border=True):
            st.markdown(f"**Treatment Summary** · {s.range_start:%Y-%m-%d} to {s.range_end:%Y-%m-%d}")
            st.caption(shown(f"Signed by {s.signature} on {local(s.signed_at, '%Y-%m-%d')}"))
            with st.expander("Read"):
                st.markdown(shown(s.text))
