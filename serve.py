"""The web server: the app (app.py, run by Streamlit for each session) and one route of its own,
/download/<ticket>, so that a PDF or an export leaves the server once, to the session that asked
for it (see core.downloads). `streamlit run serve.py` runs it; `./dev app` does."""

import threading
from pathlib import Path

import streamlit as st
from starlette.routing import Route

from ui.route import ROUTE, serve


def warm_pdf() -> None:
    """Load the PDF renderer (PyMuPDF, its fonts, matplotlib: about two seconds here) and render a specimen
    while the server starts, so the first Download PDF of the process costs what a later one does."""
    from core import pdf

    pdf.warm()


threading.Thread(target=warm_pdf, name="warm-pdf", daemon=True).start()
app = st.App(str(Path(__file__).with_name("app.py")), routes=[Route(ROUTE, serve, methods=["GET"])])
