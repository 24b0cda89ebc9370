"""Attacks and faults from the security review, each reproduced against core on a real database
file: role combinations, parallel password guesses, sessions that should have ended, tampering by
SQL with the database file alone, a full disk, control characters and the portal's access codes."""

import itertools
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from core import access, auth, charts, export, pdf, summaries
from core.errors import NotFound, PermissionDenied, Refused, SessionEnded, StoreError
from core.models import ROLES, Actor
from core.store import MIGRATIONS
from tests import engines

# The tests of concurrency and of changes behind the app's back also run on PostgreSQL.
BOTH_ENGINES = pytest.mark.parametrize("engine", engines.BOTH, indirect=True)

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Actor("cli:test", "test", ("supervisor", "admin"), auth="cli")
DANA_PASSWORD = "dana-demo-2026"  # the demo accounts' published passwords (README)
RUTH_PASSWORD = "ruth-demo-2026"


def own_and_other_client(practice, clinician_id="K01"):
    rows = practice.store.client_rows()
    return (
        next(r for r in rows if r.clinician_id == clinician_id).id,
        next(r for r in rows if r.clinician_id != clinician_id).id,
    )


def signed_summary(practice, client_id, clinician_id="K01"):
    today = practice.today()
    started = summaries.generate(practice, ADMIN, client_id, today - timedelta(days=182), today, "Case consultation")
    return summaries.sign(practice, auth.acting_clinician(practice, ADMIN, clinician_id), started.draft.id)


# -- 2. roles never combine into more than one of them allows -----------------------------------------------


COMBINATIONS = [combo for n in range(1, len(ROLES) + 1) for combo in itertools.combinations(ROLES, n)]


@pytest.mark.parametrize("roles", COMBINATIONS, ids=["+".join(c) for c in COMBINATIONS])
def test_every_role_combination_is_decided_role_by_role(practice, roles):
    own, other = own_and_other_client(practice)
    actor = Actor("combo", "Combo", tuple(roles), "LCSW", "K01")
    for action in access.ACTIONS:
        for client_id in (own, other):
            clinician = practice.store.client(client_id).clinician_id
            alone = any(access.can(Actor("one", "One", (r,), "", "K01"), action, clinician, client=True) for r in roles)
            assert access.can(actor, action, clinician, client=True) == alone, (roles, action, client_id)
            try:
                access.require(practice.store, actor, action, client_id)
                allowed = True
            except PermissionDenied:
                allowed = False
            assert allowed == alone, (roles, action, client_id)


def test_a_clinician_who_is_also_a_pilot_tester_reads_but_cannot_act_on_another_caseload(practice):
    own, other = own_and_other_client(practice)
    s = signed_summary(practice, other, practice.store.client(other).clinician_id)
    both = Actor("dana", "Dana Whitfield", ("clinician", "pilot_tester"), "LCSW", "K01")
    assert charts.chart(practice, both, other).client.id == other  # the pilot tester reads every chart
    assert {r.id for r in charts.find_clients(practice, both)} >= {own, other}
    with pytest.raises(PermissionDenied, match="not on your caseload"):
        summaries.delete(practice, both, s.id, "not mine")
    with pytest.raises(PermissionDenied, match="not on your caseload"):
        summaries.share(practice, both, s.id)
    with pytest.raises(PermissionDenied, match="not on your caseload"):
        export.export_client(practice, both, other)
    assert summaries.get_summary(practice, ADMIN, s.id).deleted_at is None


# -- 3. lockout holds under parallel guesses --------------------------------------------------------------------


@BOTH_ENGINES
def test_parallel_wrong_passwords_lock_the_account_and_are_all_audited(practice):
    before = len(practice.store.audit_entries(limit=100_000))
    guesses = [f"wrong-guess-{i:03d}" for i in range(40)]
    guesses.insert(29, DANA_PASSWORD)  # the right one, among wrong ones

    def attempt(password):
        try:
            auth.sign_in(practice, "dana", password)
            return "signed in"
        except PermissionDenied as e:
            return e.message

    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(attempt, guesses))
    assert "signed in" not in results  # five wrong ones came first: the account was locked by then
    assert sum("locked" in r for r in results) >= len(guesses) - auth.MAX_FAILURES
    user = practice.store.user("dana")
    assert user.locked_until is not None and user.locked_until > auth.now()
    entries = practice.store.audit_entries(limit=100_000)[: len(practice.store.audit_entries(limit=100_000)) - before]
    assert len(entries) == len(guesses)  # every attempt is in the log, none lost to a write conflict
    assert sum(e.action == "lockout" for e in entries) == 1
    assert practice.store.audit_chain().holds


def test_wrong_passwords_at_sign_count_toward_the_lockout(practice):
    actor = auth.sign_in(practice, "dana", DANA_PASSWORD)
    own, _ = own_and_other_client(practice)
    today = practice.today()
    draft = summaries.generate(practice, actor, own, today - timedelta(days=182), today, "").draft
    for _ in range(auth.MAX_FAILURES - 1):
        with pytest.raises(PermissionDenied, match="not right"):
            summaries.sign(practice, actor, draft.id, password="not-it-at-all")
    assert practice.store.user("dana").failed_attempts == auth.MAX_FAILURES - 1
    with pytest.raises(SessionEnded, match="locked"):
        summaries.sign(practice, actor, draft.id, password="not-it-at-all")
    with pytest.raises(SessionEnded):  # the session is over; the draft is kept
        summaries.active_draft(practice, actor, own)
    assert summaries.active_draft(practice, ADMIN, own).id == draft.id
    with pytest.raises(PermissionDenied, match="locked"):
        auth.sign_in(practice, "dana", DANA_PASSWORD)


# -- 4. sessions end in core, for every action ------------------------------------------------------------------


def test_an_idle_session_ends_for_downloads_exports_and_edits(practice):
    actor = auth.sign_in(practice, "ruth", RUTH_PASSWORD)
    own, _ = own_and_other_client(practice)
    s = signed_summary(practice, own)
    today = practice.today()
    draft = summaries.generate(practice, actor, own, today - timedelta(days=91), today, "").draft
    assert pdf.summary_pdf(practice, actor, s.id).startswith(b"%PDF")
    practice.store.touch_session(actor.session_id, auth.now() - timedelta(minutes=auth.IDLE_MINUTES + 1))
    with pytest.raises(SessionEnded, match="without activity"):
        pdf.summary_pdf(practice, actor, s.id)  # what the Download PDF button's callback calls
    for action in (
        lambda: export.export_client(practice, actor, own),
        lambda: summaries.save(practice, actor, draft.id, "typed after the timeout", base_revision=draft.revision),
        lambda: charts.find_clients(practice, actor),
    ):
        with pytest.raises(SessionEnded):
            action()
    assert summaries.active_draft(practice, ADMIN, own).text == draft.text
    assert any(e.detail.startswith("signed out after") for e in practice.store.audit_entries())


def hand_edit(p, sql: str) -> None:
    """SQL typed into the file by hand, which the product never does: DuckDB admits one process, so it is
    done with the app stopped, and the app starts again with nothing of the file in memory."""
    p.store._con.execute(sql)
    p.store.auth_memo.changed()


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda p, a: auth.set_disabled(p, ADMIN, "dana"), "disabled"),
        (lambda p, a: p.store.count_failed_sign_in("dana", auth.now(), 1, auth.now() + timedelta(minutes=9)), "locked"),
        (lambda p, a: hand_edit(p, "UPDATE users SET roles = ['pilot_tester'] WHERE id = 'dana'"), "roles"),
        (lambda p, a: auth.sign_out(p, a), "signed out"),
    ],
    ids=["disabled", "locked", "roles changed", "signed out"],
)
def test_a_live_session_ends_when_the_account_changes(practice, change, message):
    actor = auth.sign_in(practice, "dana", DANA_PASSWORD)
    own, _ = own_and_other_client(practice)
    assert charts.chart(practice, actor, own).client.id == own
    change(practice, actor)
    with pytest.raises(SessionEnded, match=message):
        charts.chart(practice, actor, own)
    with pytest.raises(SessionEnded):  # and it stays ended
        auth.check_session(practice, actor)


# -- 8. tampering by SQL with the database file alone ---------------------------------------------------------------


@BOTH_ENGINES
def test_a_recomputed_hash_does_not_make_a_tampered_summary_verify(practice):
    from core.integrity import content_hash

    own, _ = own_and_other_client(practice)
    s = signed_summary(practice, own)
    forged = {**s.__dict__, "text": s.text + "\n\nForged line.", "signer_name": "Someone Else"}
    forged["sources"] = [r.__dict__ for r in s.sources]
    forged["citations"] = [{"paragraph": c.paragraph, "item_ids": list(c.item_ids)} for c in s.citations]
    forged["generation"] = s.generation.__dict__
    engines.tamper(
        practice.store,
        "UPDATE summaries SET text = ?, signer_name = ?, content_hash = ? WHERE id = ?",
        [forged["text"], forged["signer_name"], content_hash(forged), s.id],
    )
    again = summaries.get_summary(practice, ADMIN, s.id)
    assert again.text.endswith("Forged line.") and again.verified is False


@BOTH_ENGINES
def test_sharing_or_undeleting_by_sql_is_noticed(practice):
    own, _ = own_and_other_client(practice)
    shared_by_sql, undeleted = signed_summary(practice, own), signed_summary(practice, own)
    token = summaries.issue_portal_token(practice, ADMIN, own)
    engines.tamper(practice.store, "INSERT INTO summary_shares VALUES (?, 'attacker', now())", [shared_by_sql.id])
    assert summaries.get_summary(practice, ADMIN, shared_by_sql.id).verified is False
    assert summaries.portal(practice, token).summaries == ()  # the portal shows only what verifies
    summaries.delete(practice, ADMIN, undeleted.id, "wrong client")
    engines.tamper(practice.store, "DELETE FROM summary_deletions WHERE summary_id = ?", [undeleted.id])
    back = next(s for s in summaries.summaries(practice, ADMIN, own) if s.id == undeleted.id)
    assert back.verified is False


def test_portal_codes_never_read_as_a_command_line_option(practice):
    """A code beginning with '-' made `portal --token CODE` an argparse error about once in 64 codes."""
    own, _ = own_and_other_client(practice)
    codes = {summaries.issue_portal_token(practice, ADMIN, own) for _ in range(200)}
    assert len(codes) == 200 and all(re.fullmatch(r"[0-9a-f]{32}", c) for c in codes)


def test_a_right_summary_verifies_through_share_unshare_and_delete(practice):
    own, _ = own_and_other_client(practice)
    s = signed_summary(practice, own)
    token = summaries.issue_portal_token(practice, ADMIN, own)
    summaries.share(practice, ADMIN, s.id)
    assert [x.id for x in summaries.portal(practice, token).summaries] == [s.id]
    summaries.share(practice, ADMIN, s.id, False)
    assert summaries.get_summary(practice, ADMIN, s.id).verified
    summaries.delete(practice, ADMIN, s.id, "superseded")
    deleted = practice.store.summary(s.id)
    assert deleted.deleted_at is not None and deleted.verified


@BOTH_ENGINES
def test_the_audit_chain_holds_and_breaks_where_an_entry_was_changed_or_removed(practice):
    own, _ = own_and_other_client(practice)
    signed_summary(practice, own)
    report = summaries.audit_chain(practice, ADMIN)
    assert report.holds and report.entries > 0
    entries = sorted(practice.store.audit_entries(limit=100_000), key=lambda e: e.id)
    sign = next(e for e in entries if e.action == "sign")
    engines.tamper(practice.store, "UPDATE audit_log SET actor = 'someone-else' WHERE id = ?", [sign.id])
    assert summaries.audit_chain(practice, ADMIN).broken_at == sign.id
    engines.tamper(practice.store, "UPDATE audit_log SET actor = ? WHERE id = ?", [sign.actor, sign.id])
    assert summaries.audit_chain(practice, ADMIN).holds  # put back as it was, it verifies again
    engines.tamper(practice.store, "DELETE FROM audit_log WHERE id = ?", [entries[0].id])
    assert summaries.audit_chain(practice, ADMIN).broken_at == entries[1].id


def test_without_the_key_nothing_verifies(practice, tmp_path):
    from core.config import Settings
    from core.service import Practice

    own, _ = own_and_other_client(practice)
    s = signed_summary(practice, own)
    path = practice.store.path
    practice.store.close()
    (tmp_path / "another.key").write_text(os.urandom(32).hex())  # a key, but not this practice's
    other_key = Practice.open(Settings(db_path=path, key_path=tmp_path / "another.key"))
    assert other_key.store.summary(s.id).verified is False
    assert not other_key.store.audit_chain().holds
    other_key.store.close()


# -- 9. no practice appears at a mistyped path ---------------------------------------------------------------------


def cli(*args, db):
    return subprocess.run(
        [sys.executable, "-m", "core", *args, "--db", str(db)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_a_database_path_that_does_not_exist_is_an_error_except_for_init(tmp_path):
    typo = tmp_path / "typo.duckbd"
    for args in (("summaries", "--client", "C1001"), ("clients",), ("users", "list"), ("import-fhir", str(tmp_path))):
        result = cli(*args, db=typo)
        assert result.returncode == 2 and "There is no database file named" in result.stderr, args
        assert not typo.exists()
    assert cli("init", db=typo).returncode == 0
    assert cli("clients", "--json", db=typo).stdout.strip() == "[]"  # no demo charts, no demo accounts
    assert "dana" not in cli("users", "list", db=typo).stdout


# -- 1. the command line never writes over the database or an existing file ---------------------------------------


def test_pdf_and_export_never_overwrite_the_database_or_an_existing_file(tmp_path):
    db = tmp_path / "charts.duckdb"
    assert cli("init", "--demo", db=db).returncode == 0
    summary = signed_via_cli(db)
    before = db.read_bytes()
    onto_db = cli("pdf", "--summary", summary, "--out", str(db), db=db)
    assert onto_db.returncode == 2 and "database" in onto_db.stderr
    assert cli("export", "--client", "C1001", "--out", str(db), "--force", db=db).returncode == 2
    assert db.read_bytes()[:64] == before[:64] and cli("clients", db=db).returncode == 0
    existing = tmp_path / "kept.pdf"
    existing.write_bytes(b"mine")
    refused = cli("pdf", "--summary", summary, "--out", str(existing), db=db)
    assert refused.returncode == 2 and "--force" in refused.stderr and existing.read_bytes() == b"mine"
    assert cli("pdf", "--summary", summary, "--out", str(existing), "--force", db=db).returncode == 0
    assert existing.read_bytes().startswith(b"%PDF") and not list(tmp_path.glob(".*.partial"))


def signed_via_cli(db) -> str:
    import json

    assert (
        cli("draft", "--client", "C1001", "--from", "2020-01-01", "--to", "2026-06-30", "--save", db=db).returncode == 0
    )
    signed = cli("sign", "--client", "C1001", "--clinician", "K01", "--json", db=db)
    assert signed.returncode == 0, signed.stderr
    return json.loads(signed.stdout)["id"]


# -- 11. control characters, the CLI's signer in the audit, the portal's codes -------------------------------------


def test_control_characters_are_not_stored_or_printed(practice):
    own, _ = own_and_other_client(practice)
    today = practice.today()
    draft = summaries.generate(
        practice, ADMIN, own, today - timedelta(days=182), today, "Transfer\x1b[31m of care\x00\x07"
    ).draft
    assert draft.purpose == "Transfer of care"
    summaries.save(practice, ADMIN, draft.id, "Line one\x1b[2J\r\nLine\x00 two\x1b]0;owned\x07", base_revision=None)
    assert summaries.active_draft(practice, ADMIN, own).text == "Line one\nLine two"


def test_the_command_lines_signature_is_audited_as_who_ran_it(tmp_path):
    import json
    import pwd

    db = tmp_path / "charts.duckdb"
    assert cli("init", "--demo", db=db).returncode == 0
    signed_via_cli(db)
    audit = json.loads(cli("audit", "--client", "C1001", "--json", db=db).stdout)
    sign = next(e for e in audit if e["action"] == "sign")
    assert sign["actor"] == f"cli:{pwd.getpwuid(os.getuid()).pw_name}"
    listed = json.loads(cli("summaries", "--client", "C1001", "--json", db=db).stdout)
    assert listed[0]["signer"] == "Dana Whitfield, LCSW"
    verify = cli("audit", "--verify", db=db)
    assert verify.returncode == 0 and "verifies" in verify.stdout


def test_portal_codes_expire_and_wrong_codes_are_audited_and_throttled(practice):
    own, _ = own_and_other_client(practice)
    token = summaries.issue_portal_token(practice, ADMIN, own)
    assert summaries.portal(practice, token).first_name
    practice.store._con.execute("UPDATE portal_tokens SET expires_at = now() - INTERVAL 1 DAY")
    with pytest.raises(NotFound, match="expired"):
        summaries.portal(practice, token)
    fresh = summaries.issue_portal_token(practice, ADMIN, own)
    for i in range(summaries.PORTAL_MAX_FAILURES - 1):
        with pytest.raises(NotFound):
            summaries.portal(practice, f"guess-{i}")
    denied = [e for e in practice.store.audit_entries() if e.action == "portal_denied"]
    assert len(denied) == summaries.PORTAL_MAX_FAILURES  # the expired one and every guess
    with pytest.raises(Refused, match="Too many wrong access codes"):
        summaries.portal(practice, fresh)


# -- 10. faults: a full disk, a locked or damaged file ---------------------------------------------------------------

FULL_DISK = r"""
import resource, signal, sys
from datetime import date
from core import summaries
from core.config import Settings
from core.errors import StoreError
from core.models import Actor
from core.service import Practice

p = Practice.open(Settings(db_path=sys.argv[1]), today=lambda: date(2026, 6, 30))
admin = Actor("cli:test", "test", ("supervisor", "admin"), auth="cli")
draft = summaries.active_draft(p, admin, sys.argv[2])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit, write() fails with EFBIG, like a full disk
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (1, hard))
try:
    summaries.save(p, admin, draft.id, "typed while the disk is full " * 2000, base_revision=draft.revision)
    print("saved")
except StoreError as e:
    print("refused:", e.message)
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
print("draft:", summaries.active_draft(p, admin, sys.argv[2]).text == draft.text)
"""


def test_a_full_disk_refuses_the_save_with_a_message_and_keeps_the_draft(practice):
    own, _ = own_and_other_client(practice)
    today = practice.today()
    summaries.generate(practice, ADMIN, own, today - timedelta(days=182), today, "")
    practice.store.close()
    result = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(practice.store.path), own],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "refused: The chart database could not be written" in result.stdout
    assert str(practice.store.path) not in result.stdout
    assert "draft: True" in result.stdout


def test_a_locked_or_damaged_database_is_told_without_paths_or_process_ids(tmp_path):
    from core.store import Store

    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ok', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(StoreError) as held:
            Store(db)
    finally:
        holder.kill()
        holder.wait()
    assert "in use by another program" in held.value.message
    assert str(tmp_path) not in held.value.message and "PID" not in held.value.message
    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"not a database " * 1000)
    with pytest.raises(StoreError, match="damaged") as bad:
        Store(damaged)
    assert str(tmp_path) not in bad.value.message


@BOTH_ENGINES
def test_concurrent_audits_and_draft_saves_keep_one_chain(practice):
    own, _ = own_and_other_client(practice)
    today = practice.today()
    draft = summaries.generate(practice, ADMIN, own, today - timedelta(days=182), today, "").draft
    errors = []

    def work(i):
        try:
            if i % 2:
                practice.store.audit(auth.now(), f"t{i}", "refused", detail="parallel")
            else:
                summaries.save(practice, ADMIN, draft.id, f"text {i}", base_revision=None)
        except Exception as e:  # noqa: BLE001 - any error is the failure this test looks for
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and practice.store.audit_chain().holds


WRITER = """
import sys, threading
from datetime import date
from core import auth, summaries
from core.models import Actor
from core.service import Practice
from tests.engines import settings_for

p = Practice.open(settings_for(sys.argv[1]), today=lambda: date(2026, 6, 30))
actor = Actor("cli:test", "test", ("supervisor", "admin"), auth="cli")
name = sys.argv[3]

def work(i):
    if i % 2:
        p.store.audit(auth.now(), f"{name}{i}", "refused", detail="parallel")
    else:
        summaries.save(p, actor, sys.argv[2], f"{name} text {i}", base_revision=None)

threads = [threading.Thread(target=work, args=(i,)) for i in range(40)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_processes_writing_at_once_keep_one_audit_chain_and_every_save(practice):
    own, _ = own_and_other_client(practice)
    today = practice.today()
    draft = summaries.generate(practice, ADMIN, own, today - timedelta(days=182), today, "").draft
    target = engines.target(practice.store)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, target, draft.id, name],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    for w in writers:
        assert w.wait(120) == 0, w.stderr.read() if w.stderr else ""
    assert practice.store.audit_chain().holds
    entries = practice.store.audit_entries(limit=100_000)
    assert sum(e.action == "refused" and e.detail == "parallel" for e in entries) == 40
    written = {f"{name} text {i}" for name in ("a", "b") for i in range(0, 40, 2)}
    assert practice.store.draft(draft.id).text in written  # every save was taken (none refused), the last one kept


# -- 5. a download leaves the server once, to the session that asked -------------------------------------------------


def test_a_download_ticket_is_checked_when_asked_and_when_fetched_and_serves_once(practice, monkeypatch):
    from core import downloads

    own, other = own_and_other_client(practice)
    s, theirs = (
        signed_summary(practice, own),
        signed_summary(practice, other, practice.store.client(other).clinician_id),
    )
    dana = auth.sign_in(practice, "dana", DANA_PASSWORD)
    with pytest.raises(PermissionDenied, match="not on your caseload"):
        downloads.ticket(practice, dana, "pdf", theirs.id)  # refused at the click, before any bytes exist
    ticket = downloads.ticket(practice, dana, "pdf", s.id)
    file = downloads.redeem(practice, ticket)
    assert file.data.startswith(b"%PDF") and file.file_name.endswith(".pdf") and file.mime == "application/pdf"
    with pytest.raises(NotFound, match="expired or was already used"):
        downloads.redeem(practice, ticket)  # once
    export_ticket = downloads.ticket(practice, dana, "export", own)
    auth.sign_out(practice, dana)
    with pytest.raises(NotFound):
        downloads.redeem(practice, export_ticket)  # signing out drops the session's tickets
    ruth = auth.sign_in(practice, "ruth", RUTH_PASSWORD)
    late = downloads.ticket(practice, ruth, "pdf", s.id)
    monkeypatch.setattr(downloads, "TICKET_SECONDS", 0)
    stale = downloads.ticket(practice, ruth, "pdf", s.id)
    with pytest.raises(NotFound):
        downloads.redeem(practice, stale)  # not fetched in time
    practice.store.touch_session(ruth.session_id, auth.now() - timedelta(minutes=auth.IDLE_MINUTES + 1))
    with pytest.raises(SessionEnded):
        downloads.redeem(practice, late)  # the session ended between the click and the fetch
    downloads_audited = [e for e in practice.store.audit_entries() if e.action == "download"]
    assert len(downloads_audited) == 1


# -- 8, after review: the upgrade never seals by itself; a seal replayed from an older state fails --------------------


BACK_TO_SCHEMA_7 = (
    "DELETE FROM schema_version WHERE version >= 8",
    "DROP TABLE IF EXISTS blind_ratings",
    "DROP TABLE summary_seals",
    "DROP TABLE sessions",
    "DROP TABLE client_contacts",
    "ALTER TABLE portal_tokens DROP COLUMN expires_at",
    "ALTER TABLE audit_log DROP COLUMN entry_mac",
)


def test_an_upgrade_to_sealing_waits_for_the_administrator_and_a_forced_re_upgrade_seals_nothing(practice):
    from core import maintenance
    from core.config import Settings
    from core.service import Practice

    s = signed_summary(practice, own_and_other_client(practice)[0])
    path = practice.store.path
    for sql in BACK_TO_SCHEMA_7:  # a database as it was before sealing existed
        practice.store._con.execute(sql)
    practice.store.close()
    p = Practice.open(Settings(db_path=path), today=practice.today)
    assert p.store.schema_version() == MIGRATIONS[-1][0]
    assert p.store.summary(s.id).verified is False and not p.store.audit_chain().holds  # opening seals nothing
    entries, sealed = maintenance.seal_existing(p, ADMIN)
    assert entries > 0 and sealed == 1
    assert p.store.summary(s.id).verified and p.store.audit_chain().holds
    # Someone with the file alone edits it and takes it back to schema 7: opening it seals nothing.
    p.store._con.execute("UPDATE summaries SET text = text || ' (edited)' WHERE id = ?", [s.id])
    for sql in BACK_TO_SCHEMA_7:
        p.store._con.execute(sql)
    p.store.close()
    again = Practice.open(Settings(db_path=path), today=practice.today)
    assert again.store.summary(s.id).verified is False and not again.store.audit_chain().holds
    again.store.close()


def test_a_seal_copied_back_from_an_older_state_does_not_verify(practice):
    own, _ = own_and_other_client(practice)
    s = signed_summary(practice, own)
    token = summaries.issue_portal_token(practice, ADMIN, own)
    summaries.share(practice, ADMIN, s.id)
    shared_row = practice.store._con.execute("SELECT * FROM summary_shares WHERE summary_id = ?", [s.id]).fetchone()
    shared_seal = practice.store._con.execute("SELECT * FROM summary_seals WHERE summary_id = ?", [s.id]).fetchone()
    summaries.share(practice, ADMIN, s.id, False)
    practice.store._con.execute("INSERT INTO summary_shares VALUES (?, ?, ?)", list(shared_row))
    practice.store._con.execute("DELETE FROM summary_seals WHERE summary_id = ?", [s.id])
    practice.store._con.execute("INSERT INTO summary_seals VALUES (?, ?, ?)", list(shared_seal))
    assert practice.store.summary(s.id).verified is False
    assert summaries.portal(practice, token).summaries == ()


def test_ratings_and_every_other_write_keep_the_audit_chain(practice):
    from core import ratings

    own, _ = own_and_other_client(practice)
    s = signed_summary(practice, own)
    pat = auth.sign_in(practice, "pat", "pat-demo-2026")
    ratings.rate(practice, pat, "summary", s.id, {k: 4 for k, _, _ in ratings.PDQI9})
    assert practice.store.audit_chain().holds


def test_a_missing_or_mistyped_key_is_an_error_once_the_database_has_seals(practice, tmp_path):
    from core.config import Settings
    from core.errors import StoreError
    from core.service import Practice

    signed_summary(practice, own_and_other_client(practice)[0])
    practice.store.close()
    with pytest.raises(StoreError, match="seal key of this database is missing") as e:
        Practice.open(Settings(db_path=practice.store.path, key_path=tmp_path / "typo" / "seal.key"))
    assert not (tmp_path / "typo" / "seal.key").exists() and str(tmp_path) not in e.value.message
    fresh = Practice.open(Settings(db_path=tmp_path / "new.duckdb", key_path=tmp_path / "k" / "seal.key"), create=True)
    assert (tmp_path / "k" / "seal.key").exists()  # a new database gets its key
    assert oct((tmp_path / "k" / "seal.key").stat().st_mode & 0o777) == "0o600"
    fresh.store.close()


def test_disabling_or_resetting_ends_sessions_at_once_so_enabling_again_revives_none(practice):
    dana = auth.sign_in(practice, "dana", DANA_PASSWORD)
    auth.set_disabled(practice, ADMIN, "dana", True)
    auth.set_disabled(practice, ADMIN, "dana", False)
    with pytest.raises(SessionEnded, match="disabled"):
        charts.find_clients(practice, dana)
    again = auth.sign_in(practice, "dana", DANA_PASSWORD)
    auth.reset_password(practice, ADMIN, "dana", "a-new-password-2026")
    with pytest.raises(SessionEnded, match="password reset"):
        charts.find_clients(practice, again)


def test_a_quality_lab_table_is_served_once_by_ticket_to_the_lab_only(practice):
    from core import downloads, evaluation

    pat = auth.sign_in(practice, "pat", "pat-demo-2026")
    dana = auth.sign_in(practice, "dana", DANA_PASSWORD)
    with pytest.raises(PermissionDenied):
        downloads.table_ticket(practice, dana, "x.csv", lambda: [])
    ticket = downloads.table_ticket(practice, pat, "burden.csv", lambda: evaluation.edit_burdens(practice, pat) and [])
    file = downloads.redeem(practice, ticket)
    assert (file.file_name, file.mime) == ("burden.csv", "text/csv")
    with pytest.raises(NotFound):
        downloads.redeem(practice, ticket)


@BOTH_ENGINES
def test_portal_tries_in_a_pause_are_audited_and_parallel_guesses_cannot_pass_the_limit(practice):
    from concurrent.futures import ThreadPoolExecutor

    def guess(i):
        try:
            summaries.portal(practice, f"guess-{i}")
        except (NotFound, Refused) as e:
            return type(e).__name__

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(guess, range(60)))
    assert results.count("NotFound") == summaries.PORTAL_MAX_FAILURES and results.count("Refused") == 40
    denied = [e for e in practice.store.audit_entries(limit=1000) if e.action == "portal_denied"]
    assert len(denied) == 60  # the paused tries too


def test_names_comments_and_sign_in_names_are_stored_without_control_characters(practice):
    from core import ratings

    auth.add_user(practice, ADMIN, "newbie", "New\x1b]0;PWNED\x07 Person\x00", ("pilot_tester",), "new-person-2026")
    assert practice.store.user("newbie").display_name == "New Person"
    with pytest.raises(PermissionDenied):
        auth.sign_in(practice, "nobody\x1b]0;pwned\x07", "x")
    assert all("\x1b" not in e.actor for e in practice.store.audit_entries())
    s = signed_summary(practice, own_and_other_client(practice)[0])
    pat = auth.sign_in(practice, "pat", "pat-demo-2026")
    ratings.rate(practice, pat, "summary", s.id, {k: 4 for k, _, _ in ratings.PDQI9}, comment="Good\x1b[2J\x00.")
    assert [r.comment for r in ratings.ratings(practice, pat, "summary", s.id)] == ["Good."]
