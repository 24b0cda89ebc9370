"""Claim-level checks: for every check, a wrong sentence it catches and a right one it leaves alone,
built from the demo chart's own items; and the offline engine's drafts of every demo client pass
with no error."""

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from core import claims, course, quality, risk, sources
from core.engines.offline import OfflineEngine
from core.errors import InsufficientInformation
from core.models import Citation, Medication
from core.scoring import INSTRUMENTS, change, severity
from core.text import paragraphs
from tests.conftest import ANCHOR


def whole(practice, client_id):
    rng = sources.preset_range("Whole treatment", ANCHOR, practice.store, client_id)
    return sources.select(practice.store, client_id, rng.start, rng.end, "Case consultation", ANCHOR)


def errors(text, sel, citations=()):
    return [f for f in claims.findings(text, sel, citations) if f.severity == "error"]


def kinds(text, sel, citations=()):
    return {f.kind for f in errors(text, sel, citations)}


def measure_of(practice, want):
    """(selection, course) of the first demo client whose measure satisfies `want`."""
    for row in practice.store.client_rows():
        sel = whole(practice, row.id)
        for m in course.measures(sel.assessments):
            if want(m):
                return sel, m
    raise AssertionError("no demo client has such a measure")


def test_a_score_must_be_the_administration_it_names(practice):
    sel, m = measure_of(practice, lambda m: len(m.scores) >= 2)
    a = m.latest
    assert errors(f"{m.instrument} {a.total_score} on {a.administered_on}.", sel) == []
    wrong = errors(f"{m.instrument} {a.total_score + 3} on {a.administered_on}.", sel)
    assert [f.kind for f in wrong] == ["score"] and str(a.total_score) in wrong[0].evidence
    assert kinds(f"{m.instrument} {a.total_score} on 2001-01-01.", sel) >= {"score"}
    assert errors(f"The latest {m.instrument} score was {a.total_score}.", sel) == []
    never = max(x.total_score for x in m.scores) + 1
    assert kinds(f"The latest {m.instrument} score was {never}.", sel) == {"score"}


def test_a_severity_band_must_be_the_band_of_its_score(practice):
    sel, m = measure_of(practice, lambda m: m.instrument == "PHQ-9")
    a = m.latest
    right = severity("PHQ-9", a.total_score)
    other = next(b for _, b in INSTRUMENTS["PHQ-9"].bands if b != right)
    assert errors(f"PHQ-9 {a.total_score} ({right}) on {a.administered_on}.", sel) == []
    assert kinds(f"PHQ-9 {a.total_score} ({other}) on {a.administered_on}.", sel) == {"band"}
    # undated, in a pair: the band of each score ("PHQ-9: 9 (mild) to 11 (moderate): ...")
    f = m.first
    first = severity("PHQ-9", f.total_score)
    assert errors(f"PHQ-9: {f.total_score} ({first}) to {a.total_score} ({right}).", sel) == []
    assert kinds(f"PHQ-9: {f.total_score} ({first}) to {a.total_score} ({other}).", sel) == {"band"}
    wrong_first = next(b for _, b in INSTRUMENTS["PHQ-9"].bands if b != first)
    assert kinds(f"PHQ-9: {f.total_score} ({wrong_first}) to {a.total_score} ({right}).", sel) == {"band"}


def test_a_change_label_must_be_the_rules_word_for_the_scores_it_compares(practice):
    sel, m = measure_of(practice, lambda m: m.instrument == "PHQ-9" and m.change.reliable)
    a, b = m.first.total_score, m.latest.total_score
    right = change("PHQ-9", a, b).describe()
    assert errors(f"PHQ-9 went from {a} to {b}: {right}.", sel) == []
    assert kinds(f"PHQ-9 went from {a} to {b}: no reliable change.", sel) == {"change"}
    assert kinds(f"PHQ-9 went {a} -> {b}, reliable deterioration.", sel) == {"change"}
    # without numbers, a label is read against the range's first and latest scores
    assert errors(f"PHQ-9 over the range: {right}.", sel) == []
    assert kinds("PHQ-9 over the range: no reliable change.", sel) == {"change"}


def test_a_worsening_told_as_no_change_is_caught(practice):
    sel, m = measure_of(practice, lambda m: m.relapse is not None and m.instrument == "PCL-5")
    low, peak = m.relapse
    assert kinds(f"PCL-5 {low.total_score} -> {peak.total_score}, no reliable change.", sel) == {"change"}
    label = change("PCL-5", low.total_score, peak.total_score).describe()
    assert errors(f"PCL-5 {low.total_score} -> {peak.total_score}, {label}.", sel) == []


def test_remains_in_the_clinical_range_needs_every_score_at_or_above_the_cut_off(practice):
    sel, m = measure_of(practice, lambda m: m.instrument == "PHQ-9" and not m.in_clinical_range_throughout)
    assert kinds("PHQ-9 remains in the clinical range.", sel) == {"trend"}
    sel2, _ = measure_of(
        practice, lambda m: m.instrument == "PHQ-9" and m.in_clinical_range_throughout and len(m.scores) > 1
    )
    assert errors("PHQ-9 remains in the clinical range.", sel2) == []


def test_a_trend_must_agree_with_the_scores(practice):
    sel, m = measure_of(practice, lambda m: m.trend == "worsening" and m.spec.higher_is_worse)
    assert kinds(f"{m.instrument} scores are steadily improving.", sel) == {"trend"}
    assert errors(f"{m.instrument} scores are worsening.", sel) == []


def test_a_denial_of_risk_must_not_contradict_a_documented_event(practice):
    sel = whole(practice, "C1001")
    found = risk.picture(sel.notes, sel.carried_risk, sel.assessments, sel.medications)
    assert found.events, "C1001's chart documents passive suicidal ideation"
    wrong = errors("No suicidal ideation was ever reported.", sel)
    assert [f.kind for f in wrong] == ["risk"] and found.events[0].day in wrong[0].evidence
    assert kinds("The client has no history of suicidal ideation.", sel) == {"risk"}
    event = found.events[0]
    assert kinds(f"On {event.day} the client denied suicidal ideation.", sel) == {"risk"}
    assert errors(f"On {event.day} the client disclosed passive suicidal ideation.", sel) == []
    latest = found.latest_screen
    assert latest is not None and not risk.POSITIVE.search(latest.sentence)
    assert errors("The client currently denies suicidal ideation.", sel) == []


def test_a_documented_risk_event_left_out_is_an_omission(practice):
    sel = whole(practice, "C1001")
    found = risk.picture(sel.notes, sel.carried_risk, sel.assessments, sel.medications)
    draft = OfflineEngine().generate(sel).text
    assert not [f for f in claims.findings(draft, sel) if f.severity == "omission"]
    cut = "\n".join(line for line in draft.splitlines() if found.events[0].day not in line)
    omitted = [f for f in claims.findings(cut, sel) if f.severity == "omission"]
    assert omitted and any(found.events[0].day in f.evidence for f in omitted)


def test_a_diagnosis_status_and_description_must_be_the_charts(practice):
    sel = whole(practice, "C1013")
    active = next(d for d in sel.diagnoses if d.resolved is None)
    resolved = next(d for d in sel.diagnoses if d.resolved is not None)
    assert errors(f"- {active.code} {active.description}; active.", sel) == []
    assert kinds(f"- {active.code} {active.description}; resolved.", sel) == {"diagnosis"}
    assert errors(f"- {resolved.code} {resolved.description}; resolved {resolved.resolved}.", sel) == []
    assert kinds(f"- {resolved.code} {resolved.description}; active.", sel) == {"diagnosis"}
    assert kinds(f"- {active.code} Schizophrenia, paranoid type; active.", sel) == {"diagnosis"}


def test_a_diagnosis_resolved_before_the_range_is_checked_like_those_of_the_range(practice):
    """A diagnosis resolved before the range is a source of its own: told as resolved it is right, told as
    active it is wrong; and when the same code was coded again later (a new episode, active), either
    record makes its sentence true, so neither is flagged for the other."""
    base = whole(practice, "C1013")
    old = next(d for d in base.diagnoses if d.resolved is not None)
    sel = replace(base, diagnoses=tuple(d for d in base.diagnoses if d != old), resolved_before=(old,))
    told = f"- {old.code} {old.description}; onset {old.onset}; resolved {old.resolved}, before this range."
    assert errors(told, sel) == []
    assert kinds(f"- {old.code} {old.description}; active.", sel) == {"diagnosis"}
    again = replace(old, id="D-T2", onset=base.range.end, resolved=None)
    both = replace(sel, diagnoses=(*sel.diagnoses, again))
    assert errors(told, both) == []
    assert errors(f"- {old.code} {old.description}; onset {again.onset}; active.", both) == []
    assert kinds(f"- {old.code} Schizophrenia, paranoid type; active.", both) == {"diagnosis"}


def test_a_dose_and_a_medications_status_must_be_the_charts(practice):
    base = whole(practice, "C1001")
    med = Medication("M-T1", "C1001", "Sertraline", "50 mg daily", base.range.start, None, "active", "Dr. Ames")
    sel = replace(base, medications=(med,))
    assert errors("Sertraline 50 mg daily, prescribed by primary care.", sel) == []
    assert kinds("Sertraline 100 mg daily, prescribed by primary care.", sel) == {"medication"}
    assert kinds("Sertraline was discontinued.", sel) == {"medication"}
    # a course of it in the past, told as history, is not a claim about the prescription on file now
    assert errors("History: previously treated with sertraline, discontinued due to side effects.", sel) == []


def test_a_goal_said_met_needs_its_evidence(practice):
    found: dict[str, tuple] = {}
    for row in practice.store.client_rows():
        sel = whole(practice, row.id)
        now, _ = course.goals_of(sel)
        for g in now:
            state = "unmet" if g.status == "not met" else "met" if g.status.startswith("met by") else None
            if state and "not sustained" not in g.status:
                found.setdefault(state, (sel, g))
            if g.status == course.NOT_ASSESSED:  # no score since the goal was set
                found.setdefault("unassessed", (sel, g))
    (sel, unmet), (sel_met, met) = found["unmet"], found["met"]
    sel_new, unassessed = found["unassessed"]
    assert kinds(f"{unassessed.goal}: met.", sel_new) == {"goal"}
    assert errors(f"{unassessed.goal}: not assessable yet.", sel_new) == []
    assert kinds(f"{unmet.goal}: met.", sel) == {"goal"}
    assert errors(f"{unmet.goal}: not met.", sel) == []
    assert errors(f"{met.goal}: met.", sel_met) == []


def test_a_date_after_the_range_is_caught_unless_it_is_planned(practice):
    sel = whole(practice, "C1001")
    later = (sel.range.end + timedelta(days=20)).isoformat()
    assert kinds(f"The client attended a session on {later}.", sel) == {"date"}
    assert errors(f"The next session is planned for {later}.", sel) == []


def test_a_citation_must_carry_what_its_paragraph_says(practice):
    sel = whole(practice, "C1001")
    draft = OfflineEngine().generate(sel)
    assert errors(draft.text, sel, draft.citations) == []
    blocks = paragraphs(draft.text)
    cited = next(c for c in draft.citations if re.search(r"\d{4}-\d{2}-\d{2}", blocks[c.paragraph]))
    days = set(re.findall(r"\d{4}-\d{2}-\d{2}", blocks[cited.paragraph]))
    unrelated = min(  # an item of another date that shares the fewest words with the paragraph
        (i for i in sel.items if i.date.isoformat() not in days),
        key=lambda i: len(quality._content_words(i.text) & quality._content_words(blocks[cited.paragraph])),
    )
    moved = [Citation(c.paragraph, (unrelated.id,)) if c == cited else c for c in draft.citations]
    assert "citation" in kinds(draft.text, sel, moved)


@pytest.fixture(scope="module")
def clean_drafts(demo_db_template, tmp_path_factory):
    import shutil

    from core.config import Settings
    from core.service import Practice

    path = tmp_path_factory.mktemp("claims") / "demo.duckdb"
    shutil.copy(demo_db_template, path)
    p = Practice.open(Settings(db_path=path), today=lambda: ANCHOR)
    out = []
    for row in p.store.client_rows():
        rng = sources.preset_range("Whole treatment", ANCHOR, p.store, row.id)
        for start in (rng.start, ANCHOR - timedelta(days=182), ANCHOR - timedelta(days=91)):
            for purpose in ("Case consultation", "Transfer of care", "Discharge summary", ""):
                try:
                    sel = sources.select(p.store, row.id, max(start, rng.start), ANCHOR, purpose, ANCHOR)
                except InsufficientInformation:
                    continue
                out.append((sel, OfflineEngine().generate(sel)))
    p.store.close()
    return out


def test_every_demo_draft_passes_with_no_error_and_no_omission(clean_drafts):
    assert len(clean_drafts) > 300
    bad = [
        (sel.client.id, sel.range, f.kind, f.claim, f.sentence[:80], f.evidence[:80])
        for sel, draft in clean_drafts
        for f in claims.findings(draft.text, sel, draft.citations)
        if f.severity in ("error", "omission")
    ]
    assert bad == []


def test_the_report_carries_the_claims_and_fails_on_a_claim_error(practice):
    from core import quality

    sel = whole(practice, "C1001")
    draft = OfflineEngine().generate(sel)
    report = quality.check(draft.text, sel, draft.citations, ())
    assert report.claim_errors == () and report.ok
    wrong = quality.check(draft.text + "\n\nNo suicidal ideation was ever reported.", sel, draft.citations, ())
    assert [f.kind for f in wrong.claim_errors] == ["risk"] and not wrong.ok


def test_symptoms_said_to_decrease_beside_scores_that_do_not_is_a_warning(practice):
    sel = sources.select(practice.store, "C1003", ANCHOR - timedelta(days=182), ANCHOR, "", ANCHOR)
    assert not any(m.change.direction == "improved" for m in course.measures(sel.assessments))

    def trends(text):
        return [f for f in claims.findings(text, sel) if f.kind == "trend"]

    [f] = trends("Progress rating: symptoms are decreasing.")
    assert f.severity == "warning" and "GAD-7" in f.evidence
    assert trends("Progress rating: symptoms are decreasing. The scores do not show this.") == []
    assert trends("Progress rating: symptoms are unchanged.") == []


def test_a_medication_the_chart_does_not_have_is_an_error(practice):
    sel = whole(practice, "C1001")
    assert not sel.medications and "sertraline" in " ".join(i.text for i in sel.items).lower()
    wrong = errors("Medications on file: escitalopram 10 mg daily.", sel)
    assert [f.kind for f in wrong] == ["medication"] and wrong[0].claim == "escitalopram"
    # named by the intake note as a past treatment: right as history, wrong as a prescription on file
    assert errors("Previously treated with sertraline by primary care, discontinued due to side effects.", sel) == []
    assert kinds("Medications on file: sertraline 50 mg daily.", sel) == {"medication"}
    # "no prescription is on file" beside the note's medication says it is not prescribed, the opposite
    assert errors("The intake records earlier treatment with sertraline and no prescription is on file.", sel) == []
    wrong = errors("Sertraline is on file; no prescription is on file for this range.", sel)
    assert [f.claim for f in wrong] == ["Sertraline on file"]


def test_another_clients_diagnosis_is_an_error(practice):
    sel = whole(practice, "C1001")
    corpus = " ".join(i.text for i in sel.items).lower()
    other = next(
        d
        for row in practice.store.client_rows()
        if row.id != "C1001"
        for d in whole(practice, row.id).diagnoses
        if d.code.lower() not in corpus and d.description.lower() not in corpus and "disorder" in d.description
    )
    own = sel.diagnoses[0]
    assert errors(f"- {own.code} {own.description} (ICD-10-CM); onset {own.onset}; active.", sel) == []
    line = f"- {other.code} {other.description} (ICD-10-CM); onset {own.onset}; active."
    assert kinds(line, sel) == {"diagnosis"}
    assert kinds(f"Diagnosed with {other.description.split(',')[0]}.", sel) == {"diagnosis"}  # no code
    assert errors(f"Diagnosed with {own.description.split(',')[0]}.", sel) == []


def test_a_measure_without_a_reliable_change_index_is_told_by_its_direction(practice):
    sel, m = measure_of(practice, lambda m: m.instrument == "AUDIT" and m.first.total_score != m.latest.total_score)
    right = change("AUDIT", m.first.total_score, m.latest.total_score).describe()
    wrong = "lower" if right.startswith("higher") else "higher"
    assert errors(f"AUDIT at first and latest: {right}.", sel) == []
    assert kinds(f"AUDIT at first and latest: {wrong} than at first administration.", sel) == {"change"}
    first, latest = m.first, m.latest
    row = f"| AUDIT | {first.total_score} ({first.administered_on}) | {latest.total_score} ({latest.administered_on}) |"
    table = "| Measure | First | Latest | First to latest |\n|---|---|---|---|\n"
    assert errors(f"{table}{row} {right} |", sel) == []
    assert kinds(f"{table}{row} {wrong} than at first administration |", sel) == {"change"}


def test_a_denial_is_read_within_its_scope_and_of_its_kind_of_risk(practice):
    sel = whole(practice, "C1001")  # passive suicidal ideation documented in range
    assert errors("Denies SI but reports HI toward her ex-partner.", sel) == []  # an affirmation, not a denial
    assert kinds("Denies SI and HI.", sel) == {"risk"}
    assert kinds("The client did not endorse suicidal ideation at any point.", sel) == {"risk"}  # 'endorse' denied
    assert errors("Denies homicidal ideation.", sel) == []  # HI: nothing documented contradicts it
    assert errors("She denies any overdose.", sel) == []
    assert errors("The client has no history of suicide attempts.", sel) == []  # ideation is no attempt
    assert errors("Her father died by suicide when she was a teenager.", sel) == []
    assert claims.read_risk("Client denies overdose.") == "denied_now"
    assert claims.read_risk("Without a plan or intent, she described suicidal thoughts.") == "affirmed"
    assert claims.read_risk("No lifetime history of NSSI.") == "denied_ever"
    assert claims.read_risk("Self-injurious behavior: none this month.") == "denied_now"
    assert claims.read_risk("C-SSRS screen positive today.") == "affirmed"
    assert claims.read_risk("C-SSRS completed.") == "other"
    assert claims.read_risk("If HI returns she will call the crisis line.") == "other"


def test_a_risk_event_whose_date_survives_elsewhere_is_still_an_omission(practice):
    sel = sources.select(practice.store, "C1001", ANCHOR - timedelta(days=182), ANCHOR, "", ANCHOR)
    found = risk.picture(sel.notes, sel.carried_risk, sel.assessments, sel.medications)
    event = found.earlier_events[0]  # carried into the range; the safety plan was made the same day
    draft = OfflineEngine().generate(sel).text
    assert not [f for f in claims.findings(draft, sel) if f.severity == "omission"]
    # the brief and the formulation name the event too
    lines = [x for x in draft.splitlines() if not x.startswith(("In brief: ", "Formulation: "))]
    cut = "\n".join(x for x in lines if not (event.day in x and not re.search("safety plan|means", x, re.I)))
    assert event.day in cut
    omitted = [f for f in claims.findings(cut, sel) if f.severity == "omission"]
    assert any(f.claim == "risk history" and event.day in f.evidence for f in omitted)


def test_the_safety_plan_in_force_is_named_with_the_date_it_was_last_documented(practice):
    sel = sources.select(practice.store, "C1001", ANCHOR - timedelta(days=182), ANCHOR, "", ANCHOR)
    last = risk.picture(sel.notes, sel.carried_risk, sel.assessments, sel.medications).safety_plan[-1]
    draft = OfflineEngine().generate(sel).text
    cut = "\n".join(x for x in draft.splitlines() if not (last.day in x and "safety plan" in x.lower()))
    cut += f"\n\nPHQ-9 15 (moderately severe) on {last.day}.\n"  # the date elsewhere, and the goal
    assert "safety plan" in cut.lower() and last.day in cut  # still named, are not the plan

    def plan(text):
        return [f for f in claims.findings(text, sel) if f.claim == "safety plan"]

    assert plan(draft) == [] and [f.severity for f in plan(cut)] == ["omission"]
    assert plan(cut + f"\n\nThe safety plan was last reviewed on {last.day}.\n") == []


def test_a_goal_quoting_the_safety_plan_review_does_not_name_the_plan_in_force(practice):
    """The safety goal's quoted note ('the latest note about it (date): Safety plan reviewed ...') stays when the
    Risk section's safety-plan lines are gone: the plan in force is still left out (the goal is not the plan)."""
    sel = whole(practice, "C1001")
    last = risk.picture(sel.notes, sel.carried_risk, sel.assessments, sel.medications).safety_plan[-1]
    draft = OfflineEngine().generate(sel).text
    goals = draft.split("## Treatment goals and progress", 1)[1].split("\n## ", 1)[0]
    assert any(last.day in x and "safety plan" in x.lower() for x in goals.splitlines())  # the goal quotes it
    head, rest = draft.split("## Interventions and course of treatment", 1)
    cut = (
        # the brief and the formulation name the plan too
        "\n".join(x for x in head.splitlines() if not x.startswith(("In brief: ", "Formulation: ")))
        + "## Interventions and course of treatment"
        + "\n".join(x for x in rest.splitlines() if not (last.day in x and "safety plan" in x.lower()))
    )
    plan = [f.severity for f in claims.findings(cut, sel) if f.claim == "safety plan"]
    assert [f for f in claims.findings(draft, sel) if f.claim == "safety plan"] == [] and plan == ["omission"]


def test_a_citation_moved_to_a_note_of_another_date_is_caught_even_with_shared_words(practice):
    sel = whole(practice, "C1001")
    draft = OfflineEngine().generate(sel)
    blocks = paragraphs(draft.text)
    dated = {i.date.isoformat() for i in sel.items}
    cited = next(c for c in draft.citations if set(re.findall(r"\d{4}-\d{2}-\d{2}", blocks[c.paragraph])) & dated)
    days = set(re.findall(r"\d{4}-\d{2}-\d{2}", blocks[cited.paragraph]))
    similar = max(  # a note of another date that shares the most words with the paragraph
        (
            i
            for i in sel.items
            if i.kind == "note"
            and i.date.isoformat() not in days
            and not days & set(re.findall(r"\d{4}-\d{2}-\d{2}", i.text))
        ),
        key=lambda i: len(quality._content_words(i.text) & quality._content_words(blocks[cited.paragraph])),
    )
    moved = [Citation(c.paragraph, (similar.id,)) if c == cited else c for c in draft.citations]
    assert errors(draft.text, sel, draft.citations) == []
    assert "citation" in kinds(draft.text, sel, moved)


def test_symptoms_said_to_increase_where_every_score_reliably_improved_is_an_error(practice):
    sel = whole(practice, "C1001")
    measured = [m for m in course.measures(sel.assessments) if len(m.scores) > 1]
    assert measured and all(m.change.reliable and m.change.direction == "improved" for m in measured)
    draft = OfflineEngine().generate(sel).text
    quoted = next(x for x in draft.splitlines() if "progress rating in a note" in x and "decreasing" in x)
    assert errors(quoted, sel) == []
    assert kinds(quoted.replace("decreasing", "increasing"), sel) == {"trend"}  # the note says 'decreasing'
    assert kinds("Overall, symptoms are increasing.", sel) == {"trend"}
    assert errors("Overall, symptoms are decreasing.", sel) == []


def test_care_said_to_go_on_after_a_discharge_or_a_lapse_is_caught(practice):
    for row in practice.store.client_rows():
        sel = whole(practice, row.id)
        if any(n.title == "Discharge session" for n in sel.progress_notes):
            break
    else:
        raise AssertionError("no demo client has a discharge session")
    assert kinds("The client remains in weekly treatment.", sel) == {"contact"}
    assert kinds("The client has not been discharged: sessions continue.", sel) == {"contact"}
    attending = whole(practice, "C1001")
    assert not course.contact(attending.progress_notes, attending.range.end).lapsed
    assert errors("The client remains in weekly treatment.", attending) == []
    assert errors("The client has not been discharged: sessions continue.", attending) == []
    # a discharge no note documents, and one that a discharge session does
    assert kinds("The client was discharged with the goals met.", attending) == {"contact"}
    assert errors("The client was discharged with the goals met.", sel) == []


def test_no_risk_documented_is_read_against_the_history_carried_into_the_range(practice):
    sel = sources.select(practice.store, "C1001", ANCHOR - timedelta(days=91), ANCHOR, "", ANCHOR)
    found = risk.picture(sel.notes, sel.carried_risk, sel.assessments, sel.medications)
    assert found.earlier_events and not found.events  # the disclosure was before these three months
    assert kinds("No suicidal ideation has been documented.", sel) == {"risk"}
    assert errors("The client currently denies suicidal ideation.", sel) == []


def test_a_date_said_to_be_the_latest_of_its_kind_must_have_none_later(practice):
    """Over every demo client: the latest score, session, risk screening and safety-plan note, said with
    their own date, pass; said with an earlier date of the same kind, each is a recency error."""
    told = 0
    for row in practice.store.client_rows():
        sel = whole(practice, row.id)
        picture = risk.picture(sel.notes, sel.carried_risk, sel.assessments, sel.medications)
        cases = []
        for m in course.measures(sel.assessments):
            if len(m.scores) > 1:
                last, before = m.latest, m.scores[-2]
                cases.append(
                    (
                        f"Latest scores: {m.instrument} {last.total_score} on {last.administered_on}.",
                        f"Latest scores: {m.instrument} {before.total_score} on {before.administered_on}.",
                    )
                )
        sessions = sel.progress_notes
        if len(sessions) > 1:
            cases.append(
                (
                    f"Last documented session: {sessions[-1].note_date}.",
                    f"Last documented session: {sessions[-2].note_date}.",
                )
            )
        screens = sorted({f.day for f in risk._findings(sel.notes, lambda x: x) if not risk.FAMILY.match(f.sentence)})
        if picture.latest_screen and len(screens) > 1:
            cases.append(
                (
                    f"Most recent risk screening ({picture.latest_screen.day}): as documented.",
                    f"Most recent risk screening ({screens[-2]}): as documented.",
                )
            )
        plan_days = sorted({f.day for f in picture.safety_plan})
        if len(plan_days) > 1:
            cases.append(
                (
                    f"Review the written safety plan (safety plan last documented {plan_days[-1]}).",
                    f"Review the written safety plan (safety plan last documented {plan_days[-2]}).",
                )
            )
        for right, wrong in cases:
            assert "recency" not in kinds(right, sel), (row.id, right)
            assert "recency" in kinds(wrong, sel), (row.id, wrong)
            told += 1
    assert told > 100  # every kind on many clients
    sel = whole(practice, "C1001")
    assert errors("The last three scores (13, 10, 9) show no reliable change.", sel) == []


def test_an_absence_is_caught_where_the_sources_have_the_item(practice):
    """'No prescription / scored measure / intake / coded diagnosis / risk screening / session' is an
    error on a selection that has one, and passes on one that has none."""
    sel = whole(practice, "C1001")
    for sentence in (
        "No scored measures were administered in this range.",
        "No intake assessment is on file, so the reason for referral is not documented here.",
        "No coded diagnosis is on file for this range.",
        "No risk screening is documented in this range.",
        "No signed progress note is dated in this range.",
    ):
        assert "absence" in kinds(sentence, sel), sentence
        empty = replace(sel, assessments=(), notes=(), carried=(), diagnoses=())
        assert "absence" not in kinds(sentence, empty), sentence
    prescribed = Medication("M1", "C1001", "sertraline", "50 mg daily", ANCHOR, None, "active", "Dr. Reyes")
    medicated = replace(sel, medications=(prescribed,))
    no_meds = "No medications are on file for this range; confirm with the client and prescriber."
    assert kinds(no_meds, medicated) == {"absence"}
    assert "absence" not in kinds(no_meds, sel) and not sel.medications


def test_a_self_harm_item_answer_must_be_the_answer_of_that_days_phq9(practice):
    sel = whole(practice, "C1001")
    a = next(x for x in sel.assessments if risk.self_harm_answer(x))
    said = risk.self_harm_told(a)
    assert errors(f"PHQ-9 item 9 ({risk.SELF_HARM_WORDS}) {said}.", sel) == []
    wrong = said.replace(f"{a.items[8]} ({risk.ANSWERS[a.items[8]]})", f"0 ({risk.ANSWERS[0]})")
    assert [f.kind for f in errors(f"- {wrong}.", sel)] == ["risk"]
