"""Every session-state key that more than one place reads or writes, spelled once."""

from __future__ import annotations

ACTOR = "actor"  # the signed-in core.models.Actor
SIGNED_IN_AT = "signed_in_at"
NOTICE = "notice"  # a message for the sign-in form (why the session ended)
LAST_CLIENT = "last_client"  # the sidebar's "Client record" opens it
DIALOG = "dialog"  # (kind, target id) of the open confirmation dialog
COMPARE_RUNS = "compare_runs"


def editor(draft_id: str) -> str:
    """This window's EditorWindow for a draft."""
    return f"editor:{draft_id}"


def editor_widget(draft_id: str) -> str:
    return f"editor_widget:{draft_id}"


def draft_tabs(draft_id: str) -> str:
    """The open tab beside the draft (Checks, Evidence by paragraph, Sources)."""
    return f"draft_tabs:{draft_id}"


UNSAVED_AT_SIGN_OUT = "unsaved_at_sign_out"  # (user id, client id, text) a save refused because the session ended


def download(key: str) -> str:
    """The ticket address a download button's click got, handed to the browser once."""
    return f"download_url:{key}"


def download_error(key: str) -> str:
    return f"download_error:{key}"


def permitted(client_id: str) -> str:
    """The actions core permits the signed-in actor on this client (ui.common.may)."""
    return f"permitted:{client_id}"


def closed_draft(client_id: str) -> str:
    """(message, typed text) of a draft that was signed or discarded in another window."""
    return f"closed_draft:{client_id}"


def composing(client_id: str) -> str:
    return f"compose:{client_id}"


def client_notice(client_id: str) -> str:
    return f"notice:{client_id}"


def new_token(client_id: str) -> str:
    return f"new_token:{client_id}"


def partial(client_id: str) -> str:
    """(text, seconds) an engine has streamed so far for this client's new draft."""
    return f"partial:{client_id}"


def stop(client_id: str) -> str:
    """The Stop request of a streaming draft: the arguments of its generation."""
    return f"stop:{client_id}:request"
