"""Keeping the database: create and migrate it, load the demo charts on request, compact it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import access
from .models import Actor
from .service import Practice
from .summaries import utcnow as now


@dataclass(frozen=True)
class DatabaseState:
    path: Path
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
    db = p.store.path.resolve()
    return (db, db.with_name(db.name + ".wal"), p.settings.key_path.resolve())


def compact(p: Practice, actor: Actor) -> dict[str, int]:
    """Rewrite the chart tables in client order (see Store.compact); the rows per table."""
    access.require(p.store, actor, "maintain")
    return p.store.compact()
