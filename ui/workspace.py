"""The client's Summary tab: Add -> Treatment Summary, sources, Generate, the editor, Update, Sign."""

from __future__ import annotations

import time
from datetime import date, datetime

import pandas as pd
import streamlit as st

from core import changes, charts, quality, sources, summaries
from core.engines import Engine
from core.engines.base import SECTIONS, progress, time_limit
from core.errors import InsufficientInformation, UserError
from core.evidence import Paragraph, used
from core.models import ActiveDraft, Client
from core.safety import shown
from core.text import paragraphs

from . import changes as tracked
from . import checks, evidence, keys, signed
from . import editor as draft_editor
from .common import local, may, practice, user_errors, zone_name
from .frame import current_actor

RANGE_CHOICES = ("Last 3 months", "Last 6 months", "Last 12 months", "Whole treatment", "Custom")
UPDATE_PRESETS = ("Shorter", "More detail", "Bullet points", "Focus on risk")
KIND_LABELS = {
    "diagnosis": "Diagnosis",
    "plan": "Treatment plan",
    "assessment": "Assessment",
    "note": "Note",
    "medication": "Medication",
}


def render(client_id: str) -> None:
    keep_stopped(client_id)
    draft = summaries.active_draft(practice(), current_actor(), client_id)
    if draft and st.session_state.pop(keys.composing(client_id), None):
        st.session_state[keys.client_notice(client_id)] = (
            "A draft for this client was started in another window or session meanwhile; it is open below."
        )
    notice = st.session_state.pop(keys.client_notice(client_id), None)
    if notice:
        st.info(shown(notice), icon=":material/info:")  # an Update's kept statements quote draft text
    head, add = st.columns([4, 1], vertical_alignment="bottom")
    head.subheader("Treatment summaries")
    choice = (
        add.menu_button(
            "Add", ["Treatment Summary"], key=f"add:{client_id}", icon=":material/add:", type="primary", width="stretch"
        )
        if may("generate", client_id)
        else None
    )
    if choice == "Treatment Summary":
        if draft:
            st.session_state[keys.client_notice(client_id)] = (
                "This client already has a draft in progress, opened below. Sign it, or discard it to start a new one."
            )
        else:
            st.session_state[keys.composing(client_id)] = True
        st.rerun()
    draft_editor.closed_notice(client_id)
    if draft:
        editor(draft)
    elif st.session_state.get(keys.composing(client_id)):
        compose(client_id)
    signed.render(client_id)
    signed.dialogs(client_id)


# -- composing a new summary ----------------------------------------------------------------------------------


def chosen_range(client_id: str) -> tuple[date | None, date | None]:
    today = practice().today()
    preset = st.segmented_control(
        "Date range", RANGE_CHOICES, default="Last 6 months", key=f"range:{client_id}", required=True
    )
    if preset == "Custom":
        c1, c2 = st.columns(2)
        # No max_value: the browser would silently keep the previous date; core says what is wrong instead.
        start = c1.date_input("From", value=today.replace(day=1), key=f"from:{client_id}")
        end = c2.date_input("To", value=today, key=f"to:{client_id}")
        return start, end
    rng = charts.preset_range(practice(), current_actor(), client_id, preset)
    st.caption(f"{rng.start:%Y-%m-%d} to {rng.end:%Y-%m-%d}")
    return rng.start, rng.end


def chosen_purpose(client_id: str) -> str:
    key = f"purpose:{client_id}"

    def take_preset() -> None:
        st.session_state[key] = st.session_state[f"purpose_preset:{client_id}"] or ""

    st.pills("Purpose", sources.PURPOSE_PRESETS, key=f"purpose_preset:{client_id}", on_change=take_preset, wrap=True)
    # No max_chars: the browser would drop an over-long paste silently; core says what the limit is.
    return st.text_input(
        "Purpose (optional)",
        key=key,
        placeholder="e.g. Transfer of care to Eastvale Community "
        f"Clinic (up to {sources.MAX_PURPOSE_CHARS} characters)",
    )


def compose(client_id: str) -> None:
    with st.container(border=True):
        st.markdown("#### New treatment summary")
        start, end = chosen_range(client_id)
        purpose = chosen_purpose(client_id)
        try:
            selection = charts.preview_sources(practice(), current_actor(), client_id, start, end, purpose)
        except UserError as e:
            st.error(shown(e.message), icon=":material/error:")
            return
        st.markdown("**Sources** · untick anything that should not be used")
        rows = pd.DataFrame(
            [
                {
                    "Use": True,
                    "Type": KIND_LABELS[i.kind],
                    "Date": i.date,
                    "Title": i.title,
                    "Author": i.author or "",
                    "Why it is in": i.reason,
                    "id": i.id,
                }
                for i in selection.items
            ]
        )
        leave_out: list[str] = []
        if len(rows):
            edited = st.data_editor(
                rows,
                key=f"sources:{client_id}:{start}:{end}",
                hide_index=True,
                width="stretch",
                disabled=["Type", "Date", "Title", "Author", "Why it is in"],
                column_config={"id": None, "Use": st.column_config.CheckboxColumn(width="small")},
            )
            leave_out = list(edited.loc[~edited["Use"], "id"])
        else:
            st.caption("No chart items in this range.")
        for excl in selection.excluded:
            st.caption(
                f"Not listed: {sources.plural(excl.count, excl.kind + ' note' if excl.kind != 'unticked' else 'item')}"
                f" — {excl.reason}."
            )
        chosen = selection.without(leave_out)
        try:
            sources.require_sufficient(chosen)
            ready = True
        except InsufficientInformation as e:
            st.warning(shown(e.message), icon=":material/warning:")
            ready = False
        engine = choose_engine(selection.client)
        go, cancel = st.columns([1, 5])
        if go.button(
            "Generate",
            type="primary",
            disabled=not ready,
            key=f"generate:{client_id}",
            help=f"Drafts with: {engine.label}",
        ):
            generate(client_id, start, end, purpose, leave_out, engine)
        if cancel.button("Cancel", key=f"cancel:{client_id}"):
            st.session_state.pop(keys.composing(client_id), None)
            st.rerun()


def choose_engine(client: Client) -> Engine:
    """The engine to draft with, among those core allows for this client (the rule-based engine is
    the only one for a client who has not consented to AI-assisted documentation)."""
    engines = charts.drafting_engines(practice(), current_actor(), client.id)
    if len(engines) == 1:
        if practice().engine().name != engines[0].name:
            st.info(
                "This client has not consented to AI-assisted documentation, so the draft is made by the "
                "rule-based engine on this computer; nothing leaves the practice.",
                icon=":material/lock:",
            )
        return engines[0]
    names = {e.label: e for e in engines}
    return names[st.radio("Drafting engine", list(names), key=f"engine:{client.id}", horizontal=True)]


def within(engine: Engine) -> str:
    """The time limit of an engine that waits on a network, said before anyone waits for it."""
    seconds = time_limit(engine)
    return f" (at most {seconds:g} seconds; if it takes longer, it stops and nothing changes)" if seconds else ""


def generate(client_id: str, start, end, purpose: str, leave_out: list[str], engine: Engine) -> None:
    began = time.monotonic()
    with st.status("Generating the treatment summary…", expanded=True) as status:
        st.write(f"1. Sources selected ({len(leave_out)} left out by you).")
        st.write(f"2. Drafting with {engine.label}…{within(engine)}")
        if time_limit(engine):  # an engine that waits on a network can be stopped; the rule-based one is instant
            st.button(
                "Stop and keep what is written",
                key=f"stop:{client_id}",
                icon=":material/stop_circle:",
                on_click=request_stop,
                args=(client_id, start, end, purpose, leave_out, engine.name),
            )
        line, box = st.empty(), st.empty()
        streamed: list[str] = []

        def show(chunk: str) -> None:
            streamed.append(chunk)
            text, seconds = "".join(streamed), time.monotonic() - began
            st.session_state[keys.partial(client_id)] = (text, seconds)  # what a Stop keeps
            done, current = progress(text)
            line.caption(
                (f"Writing “{current}” · " if current else "Starting · ")
                + f"{done} of {len(SECTIONS)} sections done · {seconds:.0f} s"
            )
            box.markdown(shown(text))

        try:
            started = summaries.generate(
                practice(), current_actor(), client_id, start, end, purpose, leave_out, engine=engine.name, on_text=show
            )
        except UserError as e:
            st.session_state.pop(keys.partial(client_id), None)
            status.update(label="The draft could not be generated", state="error")
            st.error(shown(e.message), icon=":material/error:")
            return
        st.session_state.pop(keys.partial(client_id), None)
        st.write("3. Draft saved.")
        status.update(label="Draft ready", state="complete")
    st.session_state.pop(keys.composing(client_id), None)
    if started.existing:
        st.session_state[keys.client_notice(client_id)] = "This client already had a draft; it is open below."
    st.rerun()


def request_stop(client_id: str, start, end, purpose: str, leave_out: list[str], engine: str) -> None:
    """The Stop click: the run streaming the draft ends with this rerun; the next one keeps its text."""
    st.session_state[keys.stop(client_id)] = (start, end, purpose, leave_out, engine)


def keep_stopped(client_id: str) -> None:
    """After a Stop: what the engine had written becomes the draft, marked incomplete."""
    request = st.session_state.pop(keys.stop(client_id), None)
    text, seconds = st.session_state.pop(keys.partial(client_id), ("", 0.0))
    if request is None:
        return
    start, end, purpose, leave_out, engine = request
    with user_errors():
        summaries.keep_stopped(
            practice(), current_actor(), client_id, start, end, purpose, leave_out, engine, text, seconds
        )
        st.session_state.pop(keys.composing(client_id), None)
        st.session_state[keys.client_notice(client_id)] = (
            "Stopped. What the engine had written so far is kept as the draft, marked incomplete: finish it, "
            "Update it, or discard it."
        )


# -- the editor -----------------------------------------------------------------------------------------------


def editor(draft: ActiveDraft) -> None:
    with st.container(border=True):
        top, badge = st.columns([5, 1], vertical_alignment="center")
        top.markdown(
            f"#### Draft · {draft.range_start:%Y-%m-%d} to {draft.range_end:%Y-%m-%d}"
            + (f" · {shown(draft.purpose)}" if draft.purpose else "")
        )
        with badge:
            st.badge("Draft", color="orange", icon=":material/edit:")
        left, right = st.columns([3, 2], gap="large")
        with left:
            editable = may("edit", draft.client_id)
            w = draft_editor.render(draft, editable)
            v = draft.current_version
            st.caption(
                f"Version {v.number} of {len(draft.versions)} · {v.label} by {shown(who(v.author))} "
                f"at {local(v.updated_at, '%H:%M:%S')}"
            )
            if editable:
                with st.container():  # always there, so the widgets below keep their place when it empties
                    update_review(draft, w)
                update_controls(draft, w)
            versions(draft)
        with right:
            details(draft)
            report = draft_checks(draft.id, draft.generation.generated_at, w.text, draft)
            # Only the open tab is worked out (a click on another reruns): the evidence of every paragraph
            # costs as much as the checks, and most reruns (typing, Generate) only show the checks.
            at_checks, at_evidence, at_sources = st.tabs(
                ["Checks", "Evidence by paragraph", "Sources"], key=keys.draft_tabs(draft.id), on_change="rerun"
            )
            with at_checks:
                checks.render(report)
            if at_evidence.open or at_sources.open:
                found = draft_evidence(draft.id, draft.generation.generated_at, w.text, draft)
                with at_evidence:
                    if at_evidence.open:
                        evidence.paragraphs(found, draft.id)
                with at_sources:
                    if at_sources.open:
                        evidence.sources(draft_sources(draft.id, draft).items, used(found), draft.id)
        if may("sign", draft.client_id):
            sign_row(draft)


def who(user_id: str) -> str:
    return summaries.display_name(practice(), user_id)


@st.cache_data(max_entries=32, ttl=600, show_spinner=False)
def draft_sources(draft_id: str, _draft: ActiveDraft) -> sources.Selection:
    """A draft's sources, read again from the chart. Chart rows are never changed, only added by
    imports, so they are kept a while instead of being read on every rerun."""
    return summaries.draft_selection(practice(), current_actor(), _draft)


@st.cache_data(max_entries=64, ttl=600, show_spinner=False)
def draft_checks(draft_id: str, generated_at: datetime, text: str, _draft: ActiveDraft) -> quality.QualityReport:
    """The automated checks of the text on screen. A rerun that leaves the text as it was (a click
    anywhere on the page) reuses them; an edit, or an Update (a new generation, new citations),
    checks again."""
    return charts.check_text(practice(), current_actor(), draft_sources(draft_id, _draft), text, _draft.citations)


@st.cache_data(max_entries=64, ttl=600, show_spinner=False)
def draft_evidence(draft_id: str, generated_at: datetime, text: str, _draft: ActiveDraft) -> list[Paragraph]:
    """Per paragraph of the text on screen, its sources and findings (recomputed as the checks are)."""
    return charts.paragraph_evidence(
        practice(),
        current_actor(),
        draft_sources(draft_id, _draft),
        text,
        generated_text(_draft),
        _draft.citations,
        draft_checks(draft_id, generated_at, text, _draft).claims,
    )


def generated_text(draft: ActiveDraft) -> str:
    """The text as the engine last wrote it (the one its citations count paragraphs of)."""
    return next(v.text for v in reversed(draft.lineage) if v.kind != "edited")


def update_controls(draft: ActiveDraft, w: draft_editor.EditorWindow) -> None:
    key = f"instruction:{draft.id}"

    def take_preset() -> None:
        st.session_state[key] = (st.session_state.get(f"instruction_preset:{draft.id}") or "").lower()

    st.pills(
        "Quick instructions", UPDATE_PRESETS, key=f"instruction_preset:{draft.id}", on_change=take_preset, wrap=True
    )
    instruction = st.text_input("Instruction for Update", key=key, placeholder="e.g. shorter, focus on risk")
    c1, c2, c3 = st.columns(3)
    if c1.button(
        "Update",
        key=f"update:{draft.id}",
        icon=":material/auto_fix_high:",
        width="stretch",
        disabled=w.refused is not None,
    ):
        box = st.empty()
        streamed: list[str] = []

        def stream(chunk: str) -> None:
            streamed.append(chunk)
            box.markdown(shown("".join(streamed)))

        with user_errors(), st.spinner(f"Updating the draft…{within(practice().engine(draft.generation.engine))}"):
            updated = summaries.update(
                practice(), current_actor(), draft.id, w.text, instruction, base_revision=w.revision, on_text=stream
            )
            draft_editor.show(updated)
            if updated.kept:
                st.session_state[keys.client_notice(draft.client_id)] = (
                    f"The Update kept {sources.plural(len(updated.kept), 'statement')} it had removed (risk and "
                    "safety statements and current goals are never dropped): "
                    + "; ".join(updated.kept[:5])
                    + ("; …" if len(updated.kept) > 5 else "")
                )
            st.rerun()
    for col, label, icon, move, possible in (
        (c2, "Undo", ":material/undo:", summaries.undo, draft.can_undo),
        (c3, "Redo", ":material/redo:", summaries.redo, draft.can_redo),
    ):
        if col.button(
            label,
            key=f"{label.lower()}:{draft.id}",
            icon=icon,
            width="stretch",
            disabled=not possible or w.refused is not None,
        ):
            with user_errors():
                draft_editor.show(move(practice(), current_actor(), draft.id, base_revision=w.revision))
                st.rerun()


def update_review(draft: ActiveDraft, w: draft_editor.EditorWindow) -> None:
    """Right after an Update: its changes against the version before, each accepted or rejected; the
    result is saved as the clinician's version (the Update's own stays in the history)."""
    v = draft.current_version
    reviewed = f"update_reviewed:{draft.id}:{v.number}"
    if v.kind != "refined" or v.based_on is None or w.text != v.text or w.refused or st.session_state.get(reviewed):
        return
    comparison = changes.compare(draft.version(v.based_on).text, v.text)
    n = len(comparison.changes)
    with st.expander(
        f"What the Update changed: {sources.plural(n, 'change')} · accept or reject each",
        expanded=True,
        icon=":material/difference:",
    ):
        accepted = tracked.render(comparison, f"update_change:{draft.id}:{v.number}", decide=True)
        if st.button("Apply my choices", key=f"apply_changes:{draft.id}:{v.number}", type="primary", disabled=not n):
            text = changes.resolve(comparison, accepted)
            with user_errors():
                if text != v.text:
                    summaries.save(practice(), current_actor(), draft.id, text, base_revision=w.revision)
                    draft_editor.show(summaries.active_draft(practice(), current_actor(), draft.client_id) or draft)
                st.session_state[reviewed] = True
                st.rerun()


def versions(draft: ActiveDraft) -> None:
    """Every version of the draft, with who made it and how; any one can be made current again."""
    with st.expander(f"Versions ({len(draft.versions)})", icon=":material/history:"):
        undone = draft.undone
        st.table(
            pd.DataFrame(
                [
                    {
                        "Version": v.number,
                        "Kind": v.label,
                        "By": shown(who(v.author)),  # st.table renders Markdown in its cells
                        "Saved": local(v.updated_at, "%Y-%m-%d %H:%M:%S"),
                        "Instruction": shown(v.instruction or ""),
                        "State": "current" if v.number == draft.current else "undone" if v.number in undone else "",
                    }
                    for v in reversed(draft.versions)
                ]
            ).set_index("Version")
        )
        if len(draft.versions) >= 2:
            numbers = [v.number for v in reversed(draft.versions)]
            a, b = st.columns(2)
            older = a.selectbox("Compare version", numbers, index=1, key=f"compare_a:{draft.id}")
            newer = b.selectbox("with version", numbers, index=0, key=f"compare_b:{draft.id}")
            tracked.render(
                changes.compare(draft.version(older).text, draft.version(newer).text),
                f"compare:{draft.id}",
                decide=False,
            )
        if not may("undo", draft.client_id) or len(draft.versions) < 2:
            return
        others = [v.number for v in reversed(draft.versions) if v.number != draft.current]
        c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
        number = c1.selectbox("Make an earlier version current again", others, key=f"restore_pick:{draft.id}")
        if c2.button("Restore", key=f"restore:{draft.id}", icon=":material/restore:", width="stretch"):
            w = draft_editor.window(draft)
            with user_errors():
                draft_editor.show(
                    summaries.restore(practice(), current_actor(), draft.id, number, base_revision=w.revision)
                )
                st.rerun()


def details(draft: ActiveDraft) -> None:
    g = draft.generation
    st.markdown("**Generation details**")
    tokens = ", ".join(
        f"{label} {value:,}"
        for label, value in (
            ("input", g.input_tokens),
            ("output", g.output_tokens),
            ("cache read", g.cache_read_tokens),
            ("cache write", g.cache_write_tokens),
        )
        if value is not None
    )
    st.caption(
        "\n\n".join(
            x
            for x in (
                f"Engine: {g.label or g.engine} · model {g.model} · prompt {g.prompt_version}",
                f"Generated {local(g.generated_at)} {zone_name()} in {g.duration_ms:,} ms",
                f"Tokens: {tokens}" if tokens else "Tokens: not applicable",
                f"{len(draft.sources)} sources"
                + (f"; {len(draft.omitted_ids)} left out to fit the model's context" if draft.omitted_ids else ""),
            )
            if x
        )
    )
    with st.popover("Contributing chart items", icon=":material/info:", width="stretch"):
        by_id = {s.id: s for s in draft.sources}
        st.dataframe(
            pd.DataFrame(
                [
                    {"Type": KIND_LABELS.get(s.kind, s.kind), "Date": s.date, "Title": s.title, "id": s.id}
                    for s in draft.sources
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        if draft.citations:
            st.markdown("**Cited per paragraph** (as generated)")
            generated = paragraphs(generated_text(draft))
            for c in draft.citations:
                opening = generated[c.paragraph][:70] if c.paragraph < len(generated) else f"¶{c.paragraph + 1}"
                cited = "; ".join(
                    f"{KIND_LABELS.get(by_id[i].kind, '')} {by_id[i].date:%Y-%m-%d}" for i in c.item_ids if i in by_id
                )
                st.caption(shown(f"¶{c.paragraph + 1} “{opening}…” — {cited}"))


def sign_row(draft: ActiveDraft) -> None:
    c1, c2, _ = st.columns([2, 2, 3])
    if c1.button("Sign & Approve", type="primary", key=f"sign:{draft.id}", icon=":material/verified:"):
        st.session_state[keys.DIALOG] = ("sign", draft.id)
        st.rerun()
    if c2.button("Discard draft", key=f"discard:{draft.id}", icon=":material/delete:"):
        st.session_state[keys.DIALOG] = ("discard", draft.id)
        st.rerun()
