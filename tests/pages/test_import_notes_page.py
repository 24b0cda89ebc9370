"""The notes import page: find the client, upload files, see what was added; a bad row imports nothing
and the error says which row and why."""

from datetime import date

from core import charts
from core.config import Settings
from core.models import Actor
from core.service import Practice

RUTH = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW, Clinical Supervisor", "K06")
CONSULT = b"CHIEF COMPLAINT: Panic attacks at work.\nPLAN: Start CBT for panic disorder; follow up in two weeks."


def notes_of(app_db, client_id):
    p = Practice.open(Settings(db_path=app_db))
    try:
        return charts.chart(p, RUTH, client_id).notes
    finally:
        p.store.close()


def choose_client(at, search: str):
    at.text_input(key="notes_client_search").set_value(search).run()
    client = at.selectbox(key=f"notes_client:{search.lower()}")
    assert client.value is not None
    return client.value.id


def test_a_file_becomes_a_note_of_the_chosen_client(app, app_db):
    at = app()
    at.switch_page("pages/import_notes.py").run()
    assert at.button(key="notes_import").disabled  # no client, no file yet
    client_id = choose_client(at, "Abernethy")
    before = len(notes_of(app_db, client_id))
    at.date_input(key="notes_date").set_value(date.today()).run()
    at.file_uploader(key="notes_files").set_value(("panic consult.txt", CONSULT, "text/plain")).run()
    at.button(key="notes_import").click().run()
    assert not at.exception and not at.error
    assert f"panic consult.txt: 1 note (1 progress) for client {client_id}; added 1." in at.text[0].value
    notes = notes_of(app_db, client_id)
    assert len(notes) == before + 1
    [new] = [n for n in notes if n.title == "Panic consult"]
    assert new.signed and new.note_type == "progress" and "follow up in two weeks" in new.text


def test_a_bad_row_shows_which_and_why_and_imports_nothing(app, app_db):
    at = app()
    at.switch_page("pages/import_notes.py").run()
    client_id = choose_client(at, "Abernethy")
    before = len(notes_of(app_db, client_id))
    rows = b"date,type,text\n2026-01-05,progress,Fine.\n2026-01-06,psychotherapy,Private.\n"
    at.file_uploader(key="notes_files").set_value(("export.csv", rows, "text/csv")).run()
    at.button(key="notes_import").click().run()
    assert not at.exception
    assert "export.csv row 3: note type 'psychotherapy' is not one of" in at.error[0].value
    assert len(notes_of(app_db, client_id)) == before
