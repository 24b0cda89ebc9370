"""SQL of the chart: bulk loading and every read of clients and their chart items."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from ..errors import NotFound, StoreError
from ..models import (
    EXCLUDED_NOTE_TYPES,
    USABLE_NOTE_TYPES,
    Assessment,
    Chart,
    Client,
    ClientContact,
    ClientRow,
    Clinician,
    Diagnosis,
    Medication,
    Note,
    Plan,
)
from .dbapi import DB_ERROR
from .memo import Memo, writes

# Tables the generator and importers may bulk-load, with their columns in insert order.
CHART_TABLES = {
    "clinicians": ("id", "display_name", "credentials"),
    "clients": (
        "id",
        "full_name",
        "first_name",
        "last_name",
        "date_of_birth",
        "pronouns",
        "gender",
        "phone",
        "email",
        "address",
        "mrn",
        "clinician_id",
        "ai_consent_on",
        "source",
    ),
    # People related to a client (FHIR Patient.contact, RelatedPerson): no id of their own, so a row
    # is left out of an import when the same row is already there (see _insert_tables).
    "client_contacts": ("client_id", "relationship", "name", "phone", "email", "address"),
    "diagnoses": ("id", "client_id", "code_system", "code", "description", "onset", "resolved"),
    "assessments": ("id", "client_id", "instrument", "administered_on", "total_score", "items", "severity"),
    "treatment_plans": (
        "id",
        "client_id",
        "effective_from",
        "effective_to",
        "status",
        "problems",
        "goals",
        "objectives",
        "interventions",
        "author_id",
    ),
    "notes": ("id", "client_id", "note_type", "note_format", "note_date", "title", "author_id", "signed_at", "text"),
    "medications": ("id", "client_id", "name", "dosage", "start_date", "end_date", "status", "prescriber"),
}

# The chart item tables and the date each is read by, with its client: their physical order after compact().
CLIENT_ORDER = {
    "diagnoses": "onset",
    "assessments": "administered_on",
    "treatment_plans": "effective_from",
    "notes": "note_date",
    "medications": "start_date",
}

CONTACT_FIELDS = CHART_TABLES["client_contacts"][1:]
# A client with their related persons in one statement (a list of rows in a fixed order, so two
# reads of one chart compare equal).
CONTACT_LIST = ", ".join(CONTACT_FIELDS)
# DuckDB's form; the PostgreSQL store has its own (PostgresStore.CONTACT_ROWS).
CONTACT_ROWS = f"list(({CONTACT_LIST}) ORDER BY {CONTACT_LIST})"


def client_select(contact_rows: str) -> str:
    return f"""SELECT {", ".join("c." + col for col in CHART_TABLES["clients"])},
    (SELECT {contact_rows} FROM client_contacts k WHERE k.client_id = c.id)
    FROM clients c"""


NOTE_COLUMNS = (
    "n.id, n.client_id, n.note_type, n.note_format, n.note_date, n.title, c.display_name, n.signed_at, n.text"
)
PLAN_COLUMNS = """p.id, p.client_id, p.effective_from, p.effective_to, p.status, p.problems, p.goals, p.objectives,
    p.interventions, c.display_name"""


# Notes that may feed a summary (SPEC section 3): signed intake and progress notes.
def sql_list(values: Sequence[str]) -> str:
    """A constant list of names from core.models as SQL, e.g. ('intake', 'progress'); never user text."""
    assert all(v.replace("_", "").isalnum() for v in values)
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


USABLE_NOTE = f"note_type IN {sql_list(USABLE_NOTE_TYPES)} AND signed_at IS NOT NULL"
EXCLUDED_NOTE = f"note_type IN {sql_list(EXCLUDED_NOTE_TYPES)}"


@dataclass(frozen=True)
class RangeSources:
    """What one summary range is selected from (see ChartStore.range_sources)."""

    chart: Chart  # the usable items; notes are signed intake and progress notes only
    excluded: dict[str, int]  # notes left out, by type ('unsigned' for unsigned intake/progress)
    baseline: tuple[Assessment, ...]  # latest score per instrument before the range, by instrument
    history: tuple[Assessment, ...] = ()  # every score before the range, oldest first (the episode so far)
    plan_history: tuple[Plan, ...] = ()  # plan versions that ended before the range, oldest first
    unsigned_on: tuple[date, ...] = ()  # the dates of unsigned progress notes in range (sessions held)
    resolved_before: tuple[Diagnosis, ...] = ()  # diagnoses resolved before the range, by onset


def _client(row) -> Client:
    """A client row and, last, the list of their contacts' rows (None when they have none)."""
    *values, contacts = row
    fields = dict(zip(CHART_TABLES["clients"], values))  # the columns are named as the fields
    people = tuple(ClientContact(fields["id"], *_fields(k)) for k in contacts or ())
    return Client(**fields, contacts=people)


def _fields(row) -> tuple:
    """A DuckDB struct as a tuple: unnamed ones come back as tuples, named ones as dicts."""
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


def _diagnosis(row) -> Diagnosis:
    return Diagnosis(*row)


def _assessment(row) -> Assessment:
    r = list(row)
    r[5] = tuple(r[5]) if r[5] is not None else None
    return Assessment(*r)


def _plan(row) -> Plan:
    r = list(row)
    for i in (5, 6, 7, 8):
        r[i] = tuple(r[i])
    return Plan(*r)


def _note(row) -> Note:
    return Note(*row)


def _medication(row) -> Medication:
    return Medication(*row)


class ChartStore:
    """Chart reads and writes (mixed into Store)."""

    _cursor: Callable
    _transaction: Callable
    memo: Memo
    # What differs between the engines' SQL dialects (the PostgreSQL store sets its own).
    CONTACT_ROWS = CONTACT_ROWS  # a client's contacts as a list of rows
    UNACCENT = "strip_accents"  # a string without its accents

    def set_meta(self, key: str, value: str) -> None:
        with self._cursor() as cur:
            cur.execute(
                "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value]
            )

    # -- bulk loading (demo generator, FHIR import) ---------------------------------------------

    @writes("memo")
    def insert_rows(self, rows: Mapping[str, Sequence[dict]], *, ignore_existing: bool = False) -> dict[str, int]:
        """Insert chart rows table by table in one transaction; returns rows added per table."""
        with self._transaction() as cur:
            return self._insert_tables(cur, rows, ignore_existing)

    def _insert_tables(self, cur, rows: Mapping[str, Sequence[dict]], ignore_existing: bool) -> dict[str, int]:
        added = {}
        unless_there = "ON CONFLICT DO NOTHING" if ignore_existing else ""
        for table, columns in CHART_TABLES.items():  # dict order respects foreign keys
            batch = rows.get(table) or ()
            if not batch:
                continue
            before = cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            self._stage(cur, table, columns, [[r.get(c) for c in columns] for r in batch])
            cols = ", ".join(columns)
            if table == "client_contacts" and ignore_existing:  # no key: compare whole rows
                same = " AND ".join(f"k.{c} IS NOT DISTINCT FROM i.{c}" for c in columns)
                cur.execute(
                    f"""INSERT INTO {table} ({cols}) SELECT DISTINCT {cols} FROM incoming i
                        WHERE NOT EXISTS (SELECT 1 FROM {table} k WHERE {same})"""
                )
            else:
                cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming {unless_there}")
            self._unstage(cur)
            added[table] = cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] - before
        return added

    @staticmethod
    def _stage(cur, table: str, columns: Sequence[str], rows: list[list]) -> None:
        """The rows to insert into `table`, as a table named incoming for the statement that inserts them."""
        cur.register("incoming", pd.DataFrame(rows, columns=list(columns)))

    @staticmethod
    def _unstage(cur) -> None:
        cur.unregister("incoming")

    def count_clients(self) -> int:
        with self._cursor() as cur:
            return cur.execute("SELECT count(*) FROM clients").fetchone()[0]

    # -- reads ---------------------------------------------------------------------------------

    def clinicians(self) -> list[Clinician]:
        with self._cursor() as cur:
            rows = cur.execute("SELECT id, display_name, credentials FROM clinicians ORDER BY id").fetchall()
        return [Clinician(*r) for r in rows]

    def clinician(self, clinician_id: str) -> Clinician:
        with self._cursor() as cur:
            row = cur.execute(
                "SELECT id, display_name, credentials FROM clinicians WHERE id = ?", [clinician_id]
            ).fetchone()
        if row is None:
            raise NotFound(f"No clinician with id {clinician_id}.")
        return Clinician(*row)

    def client_rows(
        self, search: str = "", clinician_id: str | None = None, offset: int = 0, limit: int | None = None
    ) -> list[ClientRow]:
        """Clients whose name or id holds every word of the search (any part of it, ignoring case
        and accents: "nunez" and "ÑÚÑEZ" find Ñúñez, "100" finds C1001), of one clinician's caseload
        if one is named, in name order from `offset` (`limit` of them, or all), with their first and
        last chart date, their open draft (started and last changed, when and by whom), their newest
        signed summary that was not deleted, and how many intake and progress notes are unsigned.

        A page is two statements: the page's clients, then what waits on those clients' charts alone
        (only their notes are counted, not the whole practice's)."""
        where, params = self._client_filter(search, clinician_id)
        page: list[str] | None = None
        if limit is not None:
            with self._cursor() as cur:
                page = [
                    r[0]
                    for r in cur.execute(
                        f"SELECT c.id FROM clients c WHERE {where} ORDER BY c.last_name, c.first_name, c.id "
                        "LIMIT $limit OFFSET $offset",
                        params | {"limit": limit, "offset": offset},
                    ).fetchall()
                ]
            if not page:
                return []
        if page is not None:  # the page's clients were found by the filter: now they are the filter
            where, params = "c.id = ANY($page)", {"page": page}
        only = (lambda column: f"{column} = ANY($page)") if page is not None else (lambda _column: "true")
        with self._cursor() as cur:
            rows = cur.execute(
                f"""
                WITH note_days AS (
                    SELECT client_id, min(note_date) AS first_date, max(note_date) AS last_date,
                           count(*) FILTER (WHERE note_type IN {sql_list(USABLE_NOTE_TYPES)}
                                            AND signed_at IS NULL) AS unsigned
                    FROM notes WHERE {only("client_id")} GROUP BY client_id
                ),
                last_signed AS (
                    SELECT s.client_id, max(s.signed_at) AS signed_at,
                           (array_agg(s.signer_name ORDER BY s.signed_at DESC, s.id DESC))[1] AS signer
                    FROM summaries s
                    WHERE {only("s.client_id")}
                      AND NOT EXISTS (SELECT 1 FROM summary_deletions x WHERE x.summary_id = s.id)
                    GROUP BY s.client_id
                )
                SELECT c.id, c.full_name, k.display_name, n.first_date, n.last_date, c.clinician_id,
                       d.created_at, coalesce(started.display_name, d.created_by),
                       d.changed_at, coalesce(changed.display_name, d.changed_by),
                       ls.signed_at, ls.signer, coalesce(n.unsigned, 0)
                FROM clients c
                LEFT JOIN clinicians k ON k.id = c.clinician_id
                LEFT JOIN note_days n ON n.client_id = c.id
                LEFT JOIN drafts d ON d.client_id = c.id
                LEFT JOIN users started ON started.id = d.created_by
                LEFT JOIN users changed ON changed.id = d.changed_by
                LEFT JOIN last_signed ls ON ls.client_id = c.id
                WHERE {where}
                ORDER BY c.last_name, c.first_name, c.id
                """,
                params,
            ).fetchall()
        return [ClientRow(*r) for r in rows]

    def count_client_rows(self, search: str = "", clinician_id: str | None = None) -> int:
        """How many clients client_rows finds for this search and caseload, in all."""
        where, params = self._client_filter(search, clinician_id)
        with self._cursor() as cur:
            return cur.execute(f"SELECT count(*) FROM clients c WHERE {where}", params).fetchone()[0]

    def _client_filter(self, search: str, clinician_id: str | None) -> tuple[str, dict[str, object]]:
        """The WHERE of a client search and its parameters: every word in the name or the id, as a literal
        substring (not LIKE: a typed % or _ is a character, not a wildcard), on the caseload named."""
        conditions: list[str] = []
        params: dict[str, object] = {}
        bare = self.UNACCENT
        for i, word in enumerate(search.split()):
            conditions.append(
                f"(strpos({bare}(lower(c.full_name)), {bare}(lower($w{i}))) > 0"
                f" OR strpos({bare}(lower(c.id)), {bare}(lower($w{i}))) > 0)"
            )
            params[f"w{i}"] = word
        if clinician_id is not None:
            conditions.append("c.clinician_id = $clinician")
            params["clinician"] = clinician_id
        return " AND ".join(conditions) or "true", params

    def client(self, client_id: str) -> Client:
        return self.memo.get(("client", client_id), lambda: self._read_client(client_id))

    def _read_client(self, client_id: str) -> Client:
        with self._cursor() as cur:
            row = cur.execute(f"{client_select(self.CONTACT_ROWS)} WHERE c.id = ?", [client_id]).fetchone()
        if row is None:
            raise NotFound(f"No client with id {client_id!r}.")
        return _client(row)

    def chart(self, client_id: str) -> Chart:
        """Every chart item of the client, all note types included (chart view, export)."""
        client = self.client(client_id)
        with self._cursor() as cur:
            diagnoses = cur.execute(
                "SELECT * FROM diagnoses WHERE client_id = ? ORDER BY onset, id", [client_id]
            ).fetchall()
            assessments = cur.execute(
                "SELECT * FROM assessments WHERE client_id = ? ORDER BY administered_on, instrument, id", [client_id]
            ).fetchall()
            plans = cur.execute(
                f"""SELECT {PLAN_COLUMNS} FROM treatment_plans p LEFT JOIN clinicians c ON c.id = p.author_id
                    WHERE p.client_id = ? ORDER BY p.effective_from, p.id""",
                [client_id],
            ).fetchall()
            notes = cur.execute(
                f"""SELECT {NOTE_COLUMNS} FROM notes n LEFT JOIN clinicians c ON c.id = n.author_id
                    WHERE n.client_id = ? ORDER BY n.note_date, n.id""",
                [client_id],
            ).fetchall()
            meds = cur.execute(
                "SELECT * FROM medications WHERE client_id = ? ORDER BY start_date, id", [client_id]
            ).fetchall()
        return Chart(
            client,
            tuple(map(_diagnosis, diagnoses)),
            tuple(map(_assessment, assessments)),
            tuple(map(_plan, plans)),
            tuple(map(_note, notes)),
            tuple(map(_medication, meds)),
        )

    def range_sources(self, client_id: str, start: date, end: date) -> RangeSources:
        """Everything a summary of [start, end] is selected from, in six statements with no joins:
        the usable chart items, counts of the notes left out (excluded text never leaves the query)
        and the latest score per instrument before the range.

        Per statement DuckDB spends more time planning than scanning a client's rows, so the notes
        of the range come in one statement (the text only of usable ones) and the assessments up to
        the end of the range in another, split here into those in range and the baselines."""
        client = self.client(client_id)
        p = {"c": client_id, "s": start, "e": end}
        with self._cursor() as cur:
            diagnoses = cur.execute(
                "SELECT * FROM diagnoses WHERE client_id = $c AND onset <= $e ORDER BY onset, id",
                {"c": client_id, "e": end},
            ).fetchall()  # with those resolved before the range: what was treated and got better
            assessments = cur.execute(
                """SELECT * FROM assessments WHERE client_id = $c AND administered_on <= $e
                   ORDER BY administered_on, instrument, id""",
                {"c": client_id, "e": end},
            ).fetchall()
            plans = cur.execute(  # with the versions before the range: a goal is judged from when it was set
                """SELECT * FROM treatment_plans WHERE client_id = $c AND effective_from <= $e
                   ORDER BY effective_from, id""",
                {"c": client_id, "e": end},
            ).fetchall()
            notes = cur.execute(
                f"""SELECT id, client_id, note_type, note_format, note_date, title, author_id, signed_at,
                           CASE WHEN {USABLE_NOTE} THEN text END
                    FROM notes WHERE client_id = $c AND note_date BETWEEN $s AND $e
                    ORDER BY note_date, id""",
                p,
            ).fetchall()
            meds = cur.execute(
                """SELECT * FROM medications WHERE client_id = $c AND start_date <= $e
                   AND (end_date IS NULL OR end_date >= $s) ORDER BY start_date, id""",
                p,
            ).fetchall()
        authors = self._author_names({r[9] for r in plans} | {r[6] for r in notes})
        usable: list[Note] = []
        excluded: dict[str, int] = {}
        unsigned_on: list[date] = []
        for r in notes:
            if r[8] is not None:
                usable.append(Note(r[0], r[1], r[2], r[3], r[4], r[5], authors.get(r[6]), r[7], r[8]))
            else:
                kind = "unsigned" if r[2] in USABLE_NOTE_TYPES else r[2]
                excluded[kind] = excluded.get(kind, 0) + 1
                if r[2] == "progress" and kind == "unsigned":
                    unsigned_on.append(r[4])
        in_range = [a for a in assessments if a[3] >= start]
        latest: dict[str, tuple] = {}  # per instrument, the row with the greatest (date, id) before the range
        for a in assessments:
            if a[3] < start and (a[2] not in latest or (a[3], a[0]) > (latest[a[2]][3], latest[a[2]][0])):
                latest[a[2]] = a
        all_plans = [_plan((*r[:9], authors.get(r[9]))) for r in plans]
        ended = tuple(x for x in all_plans if x.effective_to is not None and x.effective_to < start)
        coded = [_diagnosis(r) for r in diagnoses]
        resolved_before = tuple(d for d in coded if d.resolved is not None and d.resolved < start)
        chart = Chart(
            client,
            tuple(d for d in coded if d not in resolved_before),
            tuple(map(_assessment, in_range)),
            tuple(x for x in all_plans if x not in ended),  # in effect during the range
            tuple(usable),
            tuple(map(_medication, meds)),
        )
        baseline = tuple(_assessment(latest[k]) for k in sorted(latest))
        history = tuple(_assessment(a) for a in assessments if a[3] < start)
        return RangeSources(chart, excluded, baseline, history, ended, tuple(unsigned_on), resolved_before)

    def _author_names(self, ids: set[str | None]) -> dict[str, str]:
        """Clinicians' names by id, kept in memory: rows of clinicians are only ever added (never
        changed), so the map is read again only when an id is not in it yet."""
        ids.discard(None)
        names = getattr(self, "_clinician_names", {})
        if not ids <= names.keys():
            with self._cursor() as cur:
                names = dict(cur.execute("SELECT id, display_name FROM clinicians").fetchall())
            self._clinician_names = names
        return names

    def excluded_note_texts(self, client_id: str) -> tuple[str, ...]:
        """Text of the client's never-used notes, read only by the leak check, never by an engine; kept
        in memory like a selection (the check runs on every saved edit)."""
        return self.memo.get(
            ("excluded", client_id), lambda: self._read_excluded(client_id), lambda texts: sum(map(len, texts))
        )

    def _read_excluded(self, client_id: str) -> tuple[str, ...]:
        with self._cursor() as cur:
            rows = cur.execute(
                f"""SELECT text FROM notes WHERE client_id = ?
                                  AND {EXCLUDED_NOTE}""",
                [client_id],
            ).fetchall()
        return tuple(r[0] for r in rows)

    def assessments_between(self, client_id: str, start: date, end: date) -> list[Assessment]:
        """Scores dated inside a range, oldest first (the score chart of a summary's PDF)."""
        with self._cursor() as cur:
            rows = cur.execute(
                """SELECT * FROM assessments WHERE client_id = ? AND administered_on BETWEEN ? AND ?
                   ORDER BY administered_on, instrument, id""",
                [client_id, start, end],
            ).fetchall()
        return [_assessment(r) for r in rows]

    def chart_span(self, client_id: str) -> tuple[date | None, date | None]:
        """First and last dated chart item of any kind: the 'whole treatment' range."""
        with self._cursor() as cur:
            return cur.execute(
                """SELECT min(d), max(d) FROM (
                     SELECT note_date AS d FROM notes WHERE client_id = $c
                     UNION ALL SELECT administered_on FROM assessments WHERE client_id = $c
                     UNION ALL SELECT effective_from FROM treatment_plans WHERE client_id = $c) AS days""",
                {"c": client_id},
            ).fetchone()

    def note_counts(self, client_id: str) -> dict[str, int]:
        with self._cursor() as cur:
            rows = cur.execute(
                "SELECT note_type, count(*) FROM notes WHERE client_id = ? GROUP BY note_type", [client_id]
            ).fetchall()
        return dict(rows)

    # -- FHIR import (core/fhir) -------------------------------------------------------------------

    @writes("memo")
    def import_chart_batches(self, batches: Sequence[Mapping[str, Sequence[dict]]]) -> list[dict[str, int]]:
        """Insert several batches of chart rows in ONE transaction, leaving rows whose id is already
        there as they are; returns the rows added per table for each batch. Any failure saves nothing."""
        try:
            with self._transaction() as cur:
                return [self._insert_tables(cur, rows, ignore_existing=True) for rows in batches]
        except DB_ERROR as e:
            raise StoreError(f"The import could not be saved, so nothing was imported: {e}") from e

    def client_ids_by_mrn(self, mrns: Sequence[str]) -> dict[str, str]:
        if not mrns:
            return {}
        with self._cursor() as cur:
            rows = cur.execute("SELECT mrn, id FROM clients WHERE mrn = ANY(?)", [list(mrns)]).fetchall()
        return dict(rows)
