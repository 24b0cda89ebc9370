"""The evidence beside a draft: per paragraph, the chart items it rests on (opened in place, the cited
passage highlighted) and the checks' findings on it; and the range's sources, searchable by words
and type, the ones the text uses marked."""

from __future__ import annotations

import streamlit as st

from core.evidence import Paragraph, label, search
from core.models import SourceItem
from core.safety import shown

KIND_NAMES = {
    "note": "Notes",
    "assessment": "Assessments",
    "plan": "Plans",
    "diagnosis": "Diagnoses",
    "medication": "Medications",
}


def _highlighted(text: str, passages: tuple[str, ...]) -> str:
    """The item's text as Markdown, each cited passage on an orange background."""
    out = shown(text)
    for p in passages:
        safe = shown(p)
        if "[" in safe or "]" in safe:  # a bracket would end the highlight early: bold instead
            out = out.replace(safe, f"**{safe}**")
        else:
            out = out.replace(safe, f":orange-background[{safe}]")
    # one paragraph per line of the chart entry (SOAP parts stay apart)
    return "\n\n".join(line for line in out.splitlines() if line.strip())


def item(i: SourceItem, passages: tuple[str, ...] = ()) -> None:
    """One chart item in full: a note's text (cited passages highlighted), an assessment with its item
    responses, a plan with its goals."""
    st.caption(shown(f"{label(i)} · {i.title}" + (f" · {i.author}" if i.author else "") + f" · {i.reason}"))
    if i.kind == "plan":
        lines = [x for x in i.text.splitlines() if x.strip()]
        st.markdown("\n".join(f"- {_highlighted(x, passages)}" for x in lines))
        return
    st.markdown(_highlighted(i.text, passages))
    if i.kind == "note" and passages:
        st.caption(
            f"{len(passages)} passage{'s' if len(passages) != 1 else ''} of this note in the paragraph, highlighted."
        )


def paragraphs(evidence: list[Paragraph], key: str) -> None:
    """Pick a paragraph; see its findings and the items it cites, one opened at a time."""
    if not evidence:
        st.caption("The draft has no paragraphs yet.")
        return
    flagged = sum(1 for p in evidence if p.findings)
    uncited = sum(1 for p in evidence if not p.cited)
    st.caption(
        f"{len(evidence)} paragraphs · {flagged} with findings · {uncited} citing no chart item. "
        "Pick one to check it against its sources."
    )
    names = {p.number: f"¶{p.number + 1} · {p.section} · {p.opening}" + (" ⚠" if p.findings else "") for p in evidence}
    number = st.selectbox(
        "Paragraph", list(names), format_func=lambda n: shown(names[n]), key=f"evidence_paragraph:{key}"
    )
    chosen = next(p for p in evidence if p.number == number)
    with st.container(border=True):
        st.markdown(shown(chosen.text))
    for f in chosen.findings:
        text = f"**{f.claim}**: {f.evidence}"
        if f.severity == "error":
            st.error(shown(text), icon=":material/report:")
        else:
            st.warning(shown(text), icon=":material/help:")
    if not chosen.cited:
        st.info("This paragraph cites no chart item: check it against the sources below, or edit it.")
        return
    chips = {c.label: c for c in chosen.cited}
    picked = st.pills(
        "Cited chart items", list(chips), key=f"evidence_chip:{key}:{number}", help="Open one to read it here."
    )
    if picked:
        c = chips[picked]
        with st.container(border=True):
            item(c.item, c.passages)


def sources(items: tuple[SourceItem, ...], used: frozenset[str], key: str) -> None:
    """The range's sources: search by words, filter by type, the ones the text cites marked."""
    query = st.text_input("Search the sources", key=f"sources_query:{key}", placeholder="e.g. sleep, PHQ-9, 2026-03")
    kinds = [k for k in KIND_NAMES if any(i.kind == k for i in items)]
    chosen = st.pills(
        "Type",
        kinds,
        selection_mode="multi",
        format_func=lambda k: KIND_NAMES[k],
        key=f"sources_kinds:{key}",
    )
    only_used = st.toggle("Only items the draft cites", key=f"sources_used:{key}")
    found = search(items, query, chosen or (), used if only_used else None)
    st.caption(f"{len(found)} of {len(items)} sources · {len(used & {i.id for i in items})} cited by the draft")
    for i, hits in found:
        mark = "✓ " if i.id in used else ""
        with st.expander(shown(f"{mark}{label(i)} · {i.title}")):
            item(i, hits)
