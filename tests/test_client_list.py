"""The Clients list in core, on both engines: search, the open draft, the last signed summary,
the unsigned notes, and who sees which clients (charts.find_clients, Store.client_rows)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest

from core import charts, summaries
from core.models import USABLE_NOTE_TYPES, Actor, ClientRow
from tests.engines import BOTH

ENGINES = BOTH

CLIENT = "C1001"  # Zoë Ñúñez, on Dana's caseload
DANA = Actor("dana", "Dana Whitfield", ("clinician",), "LCSW", "K01")
PASSWORD = "dana-demo-2026"
RUTH = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW, Clinical Supervisor", "K06")
RUTH_PASSWORD = "ruth-demo-2026"


def start(practice, actor=DANA, client=CLIENT):
    today = practice.today()
    return summaries.generate(practice, actor, client, today - timedelta(days=182), today, "Case consultation").draft


def row(practice, actor=RUTH, client=CLIENT) -> ClientRow:
    [found] = [r for r in charts.find_clients(practice, actor, client) if r.id == client]
    return found


@pytest.fixture
def ticking(monkeypatch) -> Iterator[None]:
    """The lifecycle's clock, a minute further on at each reading: two signatures never share a second."""
    moments = (datetime(2026, 11, 30, 20, 0) + timedelta(minutes=n) for n in range(10_000))
    monkeypatch.setattr(summaries, "utcnow", lambda: next(moments))
    yield


# -- search -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("search", ["ñúñez", "ÑÚÑEZ", "Nunez", "nunez", "zoe", "Zoë Ñúñez", "nunez zoe", "  ñú  "])
def test_search_finds_any_part_of_the_name_ignoring_case_and_accents(practice, search):
    assert [r.id for r in charts.find_clients(practice, RUTH, search)] == [CLIENT]


def test_search_finds_any_part_of_the_id(practice):
    everyone = charts.find_clients(practice, RUTH)
    assert len(everyone) == 44
    found = [r.id for r in charts.find_clients(practice, RUTH, "100")]
    assert found and set(found) == {r.id for r in everyone if "100" in r.id}
    assert [r.id for r in charts.find_clients(practice, RUTH, "c1001")] == [CLIENT]
    assert [r.id for r in charts.find_clients(practice, RUTH, "ñúñez C1001")] == [CLIENT]  # name and id words


def test_search_is_literal_and_blank_lists_everyone(practice):
    assert charts.find_clients(practice, RUTH, "%") == [] and charts.find_clients(practice, RUTH, "_") == []
    assert len(charts.find_clients(practice, RUTH, "   ")) == 44
    assert [r.full_name for r in charts.find_clients(practice, RUTH, "李")] == ["李娜"]  # no accents to strip
    assert charts.find_clients(practice, RUTH, "nunez C1002") == []  # every word must match


# -- the open draft ---------------------------------------------------------------------------------


def test_an_open_draft_shows_who_started_it_and_who_changed_it_last(practice):
    assert row(practice).draft_started_at is None and row(practice).draft_started_by is None
    draft = start(practice)
    started = row(practice)
    assert (started.draft_started_at, started.draft_started_by) == (draft.created_at, "Dana Whitfield")
    assert (started.draft_changed_at, started.draft_changed_by) == (draft.created_at, "Dana Whitfield")

    saved = summaries.save(practice, RUTH, draft.id, draft.text + "\nRuth's addition.", base_revision=None)
    changed = row(practice)
    assert (changed.draft_started_at, changed.draft_started_by) == (draft.created_at, "Dana Whitfield")
    assert (changed.draft_changed_at, changed.draft_changed_by) == (saved.saved_at, "Ruth Abernathy")
    others = [r for r in charts.find_clients(practice, RUTH) if r.id != CLIENT]
    assert all(r.draft_started_at is None and r.draft_changed_by is None for r in others)


def test_signing_moves_the_client_from_draft_in_progress_to_last_signed(practice):
    draft = start(practice)
    assert row(practice).last_signed_at is None
    signed = summaries.sign(practice, DANA, draft.id, password=PASSWORD)
    after = row(practice)
    assert after.draft_started_at is None and after.draft_started_by is None and after.draft_changed_at is None
    assert (after.last_signed_at, after.last_signed_by) == (signed.signed_at, "Dana Whitfield")


def test_a_deleted_summary_is_not_the_last_signed(practice, ticking):
    first = summaries.sign(practice, DANA, start(practice).id, password=PASSWORD)
    second = summaries.sign(practice, RUTH, start(practice, RUTH).id, password=RUTH_PASSWORD)
    assert second.signed_at > first.signed_at
    assert (row(practice).last_signed_at, row(practice).last_signed_by) == (second.signed_at, "Ruth Abernathy")

    summaries.delete(practice, RUTH, second.id, "wrong range")
    assert (row(practice).last_signed_at, row(practice).last_signed_by) == (first.signed_at, "Dana Whitfield")
    summaries.delete(practice, RUTH, first.id, "superseded")
    assert row(practice).last_signed_at is None and row(practice).last_signed_by is None


# -- unsigned notes ---------------------------------------------------------------------------------


def unsigned_in_chart(practice, client_id: str) -> int:
    return sum(1 for n in practice.store.chart(client_id).notes if n.note_type in USABLE_NOTE_TYPES and not n.signed)


def test_unsigned_notes_are_counted_exactly_against_each_chart(practice):
    rows = charts.find_clients(practice, RUTH)
    assert {r.id: r.unsigned_notes for r in rows} == {r.id: unsigned_in_chart(practice, r.id) for r in rows}
    assert any(r.unsigned_notes for r in rows)  # the demo charts hold some, so the comparison means something


def test_only_unsigned_intake_and_progress_notes_count(practice):
    before = row(practice).unsigned_notes

    def note(id_: str, note_type: str, signed: bool) -> dict:
        return {
            "id": id_,
            "client_id": CLIENT,
            "note_type": note_type,
            "note_format": "free",
            "note_date": practice.today(),
            "title": id_,
            "author_id": "K01",
            "signed_at": datetime(2026, 6, 30, 15) if signed else None,
            "text": "Seen today.",
        }

    practice.store.insert_rows(
        {
            "notes": [
                note("N-T-progress", "progress", False),
                note("N-T-intake", "intake", False),
                note("N-T-signed", "progress", True),
                note("N-T-admin", "administrative", False),
                note("N-T-noshow", "cancellation", False),
                note("N-T-private", "clinical", False),
            ]
        }
    )
    assert row(practice).unsigned_notes == before + 2 == unsigned_in_chart(practice, CLIENT)


# -- who sees what, and how it is read --------------------------------------------------------------


def test_a_clinician_sees_only_their_caseload_with_its_drafts(practice):
    other = next(r.id for r in charts.find_clients(practice, RUTH) if r.clinician_id not in ("K01", None))
    start(practice)
    start(practice, RUTH, other)
    mine = charts.find_clients(practice, DANA)
    assert mine and {r.clinician_id for r in mine} == {"K01"}
    assert other not in {r.id for r in mine} and charts.find_clients(practice, DANA, other) == []
    assert {r.id for r in mine if r.draft_started_by} == {CLIENT}
    everyone = charts.find_clients(practice, RUTH)
    assert len(everyone) == 44
    assert {r.id: r.draft_started_by for r in everyone if r.draft_started_by} == {
        CLIENT: "Dana Whitfield",
        other: "Ruth Abernathy",
    }


def test_the_whole_list_is_one_statement(practice, monkeypatch):
    """No query per client: the draft, signature and note columns come with the list."""
    start(practice)
    summaries.sign(practice, RUTH, start(practice, RUTH, "C1002").id, password=RUTH_PASSWORD)
    statements: list[str] = []
    real = practice.store._cursor

    class Counting:
        def __init__(self, cur):
            self._cur = cur

        def execute(self, sql, *args):
            statements.append(sql)
            return self._cur.execute(sql, *args)

    @contextmanager
    def counting():
        with real() as cur:
            yield Counting(cur)

    monkeypatch.setattr(practice.store, "_cursor", counting)
    rows = practice.store.client_rows()
    assert len(rows) == 44 and len(statements) == 1
    assert {r.id for r in rows if r.draft_started_at} == {CLIENT}
    assert {r.id for r in rows if r.last_signed_at} == {"C1002"}


# -- pages of the list ---------------------------------------------------------------------------------


def test_pages_of_the_list_cover_it_once_in_its_order(practice):
    everyone = [r.id for r in charts.find_clients(practice, RUTH)]
    pages = [charts.client_page(practice, RUTH, "", n, per_page=10) for n in range(5)]
    assert [p.total for p in pages] == [44] * 5 and [p.first for p in pages] == [0, 10, 20, 30, 40]
    assert [r.id for p in pages for r in p.rows] == everyone
    assert [r for p in pages for r in p.rows] == charts.find_clients(practice, RUTH)  # the same rows, all columns
    past = charts.client_page(practice, RUTH, "", 99, per_page=10)
    assert past.first == 40 and [r.id for r in past.rows] == everyone[40:]  # past the end: the last page


def test_a_page_is_searched_in_the_database_and_holds_only_the_caseload(practice):
    found = charts.client_page(practice, RUTH, "100", 0, per_page=4)
    matching = [r.id for r in charts.find_clients(practice, RUTH, "100")]
    assert found.total == len(matching) == 9 and [r.id for r in found.rows] == matching[:4]
    mine = charts.client_page(practice, DANA, "", 0, per_page=100)
    assert mine.total == len(mine.rows) > 0 and {r.clinician_id for r in mine.rows} == {"K01"}
    assert charts.client_page(practice, Actor("alex", "Alex Moreno", ("admin",)), "").total == 0  # no client list
