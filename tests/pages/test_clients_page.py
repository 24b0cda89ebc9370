"""The Clients page (search, what waits on each chart, one click to the Summary tab) and the client
record's chart tab."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from core import summaries
from core.clock import local_time
from core.config import Settings
from core.models import USABLE_NOTE_TYPES, Actor
from core.safety import shown
from core.service import Practice
from tests.pages.conftest import PASSWORDS

CLIENT = "C1001"  # Zoë Ñúñez, Dana's
DANA = Actor("dana", "Dana Whitfield", ("clinician",), "LCSW", "K01")
RUTH = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW, Clinical Supervisor", "K06")
COLUMNS = [
    "Client",
    "ID",
    "Clinician",
    "Draft in progress",
    "Draft last changed",
    "Last signed",
    "Unsigned notes",
    "First seen",
    "Last seen",
]


def shown_at(p: Practice, moment, who: str) -> str:
    """How the list shows a time and a person: the practice's time zone, to the minute."""
    return f"{local_time(moment, p.settings.timezone):%Y-%m-%d %H:%M} · {who}"


def saved_text(p: Practice, draft_id: str) -> str:
    draft = p.store.draft(draft_id)
    assert draft is not None
    return draft.text


def editors(at) -> list[str]:
    """The texts the page's draft editors were given to show."""
    found = []

    def walk(node):
        for child in getattr(node, "children", {}).values():
            proto = getattr(child, "proto", None)
            if getattr(proto, "component_name", None) == "treatment_summaries.draft_editor":
                found.append(json.loads(proto.json)["text"])
            walk(child)

    walk(at._tree)
    return found


def table_row(at, client_id: str) -> dict:
    table = at.dataframe[0].value
    [row] = table[table["ID"] == client_id].to_dict("records")
    return row


def test_clients_page_lists_and_searches(app):
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Clients"
    table = at.dataframe[0].value
    assert len(table) == 44 and "Zoë Ñúñez" in set(table["Client"])
    assert list(table.columns) == COLUMNS
    at.text_input(key="client_search").input("ñúñez").run()
    assert list(at.dataframe[0].value["Client"]) == ["Zoë Ñúñez"]
    at.text_input(key="client_search").input("nunez").run()  # accents are optional
    assert list(at.dataframe[0].value["Client"]) == ["Zoë Ñúñez"]
    at.text_input(key="client_search").input("100").run()  # any part of the id
    ids = list(at.dataframe[0].value["ID"])
    assert CLIENT in ids and len(ids) == 9 and all("100" in i for i in ids)
    assert at.caption[0].value.startswith("9 clients.")
    at.text_input(key="client_search").input("nobody-like-this").run()
    assert "No client matches" in at.info[0].value


def test_a_long_list_comes_in_pages_with_previous_and_next(app, monkeypatch):
    from core import charts

    monkeypatch.setattr(charts, "CLIENTS_PER_PAGE", 20)
    at = app().run()
    first = list(at.dataframe[0].value["ID"])
    assert len(first) == 20 and at.caption[0].value.startswith("44 clients (here 1-20).")
    assert next(b for b in at.button if b.label == "Previous").disabled
    at = next(b for b in at.button if b.label == "Next").click().run()
    second = list(at.dataframe[0].value["ID"])
    assert (
        len(second) == 20
        and not set(first) & set(second)
        and at.caption[0].value.startswith("44 clients (here 21-40).")
    )
    at = next(b for b in at.button if b.label == "Next").click().run()
    assert len(at.dataframe[0].value) == 4 and next(b for b in at.button if b.label == "Next").disabled
    at.session_state["client_table"] = {"selection": {"rows": [3], "columns": [], "cells": []}}
    last = list(at.dataframe[0].value["ID"])[3]
    at.run()  # a row of the third page opens that client, not the fourth of the first page
    assert dict(at.query_params) == {"client": last, "tab": "Summary"}

    at = app().run()
    at = next(b for b in at.button if b.label == "Next").click().run()
    at.text_input(key="client_search").input("C10").run()  # a new search starts on its first page
    assert at.caption[0].value.startswith("44 clients (here 1-20).") and list(at.dataframe[0].value["ID"]) == first


@pytest.fixture
def waiting(app_db):
    """Demo charts with work waiting: Dana's open draft on C1001 (that Ruth edited last), and a summary
    Ruth drafted and signed on C1002 (not on Dana's caseload). Made in core, as the Summary tab would."""
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    today = p.today()
    draft = summaries.generate(p, DANA, CLIENT, today - timedelta(days=182), today, "Case consultation").draft
    saved = summaries.save(p, RUTH, draft.id, draft.text + "\nRuth's note.", base_revision=None)
    signed_client = "C1002"
    other = summaries.generate(p, RUTH, signed_client, today - timedelta(days=182), today).draft
    signed = summaries.sign(p, RUTH, other.id, password=PASSWORDS["ruth"])
    expected = {
        "draft": shown_at(p, draft.created_at, "Dana Whitfield"),
        "changed": shown_at(p, saved.saved_at, "Ruth Abernathy"),
        "signed": shown_at(p, signed.signed_at, "Ruth Abernathy"),
        "signed_client": signed_client,
        "danas": [r.id for r in p.store.client_rows() if r.clinician_id == "K01"],
        "text": saved_text(p, draft.id),
        "unsigned": {
            c.id: sum(1 for n in p.store.chart(c.id).notes if n.note_type in USABLE_NOTE_TYPES and not n.signed)
            for c in p.store.client_rows()
        },
    }
    p.store.close()
    return expected


def test_clients_list_shows_drafts_in_progress_last_signed_and_unsigned_notes(app, waiting):
    at = app().run()
    assert not at.exception
    zoe = table_row(at, CLIENT)
    assert zoe["Draft in progress"] == waiting["draft"] and waiting["draft"].endswith(" · Dana Whitfield")
    assert zoe["Draft last changed"] == waiting["changed"] and zoe["Last signed"] == ""
    done = table_row(at, waiting["signed_client"])
    assert done["Draft in progress"] == "" and done["Draft last changed"] == ""
    assert done["Last signed"] == waiting["signed"]
    table = at.dataframe[0].value
    assert dict(zip(table["ID"], table["Unsigned notes"])) == waiting["unsigned"]  # counted against each chart
    assert table_row(at, "C1003")["Unsigned notes"] == 3  # the demo chart with unsigned notes
    assert "America/Chicago" in at.caption[0].value


def test_a_clinician_sees_only_their_caseload(app, waiting):
    at = app("dana").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["ID"]) == waiting["danas"] and 0 < len(table) < 44  # C1002 (Ruth's signature) is not there
    assert set(table["Clinician"]) == {"Dana Whitfield"}
    assert table_row(at, CLIENT)["Draft in progress"] == waiting["draft"]


def test_one_click_on_a_row_opens_the_summary_tab_with_its_draft(app, waiting):
    at = app().run()
    at.text_input(key="client_search").input("nunez").run()
    at.session_state["client_table"] = {"selection": {"rows": [], "columns": [], "cells": [[0, "Last seen"]]}}
    at.run()
    assert not at.exception
    assert at.title[0].value == "Zoë Ñúñez" and dict(at.query_params) == {"client": CLIENT, "tab": "Summary"}
    assert [s.value for s in at.subheader] == ["Treatment summaries"]  # the Summary tab, not the Chart's
    assert editors(at) == [waiting["text"]]  # the open draft, as last saved, in its editor


def test_selecting_a_row_by_its_marker_opens_the_summary_tab_and_the_chart_stays_a_tab_away(app):
    at = app().run()
    at.text_input(key="client_search").input("C1003").run()
    at.session_state["client_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.title[0].value == "Gwendolyn Ashby" and at.query_params["tab"] == "Summary"
    assert [t.label for t in at.tabs] == ["Chart", "Summary"]
    chart = app()
    chart.query_params["client"], chart.query_params["tab"] = "C1003", "Chart"
    chart.switch_page("pages/client.py").run()
    assert not chart.exception and "Score trends" in [s.value for s in chart.subheader]


def test_names_in_the_list_are_shown_as_text(app, app_db):
    """A client name from an import that carries a link and an image: the list shows it through shown()."""
    name = "Eve ![x](https://evil.example/x.png?d=PHI) [Eve](https://evil.example/eve)"
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    p.store.insert_rows(
        {
            "clients": [
                {
                    "id": "F-EVE",
                    "full_name": name,
                    "first_name": "Eve",
                    "last_name": "Evil",
                    "date_of_birth": date(1990, 1, 1),
                    "clinician_id": "K01",
                    "source": "fhir",
                }
            ]
        }
    )
    p.store.close()
    at = app().run()
    assert not at.exception
    cell = table_row(at, "F-EVE")["Client"]
    assert cell == shown(name) and "](" not in cell and "https://" not in cell


def test_client_record_shows_chart_at_a_glance(app):
    at = app()
    at.query_params["client"] = "C1001"
    at.switch_page("pages/client.py").run()
    assert not at.exception
    assert at.title[0].value == "Zoë Ñúñez"
    subheaders = [s.value for s in at.subheader]
    assert subheaders == [
        "Score trends",
        "Active diagnoses",
        "Current treatment plan",
        "Notes by type",
        "Treatment summaries",
    ]
    diagnoses = at.dataframe[0].value
    assert any(code.startswith("F3") for code in diagnoses["Code"])
    counts = dict(zip(at.dataframe[1].value["Type"], at.dataframe[1].value["Notes"]))
    assert counts["Progress"] > 10 and counts["Administrative"] > 0


def test_client_record_without_client_points_to_clients(app):
    at = app()
    at.switch_page("pages/client.py").run()
    assert not at.exception
    assert "Choose a client" in at.info[0].value


def test_unknown_client_is_a_clear_error(app):
    at = app()
    at.query_params["client"] = "C0000"
    at.switch_page("pages/client.py").run()
    assert not at.exception
    assert "No client with id 'C0000'" in at.error[0].value
