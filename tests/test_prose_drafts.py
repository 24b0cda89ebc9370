"""Drafts of charts whose notes are clinical prose (imported from files): each section from the
note's right section, what the note and the structured chart disagree on said, and no header
echoed. The checks leave a note's own quoted words to the reader and still catch a wrong claim."""

from __future__ import annotations

from datetime import date

import pytest

from core import charts, claims
from core.models import Actor
from core.note_files import Defaults

IMPORTER = Actor("alex", "Alex Moreno", ("admin",))
READER = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW", "K06")
SEEN = date(2026, 6, 1)
CONSULT = (
    "IDENTIFYING DATA: , The patient is a 41-year-old woman referred after a suicide attempt by overdose of sertraline.,"
    'CHIEF COMPLAINT: , "I can\'t keep going like this.",HISTORY OF PRESENT ILLNESS: , Low mood for six months '
    "after losing her job.  She took 20 tablets of sertraline last week.,PAST PSYCHIATRIC HISTORY: , She denies "
    "previous suicide attempts.,CURRENT MEDICATIONS: , Sertraline 100 mg daily.  Trazodone 50 mg at bedtime.,"
    "MENTAL STATUS EXAM: , Tearful, denies current suicidal ideation.,FORMULATION: , Major depressive disorder, "
    "recurrent, severe, with a recent overdose in the context of job loss.,DIAGNOSES:,AXIS I:,1.  Major "
    "depressive disorder, recurrent, severe.,2.  Alcohol use disorder, mild.,PLAN,1.  Follow up with Dr. Y in "
    "one week.,2.  Safety plan completed with the patient and her sister."
)


def chart_with(p, tmp_path, text: str, *, born=date(1985, 1, 1), gender="female", diagnoses=(), medications=()):
    p.store.insert_rows(
        {
            "clients": [
                {
                    "id": "P1",
                    "full_name": "Robin Hale",
                    "first_name": "Robin",
                    "last_name": "Hale",
                    "date_of_birth": born,
                    "gender": gender,
                    "source": "fhir",
                }
            ],
            "diagnoses": [
                {
                    "id": f"D{n}",
                    "client_id": "P1",
                    "code": code,
                    "code_system": "ICD-10-CM",
                    "description": what,
                    "onset": date(2026, 1, 1),
                    "resolved": None,
                }
                for n, (code, what) in enumerate(diagnoses)
            ],
            "medications": [
                {
                    "id": f"M{n}",
                    "client_id": "P1",
                    "name": name,
                    "dosage": dose,
                    "start_date": date(2026, 1, 1),
                    "end_date": None,
                    "status": "active",
                    "prescriber": None,
                }
                for n, (name, dose) in enumerate(medications)
            ],
        }
    )
    path = tmp_path / "Psychiatric consult.txt"
    path.write_text(text)
    charts.import_notes(p, IMPORTER, "P1", [path], Defaults(note_date=SEEN))
    return charts.preview_draft(p, READER, "P1", date(2026, 5, 1), date(2026, 6, 30), "")


def section(text: str, title: str) -> str:
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0].strip()


def test_each_section_reads_the_notes_own_section(empty_practice, tmp_path):
    _, draft = chart_with(empty_practice, tmp_path, CONSULT)
    t = draft.text
    assert "I can't keep going like this." in section(t, "Reason for referral and presenting concerns")
    dx = section(t, "Diagnoses")
    assert "No coded diagnosis" in dx and "Axis I: Major depressive disorder, recurrent, severe." in dx
    assert "Axis I: Alcohol use disorder, mild." in dx
    meds = section(t, "Interventions and course of treatment")
    assert "- Current medications: Sertraline 100 mg daily." in meds  # under the list it comes from
    assert "- Current medications: Trazodone 50 mg at bedtime." in meds
    assert "20 tablets" not in meds  # an overdose is no regimen
    risk_ = section(t, "Risk and safety")
    assert (
        "referred after a suicide attempt by overdose of sertraline" in risk_
        and "- Past psychiatric history: She denies previous suicide attempts." in risk_  # history, labeled
    )
    assert "Tearful, denies current suicidal ideation." in risk_
    status = section(t, "Current status")
    assert "with a recent overdose in the context of job loss" in status and "I can't" not in status
    plan = section(t, "Recommendations and next steps")
    assert "- Follow up with Dr. Y in one week." in plan and "- Safety plan completed" in plan
    for header in ("IDENTIFYING DATA", "CHIEF COMPLAINT", "HISTORY OF PRESENT ILLNESS", "FORMULATION", "PLAN,"):
        assert header not in t


def test_what_the_note_and_the_chart_disagree_on_is_said(empty_practice, tmp_path):
    _, draft = chart_with(
        empty_practice, tmp_path, CONSULT, born=date(1970, 1, 1), gender="male", diagnoses=[("F43.10", "PTSD")]
    )
    context = section(draft.text, "Identifying context")
    assert "describes the client as 41 years old; the date of birth in the chart gives 56" in context
    assert "describes the client as female; the chart records male" in context
    dx = section(draft.text, "Diagnoses")
    assert dx.startswith("- F43.10 PTSD")
    assert "Stated in the notes but not among the coded diagnoses" in dx and "Major depressive disorder" in dx


def test_what_the_chart_already_has_is_not_repeated_as_stated(empty_practice, tmp_path):
    _, draft = chart_with(
        empty_practice,
        tmp_path,
        CONSULT,
        diagnoses=[("F33.2", "Major depressive disorder, recurrent severe"), ("F10.10", "Alcohol use disorder, mild")],
        medications=[("Sertraline", "100 mg daily"), ("Trazodone", "50 mg at bedtime")],
    )
    assert "Stated in the notes" not in draft.text
    assert "describes the client as" not in draft.text  # 41 by the date of birth too
    assert "Medications as the notes state them" not in draft.text


def test_a_denial_quoted_from_a_note_that_also_reports_the_event_is_a_warning_a_made_up_one_an_error(
    empty_practice, tmp_path
):
    sel, draft = chart_with(empty_practice, tmp_path, CONSULT)
    quoted = "- 2026-06-01: Past psychiatric history: She denies previous suicide attempts."
    made_up = "- 2026-06-01: She denies any suicide attempt."
    [q] = [f for f in claims.findings(quoted, sel) if f.kind == "risk"]
    assert q.severity == "warning" and "quoted from a note" in q.evidence
    assert [f.severity for f in claims.findings(made_up, sel) if f.kind == "risk"] == ["error"]
    assert not [f for f in claims.findings(draft.text, sel, draft.citations) if f.severity == "error"]


@pytest.mark.parametrize(
    ("sentence", "caught"),
    [
        ("The client is currently taking Clozapine 100 mg.", True),  # no note or prescription names it
        ("Sertraline is on file at 100 mg daily.", True),  # named in the note, never prescribed
        ("Sertraline 100 mg daily.", False),  # the note's own words
    ],
)
def test_a_medication_only_a_note_names_is_not_on_file(empty_practice, tmp_path, sentence, caught):
    sel, _ = chart_with(empty_practice, tmp_path, CONSULT)
    assert bool([f for f in claims.findings(sentence, sel) if f.kind == "medication"]) is caught


def test_a_relatives_history_is_never_the_clients_risk_event_and_no_plan_step_is_a_screening(empty_practice, tmp_path):
    text = CONSULT.replace(
        "PAST PSYCHIATRIC HISTORY: , She denies",
        "FAMILY PSYCHIATRIC HISTORY: , Her brother made a suicide attempt in 2019.,PAST PSYCHIATRIC HISTORY: , She denies",
    )
    _, draft = chart_with(empty_practice, tmp_path, text)
    risk_ = section(draft.text, "Risk and safety")
    events = risk_.split("Documented risk events in this range:", 1)[1].split("\n\n", 1)[0]
    assert "brother" not in events  # a relative's attempt is no event of the client's
    assert "- Family psychiatric history: Her brother made a suicide attempt in 2019." in risk_  # but it is said
    assert "Most recent risk screening" not in risk_  # the note's own statements are listed whole instead
    assert "Safety plan completed" in section(draft.text, "Recommendations and next steps")
