"""The automated checks of a draft, shown beside it (editor, quality lab)."""

from __future__ import annotations

import streamlit as st

from core.quality import QualityReport
from core.safety import shown


def render(report: QualityReport) -> None:
    st.markdown("**Automated checks**")
    cols = st.columns([4, 3, 2, 3])
    cols[0].metric(
        "Unsupported facts",
        len(report.unsupported),
        help="Numbers, dates, scores, ICD codes and medication names in the text that appear in none of its sources.",
    )
    cols[1].metric(
        "Coverage",
        f"{sum(c.covered for c in report.coverage)}/{len(report.coverage)}",
        help="Active diagnoses, latest score per measure, current plan goals and documented risk.",
    )
    cols[2].metric(
        "Leaks",
        len(report.leaks),
        help="Runs of words shared with administrative, cancellation or psychotherapy notes (there must be none).",
    )
    cols[3].metric(
        "Claims against the chart",
        f"{len(report.claim_errors)} wrong",
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
