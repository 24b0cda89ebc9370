"""The web server: the app (app.py, run by Streamlit for each session) and one route of its own,
/download/<ticket>, so that a PDF or an export leaves the server once, to the session that asked
for it (see core.downloads). `streamlit run serve.py` runs it; `./dev app` does."""

from pathlib import Path

import streamlit as st
from starlette.routing import Route

from ui.route import ROUTE, serve

app = st.App(str(Path(__file__).with_name("app.py")), routes=[Route(ROUTE, serve, methods=["GET"])])
