"""The chart at a glance: diagnoses, score trends with severity bands, plan, notes by type."""

from __future__ import annotations

import functools
from datetime import date
from typing import Literal

import altair as alt
import pandas as pd
import streamlit as st

from core import charts, downloads, summaries
from core.models import Actor, Chart
from core.safety import shown
from core.scoring import INSTRUMENTS

from . import download
from .common import may, practice
from .frame import current_actor

BAND_COLORS = ["#2e7d32", "#9e9d24", "#f9a825", "#ef6c00", "#c62828"]
NOTE_TYPE_LABELS = {
    "intake": "Intake",
    "progress": "Progress",
    "administrative": "Administrative",
    "cancellation": "Cancellation / no-show",
    "clinical": "Psychotherapy (private)",
}


@st.cache_data(ttl=60, show_spinner=False)
def load_chart(client_id: str, actor: Actor) -> Chart:
    return charts.chart(practice(), actor, client_id)


def score_chart(chart: Chart, instrument: str) -> alt.LayerChart | alt.FacetChart:
    spec = INSTRUMENTS[instrument]
    scores = pd.DataFrame(
        [
            {"Date": a.administered_on, "Score": a.total_score, "Severity": a.severity}
            for a in chart.assessments
            if a.instrument == instrument
        ]
    )
    lows = [low for low, _ in spec.bands] + [spec.max_score + 1]
    bands = pd.DataFrame(
        [{"from": lows[i], "to": lows[i + 1] - 0.01, "Band": label} for i, (_, label) in enumerate(spec.bands)]
    )
    shade = (
        alt.Chart(bands)
        .mark_rect(opacity=0.12)
        .encode(
            y=alt.Y("from:Q", title=f"{instrument} total", scale=alt.Scale(domain=[0, spec.max_score])),
            y2="to:Q",
            color=alt.Color(
                "Band:N",
                sort=[b for _, b in spec.bands],
                scale=alt.Scale(range=BAND_COLORS[: len(spec.bands)]),
                legend=alt.Legend(orient="right", title="Severity"),
            ),
        )
    )
    line = (
        alt.Chart(scores)
        .mark_line(point=True, color="#1f4e79")
        .encode(x=alt.X("Date:T", title=None), y="Score:Q", tooltip=["Date:T", "Score:Q", "Severity:N"])
    )
    return alt.layer(shade, line).properties(height=200, title=f"{instrument} · {spec.name}")


def render(client_id: str) -> None:
    chart = load_chart(client_id, current_actor())
    today = practice().today()
    active = [d for d in chart.diagnoses if d.resolved is None or d.resolved >= today]
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader("Score trends")
        instruments = [i for i in INSTRUMENTS if any(a.instrument == i for a in chart.assessments)]
        if not instruments:
            st.caption("No scored measures on file.")
        for instrument in instruments:
            st.altair_chart(score_chart(chart, instrument), width="stretch")
    with right:
        st.subheader("Active diagnoses")
        if active:
            st.dataframe(
                pd.DataFrame([{"Code": d.code, "Diagnosis": d.description, "Onset": d.onset} for d in active]),
                hide_index=True,
                width="stretch",
            )
        else:
            st.caption("No active diagnoses.")
        resolved = [d for d in chart.diagnoses if d not in active]
        if resolved:
            st.caption(shown("Resolved: " + "; ".join(f"{d.code} {d.description} ({d.resolved})" for d in resolved)))
        st.subheader("Current treatment plan")
        current = [p for p in chart.plans if p.status in ("active", "completed")]
        if current:
            plan = current[-1]
            st.caption(
                shown(
                    f"{plan.status.capitalize()} · in effect from {plan.effective_from}"
                    + (f" to {plan.effective_to}" if plan.effective_to else "")
                    + f" · {plan.author or ''}"
                )
            )
            st.markdown(shown("\n".join(f"{i}. {g}" for i, g in enumerate(plan.goals, 1))))
            st.caption(shown("Interventions: " + "; ".join(plan.interventions)))
        else:
            st.caption("No treatment plan on file.")
        st.subheader("Notes by type")
        counts = {t: 0 for t in NOTE_TYPE_LABELS}
        for n in chart.notes:
            counts[n.note_type] += 1
        unsigned = sum(1 for n in chart.notes if n.note_type in ("intake", "progress") and not n.signed)
        st.dataframe(
            pd.DataFrame([{"Type": NOTE_TYPE_LABELS[t], "Notes": c} for t, c in counts.items()]),
            hide_index=True,
            width="stretch",
        )
        if may("import", client_id):
            st.page_link(
                "pages/import_notes.py",
                label="Import notes from files",
                query_params={"client": client_id},
                icon=":material/note_add:",
            )
        session_notes(chart.usable_notes, client_id)
        summaries_at_a_glance(client_id)
        if unsigned:
            st.warning(
                f"{unsigned} progress note{'s are' if unsigned != 1 else ' is'} unsigned and cannot be "
                "used in summaries until signed.",
                icon=":material/edit_note:",
            )


def session_notes(notes, client_id: str) -> None:
    """The text of signed intake and progress notes, newest first, searchable (other note types are
    counted above, never shown)."""
    # Drawn only when asked for: a chart's notes are long, and the Chart tab is the first screen opened.
    if not st.toggle(f"Show the signed session notes ({len(notes)})", key=f"chart_notes:{client_id}"):
        return
    with st.container(border=True):
        query = st.text_input("Search the notes", key=f"chart_notes_query:{client_id}", placeholder="e.g. sleep")
        words = [w for w in query.lower().split() if w]
        found = [n for n in reversed(notes) if all(w in n.text.lower() for w in words)]
        st.caption(f"{len(found)} of {len(notes)} notes" + (" match" if words else ""))
        for n in found[:30]:
            st.markdown(shown(f"**{n.note_date} · {n.title}** · {n.author or ''}"))
            st.markdown(shown("\n\n".join(line for line in n.text.splitlines() if line.strip())))
            st.divider()
        if len(found) > 30:
            st.caption(f"The {len(found) - 30} older ones: narrow the search to find them.")


def summaries_at_a_glance(client_id: str) -> None:
    st.subheader("Treatment summaries")
    draft = summaries.active_draft(practice(), current_actor(), client_id)
    signed = summaries.summaries(practice(), current_actor(), client_id)
    if not draft and not signed:
        st.caption("None yet. Open the Summary tab and choose Add → Treatment Summary.")
    if draft:
        st.badge("Draft", color="orange", icon=":material/edit:")
        st.caption(
            shown(f"{draft.range_start} to {draft.range_end}" + (f" · {draft.purpose}" if draft.purpose else ""))
        )
    for s in signed:
        label = "Signed" if s.verified else "Fails verification"
        color: Literal["green", "red"] = "green" if s.verified else "red"
        st.badge(label, color=color, icon=":material/verified:")
        if s.shared_at:
            st.badge("Shared", color="blue", icon=":material/share:")
        st.caption(
            shown(f"{s.range_start} to {s.range_end}" + (f" · {s.purpose}" if s.purpose else "") + f" · {s.signature}")
        )


def header(client_id: str) -> Chart:
    actor = current_actor()
    chart = load_chart(client_id, actor)
    c = chart.client
    today: date = practice().today()
    name, action = st.columns([5, 1], vertical_alignment="bottom")
    name.title(shown(c.full_name))
    if may("export", client_id):
        with action:
            download.button(
                "Export client data",
                f"export:{c.id}",
                f"client-data-{c.id}.zip",
                functools.partial(downloads.ticket, practice(), actor, "export", client_id),
                help="A ZIP of the chart (JSON and CSV) with every signed summary as PDF and JSON and a manifest "
                "of SHA-256 hashes; psychotherapy notes, drafts and deleted summaries are left out.",
            )
    consent = f"AI documentation consent {c.ai_consent_on}" if c.ai_consent_on else "No AI documentation consent"
    st.caption(
        shown(
            " · ".join(
                x
                for x in (f"{c.id}", f"{c.age_on(today)} years", c.pronouns, f"born {c.date_of_birth}", c.mrn, consent)
                if x
            )
        )
    )
    return chart
