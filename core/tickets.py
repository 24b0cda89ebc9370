"""Open download tickets of one server process (core.downloads says what they are for)."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .models import Actor


@dataclass(frozen=True)
class Ticket:
    actor: Actor
    kind: str  # pdf (target: a summary id) or export (target: a client id)
    target: str
    expires: float  # time.monotonic()
    rows: Callable[[], list[dict]] | None = None  # a table's rows, made at the fetch (kind "table")


@dataclass
class Tickets:
    """The open tickets of one server process (the route and the sessions live in the same process)."""

    _open: dict[str, Ticket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ticket: Ticket) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            for old in [t for t, v in self._open.items() if v.expires < now]:
                del self._open[old]
            self._open[token] = ticket
        return token

    def take(self, token: str) -> Ticket | None:
        with self._lock:
            ticket = self._open.pop(token, None)
        return ticket if ticket and ticket.expires >= time.monotonic() else None

    def forget(self, session_id: str | None) -> None:
        """Drop a session's open tickets (it signed out)."""
        if session_id is None:
            return
        with self._lock:
            for token in [t for t, v in self._open.items() if v.actor.session_id == session_id]:
                del self._open[token]
