"""The two engines the store runs on, for the tests: DuckDB files in temp dirs, and databases made on a
throwaway PostgreSQL server (./dev test starts one and names it in $TS_TEST_POSTGRESQL).

A test module that sets `ENGINES = BOTH` runs each test that uses a practice (or the `engine`
fixture) once per engine."""

from __future__ import annotations

import os
import re
import uuid
from urllib.parse import urlsplit, urlunsplit

import duckdb
import psycopg

from core.store.dbapi import CONSTRAINT
from core.store.postgres import PostgresStore, _Cursor

SERVER = os.environ.get("TS_TEST_POSTGRESQL")  # a server the tests may create databases on
BOTH = ("duckdb", "postgresql")
NO_SERVER = (
    "no PostgreSQL server for the tests: run them with ./dev test, which starts one when PostgreSQL is installed "
    "(or set TS_TEST_POSTGRESQL to a server where databases may be created)"
)

__all__ = ["BOTH", "CONSTRAINT", "SERVER", "create_database", "database_url", "drop_database", "raw"]


def database_url(name: str) -> str:
    """The server's address with the database named instead of its own."""
    assert SERVER
    parts = urlsplit(SERVER)
    return urlunsplit(parts._replace(path="/" + name))


def _admin(sql: str) -> None:
    assert SERVER
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(sql)


def create_database(template: str | None = None, name: str | None = None) -> str:
    """A new, empty database (or a copy of `template`); returns its name."""
    name = name or "t_" + uuid.uuid4().hex[:12]
    _admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return name


def drop_database(name: str) -> None:
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class _RawPostgres:
    """A second connection to a practice's PostgreSQL database, as another program would open it, taking
    the tests' DuckDB statements: list literals as arrays, list_sum as the schema's function."""

    def __init__(self, url: str):
        self._conn = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor)

    @staticmethod
    def dialect(sql: str) -> str:
        sql = re.sub(r"(?<![\w\]'])\[\]", "'{}'", sql)
        sql = re.sub(r"(?<![\w\]'])\[", "ARRAY[", sql)
        return sql.replace("list_sum(", "ts_list_sum(")

    def execute(self, sql: str, params=None) -> _Cursor:
        return _Cursor(self._conn.cursor()).execute(self.dialect(sql), params)

    def close(self) -> None:
        self._conn.close()


def raw(store):
    """Another connection to the store's database, for statements the app never makes."""
    if isinstance(store, PostgresStore):
        return _RawPostgres(store.url)
    return duckdb.connect(str(store.path))


def tamper(store, sql: str, params=None) -> None:
    """A change made behind the app's back by whoever holds the database itself. On PostgreSQL that is
    the owner, who may switch off the triggers that refuse changes to signed summaries."""
    con = raw(store)
    try:
        if isinstance(store, PostgresStore):
            con.execute("SET session_replication_role = replica")  # no triggers for this connection
        con.execute(sql, params)
    finally:
        con.close()


def target(store) -> str:
    """What a second process is given to open the store's database: a file's path or the server's address."""
    return store.url if isinstance(store, PostgresStore) else str(store.path)


def settings_for(target: str, **kw):
    """Settings for a database named by target() (in the second process)."""
    from core.config import Settings

    if target.startswith("postgresql://"):
        return Settings(database_url=target, **kw)
    return Settings(db_path=target, **kw)
