"""The evidence beside a draft (core.evidence): what each paragraph rests on, named in words, with the
passages it carries from each note, and the findings on it; the sources searched by words and type."""

import re

from core import charts, claims, evidence, sources
from core.engines.offline import OfflineEngine
from core.errors import InsufficientInformation
from core.models import Actor
from core.privacy import mask
from core.text import paragraphs
from tests.conftest import demo_ranges

RUTH = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW", "K06")


def drafted(practice, client_id="C1001"):
    start, end = list(demo_ranges(practice, client_id))[1]  # the last six months
    sel = sources.require_sufficient(charts.selection(practice, client_id, start, end, "Case consultation"))
    return sel, OfflineEngine().generate(sel)


def test_every_quoted_note_sentence_is_found_in_its_note_and_in_its_paragraph(practice):
    checked = 0
    for row in practice.store.client_rows()[:12]:
        try:
            sel, draft = drafted(practice, row.id)
        except InsufficientInformation:
            continue
        for p in evidence.of_text(sel, draft.text, draft.text, draft.citations):
            for c in p.cited:
                for passage in c.passages:
                    assert passage in c.item.text  # highlightable in the item as the chart has it
                    flat = lambda s: re.sub(r"\W+", " ", s.lower())  # noqa: E731
                    assert flat(mask(passage, sel.client)) in flat(p.text)
                    checked += 1
    assert checked > 50


def test_the_status_paragraph_cites_the_latest_note_with_its_sentence(practice):
    sel, draft = drafted(practice)
    found = evidence.of_text(sel, draft.text, draft.text, draft.citations)
    status = next(p for p in found if p.text.startswith("At the most recent session"))
    latest = sel.progress_notes[-1]
    assert status.section == "Current status"
    note = next(c for c in status.cited if c.item.id == latest.id)
    assert note.label == f"Progress note {latest.note_date.isoformat()}"
    assert note.passages and all(s in latest.text for s in note.passages)
    assert not any(p.text.startswith("## ") for p in found)  # headings are no paragraphs


def test_items_are_named_in_words():
    from datetime import date

    from core.models import SourceItem

    def item(kind, title, reason="x"):
        return SourceItem("I1", kind, date(2025, 11, 18), title, None, reason, "")

    assert evidence.label(item("assessment", "PHQ-9 18 (moderately severe)")) == (
        "PHQ-9 18 (moderately severe), 2025-11-18"
    )
    assert evidence.label(item("note", "Individual psychotherapy", "signed progress note dated in the range")) == (
        "Progress note 2025-11-18"
    )
    assert evidence.label(item("note", "Intake", "intake assessment dated in the range")) == (
        "Intake assessment 2025-11-18"
    )
    assert evidence.label(item("plan", "Treatment plan")) == "Treatment plan from 2025-11-18"
    assert evidence.label(item("diagnosis", "F32.1 Major depressive disorder")) == (
        "Diagnosis F32.1 Major depressive disorder"
    )


def test_an_edited_paragraph_is_attributed_again_and_an_unchanged_one_keeps_the_engines_citations(practice):
    sel, draft = drafted(practice)
    blocks = paragraphs(draft.text)
    status = next(i for i, b in enumerate(blocks) if b.startswith("At the most recent session"))
    latest = sel.progress_notes[-1]
    # an engine's citation the text alone would not give: kept while the paragraph is unchanged
    given = (*draft.citations, type(draft.citations[0])(status, (sel.diagnoses[0].id,)))
    given = tuple(c for c in given if c.paragraph != status) + (given[-1],)
    kept = next(p for p in evidence.of_text(sel, draft.text, draft.text, given) if p.number == status)
    assert [c.item.id for c in kept.cited] == [sel.diagnoses[0].id]
    edited = draft.text.replace(blocks[status], blocks[status] + " Sleep was discussed.")
    again = next(p for p in evidence.of_text(sel, edited, draft.text, given) if p.number == status)
    assert latest.id in [c.item.id for c in again.cited]


def test_a_finding_appears_on_the_paragraph_it_concerns_and_no_other(practice):
    sel, draft = drafted(practice)
    wrong = "PHQ-9 was 27 (severe) on " + sel.assessments[-1].administered_on.isoformat() + "."
    text = draft.text.replace("## Current status\n\n", f"## Current status\n\n{wrong}\n\n")
    found = evidence.of_text(sel, text, draft.text, draft.citations, claims.findings(text, sel))
    flagged = [p for p in found if p.findings]
    assert [p.text for p in flagged] == [wrong]
    assert {f.severity for f in flagged[0].findings} == {"error"}
    right = evidence.of_text(sel, draft.text, draft.text, draft.citations, claims.findings(draft.text, sel))
    assert not any(p.findings for p in right)


def test_sources_are_searched_by_every_word_and_filtered_by_type(practice):
    sel, draft = drafted(practice)
    items = sel.items
    hits = evidence.search(items, "safety plan")
    assert hits and all(
        "safety" in (i.text + i.title).lower() and "plan" in (i.text + i.title).lower() for i, _ in hits
    )
    assert all(all("safety" in s.lower() and "plan" in s.lower() for s in found) for _, found in hits)
    assert any(found for _, found in hits)
    assert {i.kind for i, _ in evidence.search(items, "", ["assessment"])} == {"assessment"}
    cited = evidence.used(evidence.of_text(sel, draft.text, draft.text, draft.citations))
    assert cited <= {i.id for i in items}
    some = {i.id for i in items[:3]}
    assert {i.id for i, _ in evidence.search(items, "", (), some)} == some
    assert evidence.search(items, "no-such-word-anywhere") == []


def test_evidence_is_a_use_case_that_checks_the_actor(practice):
    import pytest

    from core.errors import PermissionDenied

    sel, draft = drafted(practice)
    assert charts.paragraph_evidence(practice, RUTH, sel, draft.text, draft.text, draft.citations)
    stranger = Actor("dana", "Dana Whitfield", ("clinician",), "LCSW", "K01")
    other = next(r for r in practice.store.client_rows() if r.clinician_id != "K01")
    sel_other, _ = drafted(practice, other.id)
    with pytest.raises(PermissionDenied):
        charts.paragraph_evidence(practice, stranger, sel_other, "text")


def test_the_ai_engines_quoted_text_is_highlighted_in_the_note_it_cites(practice, tmp_path):
    """A model paraphrases; the words it cites (of the masked text it was sent) mark the passage."""
    from core.config import Settings
    from core.engines.anthropic import AnthropicEngine
    from core.engines.base import SECTIONS
    from tests.fake_anthropic import FakeMessagesAPI, cite, message_events

    sel, _ = drafted(practice)
    note = sel.progress_notes[-1]
    sentence = next(s for s in evidence.sentences(note.text) if len(s.split()) >= 6 and s.startswith("S:"))
    quoted = mask(evidence.LABEL.sub("", sentence), sel.client)
    index = sel.item_ids.index(note.id)
    fake = FakeMessagesAPI(
        message_events(
            [
                (f"## {SECTIONS[0]}\n\n", []),
                ("At the latest session the client described how the week went.", [cite(index, quoted)]),
                ("\n", []),
            ]
        )
    )
    engine = AnthropicEngine.from_settings(
        Settings(db_path=tmp_path / "x.duckdb", anthropic_api_key="sk-ant-test"), http_client=fake.http_client()
    )
    draft = engine.generate(sel)
    found = evidence.of_text(sel, draft.text, draft.text, draft.citations)
    para = next(p for p in found if p.text.startswith("At the latest session"))
    [cited] = [c for c in para.cited if c.item.id == note.id]
    assert cited.passages == (evidence.LABEL.sub("", sentence),)
    edited = draft.text.replace("how the week went", "how the week had gone")  # no longer the engine's words
    again = next(p for p in evidence.of_text(sel, edited, draft.text, draft.citations) if p.text.startswith("At the"))
    assert all(not c.passages for c in again.cited if c.item.id == note.id)
