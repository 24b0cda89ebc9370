"""The store: the only package that imports duckdb and holds SQL; one DuckDB file, versioned migrations."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from ..errors import StoreError
from .auth import AuthStore
from .chart import CHART_TABLES, ChartStore
from .lifecycle import DraftExists, LifecycleStore
from .quality import QualityStore
from .schema import MIGRATIONS

__all__ = ["CHART_TABLES", "DraftExists", "MIGRATIONS", "Store", "StoreError"]


class Store(ChartStore, LifecycleStore, QualityStore, AuthStore):
    """One DuckDB file. Safe to share across threads: every call takes its own cursor."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(str(path))
        except duckdb.Error as e:
            raise StoreError(f"Could not open the database at {path}: {e}") from e
        self._migrate_lock = threading.Lock()
        self.migrate()

    def close(self) -> None:
        self._con.close()

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._cursor() as cur:
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

    # -- schema -------------------------------------------------------------------------------

    def schema_version(self) -> int:
        with self._cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)")
            return cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]

    def migrate(self) -> int:
        """Apply the migrations this file has not seen yet; running it again changes nothing."""
        with self._migrate_lock:
            current = self.schema_version()
            for version, sql in MIGRATIONS:
                if version <= current:
                    continue
                with self._transaction() as cur:
                    cur.execute(sql)
                    cur.execute("INSERT INTO schema_version VALUES (?)", [version])
            return self.schema_version()
