"""The practice-scale database: demo charts replicated to N clients and M notes, cached on disk.

A few hundred demo charts (core/demo with several seeds) are the templates. Each bench client is a
sequence of episodes of care, each a template chart shifted back in time so the episodes follow one
another, until the client has about M/N notes; earlier episodes are closed (plans completed,
diagnoses resolved). Names in the note texts are rewritten to the bench client's own, so masking
and the leak check see realistic text. The rows are inserted with DuckDB from the templates in a
few INSERT ... SELECT statements, ordered by client and date (the physical order Store.compact()
also produces). The schema comes from core.store migrations.

The file is cached under bench/.cache/ keyed by the parameters and the generator's inputs;
--rebuild forces a new one. A SQLite copy with indexes (the row-store baseline) sits beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from core import demo
from core.store import Store, schema

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
BUILD_VERSION = 3  # bump when the way the database is built changes
CHART_ITEM_TABLES = ("diagnoses", "assessments", "treatment_plans", "notes", "medications")


@dataclass(frozen=True)
class Params:
    clients: int = 10_000
    notes: int = 1_000_000
    seeds: int = 16  # template charts: 44 per seed
    anchor: date = date(2026, 6, 30)
    seed: int = 7

    def key(self) -> str:
        inputs = b"".join(p.read_bytes() for p in sorted(demo.DATA_DIR.glob("*.toml")))
        inputs += Path(demo.__file__).read_bytes()
        inputs += Path(schema.__file__).read_bytes()  # a new migration builds the database again
        blob = json.dumps({**asdict(self), "anchor": self.anchor.isoformat(), "v": BUILD_VERSION}, sort_keys=True)
        return hashlib.sha256(blob.encode() + inputs).hexdigest()[:12]

    def path(self) -> Path:
        return CACHE / f"practice-{self.clients}c-{self.notes}n-{self.key()}.duckdb"


@dataclass
class Built:
    path: Path
    sqlite_path: Path
    arrival_path: Path
    params: Params
    cached: bool
    build_seconds: float | None  # of this run's build, None when it came from the cache
    sqlite_seconds: float | None
    info: dict  # counts, sizes and the build time recorded when it was built


# -- templates ----------------------------------------------------------------------------------------


def templates(params: Params) -> dict[str, pd.DataFrame]:
    """Demo charts for several seeds, each row tagged with its template key (seed:client)."""
    tables: dict[str, list[dict]] = defaultdict(list)
    for s in range(params.seeds):
        rows = demo.generate(seed=demo.DEFAULT_SEED + s, anchor=params.anchor)
        for table, batch in rows.items():
            for r in batch:
                r = dict(r)
                if table != "clinicians":
                    r["tk"] = f"{s}:{r['client_id'] if table != 'clients' else r['id']}"
                tables[table].append(r)
    clinicians = {r["id"]: r for r in tables["clinicians"]}
    frames = {t: pd.DataFrame(rows) for t, rows in tables.items() if t != "clinicians"}
    frames["clinicians"] = pd.DataFrame(list(clinicians.values()))
    return frames


def plan_episodes(params: Params, frames: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Which template episodes make up each bench client, and the client rows themselves."""
    rng = random.Random(params.seed)
    notes = frames["notes"]
    n_notes = notes.groupby("tk").size().to_dict()
    first: dict[str, date] = {}  # template key -> first and last day of its chart
    last: dict[str, date] = {}
    for table, col in (
        ("notes", "note_date"),
        ("assessments", "administered_on"),
        ("treatment_plans", "effective_from"),
    ):
        for tk, d in frames[table].groupby("tk")[col].min().items():
            first[tk] = min(first.get(tk, d), d)
        for tk, d in frames[table].groupby("tk")[col].max().items():
            last[tk] = max(last.get(tk, d), d)
    tclients = frames["clients"].set_index("tk")
    by_gender = defaultdict(list)
    for tk, g in tclients["gender"].items():
        if tk in n_notes:
            by_gender[g].append(tk)
    all_tks = [tk for tks in by_gender.values() for tk in tks]
    people = demo.load_inputs()[0]["names"]
    episodes, clients = [], []
    planned = 0
    for i in range(params.clients):
        target = (params.notes - planned) / (params.clients - i)  # steers the total to M
        latest = rng.choice(all_tks)
        t = tclients.loc[latest]
        chosen, total = [latest], n_notes[latest]
        # Add earlier episodes (same gender, so pronouns in the texts agree) while that brings the
        # client closer to the average; the total lands within a fraction of a percent of M.
        while True:
            nxt = rng.choice(by_gender[t["gender"]])
            if abs(total + n_notes[nxt] - target) >= abs(total - target):
                break
            chosen.append(nxt)
            total += n_notes[nxt]
        planned += total
        cid = f"B{i + 1:06d}"
        start_of_later: date | None = None  # of the episode after this one; None for the latest (e == 0)
        for e, tk in enumerate(chosen):
            shift = 0
            if start_of_later is not None:
                shift = ((start_of_later - timedelta(days=rng.randint(60, 240))) - last[tk]).days
            episodes.append(
                {
                    "client_id": cid,
                    "tk": tk,
                    "episode": e,
                    "shift": shift,
                    "ep_end": last[tk] + timedelta(days=shift),
                    "latest": e == 0,
                }
            )
            start_of_later = first[tk] + timedelta(days=shift)
        gender = t["gender"]
        first_name = rng.choice(people[gender])
        last_name = rng.choice(people["last"])
        clients.append(
            {
                "id": cid,
                "full_name": f"{first_name} {last_name}",
                "first_name": first_name,
                "last_name": last_name,
                "date_of_birth": t["date_of_birth"],
                "pronouns": t["pronouns"],
                "gender": gender,
                "phone": f"(312) 555-{i % 10000:04d}",
                "email": f"client{cid.lower()}@example.org",
                "address": f"{100 + i} {rng.choice(people['streets'])}, {rng.choice(people['towns'])}",
                "mrn": f"MRN-B{i + 1:07d}",
                "clinician_id": t["clinician_id"],
                "ai_consent_on": t["ai_consent_on"],
                "source": "bench",
                "tk": latest,
            }
        )
    return pd.DataFrame(episodes), pd.DataFrame(clients)


# -- the build ----------------------------------------------------------------------------------------


def _shifted(col: str) -> str:
    return f"CAST({col} + to_days(m.shift) AS DATE)"


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    if row is None:  # count(*) always returns one row
        raise TypeError(f"SELECT count(*) FROM {table} returned no row")  # the TypeError indexing it raised
    return row[0]


def build(params: Params, path: Path) -> dict:
    """Write the practice-scale DuckDB file; returns counts and timings."""
    started = time.perf_counter()
    frames = templates(params)
    episodes, clients = plan_episodes(params, frames)
    planned = time.perf_counter()
    tmp = path.with_suffix(".building")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    Store(tmp).close()  # the schema, by the app's own migrations
    con = duckdb.connect(str(tmp))
    con.execute("SET enable_progress_bar = false")
    for name, frame in frames.items():
        con.register(f"t_{name}", frame)
    con.register("m_frame", episodes)
    con.register("c_frame", clients)
    con.execute("CREATE TEMP TABLE m AS SELECT * FROM m_frame")
    con.execute("CREATE TEMP TABLE bc AS SELECT * FROM c_frame")
    # Names in the template texts become the bench client's: full name, then first name as a word.
    name_fix = """replace(replace(replace({col}, tc.full_name, bc.full_name), tc.first_name || ' ',
                  bc.first_name || ' '), tc.first_name || '''', bc.first_name || '''')"""
    con.execute("BEGIN")
    con.execute("INSERT INTO clinicians SELECT id, display_name, credentials FROM t_clinicians")
    con.execute("""INSERT INTO clients SELECT id, full_name, first_name, last_name, date_of_birth, pronouns, gender,
                   phone, email, address, mrn, clinician_id, ai_consent_on, source FROM bc ORDER BY id""")
    join = "JOIN m USING (tk) JOIN bc ON bc.id = m.client_id JOIN t_clients tc ON tc.tk = m.tk"
    con.execute(f"""INSERT INTO diagnoses
        SELECT 'D' || lpad(CAST(row_number() OVER (ORDER BY m.client_id, {_shifted("t.onset")}, t.tk, t.id) AS VARCHAR),
               8, '0'), m.client_id, t.code_system, t.code, t.description, {_shifted("t.onset")},
               CASE WHEN m.latest THEN {_shifted("t.resolved")}
                    ELSE least(coalesce({_shifted("t.resolved")}, m.ep_end), m.ep_end) END
        FROM t_diagnoses t {join} ORDER BY 2, 6, 1""")
    con.execute(f"""INSERT INTO assessments
        SELECT 'A' || lpad(CAST(row_number() OVER (ORDER BY m.client_id, {_shifted("t.administered_on")}, t.tk, t.id)
               AS VARCHAR), 8, '0'), m.client_id, t.instrument, {_shifted("t.administered_on")}, t.total_score,
               t.items, t.severity
        FROM t_assessments t {join} ORDER BY 2, 4, 1""")
    con.execute(f"""INSERT INTO treatment_plans
        SELECT 'P' || lpad(CAST(row_number() OVER (ORDER BY m.client_id, {_shifted("t.effective_from")}, t.tk, t.id)
               AS VARCHAR), 8, '0'), m.client_id, {_shifted("t.effective_from")},
               CASE WHEN m.latest OR t.effective_to IS NOT NULL THEN {_shifted("t.effective_to")} ELSE m.ep_end END,
               CASE WHEN NOT m.latest AND t.status = 'active' THEN 'completed' ELSE t.status END,
               t.problems, t.goals, t.objectives, t.interventions, t.author_id
        FROM t_treatment_plans t {join} ORDER BY 2, 3, 1""")
    con.execute(f"""INSERT INTO notes
        SELECT 'N' || lpad(CAST(row_number() OVER (ORDER BY m.client_id, {_shifted("t.note_date")}, t.tk, t.id)
               AS VARCHAR), 8, '0'), m.client_id, t.note_type, t.note_format, {_shifted("t.note_date")},
               t.title, t.author_id, t.signed_at + to_days(m.shift), {name_fix.format(col="t.text")}
        FROM t_notes t {join} ORDER BY 2, 5, 1""")
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    counts = {t: _count(con, t) for t in ("clients", *CHART_ITEM_TABLES)}
    con.close()
    Store(tmp).close()  # opens cleanly with the app's store; nothing left to migrate
    os.replace(tmp, path)
    return {
        "counts": counts,
        "templates": int(frames["clients"].shape[0]),
        "plan_seconds": round(planned - started, 2),
        "build_seconds": round(time.perf_counter() - started, 2),
        "size_bytes": path.stat().st_size,
        "params": {**asdict(params), "anchor": params.anchor.isoformat()},
    }


# -- the same rows in arrival order -------------------------------------------------------------------------

DATE_COLUMNS = {
    "diagnoses": "onset",
    "assessments": "administered_on",
    "treatment_plans": "effective_from",
    "notes": "note_date",
    "medications": "start_date",
}


def build_arrival(sorted_path: Path, path: Path) -> float:
    """The same rows stored in the order a practice writes them (by date, all clients interleaved):
    what a database looks like before Store.compact() has run."""
    started = time.perf_counter()
    tmp = path.with_suffix(".building")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    Store(tmp).close()
    con = duckdb.connect(str(tmp))
    con.execute("SET enable_progress_bar = false")
    con.execute(f"ATTACH '{sorted_path}' AS src (READ_ONLY)")
    con.execute("BEGIN")
    for table in ("clinicians", "clients"):
        con.execute(f"INSERT INTO {table} SELECT * FROM src.{table}")
    for table, col in DATE_COLUMNS.items():
        con.execute(f"INSERT INTO {table} SELECT * FROM src.{table} ORDER BY {col}, id")
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    con.close()
    os.replace(tmp, path)
    return time.perf_counter() - started


# -- the SQLite baseline ----------------------------------------------------------------------------------

SQLITE_SCHEMA = """
CREATE TABLE clinicians (id TEXT PRIMARY KEY, display_name TEXT, credentials TEXT);
CREATE TABLE clients (id TEXT PRIMARY KEY, full_name TEXT, first_name TEXT, last_name TEXT, date_of_birth TEXT,
    pronouns TEXT, gender TEXT, phone TEXT, email TEXT, address TEXT, mrn TEXT, clinician_id TEXT,
    ai_consent_on TEXT, source TEXT);
CREATE TABLE diagnoses (id TEXT PRIMARY KEY, client_id TEXT, code_system TEXT, code TEXT, description TEXT,
    onset TEXT, resolved TEXT);
CREATE TABLE assessments (id TEXT PRIMARY KEY, client_id TEXT, instrument TEXT, administered_on TEXT,
    total_score INTEGER, items TEXT, severity TEXT);
CREATE TABLE treatment_plans (id TEXT PRIMARY KEY, client_id TEXT, effective_from TEXT, effective_to TEXT,
    status TEXT, problems TEXT, goals TEXT, objectives TEXT, interventions TEXT, author_id TEXT);
CREATE TABLE notes (id TEXT PRIMARY KEY, client_id TEXT, note_type TEXT, note_format TEXT, note_date TEXT,
    title TEXT, author_id TEXT, signed_at TEXT, text TEXT);
CREATE TABLE medications (id TEXT PRIMARY KEY, client_id TEXT, name TEXT, dosage TEXT, start_date TEXT,
    end_date TEXT, status TEXT, prescriber TEXT);
"""
SQLITE_INDEXES = """
CREATE INDEX diagnoses_client ON diagnoses (client_id, onset);
CREATE INDEX assessments_client ON assessments (client_id, administered_on);
CREATE INDEX plans_client ON treatment_plans (client_id, effective_from);
CREATE INDEX notes_client ON notes (client_id, note_date);
CREATE INDEX medications_client ON medications (client_id, start_date);
"""


def build_sqlite(duck_path: Path, path: Path) -> float:
    """The same rows in SQLite (dates as ISO text, lists as JSON) with (client_id, date) indexes."""
    started = time.perf_counter()
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    lite = sqlite3.connect(tmp)
    lite.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + SQLITE_SCHEMA)
    duck = duckdb.connect(str(duck_path), read_only=True)
    duck.execute("SET enable_progress_bar = false")
    for table in ("clinicians", "clients", *CHART_ITEM_TABLES):
        types = dict(duck.execute(f"SELECT column_name, column_type FROM (DESCRIBE {table})").fetchall())
        cols = list(types)
        exprs = ", ".join(
            f"to_json({c})::VARCHAR"
            if types[c].endswith("[]")
            else f"CAST({c} AS VARCHAR)"
            if types[c] in ("DATE", "TIMESTAMP")
            else c
            for c in cols
        )
        cur = duck.execute(f"SELECT {exprs} FROM {table}")
        insert = f"INSERT INTO {table} VALUES ({', '.join('?' for _ in cols)})"
        while batch := cur.fetchmany(50_000):
            lite.executemany(insert, batch)
    lite.commit()
    lite.executescript(SQLITE_INDEXES + "ANALYZE;")
    lite.close()
    duck.close()
    os.replace(tmp, path)
    return time.perf_counter() - started


# -- the cache ------------------------------------------------------------------------------------------


def ensure(params: Params, rebuild: bool = False, log=print) -> Built:
    """The cached database for these parameters, built when missing (or when asked to)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = params.path()
    info_path = path.with_suffix(".json")
    sqlite_path = path.with_suffix(".sqlite")
    arrival_path = path.with_name(path.stem + "-arrival.duckdb")
    build_seconds = sqlite_seconds = None
    cached = path.exists() and info_path.exists() and not rebuild
    if not cached:
        for old in CACHE.glob(f"practice-{params.clients}c-{params.notes}n-*"):
            old.unlink()  # an older build of the same size: superseded
        log(f"building the practice database ({params.clients:,} clients, {params.notes:,} notes) ...")
        info = build(params, path)
        build_seconds = info["build_seconds"]
        info_path.write_text(json.dumps(info, indent=2))
    info = json.loads(info_path.read_text())
    if not sqlite_path.exists() or not cached:
        log("building the SQLite baseline copy ...")
        sqlite_seconds = build_sqlite(path, sqlite_path)
        info["sqlite_build_seconds"] = round(sqlite_seconds, 2)
        info["sqlite_size_bytes"] = sqlite_path.stat().st_size
        info_path.write_text(json.dumps(info, indent=2))
    if not arrival_path.exists() or not cached:
        log("building the arrival-order copy ...")
        info["arrival_build_seconds"] = round(build_arrival(path, arrival_path), 2)
        info_path.write_text(json.dumps(info, indent=2))
    return Built(path, sqlite_path, arrival_path, params, cached, build_seconds, sqlite_seconds, info)
