"""Reading clinical prose: headers in every common style found and never returned as statements,
and what a summary needs (diagnoses, medications, plan, status, risk) read from the right section."""

from __future__ import annotations

import re

import pytest

from core import prose
from core.text import sentences

FLAT = (
    "IDENTIFYING DATA: , The patient is a 21-year-old male seen after an overdose.,CHIEF COMPLAINT: , "
    '"I want to go home.",MEDICATIONS:,The patient is discharged with:,1.  Klonopin 1 mg t.i.d. p.r.n.,'
    "2.  Lithium 450 mg b.i.d.,MENTAL STATUS EXAM:,  Guarded, denies suicidal ideation today.,"
    "FORMULATION: , Bipolar disorder with recent overdose in the context of cocaine use.,DIAGNOSES:,AXIS I:,"
    "1.  Bipolar disorder.,2.  Cocaine abuse.,AXIS II: , Deferred.,AXIS V:  30.,PLAN,1.  Follow up with "
    "Dr. X in four days.,2.  Safety plan reviewed with the patient and his mother."
)


def test_a_flattened_layout_gets_its_line_breaks_back_and_keeps_its_words():
    lines = prose.layout(FLAT).splitlines()
    assert lines[:2] == [
        "IDENTIFYING DATA: The patient is a 21-year-old male seen after an overdose.",
        'CHIEF COMPLAINT: "I want to go home."',
    ]
    assert "1. Klonopin 1 mg t.i.d. p.r.n." in lines and "PLAN: 1. Follow up with Dr. X in four days." in lines
    assert prose.layout(prose.layout(FLAT)) == prose.layout(FLAT)  # restoring twice changes nothing
    words = lambda t: [w for w in re.split(r"[\s,:]+", t) if w]  # noqa: E731
    assert words(prose.layout(FLAT)) == words(FLAT)


@pytest.mark.parametrize(
    ("text", "header", "kinds"),
    [
        ("HISTORY OF PRESENT ILLNESS: Low mood for months.", "HISTORY OF PRESENT ILLNESS", {"history"}),
        ("Chief Complaint: Anxiety at work.", "Chief Complaint", {"complaint"}),
        ("# Assessment and Plan\nStable.", "Assessment and Plan", {"assessment", "plan"}),
        ("A: Improving with CBT.", "A", {"assessment"}),
        ("DISCHARGE MEDICATIONS:\n1. Sertraline 50 mg daily.", "DISCHARGE MEDICATIONS", {"medications"}),
        ("CONDITION ON DISCHARGE: Stable.", "CONDITION ON DISCHARGE", {"status"}),
        ("AXIS I: Bipolar disorder.", "AXIS I", {"diagnoses"}),
        ("DISCHARGE SUMMARY\nAdmitted for mania.", "DISCHARGE SUMMARY", {"assessment"}),
    ],
)
def test_headers_of_every_style_name_their_section(text, header, kinds):
    [first, *_] = prose.sections(text)
    assert first.header == header and set(first.kinds) == kinds


def test_a_line_that_only_starts_like_a_header_is_text():
    [s] = prose.sections("Mother said: he was horrible when he missed a dose.")
    assert s.header == "" and s.statements == ["Mother said: he was horrible when he missed a dose."]


def test_no_statement_is_a_header():
    r = prose.read(FLAT)
    everything = [x for s in r.sections for x in s.statements]
    assert everything and not any(x.rstrip(":").isupper() and len(x) > 4 for x in everything)
    assert not any(h in x for x in everything for h in ("IDENTIFYING DATA", "CHIEF COMPLAINT", "AXIS I:", "PLAN:"))
    assert sentences("PLAN: Follow up in four days.") == ["Follow up in four days."]  # everywhere sentences are read
    assert sentences("S: Slept well.") == ["S: Slept well."]  # SOAP letters stay with their sentence
    assert sentences("AUDIT: 12 at intake.") == ["AUDIT: 12 at intake."]  # a score is no header
    assert sentences("He sees Dr. X weekly. Next visit Monday.") == ["He sees Dr. X weekly.", "Next visit Monday."]


def test_what_a_summary_needs_comes_from_its_section():
    r = prose.read(FLAT)
    # who and why, then the chief complaint in the client's words
    assert r.complaint == ["The patient is a 21-year-old male seen after an overdose.", '"I want to go home."']
    assert r.diagnoses == ["Axis I: Bipolar disorder.", "Axis I: Cocaine abuse.", "Axis V: 30."]  # "Deferred" is none
    assert r.medications == ["Klonopin 1 mg t.i.d. p.r.n.", "Lithium 450 mg b.i.d."]  # not the list's introduction
    assert r.plan == ["Follow up with Dr. X in four days.", "Safety plan reviewed with the patient and his mother."]
    assert r.status == ["Bipolar disorder with recent overdose in the context of cocaine use."]  # the formulation
    assert (r.stated_age(), r.stated_sex()) == (21, "male")
    assert "The patient is a 21-year-old male seen after an overdose." in r.risk
    assert "Guarded, denies suicidal ideation today." in r.risk


def test_without_a_diagnoses_section_the_assessment_says_the_disorder():
    r = prose.read("SUBJECTIVE: Rechecking his medicine.\nASSESSMENT: ADHD, doing well on Adderall.\nPLAN: Same.")
    assert r.diagnoses == ["ADHD, doing well on Adderall."]
    assert prose.read("ASSESSMENT: Doing well.\nPLAN: Same.").diagnoses == []


def test_one_sentence_listing_several_doses_is_one_item_per_drug():
    assert prose.dosed(
        "Restarted on Prilosec 20 mg p.o. daily, nortriptyline 50 mg nightly, and Haldol 2 mg q.8h."
    ) == [
        "Restarted on Prilosec 20 mg p.o. daily.",
        "nortriptyline 50 mg nightly.",
        "Haldol 2 mg q.8h.",
    ]
    assert prose.dosed("He is on Adderall XR 10 mg once daily.") == ["He is on Adderall XR 10 mg once daily."]
    assert prose.dosed("No medications.") == []


def test_a_soap_note_in_letters_is_not_prose_but_a_headed_one_is():
    assert not prose.has_layout("S: Tired.\nO: Flat.\nA: Depressed.\nP: Continue.")
    assert prose.has_layout("PLAN: Continue.")
    assert prose.has_layout("# Chief Complaint\nNone.\n# Plan\nNone.")
