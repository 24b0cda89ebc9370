"""The database errors the store's SQL handles, whichever engine runs it (DuckDB or PostgreSQL)."""

from __future__ import annotations

import duckdb
import psycopg

# A write refused by a constraint (UNIQUE, CHECK, FOREIGN KEY, NOT NULL, a refusing trigger).
CONSTRAINT: tuple[type[Exception], ...] = (duckdb.ConstraintException, psycopg.errors.IntegrityError)
# Two writers met: retried, and the retry sees the other write.
CONFLICT: tuple[type[Exception], ...] = (
    duckdb.TransactionException,
    psycopg.errors.SerializationFailure,
    psycopg.errors.DeadlockDetected,
)
# Any error from the database.
DB_ERROR: tuple[type[Exception], ...] = (duckdb.Error, psycopg.Error)
