"""Download buttons whose file leaves the server once (see core.downloads); ui/route.py serves the
ticket's file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from core.errors import SessionEnded, UserError

from . import keys
from .common import session_ended
from .route import ROUTE

_BUTTON = st.components.v2.component(
    "treatment_summaries.download",
    js=(Path(__file__).with_name("download.js")).read_text(),
    isolate_styles=False,
    css="""
    .ts-download { width: 100%; min-height: 2.5rem; padding: 0.25rem 0.75rem; border-radius: 0.5rem;
        font: inherit; font-size: 0.875rem; color: var(--st-text-color); background: var(--st-background-color);
        border: 1px solid rgba(49, 51, 63, 0.2); cursor: pointer; }
    .ts-download:hover { border-color: var(--st-primary-color); color: var(--st-primary-color); }
    """,
)


def button(label: str, key: str, file_name: str, ticket: Callable[[], str], help: str = "") -> None:
    """A download button: on click, `ticket()` asks core for a one-use ticket and the browser fetches it."""
    url = st.session_state.pop(keys.download(key), None)
    if error := st.session_state.pop(keys.download_error(key), None):
        st.error(error, icon=":material/error:")
    _BUTTON(
        key=key,
        data={"label": label, "url": url, "fileName": file_name, "help": help},
        on_click_change=lambda: _clicked(key, ticket),
    )


def _clicked(key: str, ticket: Callable[[], str]) -> None:
    try:
        st.session_state[keys.download(key)] = ROUTE.format(ticket=ticket())
    except SessionEnded as e:
        session_ended(e)
    except UserError as e:
        st.session_state[keys.download_error(key)] = e.message
