"""Signed summaries on the Summary tab, and the confirmation dialogs (sign, discard, delete)."""

from __future__ import annotations

import functools
from datetime import timedelta

import streamlit as st

from core import auth, downloads, summaries
from core.errors import UserError
from core.models import SignedSummary
from core.safety import shown

from . import download, keys
from . import editor as draft_editor
from .common import local, may, practice, zone_name
from .frame import current_actor


def render(client_id: str) -> None:
    rows = summaries.summaries(practice(), current_actor(), client_id)
    st.markdown("#### Signed summaries")
    if not rows:
        st.caption("No signed treatment summaries yet.")
    for s in rows:
        item(s)
    if may("portal_token", client_id):
        portal_access(client_id)


def item(s: SignedSummary) -> None:
    with st.container(border=True):
        title, badges = st.columns([4, 2], vertical_alignment="center")
        title.markdown(
            shown(
                f"**Treatment Summary** · {s.range_start:%Y-%m-%d} to {s.range_end:%Y-%m-%d}"
                + (f" · {s.purpose}" if s.purpose else "")
            )
        )
        with badges:
            if not s.verified:
                st.badge("Fails verification", color="red", icon=":material/gpp_bad:")
            else:
                st.badge("Signed", color="green", icon=":material/verified:")
            if s.shared_at:
                st.badge("Shared", color="blue", icon=":material/share:")
        st.caption(shown(f"Signed by {s.signature} on {local(s.signed_at)} {zone_name()} · {s.id}"))
        if not s.verified:
            st.error(
                "This summary no longer matches the hash taken when it was signed; it may have been altered "
                "outside the app. It is not shown as valid and cannot be downloaded or shared.",
                icon=":material/gpp_bad:",
            )
        else:
            with st.expander("View"):
                st.markdown(shown(s.text))
        actions(s)


def actions(s: SignedSummary) -> None:
    actor = current_actor()
    c1, c2, c3 = st.columns(3)
    if s.verified and may("download", s.client_id):
        with c1:  # rendered (and the download audited) only when clicked, then served once
            download.button(
                "Download PDF",
                f"pdf:{s.id}",
                f"treatment-summary-{s.client_id}-{s.range_end:%Y-%m-%d}.pdf",
                functools.partial(downloads.ticket, practice(), actor, "pdf", s.id),
            )
    if s.verified and may("share", s.client_id):
        label = "Stop sharing" if s.shared_at else "Share to client portal"
        if c2.button(label, key=f"share:{s.id}", icon=":material/share:", width="stretch"):
            try:
                summaries.share(practice(), current_actor(), s.id, shared=not s.shared_at)
            except UserError as e:
                st.error(shown(e.message))
            else:
                st.rerun()
    if may("delete", s.client_id) and c3.button(
        "Delete", key=f"delete:{s.id}", icon=":material/delete:", width="stretch"
    ):
        st.session_state[keys.DIALOG] = ("delete", s.id)
        st.rerun()


def portal_access(client_id: str) -> None:
    with st.expander("Client portal access"):
        st.caption(
            "The client opens the Client portal page with a personal access code. Codes are shown once "
            "and stored only as a hash; revoking them ends access at once."
        )
        c1, c2 = st.columns(2)
        if c1.button("Create portal access code", key=f"token:{client_id}"):
            token = summaries.issue_portal_token(practice(), current_actor(), client_id)
            st.session_state[keys.new_token(client_id)] = token
        if c2.button("Revoke all codes", key=f"revoke:{client_id}"):
            n = summaries.revoke_portal_tokens(practice(), current_actor(), client_id)
            st.session_state.pop(keys.new_token(client_id), None)
            st.success(f"{n} code{'s' if n != 1 else ''} revoked.")
        if new_code := st.session_state.get(keys.new_token(client_id)):
            st.code(new_code, language=None)
            st.caption("Give this code to the client now; it will not be shown again after you leave the page.")


# -- dialogs (opened from a session-state flag so clicks inside them register on rerun) --------------------


def dialogs(client_id: str) -> None:
    dialog: tuple[str, str] | None = st.session_state.get(keys.DIALOG)  # (kind, draft or summary id)
    if not dialog:
        return
    kind, target = dialog
    if kind == "sign":
        sign_dialog(target)
    elif kind == "discard":
        discard_dialog(target)
    elif kind == "delete":
        delete_dialog(target)


def dismissed() -> None:
    st.session_state.pop(keys.DIALOG, None)


def close() -> None:
    dismissed()
    st.rerun()


def _open_draft(draft_id: str):
    """The draft a dialog acts on and this window's view of it; None (said so) if it is gone."""
    draft = summaries.open_draft(practice(), current_actor(), draft_id)
    if draft is None:
        st.warning(shown(summaries.closed_reason(practice(), draft_id)), icon=":material/sync_problem:")
    return draft, (draft_editor.window(draft) if draft else None)


@st.dialog("Sign & Approve", width="medium", on_dismiss=dismissed)
def sign_dialog(draft_id: str) -> None:
    actor = current_actor()
    now = summaries.utcnow()
    draft, w = _open_draft(draft_id)
    st.markdown("The following signature will be applied to the summary as it stands in the editor:")
    st.markdown(shown(f"> **{summaries.signer_name(practice(), actor)}**  \n> {local(now)} {zone_name()}"))
    if w is not None:
        st.caption(
            shown(
                f"Signs the text saved in this window at revision {w.revision} "
                f"({w.status.removeprefix('Saved ').strip() or 'saved'})."
            )
        )
    acknowledged = checklist(draft, (w.kept or w.text) if w is not None else None)
    st.markdown(f"*{summaries.ATTESTATION}*")
    agreed = st.checkbox("I attest to the statement above", key=f"attest:{draft_id}")
    password = None
    if actor.auth == "local":
        password = st.text_input(
            "Your password, to confirm it is you signing",
            type="password",
            key=f"sign_password:{draft_id}",
            autocomplete="current-password",
        )
    elif now - st.session_state.get(keys.SIGNED_IN_AT, now) > timedelta(minutes=auth.SIGNATURE_LOGIN_MINUTES):
        st.caption(
            "Signing needs a sign-in with the practice's identity provider in the last "
            f"{auth.SIGNATURE_LOGIN_MINUTES} minutes."
        )
        if st.button("Sign in again", key="relogin"):
            st.login()
    c1, c2 = st.columns(2)
    complete = c1.button(
        "Sign and Complete",
        type="primary",
        disabled=not agreed or w is None or acknowledged is False,
        key=f"complete:{draft_id}",
    )
    if c2.button("Cancel", key=f"cancel_sign:{draft_id}"):
        close()
    if complete and w is not None:
        try:
            summaries.sign(
                practice(),
                actor,
                draft_id,
                summaries.ATTESTATION,
                text=w.kept or w.text,
                password=password,
                signed_in_at=st.session_state.get(keys.SIGNED_IN_AT),
                base_revision=w.revision,
                acknowledged=bool(acknowledged),
            )
        except UserError as e:
            st.error(shown(e.message), icon=":material/error:")
            return
        draft_editor.forget(draft_id)
        st.toast("Treatment summary signed.", icon=":material/verified:")
        close()


def checklist(draft, text: str | None) -> bool | None:
    """The checks' open findings on the text to be signed, errors first. None when nothing is wrong;
    else whether the signer acknowledged the errors (signing needs it, and records them)."""
    if draft is None:
        return None
    found = summaries.open_findings(practice(), current_actor(), draft, text)
    wrong = [f for f in found if f.severity == "error"]
    left_out = [f for f in found if f.severity == "omission"]
    if not found:
        st.success("The checks find nothing in this draft that the chart contradicts.", icon=":material/task_alt:")
        return None
    with st.container(border=True):
        st.markdown(f"**Before you sign:** {len(wrong)} statement(s) disagree with the chart, {len(left_out)} left out")
        for f in wrong:
            st.error(shown(f"**{f.claim}** — “{f.sentence}”  \nChart: {f.evidence}"), icon=":material/report:")
        for f in left_out:
            st.info(shown(f"Left out: {f.evidence}"), icon=":material/playlist_remove:")
    if not wrong:
        return None
    return st.checkbox(
        f"I have read the {len(wrong)} statement(s) above and sign the text as it is (recorded with the summary)",
        key=f"acknowledge:{draft.id}",
    )


@st.dialog("Discard draft", on_dismiss=dismissed)
def discard_dialog(draft_id: str) -> None:
    draft, w = _open_draft(draft_id)
    if draft is not None:
        st.markdown(
            f"Discard the draft for {draft.range_start:%Y-%m-%d} to {draft.range_end:%Y-%m-%d} and all "
            f"{len(draft.versions)} of its versions? This cannot be undone."
        )
    c1, c2 = st.columns(2)
    confirm = c1.button(
        "Discard",
        type="primary",
        key=f"confirm_discard:{draft_id}",
        disabled=draft is None,
        icon=":material/delete_forever:",
    )
    if c2.button("Keep the draft", key=f"keep:{draft_id}"):
        close()
    if confirm and w is not None:
        try:
            summaries.discard(practice(), current_actor(), draft_id, base_revision=w.revision)
        except UserError as e:
            st.error(shown(e.message), icon=":material/error:")
            return
        draft_editor.forget(draft_id)
        close()


@st.dialog("Delete signed summary", on_dismiss=dismissed)
def delete_dialog(summary_id: str) -> None:
    s = summaries.get_summary(practice(), current_actor(), summary_id)
    st.markdown(
        shown(
            f"**Treatment Summary · {s.range_start:%Y-%m-%d} to {s.range_end:%Y-%m-%d}"
            + (f" · {s.purpose}" if s.purpose else "")
            + f"**  \nSigned by {s.signature} on "
            f"{local(s.signed_at)} {zone_name()}"
        )
    )
    if s.shared_at:
        st.warning(
            "This summary is shared to the client portal. Deleting it also stops the client seeing it.",
            icon=":material/share:",
        )
    st.markdown(
        "Deleting removes the summary from the chart, the client portal and data exports. The audit "
        "trail keeps who deleted it, when, why and its content hash."
    )
    reason = st.text_area(
        "Reason (required)",
        key=f"reason:{summary_id}",
        placeholder="e.g. Wrong date range; superseded by a corrected summary",
    )
    c1, c2 = st.columns(2)
    confirm = c1.button("Delete", type="primary", key=f"confirm_delete:{summary_id}", icon=":material/delete_forever:")
    if c2.button("Cancel", key=f"cancel_delete:{summary_id}"):
        close()
    if confirm:
        try:
            summaries.delete(practice(), current_actor(), summary_id, reason)
        except UserError as e:
            st.error(shown(e.message), icon=":material/error:")
            return
        close()
