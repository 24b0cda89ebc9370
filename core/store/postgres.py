"""PostgreSQL as the shared store: several app processes, and the command line, on one practice's data.

The same SQL as the DuckDB store (the mixins), run through psycopg 3 with its connection pool:
DuckDB's parameters (? and $name) become psycopg's, bound on the client as DuckDB binds them (so a
NULL or a list needs no cast), and the schema is the same migrations in PostgreSQL's dialect
(schema.PG_MIGRATIONS).

Where DuckDB relies on one process holding the file, the server takes a lock: every write
transaction first takes one transaction-level advisory lock, so writes take turns across processes as
they take turns across a process's threads with DuckDB. The audit chain appends to the head it read,
autosave's revision check and the one-draft rule read then write, the sign-in counter counts: each
sees every write committed before it. Reads take no lock.
"""

from __future__ import annotations

import logging
import re
import threading
import weakref
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.string import TextLoader
from psycopg_pool import ConnectionPool, PoolTimeout

from ..errors import StoreError
from . import WRITE_FAILED, BaseStore
from .dbapi import CONFLICT
from .memo import Memo
from .schema import PG_MIGRATIONS

_LOG = logging.getLogger(__name__)

WRITE_LOCK = 20_261_202  # the advisory lock every write transaction holds until it ends
POOL_SIZE = 10  # connections per process; a session waits for one when all are busy
UNREACHABLE = (
    "The chart database server could not be reached, so nothing was read or saved. What you typed is still on "
    "screen; try again in a moment, or ask the administrator."
)

_LITERAL = re.compile(r"('(?:[^']|'')*')")
_NAMED = re.compile(r"\$([A-Za-z_]\w*)")


@lru_cache(maxsize=2048)
def placeholders(sql: str) -> str:
    """DuckDB's parameters as psycopg's: ? as %s, $name as %(name)s, and a literal % doubled; the
    text inside string literals is left as it is (except its % signs)."""
    parts = _LITERAL.split(sql)
    for i, part in enumerate(parts):
        part = part.replace("%", "%%")
        if i % 2 == 0:  # outside a literal
            part = _NAMED.sub(r"%(\1)s", part.replace("?", "%s"))
        parts[i] = part
    return "".join(parts)


class _Cursor:
    """A psycopg cursor that takes the SQL the mixins write for DuckDB."""

    def __init__(self, cur: psycopg.Cursor[Any]):
        self._cur = cur

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> _Cursor:
        if params is None:
            self._cur.execute(sql)  # no parameters: psycopg leaves the text as it is
        else:
            self._cur.execute(placeholders(sql), params)
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> _Cursor:
        self._cur.executemany(placeholders(sql), rows)
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cur.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cur.fetchall()


class _SharedVersions:
    """The memory's versions (core.store.memo), in the database where every process sees them."""

    def __init__(self, store: PostgresStore):
        self._store = store

    def get(self, file: Hashable) -> int:
        with self._store._cursor() as cur:
            row = cur.execute("SELECT version FROM store_versions WHERE grp = ?", [file[1]]).fetchone()  # type: ignore[index]
        return int(row[0]) if row else 0

    def bump(self, file: Hashable) -> None:
        with self._store._cursor() as cur:
            cur.execute("UPDATE store_versions SET version = version + 1 WHERE grp = ?", [file[1]])  # type: ignore[index]


def _configure(conn: psycopg.Connection) -> None:
    conn.adapters.register_loader("json", TextLoader)  # JSON columns come back as text, as DuckDB's do


def display_address(url: str) -> str:
    """The database's address without its password, for messages and the maintenance screen."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(an address that could not be read)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    host = parts.get("host") or "localhost"
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{host}{port}/{parts.get('dbname', '')}"


class PostgresStore(BaseStore):
    """A PostgreSQL database. Safe to share across threads and processes."""

    MIGRATIONS = PG_MIGRATIONS
    CONTACT_ROWS = BaseStore.CONTACT_ROWS.replace("list((", "jsonb_agg(jsonb_build_array(")
    UNACCENT = "unaccent"
    TOPIC_MATCH = "n.text ~* ?"
    TOPIC_PATTERN = BaseStore.TOPIC_PATTERN.replace(r"\b", r"\y")  # PostgreSQL's word boundary

    def __init__(self, url: str, key: bytes | None = None, pool_size: int = POOL_SIZE):
        self.url = url
        self.path = display_address(url)
        self._key = key
        self._held = threading.local()  # the connection of this thread's open transaction
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "cursor_factory": psycopg.ClientCursor},
            configure=_configure,
            open=False,
            name="treatment-summaries",
        )
        try:
            self._pool.open(wait=True, timeout=10)
        except (PoolTimeout, psycopg.Error) as e:
            _LOG.error("connecting to %s failed: %s", self.path, e)
            self._pool.close()
            raise StoreError(
                f"The chart database server at {self.path} could not be reached. Check TS_DATABASE_URL, and that the "
                "server is running and accepts this user; the server's log has the details."
            ) from e
        # The pool's connections end cleanly (a Terminate message to the server) when the store is closed,
        # dropped, or the process exits, whichever comes first.
        self._close = weakref.finalize(self, self._pool.close)
        self._migrate_lock = threading.Lock()
        self.migrate()  # before the memories, whose versions are in a table of the schema
        versions = _SharedVersions(self)
        self.memo = Memo((self.path, "chart"), versions=versions)
        self.auth_memo = Memo((self.path, "accounts"), versions=versions)

    def close(self) -> None:
        self._close()

    def compact(self) -> dict[str, int]:
        raise StoreError(
            "Compacting rewrites a DuckDB file; a PostgreSQL database keeps its own tables (VACUUM, run by the server)."
        )

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        held = getattr(self._held, "conn", None)
        if held is not None:  # inside this thread's transaction: its statements see what it wrote
            yield held
            return
        try:
            with self._pool.connection(timeout=30) as conn:
                yield conn
        except CONFLICT:
            raise
        except psycopg.errors.DiskFull as e:
            _LOG.error("writing the database failed: %s", e)
            raise StoreError(WRITE_FAILED) from e
        except (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError) as e:
            _LOG.error("the database server failed: %s", e)
            raise StoreError(UNREACHABLE) from e

    @contextmanager
    def _cursor(self) -> Iterator[_Cursor]:
        with self._connection() as conn, conn.cursor() as cur:
            yield _Cursor(cur)

    @contextmanager
    def _transaction(self) -> Iterator[_Cursor]:
        """A write transaction, holding the write lock to its end; one inside another is a savepoint."""
        with self._connection() as conn, conn.transaction(), conn.cursor() as cur:
            outer = getattr(self._held, "conn", None) is None
            if outer:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
                self._held.conn = conn
            try:
                yield _Cursor(cur)
            finally:
                if outer:
                    self._held.conn = None

    def schema_version(self) -> int:
        with self._transaction() as cur:  # two processes starting at once: one creates the table
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)")
            row = cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def _continue_audit_ids(cur, last: int) -> None:
        cur.execute("SELECT setval('audit_ids', ?, ?)", [max(last, 1), last > 0])

    @staticmethod
    def _stage(cur, table: str, columns: Sequence[str], rows: list[list]) -> None:
        cols = ", ".join(columns)
        cur.execute(f"CREATE TEMP TABLE incoming ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA")
        cur.executemany(f"INSERT INTO incoming ({cols}) VALUES ({', '.join('?' for _ in columns)})", rows)

    @staticmethod
    def _unstage(cur) -> None:
        cur.execute("DROP TABLE incoming")
