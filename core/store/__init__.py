"""The store: the only package that imports duckdb or psycopg and holds SQL. One DuckDB file (the
embedded default), or a PostgreSQL database shared by several app processes (core.store.postgres);
versioned migrations, the same for both."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from ..errors import StoreError
from .auth import AuthStore
from .chart import CHART_TABLES, CLIENT_ORDER, ChartStore
from .history import HistoryStore
from .lifecycle import DraftChanged, DraftExists, DraftGone, LifecycleStore
from .memo import Memo
from .quality import QualityStore
from .schema import DATA_TABLES, MIGRATIONS

_LOG = logging.getLogger(__name__)

__all__ = [
    "CHART_TABLES",
    "BaseStore",
    "DraftChanged",
    "DraftExists",
    "DraftGone",
    "MIGRATIONS",
    "Store",
    "StoreError",
    "open_store",
]


def opening_failed(e: duckdb.Error) -> str:
    """What a user is told when the file cannot be opened. Not DuckDB's words: they name the server's
    paths and the process that holds the file, and the message may reach the public portal."""
    text = str(e)
    _LOG.error("opening the database failed: %s", text)
    if "Could not set lock" in text or "Conflicting lock" in text:
        return (
            "The chart database is in use by another program (another copy of the app, or a command-line "
            "command that is still running). Close it and try again."
        )
    if "not a valid" in text or "Corrupt" in text or "corrupt" in text:
        return "The chart database file is damaged or is not a database. Restore it from a backup."
    return (
        "The chart database could not be opened. The server's log has the details; try again, or ask the administrator."
    )


WRITE_FAILED = (
    "The chart database could not be written (the disk may be full, or the file read-only): nothing was saved. "
    "What you typed is still on screen; try again once the administrator has made space."
)


def write_failed(e: duckdb.Error) -> bool:
    """A failed write to disk (full, too large, read-only, or the database stopped after one), as
    opposed to a conflict between two writers, which is retried."""
    text = str(e)
    failed = isinstance(e, (duckdb.IOException, duckdb.FatalException)) or "Could not write" in text
    if failed:
        _LOG.error("writing the database failed: %s", text)
    return failed or "invalidated" in text


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _first_value(row: tuple[Any, ...] | None) -> Any:
    """The first value of an aggregate query's row (without GROUP BY there is always exactly one)."""
    if row is None:
        raise TypeError("an aggregate query returned no row")  # the TypeError indexing the missing row raised
    return row[0]


class BaseStore(ChartStore, HistoryStore, LifecycleStore, QualityStore, AuthStore):
    """What both engines share: the SQL of the mixins, the seal key and the migrations. A subclass
    gives _cursor (a statement outside any transaction), _transaction (write transactions, which
    take turns) and MIGRATIONS in its dialect."""

    _key: bytes | None
    _migrate_lock: threading.Lock
    MIGRATIONS: list[tuple[int, str]] = MIGRATIONS
    # Where the data is, for messages and the maintenance screen: a file's path, or a server's database.
    path: Path | str

    def use_key(self, key: bytes) -> None:
        """The seal key, for a database that has no seals yet (see Practice.open)."""
        self._key = key

    def has_seals(self) -> bool:
        """Whether anything in the database was sealed: then only its own key may be used with it."""
        with self._cursor() as cur:
            row = cur.execute(
                "SELECT EXISTS (SELECT 1 FROM summary_seals) OR EXISTS (SELECT 1 FROM audit_log WHERE entry_mac IS NOT NULL)"
            ).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        raise NotImplementedError

    def compact(self) -> dict[str, int]:
        raise NotImplementedError

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        raise NotImplementedError
        yield

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        raise NotImplementedError
        yield

    def copy_into(self, target: BaseStore, batch: int = 5000) -> dict[str, int]:
        """Copy every row of this database into `target`, an empty database at the same schema version,
        in one transaction of the target (all or nothing); the rows copied per table. The audit log's
        ids and MACs come along as they are, so its chain and the seals verify there with the same key;
        the target's audit id sequence goes on after the last copied id."""
        if target.schema_version() != self.schema_version():
            raise StoreError("The two databases are at different schema versions; open both with this version first.")
        if target.count_clients() or target.has_seals() or target.users():
            raise StoreError("The database to copy into is not empty: copy only into a new, empty database.")
        counts: dict[str, int] = {}
        with self._cursor() as src, target._transaction() as dst:
            for table in DATA_TABLES:
                columns = self._columns(src, table)
                rows = src.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
                statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
                for i in range(0, len(rows), batch):
                    dst.executemany(statement, [list(r) for r in rows[i : i + batch]])
                counts[table] = len(rows)
            last = _first_value(src.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone())
            target._continue_audit_ids(dst, last)
        target.memo.changed()
        target.auth_memo.changed()
        return counts

    @staticmethod
    def _columns(cur, table: str) -> list[str]:
        rows = cur.execute(
            """SELECT column_name FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position""",
            [table],
        ).fetchall()
        return [r[0] for r in rows]

    @staticmethod
    def _continue_audit_ids(cur, last: int) -> None:
        raise StoreError("Copying into a DuckDB file is not supported: copy a DuckDB file into PostgreSQL.")

    # -- schema -------------------------------------------------------------------------------

    def schema_version(self) -> int:
        with self._cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)")
            return _first_value(cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone())

    def migrate(self) -> int:
        """Apply the migrations this database has not seen yet; running it again changes nothing."""
        with self._migrate_lock:
            current = self.schema_version()
            for version, sql in self.MIGRATIONS:
                if version <= current:
                    continue
                with self._transaction() as cur:
                    if _first_value(
                        cur.execute("SELECT count(*) FROM schema_version WHERE version = ?", [version]).fetchone()
                    ):
                        continue  # another process applied it meanwhile (their transactions take turns)
                    cur.execute(sql)
                    cur.execute("INSERT INTO schema_version VALUES (?)", [version])
            return self.schema_version()


class Store(BaseStore):
    """One DuckDB file. Safe to share across threads: every call takes its own cursor."""

    path: Path

    def __init__(self, path: str | Path, key: bytes | None = None):
        """key: the practice's seal key (core.integrity.seal_key). Without one, nothing is sealed and
        no signed summary or audit entry verifies."""
        self.path = Path(path)
        self._key = key
        # Write transactions take turns: the audit chain appends to the head it read, and Streamlit
        # sessions are threads of one process (DuckDB lets one process write a file).
        self._writes = threading.RLock()
        memory = str(path) == ":memory:"
        if not memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        file = id(self) if memory else str(self.path.resolve())
        self.memo = Memo((file, "chart"))
        self.auth_memo = Memo((file, "accounts"))
        try:
            self._con = duckdb.connect(str(path))
        except duckdb.Error as e:
            raise StoreError(opening_failed(e)) from e
        self._migrate_lock = threading.Lock()
        self.migrate()

    def close(self) -> None:
        self._con.close()

    def compact(self) -> dict[str, int]:
        """Write the database afresh with the chart item tables in (client, date) order, and put the
        new file in place of the old one; returns the rows per chart table.

        A practice writes its chart day by day, so one client's rows end up spread over every row
        group of a table and each read of a client scans all of them; in client order the row
        groups' min/max statistics let a read skip all but one. Everything else (rows, ids,
        constraints, indexes, sequences) is copied as it is. A fresh file, rather than reordering in
        place, because DuckDB does not give back the space of deleted rows: in place, the file
        doubles. Needs the database to itself (python -m core compact, with the app stopped); if it
        fails, the old file is left as it was."""
        if str(self.path) == ":memory:":
            raise StoreError("An in-memory database has nothing to compact.")
        fresh = self.path.with_name(self.path.name + ".compacting")
        for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
            leftover.unlink(missing_ok=True)
        with self._cursor() as cur:
            cur.execute("CHECKPOINT")
        self._con.close()
        try:
            con = duckdb.connect()
            try:
                con.execute(f"ATTACH {_quoted(self.path)} AS src (READ_ONLY)")
                con.execute(f"ATTACH {_quoted(fresh)} AS dst")
                con.execute("COPY FROM DATABASE src TO dst (SCHEMA)")
                tables = [
                    r[0]
                    for r in con.execute(  # creation order, so referenced tables fill first
                        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'src' ORDER BY table_oid"
                    ).fetchall()
                ]
                counts = {}
                for table in tables:
                    order = f"ORDER BY client_id, {CLIENT_ORDER[table]}, id" if table in CLIENT_ORDER else ""
                    con.execute(f"INSERT INTO dst.{table} SELECT * FROM src.{table} {order}")
                    if table in CLIENT_ORDER:
                        counts[table] = _first_value(con.execute(f"SELECT count(*) FROM dst.{table}").fetchone())
                con.execute("DETACH dst")
            finally:
                con.close()
            os.replace(fresh, self.path)
            self.memo.changed()
            self.auth_memo.changed()
        except duckdb.Error as e:
            raise StoreError(f"Compacting the database failed; it was left as it was: {e}") from e
        finally:
            fresh.unlink(missing_ok=True)
            self._con = duckdb.connect(str(self.path))
        return counts

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        try:
            cur = self._con.cursor()
        except duckdb.Error as e:
            if write_failed(e):  # DuckDB invalidated the database after a failed write
                raise StoreError(WRITE_FAILED) from e
            raise
        try:
            yield cur
        except duckdb.Error as e:
            if write_failed(e):
                raise StoreError(WRITE_FAILED) from e
            raise
        finally:
            cur.close()

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._writes, self._cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                try:
                    cur.execute("ROLLBACK")
                except duckdb.Error:
                    pass  # a failed COMMIT has already ended the transaction
                raise


def open_store(target: str | Path, key: bytes | None = None) -> BaseStore:
    """The store a setting names: a postgresql:// address (TS_DATABASE_URL), else a DuckDB file's path."""
    if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore  # the connection pool is loaded only for a server

        return PostgresStore(target, key=key)
    return Store(target, key=key)
