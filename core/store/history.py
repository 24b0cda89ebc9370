"""SQL of what a summary carries into its range from before it: the risk history and the intake."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ..course import NEXT_SESSION_SQL
from ..models import Note
from ..risk import TOPIC_SQL
from .chart import USABLE_NOTE


class HistoryStore:
    """Notes before a range (mixed into Store); only usable notes, and only those that can matter."""

    _cursor: Callable
    # A note's text matching the risk topics or planning the next session, case ignored (the PostgreSQL
    # store sets its own).
    TOPIC_MATCH = "regexp_matches(n.text, ?, 'i')"
    TOPIC_PATTERN = f"{TOPIC_SQL}|{NEXT_SESSION_SQL}"

    def notes_before(self, client_id: str, start: date) -> tuple[Note, ...]:
        """Signed intake notes, and signed progress notes that mention risk or safety or plan the next
        session, dated before `start`, oldest first. core.risk and core.course read them again."""
        with self._cursor() as cur:
            rows = cur.execute(
                f"""SELECT n.id, n.client_id, n.note_type, n.note_format, n.note_date, n.title, c.display_name,
                           n.signed_at, n.text
                    FROM notes n LEFT JOIN clinicians c ON c.id = n.author_id
                    WHERE n.client_id = ? AND n.note_date < ? AND {USABLE_NOTE.replace("note_type", "n.note_type")}
                      AND (n.note_type = 'intake' OR {self.TOPIC_MATCH})
                    ORDER BY n.note_date, n.id""",
                [client_id, start, self.TOPIC_PATTERN],
            ).fetchall()
        return tuple(Note(*r) for r in rows)
