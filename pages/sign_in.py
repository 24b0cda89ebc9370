"""Sign in: nobody reaches chart data without it."""

import streamlit as st

from ui import signin
from ui.frame import current_actor, home_page

if "actor" in st.session_state and (home := home_page(current_actor())):
    st.switch_page(home)  # signed in at the sign-in address: go to the first page the role opens
signin.render()
