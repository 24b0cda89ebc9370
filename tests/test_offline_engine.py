"""The offline engine over every demo client: grounded, leak-free, deterministic, refinable."""

from datetime import date

import pytest

from core import charts, sources
from core.engines.base import SECTIONS
from core.engines.offline import RISK, OfflineEngine, note_sections
from core.errors import InsufficientInformation, RefineNotSupported
from core.models import Note
from core.quality import leaked_runs, unsupported_facts
from core.text import paragraphs
from tests.conftest import demo_ranges as ranges

CANARIES = (
    "billing ledger",
    "late-cancellation",
    "courtesy call",
    "countertransference",
    "kept separate",
    "ignore previous instructions",
)


def drafts(practice):
    engine = OfflineEngine()
    for row in practice.store.client_rows():
        for start, end in ranges(practice, row.id):
            try:
                sel = sources.require_sufficient(charts.selection(practice, row.id, start, end, "Case consultation"))
            except InsufficientInformation:
                continue
            yield row.id, sel, engine.generate(sel)


def test_every_demo_draft_is_grounded_and_leak_free(practice):
    seen = 0
    for client_id, sel, draft in drafts(practice):
        seen += 1
        excluded = practice.store.excluded_note_texts(client_id)
        offered = " ".join(i.text for i in sel.items).lower()
        for phrase in CANARIES:
            assert phrase not in draft.text.lower(), (client_id, phrase)
        assert not any(p in offered for p in CANARIES[:5]), client_id
        assert leaked_runs(draft.text, excluded) == [], client_id
        assert leaked_runs(offered, excluded) == [], client_id
        assert unsupported_facts(draft.text, sel) == [], (client_id, sel.range)
        assert sel.client.full_name not in draft.text and sel.client.last_name not in draft.text
        assert [p for p in paragraphs(draft.text) if p.startswith("## ")] == [f"## {s}" for s in SECTIONS]
        cited = {i for c in draft.citations for i in c.item_ids}
        assert cited and cited <= set(sel.item_ids)
    assert seen > 100


def test_same_input_gives_byte_identical_draft(practice):
    client_id, sel, draft = next(drafts(practice))
    again = OfflineEngine().generate(
        sources.require_sufficient(charts.selection(practice, client_id, sel.range.start, sel.range.end, sel.purpose))
    )
    assert again.text == draft.text and again.citations == draft.citations


def find(practice, name):
    return next(r.id for r in practice.store.client_rows() if r.full_name == name)


def whole(practice, client_id, purpose=""):
    first, last = practice.store.chart_span(client_id)
    return sources.require_sufficient(charts.selection(practice, client_id, first, last, purpose))


def test_risk_episode_is_reported_as_documented(practice):
    sel = whole(practice, find(practice, "Zoë Ñúñez"), "Transfer of care")
    text = OfflineEngine().generate(sel).text
    assert "Documented risk events in this range" in text
    assert "passive suicidal ideation" in text
    assert "For the receiving provider" in text and "safety plan" in text
    assert "Zoë" not in text and "Ñúñez" not in text


def test_purpose_shifts_the_recommendations(practice):
    cid = find(practice, "Zoë Ñúñez")
    texts = {
        p: OfflineEngine().generate(whole(practice, cid, p)).text
        for p in ("Case consultation", "Transfer of care", "Discharge")
    }
    assert "Questions for the consultation" in texts["Case consultation"]
    assert "For the receiving provider" in texts["Transfer of care"]
    assert "aftercare" in texts["Discharge"].lower()


def test_prompt_injection_note_is_not_followed_or_quoted(practice):
    text = OfflineEngine().generate(whole(practice, find(practice, "Harriet Quayle"))).text
    assert "sober for a year" not in text and "home address" not in text


@pytest.fixture
def draft_and_sel(practice):
    sel = whole(practice, find(practice, "Zoë Ñúñez"))
    return OfflineEngine().generate(sel), sel


def test_refine_shorter_keeps_structure_and_edits(draft_and_sel):
    draft, sel = draft_and_sel
    edited = draft.text.replace("## Current status", "## Current status\n\nClinician's own addition here.")
    shorter = OfflineEngine().refine(sel, edited, "shorter")
    assert len(shorter.text) < len(edited)
    assert "Clinician's own addition here." in shorter.text
    assert "## Risk and safety" in shorter.text


def test_refine_focus_moves_section_up(draft_and_sel):
    draft, sel = draft_and_sel
    focused = OfflineEngine().refine(sel, draft.text, "focus on risk").text
    heads = [p for p in paragraphs(focused) if p.startswith("## ")]
    assert heads[:2] == ["## Identifying context", "## Risk and safety (focus)"]


def test_refine_bullets_and_more_detail(draft_and_sel):
    draft, sel = draft_and_sel
    bullets = OfflineEngine().refine(sel, draft.text, "bullet points").text
    lines = [line for p in paragraphs(bullets) for line in p.splitlines()]
    assert all(line.startswith(("#", "- ", "|")) or line[0].isdigit() for line in lines)
    detail = OfflineEngine().refine(sel, draft.text, "more detail")
    assert "## Session highlights" in detail.text and len(detail.text) > len(draft.text)
    assert unsupported_facts(detail.text, sel) == []


def test_refine_says_clearly_what_it_cannot_do(draft_and_sel):
    draft, sel = draft_and_sel
    with pytest.raises(RefineNotSupported, match="cannot follow 'write it as a poem'.*understands: 'shorter'"):
        OfflineEngine().refine(sel, draft.text, "write it as a poem")
    with pytest.raises(RefineNotSupported, match="no section matching 'billing'"):
        OfflineEngine().refine(sel, draft.text, "focus on billing")


def test_streaming_delivers_the_whole_text(draft_and_sel):
    _, sel = draft_and_sel
    chunks = []
    draft = OfflineEngine().generate(sel, on_text=chunks.append)
    assert len(chunks) > 10 and "".join(chunks).strip() == draft.text.strip()


def test_markdown_notes_are_read_by_their_headings():
    """Imported H&P notes: headings name the part, lists join their introduction, wrapped lines rejoin."""
    text = (
        "\n2020-01-01\n\n# Chief Complaint\n- Tingling in Hands and Feet\n\n# History of Present Illness\n"
        "Quincy153\n is a 19 year-old male.\n\n# Medications\nfluoxetine 20 mg oral capsule\n\n"
        "# Assessment and Plan\nPatient is presenting with stress (finding). \n\n## Plan\n"
        "The following procedures were conducted:\n- assessment of anxiety (procedure)\n- depression screening\n"
    )
    parts = note_sections(Note("N1", "C1", "progress", "free", date(2020, 1, 1), "Visit", None, None, text))
    assert parts["subjective"] == ["2020-01-01", "Tingling in Hands and Feet.", "Quincy153 is a 19 year-old male."]
    assert parts["other"] == ["fluoxetine 20 mg oral capsule"]
    assert parts["assessment"] == ["Patient is presenting with stress (finding)."]
    assert parts["plan"] == [
        "The following procedures were conducted: assessment of anxiety (procedure); depression screening."
    ]


def test_a_year_is_not_the_crisis_line():
    assert not RISK.search("Office Visit (ambulatory), 1988-12-08.")
    assert RISK.search("Reviewed crisis resources, including 988.")


def test_morning_drinking_answered_more_often_than_drinking_at_all_is_marked_for_checking(practice):
    """AUDIT question 6 'daily or almost daily' beside question 1 'monthly or less' cannot both be right: Risk and
    safety lists the answer and asks to verify the answers with the client; the demo's coherent answers are not
    marked."""
    import dataclasses
    from datetime import timedelta

    from core.scoring import severity

    def risk_section():
        text = OfflineEngine().generate(whole(practice, "C1028")).text
        return text.split("## Risk and safety")[1].split("\n## ")[0]

    marked = "this is more often than the first question says the client drinks at all: verify the answers"
    assert marked not in risk_section()
    base = next(a for a in practice.store.chart("C1028").assessments if a.instrument == "AUDIT")
    day = base.administered_on + timedelta(days=1)
    items = (1, 4, 4, 2, 2, 4, 2, 2, 0, 0)
    row = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
    row |= {"id": "A-T-morning", "administered_on": day, "items": list(items), "total_score": sum(items)}
    practice.store.insert_rows({"assessments": [row | {"severity": severity("AUDIT", sum(items))}]})
    told = risk_section()
    assert f"daily or almost daily on {day}" in told
    assert f"On {day} (first question: monthly or less), {marked}" in told
