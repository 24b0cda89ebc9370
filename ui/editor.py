"""The draft editor: saves while typing, and keeps what each window typed when another window got there first.

Each browser window (Streamlit session) holds an `EditorWindow` for the draft it shows: the revision
its text is based on and the text the server holds for it. Every save carries that revision, so core
refuses a save based on a text someone else has changed since; the window then keeps the typed text
on screen and offers to copy it, to load the latest version or to save it as the newest version.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import streamlit as st

from core import summaries
from core.errors import DraftClosed, SessionEnded, StaleDraft, UserError
from core.models import ActiveDraft
from core.safety import shown

from . import keys
from .common import local, practice, session_ended, user_errors
from .frame import current_actor

HEIGHT = 600
_EDITOR = st.components.v2.component(
    "treatment_summaries.draft_editor",
    js=(Path(__file__).with_name("editor.js")).read_text(),
    isolate_styles=False,
    css="""
    .ts-editor label { display: block; font-size: 0.875rem; margin-bottom: 0.25rem; }
    .ts-editor textarea { width: 100%; box-sizing: border-box; resize: vertical; padding: 0.6rem 0.75rem;
        font: 0.95rem/1.5 "Source Code Pro", ui-monospace, monospace; color: var(--st-text-color);
        background: var(--st-secondary-background-color); border: 1px solid transparent; border-radius: 0.5rem; }
    .ts-editor textarea:focus { outline: none; border-color: var(--st-primary-color); }
    .ts-editor textarea:disabled { opacity: 0.75; }
    .ts-editor-status { font-size: 0.875rem; margin-top: 0.3rem; min-height: 1.3rem; color: #4a5560; }
    .ts-editor-status[data-kind="pending"] { color: #8a5a00; }
    .ts-editor-status[data-kind="error"] { color: #b3261e; font-weight: 600; }
    """,
)


@dataclass(frozen=True)
class EditorWindow:
    """What this window shows of a draft: `text` as saved at `revision`, or the kept text of a refused save."""

    doc: int  # bumped whenever the server replaces the text on screen on purpose
    revision: int
    text: str
    status: str
    acked: int = 0  # the last save event handled
    refused: str | None = None  # why the last save was refused (then `kept` holds the typed text)
    kept: str | None = None


def saved_status(draft: ActiveDraft) -> str:
    return f"Saved {local(draft.changed_at, '%H:%M:%S')}"


def window(draft: ActiveDraft) -> EditorWindow:
    """This window's state for the draft, made from the stored draft the first time it is shown."""
    w = st.session_state.get(keys.editor(draft.id))
    if w is None:
        w = st.session_state[keys.editor(draft.id)] = EditorWindow(1, draft.revision, draft.text, saved_status(draft))
    return w


def show(draft: ActiveDraft) -> None:
    """Put the draft's stored text on screen (after Undo, Redo, Update or "load the latest")."""
    old = st.session_state.get(keys.editor(draft.id))
    st.session_state[keys.editor(draft.id)] = EditorWindow(
        (old.doc + 1) if old else 1, draft.revision, draft.text, saved_status(draft), old.acked if old else 0
    )


def forget(draft_id: str) -> None:
    st.session_state.pop(keys.editor(draft_id), None)


def _on_save(draft_id: str, client_id: str) -> None:
    event = st.session_state[keys.editor_widget(draft_id)].get("save")
    w: EditorWindow | None = st.session_state.get(keys.editor(draft_id))
    if not event or w is None:
        return
    text, acked = event["text"], event["seq"]
    if w.refused is not None or event["doc"] != w.doc:
        # A refused window saves nothing more until the clinician chooses; it keeps the newest text.
        st.session_state[keys.editor(draft_id)] = replace(
            w,
            acked=acked,
            kept=text,
            refused=w.refused or "typed on a version replaced since",
            status=w.status if w.refused else "Not saved",
        )
        return
    try:
        saved = summaries.save(practice(), current_actor(), draft_id, text, base_revision=w.revision)
    except StaleDraft as e:
        st.session_state[keys.editor(draft_id)] = replace(
            w, acked=acked, refused=e.message, kept=text, status="Not saved: this draft was changed in another window"
        )
    except SessionEnded as e:
        session_ended(e, (current_actor().id, client_id, text))
    except DraftClosed as e:
        # The draft is gone (signed or discarded elsewhere): the Summary tab shows the typed text instead.
        st.session_state[keys.closed_draft(client_id)] = (e.message, text)
        forget(draft_id)
    except UserError as e:
        st.session_state[keys.editor(draft_id)] = replace(w, acked=acked, status=f"Not saved: {e.message}")
    else:
        st.session_state[keys.editor(draft_id)] = replace(
            w, acked=acked, revision=saved.revision, text=text, status=f"Saved {local(saved.saved_at, '%H:%M:%S')}"
        )


def render(draft: ActiveDraft, editable: bool) -> EditorWindow:
    """The editor, and below it what to do when this window's last save was refused."""
    w = window(draft)
    _EDITOR(
        key=keys.editor_widget(draft.id),
        on_save_change=lambda: _on_save(draft.id, draft.client_id),
        data={
            "key": draft.id,
            "doc": w.doc,
            "text": w.kept if w.kept is not None else w.text,
            "acked": w.acked,
            "status": w.status,
            "error": w.status.startswith("Not saved"),
            "blocked": w.refused is not None,
            "disabled": not editable,
            "height": HEIGHT,
            "label": (
                "Draft text (Markdown); edits save automatically as you type" if editable else "Draft text (read only)"
            ),
        },
    )
    if w.refused is not None:
        refused_panel(draft, w)
    elif draft.revision != w.revision:
        st.info(
            shown(
                f"{summaries.display_name(practice(), draft.changed_by)} changed this draft at "
                f"{local(draft.changed_at, '%H:%M:%S')} in another window; this window still shows the text "
                "before that change. Load the latest version before you go on."
            ),
            icon=":material/sync:",
        )
        if st.button("Load the latest version", key=f"load_latest:{draft.id}", icon=":material/refresh:"):
            show(draft)
            st.rerun()
    return w


def refused_panel(draft: ActiveDraft, w: EditorWindow) -> None:
    with st.container(border=True):
        st.warning(shown(w.refused or ""), icon=":material/sync_problem:")
        st.caption("Your text, as typed in this window (copy it with the button at its top right):")
        st.code(w.kept or "", language=None, wrap_lines=True, height=160)
        c1, c2 = st.columns(2)
        if c1.button(
            "Load the latest version", key=f"load_latest:{draft.id}", icon=":material/refresh:", width="stretch"
        ):
            show(summaries.active_draft(practice(), current_actor(), draft.client_id) or draft)
            st.rerun()
        if c2.button(
            "Save my text as the newest version",
            key=f"save_mine:{draft.id}",
            icon=":material/save:",
            width="stretch",
            help="The other window's text stays in the version history.",
        ):
            with user_errors():
                latest = summaries.active_draft(practice(), current_actor(), draft.client_id) or draft
                summaries.save(practice(), current_actor(), draft.id, w.kept or "", base_revision=latest.revision)
                show(summaries.active_draft(practice(), current_actor(), draft.client_id) or latest)
                st.rerun()


def closed_notice(client_id: str) -> None:
    """What was typed in a window whose draft was signed or discarded elsewhere: kept on screen."""
    notice = st.session_state.get(keys.closed_draft(client_id))
    if not notice:
        return
    message, text = notice
    with st.container(border=True):
        st.warning(shown(message), icon=":material/sync_problem:")
        st.caption("What you typed in this window, not saved (copy it with the button at its top right):")
        st.code(text, language=None, wrap_lines=True, height=160)
        if st.button("I have copied it; dismiss", key=f"dismiss_closed:{client_id}"):
            del st.session_state[keys.closed_draft(client_id)]
            st.rerun()
