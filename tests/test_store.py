"""The store: idempotent migrations and constraints that live in the database, on both engines."""

import re
from datetime import date

import pytest

from core.config import Settings
from core.service import Practice
from core.store import MIGRATIONS, DraftExists, StoreError, open_store
from tests.engines import BOTH, CONSTRAINT, raw

ENGINES = BOTH


@pytest.fixture
def new_store(engine, tmp_path, request):
    """A store on a new, empty database of the test's engine: new_store() opens it, new_store() again reopens it."""
    target = request.getfixturevalue("pg_database")() if engine == "postgresql" else tmp_path / "new.duckdb"
    return lambda: open_store(target)


def test_migrations_run_twice_are_harmless(new_store):
    first = new_store()
    Practice(first, Settings()).load_demo(date(2026, 6, 30))
    counts = first.note_counts("C1001")
    first.close()
    again = new_store()
    assert again.migrate() == again.schema_version() == MIGRATIONS[-1][0]
    assert again.note_counts("C1001") == counts
    assert again.count_clients() == 44
    again.close()


def test_postgresql_schema_is_the_duckdb_schema_in_its_dialect():
    from core.store.schema import PG_MIGRATIONS

    assert [v for v, _ in PG_MIGRATIONS] == [v for v, _ in MIGRATIONS]
    for _, sql in PG_MIGRATIONS:
        for duckdb_only in ("regexp_full_match", "list_has_all", "list_sum", "list_min", "len"):
            assert not re.search(rf"\b{duckdb_only}\(", sql), duckdb_only


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO assessments VALUES ('Ax', 'C1001', 'PHQ-9', DATE '2026-01-01', 28, NULL, 'severe')",
        "INSERT INTO assessments VALUES ('Ax', 'C1001', 'GAD-7', DATE '2026-01-01', 5, [1, 1, 1, 1, 0, 0, 0], 'mild')",
        "INSERT INTO assessments VALUES ('Ax', 'C1001', 'BDI', DATE '2026-01-01', 5, NULL, 'mild')",
        "INSERT INTO notes VALUES ('Nx', 'C1001', 'memo', 'SOAP', DATE '2026-01-01', 't', 'K01', NULL, 'x')",
        "INSERT INTO notes VALUES ('Nx', 'C1001', 'progress', 'narrative', DATE '2026-01-01', 't', 'K01', NULL, 'x')",
        "INSERT INTO notes VALUES ('Nx', 'C9999', 'progress', 'SOAP', DATE '2026-01-01', 't', 'K01', NULL, 'x')",
        "INSERT INTO diagnoses VALUES ('Dx', 'C1001', 'ICD-10-CM', 'depression', 'Depression', DATE '2026-01-01', NULL)",
        "INSERT INTO diagnoses VALUES ('Dx', 'C1001', 'ICD-10-CM', 'F32.1', 'MDD', DATE '2026-01-01', DATE '2025-01-01')",
        "INSERT INTO treatment_plans VALUES ('Px', 'C1001', DATE '2026-01-01', NULL, 'draft', [], [], [], [], 'K01')",
    ],
)
def test_database_rejects_invalid_rows(new_store, sql):
    store = new_store()
    store.insert_rows(
        {
            "clinicians": [{"id": "K01", "display_name": "A B", "credentials": "LCSW"}],
            "clients": [
                {
                    "id": "C1001",
                    "full_name": "Test Person",
                    "first_name": "Test",
                    "last_name": "Person",
                    "date_of_birth": date(1990, 1, 1),
                    "source": "demo",
                }
            ],
        }
    )
    con = raw(store)
    store.close()
    with pytest.raises(CONSTRAINT):
        con.execute(sql)
    con.close()


def test_item_responses_must_add_up_to_the_total(practice):
    con = raw(practice.store)
    practice.store.close()
    bad = con.execute("SELECT count(*) FROM assessments WHERE items IS NOT NULL AND list_sum(items) <> total_score")
    assert bad.fetchone()[0] == 0
    with pytest.raises(CONSTRAINT):
        con.execute("UPDATE assessments SET total_score = total_score + 1 WHERE id = 'A00001'")
    con.close()


def test_a_range_reads_the_diagnoses_resolved_before_it_and_the_notes_that_paced_care(practice):
    """A short range still sees what was treated and resolved before it (kept apart from the diagnoses of the
    range), and every signed progress note before it that planned the next session (how care was paced):
    both read in the database's own dialect, checked against the whole chart read by its span."""
    store, moved, resolved = practice.store, 0, 0
    for row in store.client_rows():
        first, last = store.chart_span(row.id)
        whole = store.range_sources(row.id, first, last).chart
        for start in (first + (last - first) / 2, last - (last - first) / 4):
            found = store.range_sources(row.id, start, last)
            before = [d for d in whole.diagnoses if d.resolved and d.resolved < start]
            assert list(found.resolved_before) == before, row.id
            assert not set(found.chart.diagnoses) & set(before)
            resolved += len(before)
            planned = [
                n.id
                for n in whole.notes
                if n.note_type == "progress" and n.note_date < start and re.search(r"Next session in \w+ week", n.text)
            ]
            read = {n.id for n in store.notes_before(row.id, start)}
            assert set(planned) <= read, row.id
            moved += len(planned)
    assert resolved >= 5 and moved >= 500, (resolved, moved)


def test_import_batches_are_all_or_nothing_and_skip_existing_rows(new_store):
    store = new_store()
    client = {
        "id": "F-1",
        "full_name": "Test Person",
        "first_name": "Test",
        "last_name": "Person",
        "date_of_birth": date(1990, 1, 1),
        "mrn": "M1",
        "source": "fhir",
    }
    dx = {
        "id": "FD-1",
        "client_id": "F-1",
        "code_system": "ICD-10-CM",
        "code": "F41.1",
        "description": "GAD",
        "onset": date(2020, 1, 1),
    }
    assert store.import_chart_batches([{"clients": [client]}, {"clients": [client], "diagnoses": [dx]}]) == [
        {"clients": 1},
        {"clients": 0, "diagnoses": 1},
    ]
    bad = {**dx, "id": "FD-2", "code": "not a code"}
    with pytest.raises(StoreError, match="nothing was imported"):
        store.import_chart_batches([{"clients": [{**client, "id": "F-2", "mrn": "M2"}]}, {"diagnoses": [bad]}])
    assert store.count_clients() == 1 and store.client_ids_by_mrn(["M1", "M2"]) == {"M1": "F-1"}


@pytest.mark.parametrize("engine", ["duckdb"], indirect=True)  # compacting rewrites a DuckDB file
def test_compact_puts_each_clients_rows_together_and_changes_nothing_else(practice):
    from core import summaries
    from core.models import Actor

    actor = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW, Clinical Supervisor", "K06")
    draft = summaries.generate(practice, actor, "C1001", date(2026, 1, 1), date(2026, 6, 30)).draft
    clients = [r.id for r in practice.store.client_rows()]
    before = {c: practice.store.chart(c) for c in clients}
    audit = summaries.audit_log(practice, actor)
    with practice.store._cursor() as cur:  # demo rows are written client by client: interleave them first
        cur.execute("CREATE TEMP TABLE shuffled AS SELECT * FROM notes ORDER BY note_date, id")
        cur.execute("DELETE FROM notes")
        cur.execute("INSERT INTO notes SELECT * FROM shuffled")
    counts = practice.store.compact()
    assert counts["notes"] == sum(len(c.notes) for c in before.values())
    assert {c: practice.store.chart(c) for c in clients} == before
    assert summaries.active_draft(practice, actor, "C1001") == draft and summaries.audit_log(practice, actor) == audit
    with practice.store._cursor() as cur:
        order = [r[0] for r in cur.execute("SELECT client_id FROM notes ORDER BY rowid").fetchall()]
    assert order == sorted(order)
    summaries.save(
        practice, actor, draft.id, draft.text + "\nAfter compacting.", base_revision=None
    )  # the audit sequence goes on
    assert summaries.audit_log(practice, actor)[0].id > audit[0].id
    with pytest.raises(DraftExists):  # constraints came along: still one draft per client
        practice.store.create_draft(
            {
                **draft.__dict__,
                "id": "D-other",
                "sources": [],
                "omitted_ids": [],
                "generation": {"engine": "x", "model": "y"},
                "citations": [],
            },
            "text",
            draft.created_at,
            "K01",
        )


def test_cli_compact(tmp_path, capsys):
    from core.__main__ import main

    path = tmp_path / "cli.duckdb"
    Practice.open(Settings(db_path=path), demo_data=True, anchor=date(2026, 6, 30)).store.close()
    assert main(["compact", "--db", str(path)]) == 0
    assert "notes" in capsys.readouterr().out


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_compacting_is_refused_on_postgresql_with_why(practice):
    with pytest.raises(StoreError, match="DuckDB file"):
        practice.store.compact()
    assert practice.store.count_clients() == 44


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_every_table_read_by_client_has_an_index_on_postgresql(practice):
    """Each of one client's reads (chart, drafts, summaries, history) finds its rows by index: without
    one, a read scans the whole table (a selection at 10,000 clients: 370 ms without them, 10 ms with them)."""
    db = raw(practice.store)
    by_client = {
        r[0]
        for r in db.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND column_name = 'client_id'"
        ).fetchall()
    }
    leading = {
        r[0]
        for r in db.execute(
            """SELECT t.relname FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
               WHERE a.attname = 'client_id'"""
        ).fetchall()
    }
    db.close()
    # ratings and evaluation items belong to the pilot study's runs, which are read by run, not by client
    assert by_client - {"ratings", "eval_items"} <= leading, by_client - leading
    assert {"notes", "assessments", "diagnoses", "treatment_plans", "medications", "client_contacts"} <= leading


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_postgresql_store_ends_its_connections_when_closed_or_dropped(practice, pg_database):
    import gc
    from urllib.parse import urlsplit

    import psycopg

    from tests.engines import SERVER

    url = pg_database(None)
    name = urlsplit(url).path.lstrip("/")

    def connections() -> int:
        with psycopg.connect(SERVER, autocommit=True) as admin:
            return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]).fetchone()[0]

    closed = open_store(url)
    assert connections() >= 1
    closed.close()
    assert connections() == 0
    dropped = open_store(url)
    assert connections() >= 1
    del dropped
    gc.collect()
    assert connections() == 0
