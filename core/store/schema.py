"""The versioned schema: migrations applied in order, each once."""

import re

INSTRUMENT_CHECK = """
    (instrument = 'PHQ-9' AND total_score BETWEEN 0 AND 27) OR
    (instrument = 'GAD-7' AND total_score BETWEEN 0 AND 21) OR
    (instrument = 'PCL-5' AND total_score BETWEEN 0 AND 80) OR
    (instrument = 'AUDIT' AND total_score BETWEEN 0 AND 40) OR
    (instrument = 'PHQ-2' AND total_score BETWEEN 0 AND 6) OR
    (instrument = 'AUDIT-C' AND total_score BETWEEN 0 AND 12) OR
    (instrument = 'DAST-10' AND total_score BETWEEN 0 AND 10) OR
    (instrument = 'HARK' AND total_score BETWEEN 0 AND 4)
"""

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        f"""
    CREATE TABLE clinicians (
        id VARCHAR PRIMARY KEY,
        display_name VARCHAR NOT NULL CHECK (length(trim(display_name)) > 0),
        credentials VARCHAR NOT NULL DEFAULT ''
    );
    CREATE TABLE clients (
        id VARCHAR PRIMARY KEY,
        full_name VARCHAR NOT NULL CHECK (length(trim(full_name)) > 0),
        first_name VARCHAR NOT NULL,
        last_name VARCHAR NOT NULL,
        date_of_birth DATE NOT NULL,
        pronouns VARCHAR,
        gender VARCHAR,
        phone VARCHAR,
        email VARCHAR,
        address VARCHAR,
        mrn VARCHAR UNIQUE,
        clinician_id VARCHAR REFERENCES clinicians(id),
        ai_consent_on DATE,
        source VARCHAR NOT NULL DEFAULT 'demo' CHECK (source IN ('demo', 'fhir', 'bench'))
    );
    CREATE TABLE diagnoses (
        id VARCHAR PRIMARY KEY,
        client_id VARCHAR NOT NULL REFERENCES clients(id),
        code_system VARCHAR NOT NULL CHECK (code_system IN ('ICD-10-CM', 'SNOMED CT')),
        code VARCHAR NOT NULL,
        description VARCHAR NOT NULL,
        onset DATE NOT NULL,
        resolved DATE,
        CHECK (code_system <> 'ICD-10-CM' OR regexp_full_match(code, '[A-TV-Z][0-9][0-9AB](\\.[0-9A-Z]{{1,4}})?')),
        CHECK (resolved IS NULL OR resolved >= onset)
    );
    CREATE TABLE assessments (
        id VARCHAR PRIMARY KEY,
        client_id VARCHAR NOT NULL REFERENCES clients(id),
        instrument VARCHAR NOT NULL,
        administered_on DATE NOT NULL,
        total_score INTEGER NOT NULL,
        items INTEGER[],
        severity VARCHAR NOT NULL,
        CHECK ({INSTRUMENT_CHECK}),
        CHECK (items IS NULL OR list_sum(items) = total_score),
        CHECK (items IS NULL OR list_min(items) >= 0)
    );
    CREATE TABLE treatment_plans (
        id VARCHAR PRIMARY KEY,
        client_id VARCHAR NOT NULL REFERENCES clients(id),
        effective_from DATE NOT NULL,
        effective_to DATE,
        status VARCHAR NOT NULL CHECK (status IN ('active', 'revised', 'completed')),
        problems VARCHAR[] NOT NULL,
        goals VARCHAR[] NOT NULL,
        objectives VARCHAR[] NOT NULL,
        interventions VARCHAR[] NOT NULL,
        author_id VARCHAR REFERENCES clinicians(id),
        CHECK (effective_to IS NULL OR effective_to >= effective_from)
    );
    CREATE TABLE notes (
        id VARCHAR PRIMARY KEY,
        client_id VARCHAR NOT NULL REFERENCES clients(id),
        note_type VARCHAR NOT NULL
            CHECK (note_type IN ('intake', 'progress', 'administrative', 'cancellation', 'clinical')),
        note_format VARCHAR NOT NULL CHECK (note_format IN ('SOAP', 'DAP', 'BIRP', 'free')),
        note_date DATE NOT NULL,
        title VARCHAR NOT NULL,
        author_id VARCHAR REFERENCES clinicians(id),
        signed_at TIMESTAMP,
        text VARCHAR NOT NULL
    );
    CREATE TABLE medications (
        id VARCHAR PRIMARY KEY,
        client_id VARCHAR NOT NULL REFERENCES clients(id),
        name VARCHAR NOT NULL,
        dosage VARCHAR,
        start_date DATE NOT NULL,
        end_date DATE,
        status VARCHAR NOT NULL,
        prescriber VARCHAR,
        CHECK (end_date IS NULL OR end_date >= start_date)
    );
    CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
    """,
    ),
    (
        2,
        """
    CREATE TABLE drafts (
        id VARCHAR PRIMARY KEY,
        client_id VARCHAR NOT NULL UNIQUE REFERENCES clients(id),  -- one active draft per client
        range_start DATE NOT NULL,
        range_end DATE NOT NULL,
        purpose VARCHAR NOT NULL CHECK (length(purpose) <= 500),
        sources JSON NOT NULL,
        omitted_ids VARCHAR[] NOT NULL,
        created_by VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        current_version INTEGER NOT NULL,
        generation JSON NOT NULL,
        citations JSON NOT NULL,
        CHECK (range_start <= range_end)
    );
    CREATE TABLE draft_versions (
        draft_id VARCHAR NOT NULL,
        number INTEGER NOT NULL CHECK (number >= 1),
        kind VARCHAR NOT NULL CHECK (kind IN ('generated', 'refined', 'edited')),
        instruction VARCHAR,
        text VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (draft_id, number)
    );
    -- Signed content. No statement in this code base updates or deletes a row of this table.
    CREATE TABLE summaries (
        id VARCHAR PRIMARY KEY,
        client_id VARCHAR NOT NULL REFERENCES clients(id),
        range_start DATE NOT NULL,
        range_end DATE NOT NULL,
        purpose VARCHAR NOT NULL,
        text VARCHAR NOT NULL CHECK (length(trim(text)) > 0),
        sources JSON NOT NULL,
        citations JSON NOT NULL,
        generation JSON NOT NULL,
        generated_text VARCHAR NOT NULL,
        update_rounds INTEGER NOT NULL,
        signer_id VARCHAR NOT NULL,
        signer_name VARCHAR NOT NULL,
        signer_credentials VARCHAR NOT NULL,
        signed_at TIMESTAMP NOT NULL,
        attestation VARCHAR NOT NULL CHECK (length(trim(attestation)) > 0),
        content_hash VARCHAR NOT NULL CHECK (regexp_full_match(content_hash, '[0-9a-f]{64}'))
    );
    CREATE TABLE summary_deletions (
        summary_id VARCHAR PRIMARY KEY REFERENCES summaries(id),
        deleted_by VARCHAR NOT NULL,
        deleted_at TIMESTAMP NOT NULL,
        reason VARCHAR NOT NULL CHECK (length(trim(reason)) > 0),
        content_hash VARCHAR NOT NULL
    );
    CREATE TABLE summary_shares (
        summary_id VARCHAR PRIMARY KEY REFERENCES summaries(id),
        shared_by VARCHAR NOT NULL,
        shared_at TIMESTAMP NOT NULL
    );
    CREATE TABLE portal_tokens (
        token_hash VARCHAR PRIMARY KEY,
        client_id VARCHAR NOT NULL REFERENCES clients(id),
        created_by VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP
    );
    CREATE SEQUENCE audit_ids START 1;
    CREATE TABLE audit_log (
        id BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'),
        occurred_at TIMESTAMP NOT NULL,
        actor VARCHAR NOT NULL,
        action VARCHAR NOT NULL CHECK (action IN (
            'generate', 'update', 'save', 'undo', 'discard', 'sign', 'download', 'share', 'unshare', 'delete',
            'export', 'portal_token', 'portal_revoke', 'portal_view', 'import', 'rate', 'sign_in',
            'sign_in_failed', 'lockout', 'sign_out', 'permission_denied', 'account', 'refused')),
        client_id VARCHAR,
        summary_id VARCHAR,
        draft_id VARCHAR,
        detail VARCHAR NOT NULL DEFAULT ''
    );
    """,
    ),
    (
        4,
        """
    CREATE TABLE ratings (
        id VARCHAR PRIMARY KEY,
        target_kind VARCHAR NOT NULL CHECK (target_kind IN ('draft', 'summary', 'eval')),
        target_id VARCHAR NOT NULL,
        version INTEGER,
        client_id VARCHAR NOT NULL,
        engine VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        prompt_version VARCHAR NOT NULL,
        rater VARCHAR NOT NULL,
        rated_at TIMESTAMP NOT NULL,
        up_to_date INTEGER NOT NULL CHECK (up_to_date BETWEEN 1 AND 5),
        accurate INTEGER NOT NULL CHECK (accurate BETWEEN 1 AND 5),
        thorough INTEGER NOT NULL CHECK (thorough BETWEEN 1 AND 5),
        useful INTEGER NOT NULL CHECK (useful BETWEEN 1 AND 5),
        organized INTEGER NOT NULL CHECK (organized BETWEEN 1 AND 5),
        comprehensible INTEGER NOT NULL CHECK (comprehensible BETWEEN 1 AND 5),
        succinct INTEGER NOT NULL CHECK (succinct BETWEEN 1 AND 5),
        synthesized INTEGER NOT NULL CHECK (synthesized BETWEEN 1 AND 5),
        consistent INTEGER NOT NULL CHECK (consistent BETWEEN 1 AND 5),
        comment VARCHAR NOT NULL DEFAULT '' CHECK (length(comment) <= 2000)
    );
    CREATE TABLE eval_runs (
        id VARCHAR PRIMARY KEY,
        created_at TIMESTAMP NOT NULL,
        created_by VARCHAR NOT NULL,
        engine VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        prompt_version VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        status VARCHAR NOT NULL CHECK (status IN ('complete', 'pending')),
        batch_id VARCHAR
    );
    CREATE TABLE eval_items (
        id VARCHAR PRIMARY KEY,
        run_id VARCHAR NOT NULL REFERENCES eval_runs(id),
        client_id VARCHAR NOT NULL,
        range_label VARCHAR NOT NULL,
        range_start DATE NOT NULL,
        range_end DATE NOT NULL,
        status VARCHAR NOT NULL CHECK (status IN ('drafted', 'insufficient', 'failed', 'pending')),
        text VARCHAR,
        citations JSON,
        metrics JSON,
        message VARCHAR NOT NULL DEFAULT ''
    );
    """,
    ),
    (
        6,
        """
    CREATE TABLE users (
        id VARCHAR PRIMARY KEY CHECK (regexp_full_match(id, '[a-z0-9._-]{2,40}')),
        display_name VARCHAR NOT NULL CHECK (length(trim(display_name)) > 0),
        roles VARCHAR[] NOT NULL CHECK (len(roles) > 0 AND list_has_all(
            ['clinician', 'supervisor', 'pilot_tester', 'admin'], roles)),
        clinician_id VARCHAR REFERENCES clinicians(id),
        email VARCHAR UNIQUE,
        password_hash VARCHAR CHECK (password_hash IS NULL OR password_hash LIKE '$argon2%'),
        disabled BOOLEAN NOT NULL DEFAULT false,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TIMESTAMP,
        created_at TIMESTAMP NOT NULL
    );
    """,
    ),
    (
        7,
        """
    -- Every change to a draft bumps its revision; a save based on an older revision is refused.
    ALTER TABLE drafts ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE drafts ADD COLUMN changed_at TIMESTAMP;
    ALTER TABLE drafts ADD COLUMN changed_by VARCHAR;
    UPDATE drafts SET changed_at = created_at, changed_by = created_by;
    -- A version carries what belongs to its text (author, generation, citations), so Undo and
    -- Redo restore all of it; versions are never dropped, an edit after Undo branches off.
    ALTER TABLE draft_versions ADD COLUMN author VARCHAR;
    ALTER TABLE draft_versions ADD COLUMN based_on INTEGER;
    ALTER TABLE draft_versions ADD COLUMN generation JSON;
    ALTER TABLE draft_versions ADD COLUMN citations JSON;
    UPDATE draft_versions v SET author = d.created_by, generation = d.generation, citations = d.citations,
        based_on = CASE WHEN v.number > 1 THEN v.number - 1 END
    FROM drafts d WHERE d.id = v.draft_id;
    ALTER TABLE drafts DROP COLUMN generation;
    ALTER TABLE drafts DROP COLUMN citations;
    -- Redo and restore are audited like Undo (a CHECK cannot be altered in place: copy the table).
    CREATE TABLE audit_log_7 (
        id BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'),
        occurred_at TIMESTAMP NOT NULL,
        actor VARCHAR NOT NULL,
        action VARCHAR NOT NULL CHECK (action IN (
            'generate', 'update', 'save', 'undo', 'redo', 'restore', 'discard', 'sign', 'download', 'share',
            'unshare', 'delete', 'export', 'portal_token', 'portal_revoke', 'portal_view', 'import', 'rate',
            'sign_in', 'sign_in_failed', 'lockout', 'sign_out', 'permission_denied', 'account', 'refused')),
        client_id VARCHAR,
        summary_id VARCHAR,
        draft_id VARCHAR,
        detail VARCHAR NOT NULL DEFAULT ''
    );
    INSERT INTO audit_log_7 SELECT * FROM audit_log;
    DROP TABLE audit_log;
    ALTER TABLE audit_log_7 RENAME TO audit_log;
    """,
    ),
    (
        8,
        """
    -- Sign-in sessions: every action of a signed-in user is checked against its session (idle,
    -- ended, account disabled or locked, roles changed since sign-in).
    CREATE TABLE sessions (
        id VARCHAR PRIMARY KEY,
        user_id VARCHAR NOT NULL,
        roles VARCHAR[] NOT NULL,
        auth VARCHAR NOT NULL CHECK (auth IN ('local', 'oidc')),
        started_at TIMESTAMP NOT NULL,
        last_seen TIMESTAMP NOT NULL,
        ended_at TIMESTAMP,
        end_reason VARCHAR
    );
    -- A signed summary's seal: a keyed MAC (the key lives outside the database) over its content
    -- hash and its state (shared, deleted), rewritten by the app at each change of state. In a table
    -- of its own: a signed summary's row is never updated.
    CREATE TABLE summary_seals (
        summary_id VARCHAR PRIMARY KEY REFERENCES summaries(id),
        audit_id BIGINT NOT NULL,  -- the audit entry of the change of state the seal was made at
        seal VARCHAR NOT NULL
    );
    -- Portal access codes expire.
    ALTER TABLE portal_tokens ADD COLUMN expires_at TIMESTAMP;
    -- People related to a client (FHIR Patient.contact, RelatedPerson): masked like the client.
    CREATE TABLE client_contacts (
        client_id VARCHAR NOT NULL REFERENCES clients(id),
        relationship VARCHAR NOT NULL DEFAULT '',
        name VARCHAR NOT NULL DEFAULT '',
        phone VARCHAR,
        email VARCHAR,
        address VARCHAR
    );
    -- The audit log as a chain: each entry's MAC covers the entry and the MAC before it, so an
    -- entry changed, inserted or removed by SQL breaks the chain from there on.
    CREATE TABLE audit_log_8 (
        id BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'),
        occurred_at TIMESTAMP NOT NULL,
        actor VARCHAR NOT NULL,
        action VARCHAR NOT NULL CHECK (action IN (
            'generate', 'update', 'save', 'undo', 'redo', 'restore', 'discard', 'sign', 'download', 'share',
            'unshare', 'delete', 'export', 'portal_token', 'portal_revoke', 'portal_view', 'portal_denied',
            'import', 'rate', 'sign_in', 'sign_in_failed', 'lockout', 'sign_out', 'permission_denied',
            'account', 'refused', 'maintain')),
        client_id VARCHAR,
        summary_id VARCHAR,
        draft_id VARCHAR,
        detail VARCHAR NOT NULL DEFAULT '',
        entry_mac VARCHAR
    );
    INSERT INTO audit_log_8 SELECT *, NULL FROM audit_log;
    DROP TABLE audit_log;
    ALTER TABLE audit_log_8 RENAME TO audit_log;
    """,
    ),
    (
        9,
        """
    -- A blinded comparison: one tester's rating of a pair of evaluation drafts of the same chart and
    -- window, shown in the order drawn for them, with both PDQI-9 ratings and the preference.
    CREATE TABLE blind_ratings (
        id VARCHAR PRIMARY KEY,
        item_a VARCHAR NOT NULL REFERENCES eval_items(id),
        item_b VARCHAR NOT NULL REFERENCES eval_items(id),
        shown_first VARCHAR NOT NULL CHECK (shown_first IN ('a', 'b')),
        preferred VARCHAR NOT NULL CHECK (preferred IN ('a', 'b', 'none')),
        reason VARCHAR NOT NULL CHECK (length(trim(reason)) > 0 AND length(reason) <= 2000),
        rater VARCHAR NOT NULL,
        rated_at TIMESTAMP NOT NULL,
        rating_a VARCHAR NOT NULL REFERENCES ratings(id),
        rating_b VARCHAR NOT NULL REFERENCES ratings(id),
        UNIQUE (item_a, item_b, rater)
    );
    """,
    ),
    (
        10,
        """
    -- Indexes for PostgreSQL (PG_AFTER[10]). A DuckDB file needs none: compact keeps every table in
    -- client order, and DuckDB skips the row groups a client's rows are not in.
    """,
    ),
]


# -- PostgreSQL -------------------------------------------------------------------------------------
# The same migrations, in PostgreSQL's dialect: the DuckDB text with its few DuckDB-only functions
# rewritten (so the two schemas cannot drift apart), and what PostgreSQL adds before and after.

_PG_REWRITES = (
    # regexp_full_match(x, 'p'): the whole value matches
    (re.compile(r"regexp_full_match\((\w+), '([^']*)'\)"), r"\1 ~ '^(?:\2)$'"),
    (re.compile(r"\blist_sum\("), "ts_list_sum("),
    (re.compile(r"\blist_min\("), "ts_list_min("),
    (re.compile(r"\blen\("), "cardinality("),
    # list_has_all([allowed...], column): every value of the column is allowed
    (re.compile(r"list_has_all\(\s*\[([^\]]*)\],\s*(\w+)\)"), r"\2 <@ ARRAY[\1]::varchar[]"),
)

PG_BEFORE = {
    1: """
    -- A CHECK may not hold a subquery: the sums and minimums of score items are functions.
    CREATE FUNCTION ts_list_sum(integer[]) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT sum(x) FROM unnest($1) x';
    CREATE FUNCTION ts_list_min(integer[]) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT min(x) FROM unnest($1) x';
    -- The client search ignores accents.
    CREATE EXTENSION IF NOT EXISTS unaccent;
    -- Each process keeps reads in memory until a write to what they read (core.store.memo): the
    -- version of each group of tables lives here, where every process sees it.
    CREATE TABLE store_versions (grp VARCHAR PRIMARY KEY, version BIGINT NOT NULL);
    INSERT INTO store_versions VALUES ('chart', 0), ('accounts', 0);
    """,
}

PG_AFTER = {
    2: """
    -- A signed summary is never changed or deleted, by any role: deleting one records a deletion.
    CREATE FUNCTION ts_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'a signed summary is never changed or deleted (% on %)', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END $$;
    CREATE TRIGGER summaries_are_signed BEFORE UPDATE OR DELETE ON summaries
        FOR EACH ROW EXECUTE FUNCTION ts_refuse_change();
    CREATE TRIGGER summaries_are_kept BEFORE TRUNCATE ON summaries
        FOR EACH STATEMENT EXECUTE FUNCTION ts_refuse_change();
    """,
    10: """
    -- One client's chart, drafts, summaries and history are read by client: without these, each read of
    -- a selection scans the whole table (at 10,000 clients and 1,000,000 notes, 370 ms a selection
    -- without them and 10 ms with them, the same 40 cases).
    CREATE INDEX notes_by_client ON notes (client_id, note_date);
    CREATE INDEX assessments_by_client ON assessments (client_id, administered_on);
    CREATE INDEX diagnoses_by_client ON diagnoses (client_id);
    CREATE INDEX plans_by_client ON treatment_plans (client_id, effective_from);
    CREATE INDEX medications_by_client ON medications (client_id);
    CREATE INDEX contacts_by_client ON client_contacts (client_id);
    CREATE INDEX summaries_by_client ON summaries (client_id);
    CREATE INDEX portal_tokens_by_client ON portal_tokens (client_id);
    CREATE INDEX audit_by_client ON audit_log (client_id);
    CREATE INDEX audit_by_summary ON audit_log (summary_id, id);
    CREATE INDEX audit_by_action ON audit_log (action, occurred_at);
    CREATE INDEX sessions_by_user ON sessions (user_id);
    """,
}


def postgresql(sql: str) -> str:
    """A DuckDB migration in PostgreSQL's dialect."""
    for pattern, replacement in _PG_REWRITES:
        sql = pattern.sub(replacement, sql)
    return sql


PG_MIGRATIONS: list[tuple[int, str]] = [
    (version, PG_BEFORE.get(version, "") + postgresql(sql) + PG_AFTER.get(version, "")) for version, sql in MIGRATIONS
]


# Every table of the practice's data, in an order that respects foreign keys (python -m core copy).
DATA_TABLES = (
    "clinicians",
    "clients",
    "client_contacts",
    "diagnoses",
    "assessments",
    "treatment_plans",
    "notes",
    "medications",
    "meta",
    "drafts",
    "draft_versions",
    "summaries",
    "summary_deletions",
    "summary_shares",
    "portal_tokens",
    "audit_log",
    "ratings",
    "eval_runs",
    "eval_items",
    "users",
    "sessions",
    "summary_seals",
    "blind_ratings",
)
