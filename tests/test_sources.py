"""Source selection (SPEC section 3): every boundary of 'in range', exclusions and sufficiency."""

from datetime import date, datetime, timedelta

import pytest

from core import charts, sources
from core.errors import InsufficientInformation, InvalidInput
from core.models import Actor

START, END = date(2026, 1, 1), date(2026, 3, 31)
TODAY = date(2026, 6, 30)
SUPERVISOR = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW, Clinical Supervisor", "K06")


def note(id, day, note_type="progress", signed=True, text=None):
    return {
        "id": id,
        "client_id": "C1",
        "note_type": note_type,
        "note_format": "SOAP",
        "note_date": day,
        "title": f"{note_type} {id}",
        "author_id": "K1",
        "signed_at": datetime(2026, 1, 1) if signed else None,
        "text": text or f"S: Client reports a note numbered {id}.",
    }


def dx(id, onset, resolved=None):
    return {
        "id": id,
        "client_id": "C1",
        "code_system": "ICD-10-CM",
        "code": "F41.1",
        "description": "Generalized anxiety disorder",
        "onset": onset,
        "resolved": resolved,
    }


def plan(id, start, end, status="revised"):
    return {
        "id": id,
        "client_id": "C1",
        "effective_from": start,
        "effective_to": end,
        "status": status,
        "problems": ["Worry"],
        "goals": ["Reduce worry"],
        "objectives": ["Log worry"],
        "interventions": ["CBT"],
        "author_id": "K1",
    }


def score(id, day, total=9):
    return {
        "id": id,
        "client_id": "C1",
        "instrument": "GAD-7",
        "administered_on": day,
        "total_score": total,
        "items": None,
        "severity": "mild",
    }


@pytest.fixture
def store(empty_practice):
    d = timedelta(days=1)
    empty_practice.store.insert_rows(
        {
            "clinicians": [{"id": "K1", "display_name": "Dana Whitfield", "credentials": "LCSW"}],
            "clients": [
                {
                    "id": "C1",
                    "full_name": "Ada Lovelace",
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                    "date_of_birth": date(1990, 5, 1),
                    "source": "demo",
                }
            ],
            "diagnoses": [
                dx("D-resolved-day-before", date(2025, 1, 1), START - d),
                dx("D-resolved-on-start", date(2025, 1, 1), START),
                dx("D-onset-on-end", END),
                dx("D-onset-after", END + d),
                dx("D-active", date(2025, 6, 1)),
            ],
            "treatment_plans": [
                plan("P-ended-day-before", date(2025, 1, 1), START - d),
                plan("P-ends-inside", date(2025, 10, 1), date(2026, 2, 1)),
                plan("P-starts-on-end", END, None, "active"),
                plan("P-starts-after", END + d, None, "active"),
            ],
            "assessments": [
                score("A-day-before", START - d, 12),
                score("A-first-day", START),
                score("A-last-day", END),
                score("A-day-after", END + d),
            ],
            "notes": [
                note("N-first-day", START),
                note("N-last-day", END),
                note("N-day-after", END + d),
                note("N-unsigned", date(2026, 2, 1), signed=False),
                note("N-intake", date(2026, 1, 2), "intake"),
                note("N-admin", date(2026, 2, 2), "administrative", text="Billing ledger updated."),
                note("N-cancel", date(2026, 2, 3), "cancellation", text="Late-cancellation policy reviewed."),
                note("N-clinical", date(2026, 2, 4), "clinical", text="Countertransference noted."),
            ],
        }
    )
    return empty_practice.store


def test_in_range_boundaries(store):
    sel = sources.select(store, "C1", START, END, today=TODAY)
    assert {d.id for d in sel.diagnoses} == {"D-resolved-on-start", "D-onset-on-end", "D-active"}
    assert {p.id for p in sel.plans} == {"P-ends-inside", "P-starts-on-end"}
    assert {a.id for a in sel.assessments} == {"A-first-day", "A-last-day"}
    assert {n.id for n in sel.notes} == {"N-first-day", "N-last-day", "N-intake"}
    assert [a.id for a in sel.baseline] == ["A-day-before"]


def test_excluded_types_and_unsigned_notes_are_counted_not_listed(store):
    sel = sources.select(store, "C1", START, END, today=TODAY)
    assert {e.kind: e.count for e in sel.excluded} == {
        "administrative": 1,
        "cancellation": 1,
        "clinical": 1,
        "unsigned": 1,
    }
    listed = " ".join(i.text + i.title for i in sel.items)
    for id_, phrase in (
        ("N-admin", "Billing ledger"),
        ("N-cancel", "Late-cancellation"),
        ("N-clinical", "Countertransference"),
        ("N-unsigned", "N-unsigned"),
    ):
        assert id_ not in sel.item_ids and phrase not in listed
    assert all(e.reason for e in sel.excluded)


def test_items_say_why_they_are_in(store):
    items = {i.id: i for i in sources.select(store, "C1", START, END, today=TODAY).items}
    assert items["N-intake"].reason == "intake assessment dated in the range"
    assert items["N-first-day"].reason == "signed progress note dated in the range"
    assert items["P-ends-inside"].reason == "in effect during the range"
    assert items["D-resolved-on-start"].reason == "active during part of the range"
    assert [i.kind for i in items.values()][:3] == ["diagnosis"] * 3


def test_unticked_items_are_left_out_and_counted(store):
    sel = sources.select(store, "C1", START, END, today=TODAY).without(["N-first-day", "N-last-day"])
    assert "N-first-day" not in sel.item_ids and sel.excluded_count("unticked") == 2
    with pytest.raises(InsufficientInformation, match="2 items were unticked"):
        sources.require_sufficient(sel)


def test_insufficient_range_names_what_is_missing(store):
    sel = sources.select(store, "C1", date(2026, 2, 1), date(2026, 2, 28), today=TODAY)
    with pytest.raises(InsufficientInformation) as e:
        sources.require_sufficient(sel)
    msg = e.value.message
    assert "2026-02-01 to 2026-02-28" in msg
    assert "no signed progress notes" in msg
    assert "1 note in this range is unsigned" in msg
    assert "Found: 1 diagnosis, 1 treatment plan." in msg
    assert "sign the pending progress notes or expand the date range" in msg


@pytest.mark.parametrize(
    "start,end,message",
    [
        (date(2026, 3, 1), date(2026, 2, 1), "starts (2026-03-01) after it ends (2026-02-01)"),
        (date(2026, 6, 1), date(2026, 7, 1), "ends in the future (2026-07-01)"),
        (None, date(2026, 2, 1), "Choose both a start date and an end date"),
    ],
)
def test_bad_ranges_are_refused(store, start, end, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        sources.select(store, "C1", start, end, today=TODAY)


def test_overlong_purpose_is_refused(store):
    with pytest.raises(InvalidInput, match="keep it under 500"):
        sources.select(store, "C1", START, END, purpose="x" * 501, today=TODAY)


def test_unknown_client(store):
    with pytest.raises(Exception, match="No client with id 'C404'"):
        sources.select(store, "C404", START, END, today=TODAY)


def test_presets(store):
    assert sources.preset_range("Last 3 months", TODAY).start == TODAY - timedelta(days=91)
    whole = sources.preset_range("Whole treatment", TODAY, store, "C1")
    # From the first chart entry to today: a lapse after the last entry belongs to the treatment.
    assert (whole.start, whole.end) == (date(2025, 1, 1), TODAY)


def test_demo_sparse_client_message(practice):
    """The sparse demo client has too little documentation for the last three months."""
    today = practice.today()
    sparse = next(r for r in practice.store.client_rows() if r.full_name == "Theo Marchetti")
    with pytest.raises(InsufficientInformation) as e:
        charts.preview_draft(practice, SUPERVISOR, sparse.id, today - timedelta(days=91), today)
    assert "there are no signed progress notes in this range" in e.value.message
    assert "expand the date range" in e.value.message


def test_demo_unsigned_client_message(practice):
    today = practice.today()
    client = next(r for r in practice.store.client_rows() if r.full_name == "Gwendolyn Ashby")
    with pytest.raises(InsufficientInformation, match=r"\d+ notes in this range are unsigned"):
        charts.preview_draft(practice, SUPERVISOR, client.id, today - timedelta(days=91), today)


def reference_excluded(con, client_id, start, end) -> dict[str, int]:
    """The left-out notes of a range counted straight in SQL, by type ('unsigned' for intake and
    progress notes without a signature)."""
    return dict(
        con.execute(
            """SELECT CASE WHEN note_type IN ('intake', 'progress') THEN 'unsigned' ELSE note_type END AS kind, count(*)
           FROM notes WHERE client_id = $c AND note_date BETWEEN $s AND $e
           AND (note_type NOT IN ('intake', 'progress') OR signed_at IS NULL) GROUP BY kind""",
            {"c": client_id, "s": start, "e": end},
        ).fetchall()
    )


def reference_baseline(con, client_id, before) -> list[tuple]:
    """(instrument, date, score) of the latest score per instrument before a date, by a window query."""
    return con.execute(
        """SELECT instrument, administered_on, total_score FROM assessments WHERE client_id = ? AND administered_on < ?
           QUALIFY row_number() OVER (PARTITION BY instrument ORDER BY administered_on DESC, id DESC) = 1
           ORDER BY instrument""",
        [client_id, before],
    ).fetchall()


def test_one_pass_selection_agrees_with_the_separate_reads(practice):
    """range_sources reads notes and assessments once and splits them in Python; separate queries
    for the counts and the baselines are the reference."""
    con = practice.store._con
    for row in practice.store.client_rows():
        first, last = practice.store.chart_span(row.id)
        for start, end in ((first, last), (last - timedelta(days=182), last), (first + timedelta(days=40), last)):
            found = practice.store.range_sources(row.id, start, end)
            assert found.excluded == reference_excluded(con, row.id, start, end)
            assert [(a.instrument, a.administered_on, a.total_score) for a in found.baseline] == reference_baseline(
                con, row.id, start
            )
            assert all(n.note_type in ("intake", "progress") and n.signed for n in found.chart.notes)
