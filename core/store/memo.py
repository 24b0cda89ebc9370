"""A bounded per-process memory of reads, forgotten whenever what they read changes.

Every write goes through the store. So a read stays true until the store's next write to the tables
it read: each group of tables (the chart; the accounts and sessions) has a version number that each
write to the group moves on, and a read made before a write is never served after it. A DuckDB file
admits one process, so its versions live in this process, shared by every Store on the same file
(LocalVersions); a PostgreSQL database is shared by several processes, so its versions live in the
database and are read before each use of the memory (core.store.postgres).

Chart rows (clients, contacts, diagnoses, assessments, plans, notes, medications) are only ever added,
by imports and by the demo; accounts and sessions change on every sign-in, sign-out and lock.

Bounded two ways: at most `max_entries` results, and at most `max_bytes` of the chart text they hold
(the caller says how much text a result holds); the least recently used go first.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

MAX_ENTRIES = 256
MAX_BYTES = 64 * 2**20

_versions: dict[Hashable, int] = {}  # per (database file, group of tables): writes this process has made
_versions_lock = threading.Lock()


class Versions(Protocol):
    def get(self, file: Hashable) -> int: ...

    def bump(self, file: Hashable) -> None: ...


class LocalVersions:
    """The writes this process has made, per (database file, group of tables)."""

    def get(self, file: Hashable) -> int:
        return _versions.get(file, 0)

    def bump(self, file: Hashable) -> None:
        with _versions_lock:
            _versions[file] = _versions.get(file, 0) + 1


class Memo:
    def __init__(
        self,
        file: Hashable,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
        versions: Versions | None = None,
    ):
        self.file = file  # (database, group of tables)
        self.versions: Versions = versions or LocalVersions()
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._version = self.version()
        self.bytes = 0
        self.hits = self.misses = 0

    def version(self) -> int:
        return self.versions.get(self.file)

    def changed(self) -> None:
        """The tables were written: every Store on this database forgets what it read of them before."""
        self.versions.bump(self.file)

    def get(self, key: Hashable, read: Callable[[], T], size: Callable[[T], int] = lambda _v: 0) -> T:
        """The remembered result of `read()` for `key`, reading it on a miss. An exception is not remembered."""
        version = self.version()
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self.bytes, self._version = 0, version
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found[0]
        value = read()
        cost = size(value)
        with self._lock:
            self.misses += 1
            if self.version() != version or cost > self.max_bytes:  # written meanwhile, or too big to keep
                return value
            if key not in self._entries:
                self._entries[key] = (value, cost)
                self.bytes += cost
            while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
                _, (_, freed) = self._entries.popitem(last=False)
                self.bytes -= freed
        return value

    def __len__(self) -> int:
        return len(self._entries)


def writes(memo: str) -> Callable[[F], F]:
    """A store method that writes the tables of the memo named (an attribute of the store): once it has
    run, succeeded or not, every Store on the file forgets what it read of them."""

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def written(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            finally:
                getattr(self, memo).changed()

        return written  # type: ignore[return-value]

    return wrap
