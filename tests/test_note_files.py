"""Notes from files: text, Markdown, CSV and PDF into one client's chart, all or nothing, each note
keeping its type; a bad file names its row or page; importing again adds nothing."""

from __future__ import annotations

from datetime import date, datetime

import pymupdf
import pytest

from core import charts, note_files, sources, summaries
from core.errors import InvalidImport, PermissionDenied
from core.models import Actor
from core.note_files import Defaults

IMPORTER = Actor("alex", "Alex Moreno", ("admin",))
TESTER = Actor("pia", "Pia Tester", ("pilot_tester",))
READER = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW", "K06")
ON = Defaults(note_date=date(2026, 6, 1))
CONSULT = (
    "IDENTIFYING DATA: , The patient is a 41-year-old woman seen for low mood.,CHIEF COMPLAINT: , "
    '"I can\'t get out of bed.",DIAGNOSES:,AXIS I:,1.  Major depressive disorder, recurrent.,'
    "DISCHARGE MEDICATIONS:,1.  Sertraline 100 mg daily.,PLAN: , Follow up with Dr. Y in two weeks."
)


@pytest.fixture
def chart(empty_practice):
    """A practice with one client and one clinician, and no notes."""
    empty_practice.store.insert_rows(
        {
            "clinicians": [{"id": "K1", "display_name": "Dana Reyes", "credentials": "LCSW"}],
            "clients": [
                {
                    "id": "P1",
                    "full_name": "Robin Hale",
                    "first_name": "Robin",
                    "last_name": "Hale",
                    "date_of_birth": date(1985, 3, 1),
                    "gender": "female",
                    "source": "fhir",
                    "clinician_id": "K1",
                }
            ],
        }
    )
    return empty_practice


def notes_of(p, client="P1"):
    return charts.chart(p, READER, client).notes


def test_a_text_file_is_one_signed_note_with_its_layout_restored(chart, tmp_path):
    path = tmp_path / "psychiatric_consult.txt"
    path.write_text(CONSULT)
    [report] = charts.import_notes(chart, IMPORTER, "P1", [path], ON)
    assert (report.notes, report.added, report.by_type) == (1, 1, {"progress": 1})
    [n] = notes_of(chart)
    assert (n.note_type, n.note_date, n.title, n.signed) == ("progress", date(2026, 6, 1), "Psychiatric consult", True)
    # each header starts its own line, the words are the file's own
    assert n.text.splitlines()[:2] == [
        "IDENTIFYING DATA: The patient is a 41-year-old woman seen for low mood.",
        'CHIEF COMPLAINT: "I can\'t get out of bed."',
    ]
    assert "1. Sertraline 100 mg daily." in n.text.splitlines()
    assert summaries.audit_log(chart, READER, "P1")[0].action == "import"
    [again] = charts.import_notes(chart, IMPORTER, "P1", [path], ON)
    assert again.added == 0 and len(notes_of(chart)) == 1


def test_markdown_takes_its_title_from_the_first_heading(chart, tmp_path):
    path = tmp_path / "visit.md"
    path.write_text("# Medication management visit\n\n## Assessment\nStable on lithium 300 mg b.i.d.\n")
    charts.import_notes(chart, IMPORTER, "P1", [path], ON)
    assert notes_of(chart)[0].title == "Medication management visit"


CSV = (
    "date,type,title,author,signed,text\n"
    '2026-05-04,intake,Intake,Dana Reyes,yes,"Reason for referral: low mood.\nHistory: two prior episodes."\n'
    '2026-05-11,progress,Session 2,K1,2026-05-11 16:30,"S: Sleeping better.\nO: Brighter.\nA: Improving.\nP: CBT."\n'
    "2026-05-12,administrative,Billing,Sam Office,yes,Insurance authorization renewed through July.\n"
    "2026-05-18,progress,Session 3,New Person,no,S: Draft not yet finished.\n"
)


def test_a_csv_row_is_a_note_that_keeps_its_type_signature_and_author(chart, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(CSV)
    [report] = charts.import_notes(chart, IMPORTER, "P1", [path])
    assert report.by_type == {"intake": 1, "progress": 2, "administrative": 1}
    by_title = {n.title: n for n in notes_of(chart)}
    assert by_title["Session 2"].signed_at == datetime(2026, 5, 11, 16, 30)
    assert not by_title["Session 3"].signed
    # a known author matched by name or by id, an unknown one added once
    assert [by_title[t].author for t in ("Intake", "Session 2", "Session 3")] == ["Dana Reyes"] * 2 + ["New Person"]
    assert sorted(c.display_name for c in chart.store.clinicians()) == ["Dana Reyes", "New Person", "Sam Office"]
    assert by_title["Session 2"].note_format == "SOAP" and by_title["Intake"].note_format == "free"
    # the administrative note and the unsigned one stay out of a summary's sources
    sel = sources.select(chart.store, "P1", date(2026, 5, 1), date(2026, 5, 31))
    assert {n.title for n in sel.notes} == {"Intake", "Session 2"}
    assert sel.excluded_count("administrative") == 1 and sel.excluded_count("unsigned") == 1


@pytest.mark.parametrize(
    ("content", "where", "why"),
    [
        ("date,type,text\n2026-05-04,progress,Fine.\n2026-05-05,therapy,Also fine.\n", "row 3", "'therapy'"),
        ("date,text\n2026-05-04,Fine.\n2026-13-01,Bad date.\n", "row 3", "not a date"),
        ("date,text\n2026-05-04,Fine.\n2026-05-05,\n", "row 3", "no text"),
        ("date,text\n2026-05-04,Fine.\n2027-01-01,Later.\n", "row 3", "in the future"),
        ("date,text\n2026-05-04,Fine,extra\n", "row 2", "3 cells"),
        ("date,title\n2026-05-04,Only a title\n", "no column of note text", "Its columns: date, title"),
        ("date,signed,text\n2026-05-04,maybe,Fine.\n", "row 2", "'signed' is 'maybe'"),
    ],
)
def test_a_bad_row_imports_nothing_of_any_file_and_says_which_and_why(chart, tmp_path, content, where, why):
    good = tmp_path / "good.txt"
    good.write_text("A signed note that is fine on its own.")
    bad = tmp_path / "rows.csv"
    bad.write_text(content)
    with pytest.raises(InvalidImport) as e:
        charts.import_notes(chart, IMPORTER, "P1", [good, bad], ON)
    assert where in e.value.message and why in e.value.message and "Nothing was imported" in e.value.message
    assert notes_of(chart) == ()


def pdf(path, pages):
    doc = pymupdf.open()
    for text in pages:
        page = doc.new_page()
        if text is None:  # a scanned page: a picture, no text
            page.insert_image(pymupdf.Rect(50, 50, 250, 250), pixmap=pymupdf.Pixmap(pymupdf.csRGB, (0, 0, 20, 20), 0))
        else:
            page.insert_text((72, 72), text)
    doc.save(path)


def test_a_pdf_is_one_note_and_a_scanned_page_is_named(chart, tmp_path):
    good = tmp_path / "discharge_summary.pdf"
    pdf(good, ["DISCHARGE DIAGNOSES: Bipolar disorder.", "DISCHARGE MEDICATIONS: Lithium 300 mg b.i.d."])
    charts.import_notes(chart, IMPORTER, "P1", [good], ON)
    [n] = notes_of(chart)
    assert "Bipolar disorder." in n.text and "Lithium 300 mg b.i.d." in n.text and n.title == "Discharge summary"
    scanned = tmp_path / "scan.pdf"
    pdf(scanned, ["Page one has text.", None])
    with pytest.raises(InvalidImport, match=r"scan.pdf: page 2 is an image without text"):
        charts.import_notes(chart, IMPORTER, "P1", [scanned], ON)
    locked = tmp_path / "locked.pdf"
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Secret")
    doc.save(locked, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="pw", owner_pw="pw")
    with pytest.raises(InvalidImport, match="password-protected"):
        charts.import_notes(chart, IMPORTER, "P1", [locked], ON)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 not really")
    with pytest.raises(InvalidImport, match="not a readable PDF"):
        charts.import_notes(chart, IMPORTER, "P1", [tmp_path / "broken.pdf"], ON)
    assert len(notes_of(chart)) == 1


def test_other_bad_files_are_named(chart, tmp_path):
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("First line.\nCaf\xe9 on the second line.".encode("latin-1"))
    with pytest.raises(InvalidImport, match=r"latin1.txt: line 2 is not UTF-8"):
        charts.import_notes(chart, IMPORTER, "P1", [latin], ON)
    (tmp_path / "notes.docx").write_bytes(b"PK")
    with pytest.raises(InvalidImport, match="not a file of notes this can read"):
        charts.import_notes(chart, IMPORTER, "P1", [tmp_path / "notes.docx"], ON)
    undated = tmp_path / "undated.txt"
    undated.write_text("A note without a date.")
    with pytest.raises(InvalidImport, match="no date"):
        charts.import_notes(chart, IMPORTER, "P1", [undated])
    assert notes_of(chart) == ()


def test_only_who_may_import_imports(chart, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("A note.")
    with pytest.raises(PermissionDenied):
        charts.import_notes(chart, TESTER, "P1", [path], ON)
    assert notes_of(chart) == ()


@pytest.mark.parametrize(
    ("text", "layout"),
    [
        ("S: Tired.\nO: Flat affect.\nA: Depressed.\nP: Continue.", "SOAP"),
        ("DATA: Tired.\nASSESSMENT: Depressed.\nPLAN: Continue.", "DAP"),
        ("B: Withdrawn.\nI: Behavioral activation.\nR: Engaged.\nP: Weekly.", "BIRP"),
        ("CHIEF COMPLAINT: Anxiety.\nPLAN: Sertraline.", "free"),
    ],
)
def test_the_layout_is_read_from_the_headers(text, layout):
    assert note_files.note_format(text) == layout


def test_the_command_line_imports_and_refuses_a_bad_file(tmp_path):
    from tests.test_cli import run

    db = tmp_path / "cli.duckdb"
    assert run("init", "--demo", db=db).returncode == 0
    path = tmp_path / "consult.txt"
    path.write_text(CONSULT)
    first = run("import-notes", "--client", "C1006", "--date", "2026-06-01", "--type", "intake", str(path), db=db)
    assert first.returncode == 0, first.stderr
    assert "consult.txt: 1 note (1 intake) for client C1006; added 1." in first.stdout
    again = run("import-notes", "--client", "C1006", "--date", "2026-06-01", "--type", "intake", str(path), db=db)
    assert "added 0, 1 already in the chart" in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("date,type,text\n2026-06-01,therapy,x\n")
    broken = run("import-notes", "--client", "C1006", str(bad), db=db)
    assert broken.returncode == 2 and broken.stderr.startswith("Error: bad.csv row 2: note type 'therapy'")
    unknown = run("import-notes", "--client", "NOPE", "--date", "2026-06-01", str(path), db=db)
    assert unknown.returncode == 2 and "No client with id 'NOPE'" in unknown.stderr
