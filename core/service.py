"""The composition root: one practice's store, settings, engines and clock, wired once. Screens and
the command line never use it directly; they pass it to core's use cases (charts, summaries, ...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import auth, demo
from .config import Settings
from .engines import Engine, get_engine
from .errors import StoreError
from .integrity import read_seal_key, seal_key
from .store import BaseStore, open_store
from .tickets import Tickets


@dataclass
class Practice:
    """One practice: its store, settings and the date the app believes it is."""

    store: BaseStore
    settings: Settings
    today: Callable[[], date] = field(default=date.today)
    engines: dict[str, Engine] = field(default_factory=dict)  # made on first use; tests put fakes here
    tickets: Tickets = field(default_factory=Tickets)  # open download tickets of this process

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        create: bool = False,
        demo_data: bool = False,
        today: Callable[[], date] = date.today,
        anchor: date | None = None,
    ) -> Practice:
        """Open and migrate the database (settings.database_url, else the DuckDB file at db_path). A file
        that does not exist is an error (a mistyped path
        must not become a new, empty practice), unless asked to create it; with demo_data an empty
        database gets the demo charts and the demo accounts, whose passwords are published."""
        path = Path(settings.db_path)
        if (
            settings.database_url is None
            and not (create or demo_data)
            and str(path) != ":memory:"
            and not path.exists()
        ):
            raise StoreError(
                f"There is no database file named {path.name!r} where the settings point. Check the path, or "
                "create one with `python -m core init --db PATH` (add --demo for the demo charts)."
            )
        key = read_seal_key(settings.key_path)
        store = open_store(settings.database_url or path, key=key)
        if key is None:
            if store.has_seals():  # a key file gone (or a mistyped TS_KEY_PATH): never make a new one over it
                store.close()
                raise StoreError(
                    "The seal key of this database is missing, so signed summaries cannot be checked and nothing "
                    "can be signed. Restore the key file from the backup made with the database, or set "
                    "TS_KEY_PATH to where it is."
                )
            store.use_key(seal_key(settings.key_path))
        practice = cls(store, settings, today)
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
        auth.load_demo_accounts(self)
        return True

    def engine(self, name: str | None = None) -> Engine:
        """The named engine (else the configured one), made once per practice so its HTTP
        connections are reused across sessions."""
        name = name or self.settings.engine_name
        if name not in self.engines:
            self.engines[name] = get_engine(name, self.settings)
        return self.engines[name]
