"""The door the app and the command line use: an opened practice database, its engines and clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from . import access, demo, fhir, sources
from .config import Settings
from .engines import Engine, get_engine
from .models import Actor, Chart, ClientRow, Draft
from .sources import Selection
from .store import Store


@dataclass
class Practice:
    """One practice: its store, settings and the date the app believes it is."""

    store: Store
    settings: Settings
    today: Callable[[], date] = field(default=date.today)
    engines: dict[str, Engine] = field(default_factory=dict)  # made on first use; tests put fakes here

    @classmethod
    def open(cls, settings: Settings, *, demo_data: bool = True, today: Callable[[], date] = date.today,
             anchor: date | None = None) -> "Practice":
        """Open (create and migrate) the database; fill an empty one with the demo charts."""
        practice = cls(Store(settings.db_path), settings, today)
        if demo_data:
            practice.load_demo(anchor)
        return practice

    def load_demo(self, anchor: date | None = None) -> bool:
        """Load the demo charts if the database has no clients yet; returns whether it did."""
        if self.store.count_clients():
            return False
        anchor = anchor or self.today()
        self.store.insert_rows(demo.generate(anchor=anchor))
        self.store.set_meta("demo_anchor", anchor.isoformat())
        from . import auth  # the accounts module builds on this one

        auth.load_demo_accounts(self)
        return True

    def import_fhir(self, paths: Iterable[str | Path], on_progress: Callable[[int, int, str], None] | None = None,
                    *, behavioral_only: bool = True, actor: Actor) -> list[fhir.ImportReport]:
        """Import FHIR R4 bundles or NDJSON files: all of them, or none if any is malformed (the
        InvalidImport error names the file, the resource and the problem). on_progress(done, total,
        file name) is called as each file is read; importing the same files again adds nothing."""
        access.require(self.store, actor, "import")
        reports = fhir.import_files(self.store, paths, behavioral_only=behavioral_only, on_progress=on_progress)
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        for r in reports:
            self.store.audit(now, actor.id, "import", r.client_id, None, None,
                             f"FHIR {Path(r.file).name}: {sum(r.added.values())} rows added")
        return reports

    def engine(self, name: str | None = None) -> Engine:
        """The named engine (else the configured one), made once per practice so its HTTP
        connections are reused across sessions."""
        name = name or self.settings.engine_name
        if name not in self.engines:
            self.engines[name] = get_engine(name, self.settings)
        return self.engines[name]

    # -- reading the chart --------------------------------------------------------------------------

    def clients(self, search: str = "", actor: Actor | None = None) -> list[ClientRow]:
        """Clients matching the search; with an actor, only those they may see (a clinician's caseload)."""
        rows = self.store.client_rows(search)
        if actor is None or access.sees_all_clients(actor):
            return rows
        if not access.can(actor, "view"):
            return []
        return [r for r in rows if r.clinician_id == actor.clinician_id]

    def chart(self, client_id: str, actor: Actor | None = None) -> Chart:
        if actor is not None:
            access.require(self.store, actor, "view", client_id)
        return self.store.chart(client_id)

    def select(self, client_id: str, start: date, end: date, purpose: str | None = None,
               leave_out: Iterable[str] = ()) -> Selection:
        """The sources for a summary of the range, minus what the user unticked (not yet judged)."""
        return sources.select(self.store, client_id, start, end, purpose, self.today()).without(leave_out)

    def preview_draft(self, client_id: str, start: date, end: date, purpose: str | None = None,
                      engine: str | None = None, leave_out: Iterable[str] = (),
                      on_text: Callable[[str], None] | None = None) -> tuple[Selection, Draft]:
        """Select, check sufficiency (nothing is sent anywhere when it fails) and draft, unsaved."""
        selection = sources.require_sufficient(self.select(client_id, start, end, purpose, leave_out))
        return selection, self.engine(engine).generate(selection, on_text)
