"""The automated checks of a draft, shown beside it (editor, quality lab)."""

from __future__ import annotations

import streamlit as st

from core.quality import QualityReport
from core.safety import shown


def render(report: QualityReport) -> None:
    st.markdown("**Automated checks**")
    top, bottom = st.columns(2), st.columns(2)  # two by two: the pane beside the editor is narrow
    top[0].metric(
        "Unsupported facts",
        len(report.unsupported),
        help="Numbers, dates, scores, ICD codes and medication names in the text that appear in none of its sources.",
    )
    top[1].metric(
        "Coverage",
        f"{sum(c.covered for c in report.coverage)}/{len(report.coverage)}",
        help="What a summary of this purpose must carry: active diagnoses, the latest score with its band, the "
        "course of each measure, current goals with their status, documented risk and the safety plan.",
    )
    bottom[0].metric(
        "Leaks",
        len(report.leaks),
        help="Runs of words shared with administrative, cancellation or psychotherapy notes (there must be none).",
    )
    bottom[1].metric(
        "Wrong claims",
        len(report.claim_errors),
        help="Each score, band, change label, trend, risk statement, diagnosis status, dose and goal status "
        "read as a claim and checked against the chart; also what the chart documents and the text leaves out.",
    )
    for claim in report.claims:
        text = f"**{claim.claim}** — “{claim.sentence}”  \nChart: {claim.evidence}"
        if claim.severity == "error":
            st.error(shown(text), icon=":material/report:")
        elif claim.severity == "omission":
            st.info(shown(f"Left out: {claim.evidence}"), icon=":material/playlist_remove:")
        else:
            st.warning(shown(text), icon=":material/help:")
    for f in report.unsupported:
        st.warning(shown(f"Not in the sources: **{f.text}** — “{f.sentence}”"), icon=":material/fact_check:")
    for c in report.coverage:
        if not c.covered:
            st.info(shown(f"Not mentioned: {c.kind} — {c.label}"), icon=":material/checklist:")
    for leak in report.leaks:
        st.error(shown(f"Text from an excluded note: “{leak}”"), icon=":material/block:")
    if report.invalid_citations:
        st.error(shown("Cited items that are not sources: " + ", ".join(report.invalid_citations)))
    st.caption(
        f"{report.words} words · reading grade {report.reading_grade} · "
        f"{len(report.uncited_paragraphs)} paragraphs without citations"
    )
