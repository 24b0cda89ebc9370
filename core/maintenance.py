"""Keeping the database: create and migrate it, load the demo charts on request, compact it, copy it
into PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from . import access
from .errors import InvalidInput, StoreError
from .models import Actor
from .service import Practice
from .summaries import utcnow as now


@dataclass(frozen=True)
class DatabaseState:
    path: Path | str  # a DuckDB file, or a PostgreSQL database's address (without its password)
    schema_version: int
    demo_loaded: bool


def init(p: Practice, actor: Actor, *, demo: bool = False) -> DatabaseState:
    """The database is created and migrated when opened; with demo, an empty one gets the demo charts."""
    access.require(p.store, actor, "maintain")
    loaded = p.load_demo() if demo else False
    return DatabaseState(p.store.path, p.store.schema_version(), loaded)


def seal_existing(p: Practice, actor: Actor) -> tuple[int, int]:
    """Once, right after a database is upgraded to sealing (schema 8): seal the audit entries and
    signed summaries it holds, as they are. Opening a database never does this by itself, so a file
    taken back to an older schema by someone with the file alone does not get its changes sealed."""
    access.require(p.store, actor, "maintain")
    entries, summaries = p.store.seal_existing()
    p.store.audit(now(), actor.id, "maintain", detail=f"sealed {entries} audit entries and {summaries} summaries")
    return entries, summaries


def practice_files(p: Practice) -> tuple[Path, ...]:
    """The files a practice lives in (the database, its write-ahead log, the seal key): never an
    output file of a command."""
    key = p.settings.key_path.resolve()
    if not isinstance(p.store.path, Path):  # a database on a server: no file of it here
        return (key,)
    db = p.store.path.resolve()
    return (db, db.with_name(db.name + ".wal"), key)


def compact(p: Practice, actor: Actor) -> dict[str, int]:
    """Rewrite the chart tables in client order (see Store.compact); the rows per table."""
    access.require(p.store, actor, "maintain")
    return p.store.compact()


@dataclass(frozen=True)
class CopyReport:
    target: str  # the database copied into, without its password
    rows: dict[str, int]  # rows copied per table
    summaries: tuple[str, ...]  # every signed summary in the copy, deleted ones included
    not_verified: tuple[str, ...]  # of them, those whose signature does not verify in the copy
    chain_holds: bool  # the copy's audit chain, checked entry by entry
    chain: str  # what the check found, in words

    @property
    def verified(self) -> bool:
        return not self.not_verified and self.chain_holds


def copy_to(p: Practice, actor: Actor, url: str) -> CopyReport:
    """Copy the practice's database into an empty PostgreSQL database (moving a practice off its DuckDB
    file), then check there every signed summary's signature and the whole audit chain, with the
    practice's own seal key. Nothing is written to the source."""
    access.require(p.store, actor, "maintain")
    if not url.startswith(("postgresql://", "postgres://")):
        raise InvalidInput("Copy into a PostgreSQL database: --to needs an address that starts with postgresql://")
    if p.settings.database_url == url:
        raise InvalidInput("The database to copy into is the one being copied.")
    target = Practice.open(replace(p.settings, database_url=url))  # the same seal key file as the source's
    try:
        rows = p.store.copy_into(target.store)
        copied = target.store.every_summary()
        if {s.id for s in copied} != {s.id for s in p.store.every_summary()}:
            raise StoreError("The copy does not hold the same signed summaries as the source; do not use it.")
        chain = target.store.audit_chain()
        target.store.audit(now(), actor.id, "maintain", detail=f"copied from {p.store.path}: {sum(rows.values())} rows")
        return CopyReport(
            str(target.store.path),
            rows,
            tuple(s.id for s in copied),
            tuple(s.id for s in copied if not s.verified),
            chain.holds,
            chain.describe(),
        )
    finally:
        target.store.close()
