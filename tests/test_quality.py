"""Automated checks catch each planted fault and pass a clean draft; ratings; edit burden; eval."""

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from core import charts, course, evaluation, quality, ratings, sources, summaries
from core.engines.offline import OfflineEngine
from core.errors import InvalidInput
from core.models import Actor, Citation

ROOT = Path(__file__).resolve().parent.parent
CLIENT = "C1001"
TESTER = Actor("pat", "Pat Lindgren", ("pilot_tester",))
DANA = Actor("dana", "Dana Whitfield", ("clinician",), "LCSW", "K01")
RUTH = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW, Clinical Supervisor", "K06")


@pytest.fixture
def case(practice):
    first, last = practice.store.chart_span(CLIENT)
    sel = sources.require_sufficient(charts.selection(practice, CLIENT, first, last))
    draft = OfflineEngine().generate(sel)
    return practice, sel, draft


def report(practice, sel, text, citations):
    return quality.check(text, sel, citations, practice.store.excluded_note_texts(CLIENT))


def test_clean_draft_passes_every_check(case):
    practice, sel, draft = case
    r = report(practice, sel, draft.text, draft.citations)
    assert r.ok and r.unsupported == () and r.leaks == () and r.invalid_citations == ()
    assert r.coverage_rate == 1.0
    assert {"diagnosis", "latest score", "plan goal", "risk", "relapse", "safety plan"} <= {c.kind for c in r.coverage}
    # two years of care, with the brief and the formulation that open it (about 1580 words counted as \w+ runs)
    assert 300 < r.words < 1650 and 6 < r.reading_grade < 18


def test_invented_score_is_caught_with_its_sentence(case):
    practice, sel, draft = case
    known = {a.total_score for a in sel.assessments}
    invented = next(n for n in range(27, 0, -1) if n not in known and str(n) not in draft.text)
    text = draft.text.replace("## Current status\n", f"## Current status\n\nPHQ-9 today was {invented}.\n")
    r = report(practice, sel, text, draft.citations)
    assert [(f.kind, f.text) for f in r.unsupported] == [("number", str(invented))]
    assert r.unsupported[0].sentence == f"PHQ-9 today was {invented}."


def test_wrong_date_and_made_up_code_and_medication_are_caught(case):
    practice, sel, draft = case
    text = draft.text + "\n\nSeen again on March 3, 2019 for F99.9; started lithium.\n"
    found = {(f.kind, f.value) for f in report(practice, sel, text, draft.citations).unsupported}
    assert found == {("date", "2019-03-03"), ("code", "F99.9"), ("medication", "lithium")}


def test_missing_active_diagnosis_is_caught(case):
    practice, sel, draft = case
    dx = sel.diagnoses[0]
    text = "\n".join(line for line in draft.text.splitlines() if dx.code not in line and dx.description not in line)
    missing = [c for c in report(practice, sel, text, draft.citations).coverage if not c.covered]
    assert [(c.kind, c.label) for c in missing] == [("diagnosis", f"{dx.code} {dx.description}")]


def test_missing_latest_score_and_goal_are_caught(case):
    practice, sel, draft = case
    goal = sel.plans[-1].goals[0]
    # The draft names PHQ-9 in its table, its course, the goals and the status: take every line out.
    # (The coverage check compares words, so every goal line goes: the plan's goals share most words.)
    text = "\n".join(
        line
        for line in draft.text.replace(goal, "A goal was set.").splitlines()
        if "PHQ-9" not in line and not re.match(r"^(?:\d+\.|- )", line)
    )
    missing = {
        (c.kind, c.label.split(" ")[0]) for c in report(practice, sel, text, draft.citations).coverage if not c.covered
    }
    assert ("plan goal", goal.split(" ")[0]) in missing and ("latest score", "PHQ-9") in missing


def test_leaked_psychotherapy_note_sentence_is_caught(case):
    practice, sel, draft = case
    private = next(t for t in practice.store.excluded_note_texts(CLIENT) if "Psychotherapy note" in t)
    text = draft.text + "\n\n" + private.split(": ", 1)[1] + "\n"
    leaks = report(practice, sel, text, draft.citations).leaks
    assert len(leaks) >= 3
    assert any(w in " ".join(leaks) for w in ("countertransference", "supervision", "dream", "frame"))
    assert report(practice, sel, draft.text, draft.citations).leaks == ()


def test_bad_citation_id_and_uncited_paragraph_are_caught(case):
    practice, sel, draft = case
    citations = draft.citations + (Citation(1, ("N99999",)),)
    r = report(practice, sel, draft.text, citations)
    assert r.invalid_citations == ("N99999",)
    r2 = report(practice, sel, draft.text + "\n\nA new paragraph with no source.\n", draft.citations)
    assert len(r2.uncited_paragraphs) == len(report(practice, sel, draft.text, draft.citations).uncited_paragraphs) + 1


def test_ratings_round_trip_and_are_validated(practice):
    d = summaries.generate(practice, DANA, CLIENT, practice.today().replace(day=1, month=1), practice.today()).draft
    scores = {k: 4 for k, _, _ in ratings.PDQI9} | {"succinct": 2}
    saved = ratings.rate(practice, TESTER, "draft", d.id, scores, "Too long in the course section.", version=1)
    again = ratings.ratings(practice, RUTH, "draft", d.id)
    assert again == [saved] and saved.total == 34 and saved.rater == "pat" and saved.engine == "offline"
    assert saved.comment == "Too long in the course section." and saved.version == 1
    with pytest.raises(InvalidInput, match="missing: Useful"):
        ratings.rate(practice, TESTER, "draft", d.id, {k: 3 for k, _, _ in ratings.PDQI9 if k != "useful"})
    with pytest.raises(InvalidInput, match="from 1 to 5"):
        ratings.rate(practice, TESTER, "draft", d.id, scores | {"accurate": 6})
    s = summaries.sign(practice, DANA, d.id, password="dana-demo-2026")
    ratings.rate(practice, TESTER, "summary", s.id, scores)
    assert [r.target_id for r in ratings.ratings(practice, RUTH, "summary")] == [s.id]
    assert summaries.audit_log(practice, RUTH, CLIENT)[0].action == "rate"


def test_edit_burden_is_one_untouched_and_falls_as_text_is_rewritten():
    generated = " ".join(f"word{i}" for i in range(100))
    assert evaluation.edit_burden(generated, generated) == 1.0
    assert evaluation.edit_burden(generated, generated + " plus the clinician's own additions") == 1.0
    words = generated.split()
    previous = 1.0
    for rewritten in (10, 30, 60, 100):
        text = " ".join(["changed"] * rewritten + words[rewritten:])
        burden = evaluation.edit_burden(generated, text)
        assert burden == pytest.approx(1 - rewritten / 100) and burden < previous
        previous = burden


def test_edit_burden_by_section_says_what_the_clinician_did_to_each(practice):
    d = summaries.generate(practice, DANA, CLIENT, practice.today().replace(day=1, month=1), practice.today()).draft
    parts = evaluation.by_section(d.text)
    assert list(parts)[:2] == ["Identifying context", "Reason for referral and presenting concerns"]
    signed = d.text.replace(parts["Current status"], "Stable; seen weekly; no new concerns.")
    signed = signed.replace("## Measurement-based outcomes\n\n" + parts["Measurement-based outcomes"] + "\n\n", "")
    signed += "\n## Clinician's note\n\nDiscussed with the client, who agrees with this summary.\n"
    s = summaries.sign(practice, DANA, d.id, text=signed, password="dana-demo-2026", acknowledged=True)
    edits = {e.section: e for e in evaluation.section_edits(practice, TESTER) if e.summary_id == s.id}
    assert edits["Current status"].change == "rewritten" and edits["Current status"].retained < 0.5
    assert edits["Measurement-based outcomes"].change == "removed" and edits["Measurement-based outcomes"].retained == 0
    assert edits["Clinician's note"].change == "added" and edits["Clinician's note"].words_generated == 0
    assert edits["Diagnoses"].change == "kept" and edits["Diagnoses"].retained == 1.0


def test_edit_burden_per_signed_summary(practice):
    d = summaries.generate(practice, DANA, CLIENT, practice.today().replace(day=1, month=1), practice.today()).draft
    summaries.update(practice, DANA, d.id, d.text, "shorter", base_revision=None)
    s = summaries.sign(practice, DANA, d.id, password="dana-demo-2026")
    [burden] = evaluation.edit_burdens(practice, TESTER)
    assert burden.summary_id == s.id and burden.update_rounds == 1 and 0 < burden.retained < 1


def test_comparison_and_aggregates(practice):
    a = evaluation.evaluate(practice, TESTER, "offline", ["C1001", "C1002"])
    b = evaluation.evaluate(practice, TESTER, "offline", ["C1001", "C1002"])
    pairs = evaluation.compare(practice, TESTER, a, b)
    assert len(pairs) == 4 and all(p.b and p.a.text == p.b.text for p in pairs if p.a.text)
    assert [(p.client_id, p.range_label) for p in pairs] == [(p.b.client_id, p.b.range_label) for p in pairs if p.b]
    item = next(i for i in practice.store.eval_items(a) if i.status == "drafted")
    ratings.rate(practice, TESTER, "eval", item.id, {k: 5 for k, _, _ in ratings.PDQI9})
    rows = {r["run_id"]: r for r in evaluation.aggregates(practice, TESTER)}
    assert set(rows) == {a, b}  # two runs of one engine stay two rows
    assert rows[a]["engine"] == "offline" and rows[a]["drafts"] >= 4
    assert (rows[a]["ratings"], rows[a]["mean_pdqi9"], rows[b]["ratings"]) == (1, 45, 0)
    csv_text = evaluation.to_csv(evaluation.aggregates(practice, TESTER))
    assert csv_text.splitlines()[0].startswith("run_id,run_label,engine,model,prompt_version,run_at,drafts")
    run, items = evaluation.run(practice, TESTER, b)
    for row in evaluation.item_rows(run, items):  # every draft's row says which run it came from
        assert (row["run_id"], row["engine"], row["prompt_version"], row["run_at"]) == (
            b,
            "offline",
            run.prompt_version,
            run.created_at,
        )
        assert {"client_id", "range_start", "range_end", "purpose"} <= set(row)


def test_eval_json_reports_no_leaks_and_no_unsupported_facts_for_the_offline_engine(tmp_path):
    # the demo charts anchored on the day the command runs, as the README's app command makes them: eval's last-N-days
    # windows end today, so charts anchored on a fixed day would fall out of them as the calendar moves on
    db = tmp_path / "eval.duckdb"
    subprocess.run([sys.executable, "-m", "core", "init", "--db", str(db), "--demo"], cwd=ROOT, check=True, timeout=300)
    result = subprocess.run(
        [sys.executable, "-m", "core", "eval", "--json", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    totals = data["totals"]
    assert totals["drafts"] > 60 and totals["leaks"] == 0 and totals["unsupported_facts"] == 0
    assert totals["facts_checked"] > 1000 and totals["invalid_citations"] == 0
    assert len(data["rows"]) == 88 and {r["status"] for r in data["rows"]} <= {"drafted", "insufficient"}


def test_coverage_asks_for_the_relapse_and_the_risk_carried_into_a_short_range(practice):
    """Zoë's PHQ-9 relapse (whole treatment) and, over the last three months, the passive suicidal
    ideation, safety plan and means-safety step documented before the range."""
    first, last = practice.store.chart_span(CLIENT)
    whole = sources.require_sufficient(charts.selection(practice, CLIENT, first, last, "Transfer of care"))
    draft = OfflineEngine().generate(whole)
    covered = {c.kind: c.covered for c in quality.coverage(draft.text, whole)}
    assert covered["relapse"] and covered["safety plan"] and covered["means safety"]
    low, peak = next(m.relapse for m in course.measures(whole.assessments) if m.relapse)
    without = draft.text.replace(peak.administered_on.isoformat(), "a later date")
    label = next(c.label for c in quality.coverage(draft.text, whole) if c.kind == "relapse")
    assert [c.covered for c in quality.coverage(without, whole) if c.label == label] == [False]

    today = practice.today()
    short = sources.require_sufficient(charts.selection(practice, CLIENT, today - timedelta(days=91), today))
    text = OfflineEngine().generate(short).text
    assert all(c.covered for c in quality.coverage(text, short))
    no_risk = re.sub(
        r"## Risk and safety\n.*?(?=## Current status)", "## Risk and safety\n\nNone.\n\n", text, flags=re.S
    )
    no_risk = re.sub(r" Risk: [^\n]*", "", no_risk)  # and the brief's risk sentence
    no_risk = re.sub(r"^Formulation: [^\n]*\n", "", no_risk, flags=re.M)  # and the formulation's
    no_risk = re.sub(r"; C-SSRS on file up to \S+", "", no_risk)  # the planned C-SSRS's date is the event's
    missing = {c.kind for c in quality.coverage(no_risk, short) if not c.covered}
    assert {"risk history", "safety plan", "means safety"} <= missing
