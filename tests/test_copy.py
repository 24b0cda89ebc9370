"""Moving a practice: python -m core copy --to postgresql://... copies a DuckDB file into an empty
PostgreSQL database, and verifies every signed summary and the audit chain there."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import auth, summaries
from core.__main__ import main
from core.config import Settings
from core.models import Actor
from core.service import Practice
from tests import engines
from tests.conftest import ANCHOR

ADMIN = Actor("cli:test", "test", ("supervisor", "admin"), auth="cli")
PASSWORD = "dana-demo-2026"


ON_POSTGRESQL = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


@pytest.fixture
def server(engine, pg_database):
    """Makes an empty database on the tests' PostgreSQL server (skipped, or failed in CI, without one)."""
    return pg_database


def danas_clients(practice):
    """Dana's clients seen in the last two months (each has signed notes in the last 3 and 6 months)."""
    rows = practice.store.client_rows(clinician_id="K01")
    return [r.id for r in rows if r.last_date and r.last_date >= ANCHOR - timedelta(days=60)]


def signed(practice, client_id):
    dana = auth.sign_in(practice, "dana", PASSWORD)
    start = ANCHOR - timedelta(days=182)
    draft = summaries.generate(practice, dana, client_id, start, ANCHOR, "Case consultation").draft
    return summaries.sign(practice, dana, draft.id, password=PASSWORD)


@ON_POSTGRESQL
def test_a_practice_copied_into_postgresql_is_the_same_practice_and_every_signature_verifies(
    tmp_path, demo_db_template, server, capsys
):
    path = tmp_path / "practice.duckdb"
    path.write_bytes(demo_db_template.read_bytes())
    source = Practice.open(Settings(db_path=path), today=lambda: ANCHOR)
    own = danas_clients(source)
    kept, shared, deleted = (signed(source, c) for c in own[:3])
    summaries.share(source, ADMIN, shared.id)
    summaries.delete(source, ADMIN, deleted.id, "wrong range")
    draft = summaries.generate(source, ADMIN, own[3], ANCHOR - timedelta(days=91), ANCHOR, "Transfer of care").draft
    before = {
        "clients": source.store.client_rows(),
        "chart": source.store.chart(own[0]),
        "summaries": source.store.every_summary(),
        "audit": source.store.audit_entries(limit=100_000),
        "draft": source.store.draft(draft.id),
        "users": source.store.users(),
    }
    source.store.close()

    url = server()
    assert main(["copy", "--db", str(path), "--to", url]) == 0
    out = capsys.readouterr().out
    assert "Signed summaries whose signature verifies in the copy: 3 of 3." in out
    assert "The audit log verifies" in out

    copy = Practice.open(Settings(database_url=url), today=lambda: ANCHOR)
    assert copy.store.client_rows() == before["clients"]
    assert copy.store.chart(own[0]) == before["chart"]
    assert copy.store.every_summary() == before["summaries"]
    assert all(s.verified for s in copy.store.every_summary())
    assert copy.store.draft(draft.id) == before["draft"]
    assert copy.store.users() == before["users"]
    audit = copy.store.audit_entries(limit=100_000)
    assert audit[1:] == before["audit"] and audit[0].action == "maintain" and "copied from" in audit[0].detail
    # the practice goes on in the copy: a new signature, its audit entry after the copied ones, the chain whole
    dana = auth.sign_in(copy, "dana", PASSWORD)  # the accounts came along, with their passwords
    after = summaries.sign(copy, dana, draft.id, password=PASSWORD)  # the open draft came along too
    assert copy.store.summary(after.id).verified
    assert copy.store.audit_entries(limit=1)[0].id > audit[0].id
    assert copy.store.audit_chain().holds
    copy.store.close()

    assert main(["copy", "--db", str(path), "--to", url]) == 2  # never into a database that holds a practice
    assert "not empty" in capsys.readouterr().err


@ON_POSTGRESQL
def test_a_summary_changed_in_the_file_before_the_copy_is_named_as_not_verifying(
    tmp_path, demo_db_template, server, capsys
):
    path = tmp_path / "practice.duckdb"
    path.write_bytes(demo_db_template.read_bytes())
    source = Practice.open(Settings(db_path=path), today=lambda: ANCHOR)
    s = signed(source, danas_clients(source)[0])
    engines.tamper(source.store, "UPDATE summaries SET text = text || ' (changed)' WHERE id = ?", [s.id])
    source.store.close()
    assert main(["copy", "--db", str(path), "--to", server()]) == 1
    out = capsys.readouterr().out
    assert "0 of 1" in out and f"does not verify: {s.id}" in out


def test_copy_needs_a_postgresql_address(tmp_path, demo_db_template, capsys):
    path = tmp_path / "practice.duckdb"
    path.write_bytes(demo_db_template.read_bytes())
    assert main(["copy", "--db", str(path), "--to", str(tmp_path / "other.duckdb")]) == 2
    assert "postgresql://" in capsys.readouterr().err
