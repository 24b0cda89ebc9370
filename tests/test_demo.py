"""The demo charts: deterministic, consistent with themselves, and covering the edge cases."""

import re
from collections import Counter
from datetime import date

from core import demo
from core.scoring import INSTRUMENTS, severity

ANCHOR = date(2026, 6, 30)


def test_same_seed_and_anchor_give_identical_charts():
    assert demo.generate(anchor=ANCHOR) == demo.generate(anchor=ANCHOR)
    assert demo.generate(anchor=ANCHOR) != demo.generate(seed=7, anchor=ANCHOR)


def test_size_span_and_kinds():
    rows = demo.generate(anchor=ANCHOR)
    assert len(rows["clients"]) >= 40
    notes = rows["notes"]
    assert {n["note_type"] for n in notes} == {"intake", "progress", "administrative", "cancellation", "clinical"}
    assert {n["note_format"] for n in notes if n["note_type"] == "progress"} == {"SOAP", "DAP", "BIRP"}
    assert min(n["note_date"] for n in notes) >= date(2023, 6, 30)  # at most three years of care
    assert max(n["note_date"] for n in notes) < ANCHOR
    assert {a["instrument"] for a in rows["assessments"]} == {"PHQ-9", "GAD-7", "PCL-5", "AUDIT"}
    assert any(d["resolved"] for d in rows["diagnoses"])
    consent = Counter(c["ai_consent_on"] is not None for c in rows["clients"])
    assert consent[True] > consent[False] > 0


def test_scores_agree_with_items_bands_and_notes():
    rows = demo.generate(anchor=ANCHOR)
    notes_by_day = {
        (n["client_id"], n["note_date"]): n["text"] for n in rows["notes"] if n["note_type"] in ("intake", "progress")
    }
    for a in rows["assessments"]:
        assert sum(a["items"]) == a["total_score"] <= INSTRUMENTS[a["instrument"]].max_score
        assert a["severity"] == severity(a["instrument"], a["total_score"])
        # the note written that day reports the same score
        assert f"{a['instrument']} {a['total_score']} ({a['severity']})" in notes_by_day[
            (a["client_id"], a["administered_on"])
        ].replace(" completed in session:", "")


def test_plans_are_revised_and_goals_measurable():
    rows = demo.generate(anchor=ANCHOR)
    per_client = Counter(p["client_id"] for p in rows["treatment_plans"])
    assert max(per_client.values()) >= 3
    assert all(p["goals"] and p["interventions"] for p in rows["treatment_plans"])
    statuses = Counter(p["status"] for p in rows["treatment_plans"])
    assert statuses["revised"] and statuses["active"] and statuses["completed"]


def test_edge_cases_are_present():
    rows = demo.generate(anchor=ANCHOR)
    names = {c["full_name"]: c for c in rows["clients"]}
    assert {"Zoë Ñúñez", "李娜", "Nguyễn Thị Lan", "Søren Østergaard"} <= set(names)
    assert names["Søren Østergaard"]["ai_consent_on"] is None
    text = {
        c: " ".join(n["text"] for n in rows["notes"] if n["client_id"] == c)
        for c in (names["Zoë Ñúñez"]["id"], names["Harriet Quayle"]["id"])
    }
    assert "Stanley-Brown safety plan" in text[names["Zoë Ñúñez"]["id"]]
    assert "Ignore previous instructions" in text[names["Harriet Quayle"]["id"]]
    longest = max(len(n["text"].split()) for n in rows["notes"])
    assert longest > 1000
    unsigned = [n for n in rows["notes"] if n["signed_at"] is None]
    assert unsigned and {n["client_id"] for n in unsigned} == {names["Gwendolyn Ashby"]["id"]}


def test_every_intake_agrees_with_the_structured_chart(practice):
    """A faithful draft of a chart that contradicts itself is still wrong: the intake's age, diagnoses,
    durations and social situation match the client's record, codes and plan."""
    checked = told = 0
    for row in practice.store.client_rows():
        chart = practice.store.chart(row.id)
        intake = next((n for n in chart.notes if n.note_type == "intake" and n.client_id == row.id), None)
        if intake is None:
            continue
        checked += 1
        text = intake.text
        age = int(re.search(r"is an? (\d+)-year-old", text).group(1))
        assert age == chart.client.age_on(intake.note_date), (row.id, age)
        impression = re.search(r"Diagnostic impression: (.*)\.", text).group(1)
        at_intake = {d.code for d in chart.diagnoses if d.onset == intake.note_date}
        assert set(re.findall(r"\b[A-Z]\d\d(?:\.\d+)?\b", impression)) == at_intake, row.id
        social = re.search(r"Social history: (.*)", text).group(1)
        if re.search(r"divorce|separation", text):
            assert "with partner" not in social and "with spouse" not in social, row.id
        if "Z56.0" in at_intake or "unemployed" in social:  # no work to miss or concentrate at
            assert "unemployed" in social and "works" not in social, row.id
            assert not re.search(r"\bat work\b|missed shifts|work performance", text), row.id
        later = " ".join(n.text for n in chart.notes if n.note_type == "progress")
        if "unemployed" in social:
            assert not re.search(r"\bwork\b", later + " ".join(g for p in chart.plans for g in p.goals)), row.id
        if re.search(r"\bthe partner\b|\binvite the partner\b", later):  # the notes speak of a partner at home
            assert "with partner" in social or "with spouse" in social, row.id
        concerns = re.search(r"Presenting concerns: ([^\n]*?)(?= History:|\n|$)", text).group(1)
        primary = re.findall(r"\b[A-Z]\d\d(?:\.\d+)?\b", impression)[0]
        described = {"F41.1": r"\bworry\b", "F41.0": r"\bintense fear\b|\bpanic", "F40.10": r"\bjudged\b|\bsocial"}
        if primary in described:  # the concerns describe the disorder coded (no generalized worry coded as panic)
            assert re.search(described[primary], concerns), (row.id, primary, concerns)
            told += 1
        if "F34.1" in at_intake:
            assert "several months" not in text and "more than two years" in text, row.id
        goals = " ".join(g for p in chart.plans for g in p.goals)
        if "avoided since the event" in goals:  # the trauma goals speak of a collision
            assert "collision" in text, row.id
        if re.search(r"\bdriv|collision", text.replace(social, "") + later + goals):  # no driving job if avoiding it
            assert "drives for" not in social, row.id
        if re.search(r"\bF32\.", impression):  # a single episode: no prior one in the history
            assert "prior depressive episode" not in text, row.id
        if "conflict at home" in text:  # someone at home to be in conflict with
            assert "lives alone" not in social, row.id
        if age >= 55:  # not a graduate student living with parents or a young child at 70
            assert not re.search(r"with parents|young child|graduate student", social), row.id
        if "child" not in social:  # no sick child to cancel for
            assert not any("sick child" in n.text for n in chart.notes if n.note_type == "cancellation"), row.id
    assert checked >= 40 and told >= 3, told


def test_the_phq9_self_harm_item_agrees_with_the_note_of_its_day():
    """PHQ-9 item 9 is above 0 only where the note of that day documents ideation, and 0 where the
    note's risk screening is negative: a questionnaire and a note that contradict each other would make
    a faithful draft say two things."""
    rows = demo.generate(anchor=ANCHOR)
    notes = {
        (n["client_id"], n["note_date"]): n["text"] for n in rows["notes"] if n["note_type"] in ("intake", "progress")
    }
    positive = 0
    for a in rows["assessments"]:
        if a["instrument"] != "PHQ-9":
            continue
        assert sum(a["items"]) == a["total_score"] and max(a["items"]) <= 3
        text = notes.get((a["client_id"], a["administered_on"]), "")
        ideation = bool(re.search(r"disclosed[^.]*suicidal ideation", text))
        assert (a["items"][8] > 0) == ideation, (a["id"], a["items"], text[:80])
        positive += ideation
    assert positive >= 1  # Zoë's disclosure


def test_audit_answers_are_ones_a_client_could_give(practice):
    """No binge, loss of control, morning drink, guilt or blackout (AUDIT questions 3 to 8) more often than
    question 1 says the client drinks at all, and an intake that narrates "blackouts on two occasions" answers
    question 8 "less than monthly" at most: the draft reads the answers as the chart's facts."""
    checked = narrated = 0
    for row in practice.store.client_rows():
        chart = practice.store.chart(row.id)
        audit = [a for a in chart.assessments if a.instrument == "AUDIT"]
        for a in audit:
            assert all(a.items[j] <= a.items[0] for j in range(2, 8)), (row.id, a.administered_on, a.items)
            assert sum(a.items) == a.total_score and max(a.items) <= 4, (row.id, a.items)
            checked += 1
        intake = next((n for n in chart.notes if n.note_type == "intake"), None)
        if intake and "blackouts on two occasions" in intake.text:
            first = next(a for a in audit if a.administered_on == intake.note_date)
            assert first.items[7] <= 1, (row.id, first.items)
            narrated += 1
    assert checked >= 20 and narrated >= 1, (checked, narrated)
