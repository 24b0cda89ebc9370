"""The summary lifecycle in core, on real DuckDB files: drafts, autosave, Update and undo, signing,
integrity, delete, share, portal, audit and concurrency."""

import os
import re
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest

from core import charts, summaries
from core.errors import ConflictError, EngineError, IntegrityFailure, InvalidInput, NotFound, PermissionDenied, Refused
from core.models import Actor
from tests import engines
from tests.engines import BOTH
from tests.fakes import FailingEngine, SlowEngine

ROOT = Path(__file__).resolve().parent.parent
CLIENT = "C1001"
DANA = Actor("dana", "Dana Whitfield", ("clinician",), "LCSW", "K01")
PASSWORD = "dana-demo-2026"
RUTH = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW, Clinical Supervisor", "K06")
TESTER = Actor("pat", "Pat Lindgren", ("pilot_tester",))


def start(practice, client=CLIENT, **kw):
    today = practice.today()
    return summaries.generate(practice, DANA, client, today - timedelta(days=182), today, "Case consultation", **kw)


ENGINES = BOTH


def raw(practice):
    return engines.raw(practice.store)


def test_one_draft_per_client_is_enforced_by_the_database(practice):
    draft = start(practice).draft
    with pytest.raises(engines.CONSTRAINT):
        raw(practice).execute(
            "INSERT INTO drafts SELECT 'D-other', client_id, range_start, range_end, purpose, sources, omitted_ids, "
            "created_by, created_at, current_version, revision, changed_at, changed_by FROM drafts WHERE id = ?",
            [draft.id],
        )


def test_starting_again_opens_the_existing_draft_or_replaces_it_on_purpose(practice):
    first = start(practice)
    assert not first.existing and first.draft.sources and first.draft.generation.engine == "offline"
    again = start(practice)
    assert again.existing and again.draft.id == first.draft.id
    replaced = start(practice, replace_existing=True)
    assert not replaced.existing and replaced.draft.id != first.draft.id
    assert [e.action for e in summaries.audit_log(practice, RUTH, CLIENT)][:3] == ["generate", "discard", "generate"]


def test_draft_records_range_purpose_sources_engine_and_citations(practice):
    d = start(practice).draft
    assert d.purpose == "Case consultation" and d.range_end == practice.today()
    assert d.generation.engine == "offline" and d.generation.prompt_version and d.generation.duration_ms >= 0
    assert d.citations and {i for c in d.citations for i in c.item_ids} <= {s.id for s in d.sources}


def test_insufficient_range_stores_nothing(practice):
    with pytest.raises(Exception, match="Not enough information"):
        summaries.generate(practice, DANA, CLIENT, date(2001, 1, 1), date(2001, 2, 1))
    assert summaries.active_draft(practice, DANA, CLIENT) is None


def test_autosave_survives_a_restart_and_coalesces(practice, tmp_path):
    d = start(practice).draft
    for n in range(5):
        summaries.save(practice, DANA, d.id, d.text + f"\nEdit {n}", base_revision=None)
    saved = summaries.active_draft(practice, DANA, CLIENT)
    assert saved.text.endswith("Edit 4")
    assert [v.kind for v in saved.versions] == ["generated", "edited"]  # five edits, one version
    assert [e.action for e in summaries.audit_log(practice, RUTH, CLIENT)].count("save") == 1
    practice.store.close()
    from core.store import open_store

    reopened = open_store(engines.target(practice.store))
    assert reopened.draft_for_client(CLIENT).text.endswith("Edit 4")
    reopened.close()


def test_update_adds_a_version_and_undo_returns(practice):
    d = start(practice).draft
    edited = d.text.replace("## Current status", "## Current status\n\nClinician's note: doing better.")
    summaries.save(practice, DANA, d.id, edited, base_revision=None)
    updated = summaries.update(practice, DANA, d.id, edited, "shorter", base_revision=None)
    assert updated.text != edited and "Clinician's note: doing better." in updated.text
    assert [v.kind for v in updated.versions] == ["generated", "edited", "refined"]
    assert updated.versions[-1].instruction == "shorter" and updated.update_rounds == 1
    back = summaries.undo(practice, DANA, d.id, base_revision=None)
    assert back.text == edited
    assert summaries.undo(practice, DANA, d.id, base_revision=None).text == d.text
    with pytest.raises(Refused, match="no earlier version"):
        summaries.undo(practice, DANA, d.id, base_revision=None)


def test_update_sends_unsaved_edits_too(practice):
    d = start(practice).draft
    edited = d.text + "\nTyped just now."
    updated = summaries.update(practice, DANA, d.id, edited, "bullet points", base_revision=None)
    assert "- Typed just now." in updated.text
    assert summaries.undo(practice, DANA, d.id, base_revision=None).text == edited


def test_failed_update_leaves_the_draft_exactly_as_it_was(practice):
    practice.engines["failing"] = FailingEngine()
    d = start(practice, engine="failing").draft
    before = summaries.active_draft(practice, DANA, CLIENT)
    with pytest.raises(EngineError, match="Your draft is unchanged"):
        summaries.update(practice, DANA, d.id, d.text + " edited", "shorter", base_revision=None)
    assert summaries.active_draft(practice, DANA, CLIENT) == before


def test_offline_update_refuses_unknown_instructions_clearly(practice):
    d = start(practice).draft
    with pytest.raises(EngineError, match="cannot follow"):
        summaries.update(practice, DANA, d.id, d.text, "rewrite as a haiku", base_revision=None)
    with pytest.raises(InvalidInput):
        summaries.update(practice, DANA, d.id, d.text, "  ", base_revision=None)


def test_sign_writes_summary_removes_draft_and_audits(practice):
    d = start(practice).draft
    s = summaries.sign(practice, DANA, d.id, text=d.text + "\nSigned addition.", password=PASSWORD)
    assert summaries.active_draft(practice, DANA, CLIENT) is None
    assert s.verified and re.fullmatch(r"[0-9a-f]{64}", s.content_hash)
    assert s.text.endswith("Signed addition.") and s.generated_text == d.text
    assert (s.signer_name, s.signer_credentials) == ("Dana Whitfield", "LCSW")
    assert [x.id for x in summaries.summaries(practice, DANA, CLIENT)] == [s.id]
    entry = summaries.audit_log(practice, RUTH, CLIENT)[0]
    assert (entry.action, entry.actor, entry.summary_id, entry.draft_id) == ("sign", "dana", s.id, d.id)


def test_only_a_draft_can_be_signed_and_only_by_a_clinician(practice):
    d = start(practice).draft
    with pytest.raises(PermissionDenied, match="does not allow you to sign"):
        summaries.sign(practice, TESTER, d.id)
    s = summaries.sign(practice, DANA, d.id, password=PASSWORD)
    with pytest.raises(NotFound, match="was signed by Dana Whitfield at .*can no longer change"):
        summaries.sign(practice, DANA, d.id, password=PASSWORD)
    with pytest.raises(NotFound, match="no longer open"):
        summaries.sign(practice, DANA, s.id, password=PASSWORD)


def test_signed_summary_cannot_be_changed_through_the_data_layer(practice):
    d = start(practice).draft
    s = summaries.sign(practice, DANA, d.id, password=PASSWORD)
    with pytest.raises(NotFound):
        summaries.save(practice, DANA, s.id, "changed", base_revision=None)
    with pytest.raises(NotFound):
        summaries.update(practice, DANA, s.id, "changed", "shorter", base_revision=None)
    assert summaries.get_summary(practice, DANA, s.id).text == s.text
    store_sql = "".join(p.read_text() for p in (ROOT / "core" / "store").glob("*.py"))
    assert not re.search(r"UPDATE\s+summaries\b|DELETE\s+FROM\s+summaries\b", store_sql, re.IGNORECASE)


def test_altered_row_fails_verification_everywhere(practice):
    s = summaries.sign(practice, DANA, start(practice).draft.id, password=PASSWORD)
    summaries.share(practice, DANA, s.id)
    token = summaries.issue_portal_token(practice, DANA, CLIENT)
    engines.tamper(
        practice.store, "UPDATE summaries SET text = replace(text, 'years old', 'years young') WHERE id = ?", [s.id]
    )
    listed = summaries.summaries(practice, DANA, CLIENT)[0]
    assert listed.id == s.id and listed.verified is False
    with pytest.raises(IntegrityFailure, match="fails its integrity check"):
        summaries.verified(practice, s.id)
    with pytest.raises(IntegrityFailure):
        summaries.record_download(practice, DANA, s.id)
    assert summaries.portal(practice, token).summaries == ()


def test_metadata_change_also_fails_verification(practice):
    s = summaries.sign(practice, DANA, start(practice).draft.id, password=PASSWORD)
    engines.tamper(practice.store, "UPDATE summaries SET signer_name = 'Someone Else' WHERE id = ?", [s.id])
    assert summaries.get_summary(practice, DANA, s.id).verified is False


def test_delete_needs_a_reason_and_removes_from_chart_and_portal(practice):
    s = summaries.sign(practice, DANA, start(practice).draft.id, password=PASSWORD)
    summaries.share(practice, DANA, s.id)
    token = summaries.issue_portal_token(practice, DANA, CLIENT)
    with pytest.raises(InvalidInput, match="needs a reason"):
        summaries.delete(practice, DANA, s.id, " ")
    summaries.delete(practice, DANA, s.id, "Wrong date range")
    assert summaries.summaries(practice, DANA, CLIENT) == []
    assert summaries.portal(practice, token).summaries == ()
    with pytest.raises(NotFound, match="deleted"):
        summaries.get_summary(practice, DANA, s.id)
    with pytest.raises(Refused, match="deleted"):
        summaries.share(practice, DANA, s.id)
    entry = next(e for e in summaries.audit_log(practice, RUTH, CLIENT) if e.action == "delete")
    assert entry.actor == "dana" and "Wrong date range" in entry.detail and s.content_hash in entry.detail
    kept = summaries.get_summary(practice, DANA, s.id, include_deleted=True)
    assert kept.deleted_by == "dana" and kept.delete_reason == "Wrong date range" and kept.verified


def test_share_only_signed_and_portal_shows_only_that_clients_shared(practice):
    d1 = start(practice).draft
    with pytest.raises(Refused, match="Only a signed summary can be shared"):
        summaries.share(practice, DANA, d1.id)
    s1 = summaries.sign(practice, DANA, d1.id, password=PASSWORD)
    other = next(
        r.id
        for r in charts.find_clients(practice, DANA)
        if r.id not in (CLIENT, "C1002", "C1003")
        and summaries.active_draft(practice, DANA, r.id) is None
        and r.last_date
        and r.last_date > practice.today() - timedelta(days=150)
    )
    s2 = summaries.sign(practice, DANA, start(practice, other).draft.id, password=PASSWORD)
    s3 = summaries.sign(practice, DANA, start(practice, replace_existing=True).draft.id, password=PASSWORD)
    for s in (s1, s2):
        summaries.share(practice, DANA, s.id)
    token = summaries.issue_portal_token(practice, DANA, CLIENT)
    view = summaries.portal(practice, token)
    assert [s.id for s in view.summaries] == [s1.id] and s3.id not in {s.id for s in view.summaries}
    summaries.share(practice, DANA, s1.id, shared=False)
    assert summaries.portal(practice, token).summaries == ()
    # the token is random, stored only as a hash, and revocable
    stored = [r[0] for r in raw(practice).execute("SELECT token_hash FROM portal_tokens").fetchall()]
    assert token not in stored and len(token) >= 32
    summaries.revoke_portal_tokens(practice, DANA, CLIENT)
    with pytest.raises(NotFound, match="not valid or has been revoked"):
        summaries.portal(practice, token)
    with pytest.raises(NotFound):
        summaries.portal(practice, "made-up-token")


def test_audit_log_names_actor_and_ids_but_never_text(practice):
    d = start(practice).draft
    summaries.save(practice, DANA, d.id, d.text + "\nA private sentence about the session.", base_revision=None)
    summaries.update(
        practice, DANA, d.id, d.text + "\nA private sentence about the session.", "shorter", base_revision=None
    )
    summaries.undo(practice, DANA, d.id, base_revision=None)
    s = summaries.sign(practice, DANA, d.id, password=PASSWORD)
    summaries.record_download(practice, DANA, s.id)
    summaries.share(practice, DANA, s.id)
    summaries.share(practice, DANA, s.id, shared=False)
    summaries.delete(practice, DANA, s.id, "duplicate")
    entries = summaries.audit_log(practice, RUTH, CLIENT)
    assert [e.action for e in reversed(entries)] == [
        "generate",
        "save",
        "update",
        "undo",
        "sign",
        "download",
        "share",
        "unshare",
        "delete",
    ]
    assert all(e.actor == "dana" and e.client_id == CLIENT and e.at for e in entries)
    details = " ".join(e.detail for e in entries)
    assert "private sentence" not in details
    assert not any(len(line) > 20 and line in details for line in s.text.splitlines())


def test_two_sessions_generating_at_once_end_with_one_draft(practice):
    practice.engines["slow"] = SlowEngine(2)
    outcomes = []

    def session():
        try:
            outcomes.append(start(practice, engine="slow"))
        except ConflictError as e:
            outcomes.append(e)

    threads = [threading.Thread(target=session) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert raw(practice).execute("SELECT count(*) FROM drafts WHERE client_id = ?", [CLIENT]).fetchone()[0] == 1
    errors = [o for o in outcomes if isinstance(o, ConflictError)]
    assert len(outcomes) == 2 and len(errors) == 1
    assert "Someone else started a draft for this client" in errors[0].message


def test_two_tabs_autosaving_one_draft_never_corrupt_it(practice):
    d = start(practice).draft
    failures = []
    texts = {tab: [f"{d.text}\n{tab} edit {n}" for n in range(40)] for tab in ("left", "right")}

    def tab(name):
        try:
            for text in texts[name]:
                summaries.save(practice, DANA, d.id, text, base_revision=None)
        except Exception as e:  # noqa: BLE001 - any error is the failure under test
            failures.append(e)

    threads = [threading.Thread(target=tab, args=(n,)) for n in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    final = summaries.active_draft(practice, DANA, CLIENT)
    assert final.text in {texts["left"][-1], texts["right"][-1]}
    assert len(final.versions) == 2


CRASH = """
import os, sys
from datetime import date
from core.config import Settings
from core.models import Actor
from core.service import Practice
from core.store import lifecycle
from tests.engines import settings_for
from core import summaries

point = sys.argv[2]
p = Practice.open(settings_for(sys.argv[1]), demo_data=False, today=lambda: date(2026, 6, 30))
actor = Actor("dana", "Dana Whitfield", ("clinician",), "LCSW", "K01", "cli")
draft = summaries.active_draft(p, actor, "C1001")
if point == "after-summary-insert":
    lifecycle.LifecycleStore._remove_draft = staticmethod(lambda cur, draft_id: os._exit(17))
elif point == "after-draft-removed":
    lifecycle.LifecycleStore._audit = staticmethod(lambda *a, **k: os._exit(17))
summaries.sign(p, actor, draft.id)
os._exit(0)
"""


@pytest.mark.parametrize(
    "point,expect", [("after-summary-insert", "draft"), ("after-draft-removed", "draft"), ("none", "summary")]
)
def test_crash_while_signing_leaves_draft_or_summary_never_both_or_neither(practice, point, expect):
    draft = start(practice).draft
    practice.store.close()
    child = subprocess.run(
        [sys.executable, "-c", CRASH, engines.target(practice.store), point],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == (0 if point == "none" else 17), child.stderr
    con = raw(practice)
    drafts = con.execute("SELECT count(*) FROM drafts WHERE id = ?", [draft.id]).fetchone()[0]
    signed = con.execute("SELECT count(*) FROM summaries WHERE client_id = ?", [CLIENT]).fetchone()[0]
    assert (drafts, signed) == ((1, 0) if expect == "draft" else (0, 1))
    con.close()


def test_signing_over_statements_the_chart_contradicts_needs_an_acknowledgement_recorded_in_the_pdf(practice):
    from core import pdf
    from core.errors import OpenFindings
    from tests.test_pdf import extract

    d = start(practice).draft
    wrong = d.text + "\n\nNo suicidal ideation was ever reported."
    with pytest.raises(OpenFindings) as refused:
        summaries.sign(practice, DANA, d.id, text=wrong, password=PASSWORD)
    assert refused.value.findings and "risk" in refused.value.findings[0]
    assert summaries.active_draft(practice, DANA, CLIENT) is not None  # nothing signed
    s = summaries.sign(practice, DANA, d.id, text=wrong, password=PASSWORD, acknowledged=True)
    assert s.verified and s.generation.acknowledged == refused.value.findings
    text = extract(pdf.summary_pdf(practice, DANA, s.id))
    assert "Signed with open findings" in text and "ever documented" in text


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_postgresql_refuses_to_change_or_delete_a_signed_summary_whoever_asks(practice):
    s = summaries.sign(practice, DANA, start(practice).draft.id, password=PASSWORD)
    con = raw(practice)
    for sql in (
        "UPDATE summaries SET text = text || ' (edited)' WHERE id = ?",
        "DELETE FROM summaries WHERE id = ?",
    ):
        with pytest.raises(engines.CONSTRAINT, match="never changed or deleted"):
            con.execute(sql, [s.id])
    with pytest.raises(engines.CONSTRAINT, match="never changed or deleted"):
        con.execute("TRUNCATE summaries CASCADE")
    con.close()
    assert summaries.verified(practice, s.id).text == s.text
