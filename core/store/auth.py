"""SQL of user accounts: who may sign in, with which roles, and the state of failed sign-ins."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import datetime

from ..models import UserAccount
from .memo import Memo, writes

USER_COLUMNS = (
    "id",
    "display_name",
    "roles",
    "clinician_id",
    "email",
    "password_hash",
    "disabled",
    "failed_attempts",
    "locked_until",
    "created_at",
)
assert USER_COLUMNS == tuple(f.name for f in fields(UserAccount))


def _account(row) -> UserAccount:
    values = dict(zip(USER_COLUMNS, row))
    return UserAccount(**{**values, "roles": tuple(values["roles"])})


class AuthStore:
    """Accounts (mixed into Store). Password hashes come in already hashed; no plain text here."""

    _cursor: Callable
    _transaction: Callable
    auth_memo: Memo  # every page checks the session of whoever asks; reads are kept until an account or session changes

    @writes("auth_memo")
    def add_user(self, user: UserAccount) -> None:
        values = [list(user.roles) if c == "roles" else getattr(user, c) for c in USER_COLUMNS]
        with self._cursor() as cur:
            cur.execute(
                f"INSERT INTO users ({', '.join(USER_COLUMNS)}) VALUES ({', '.join('?' for _ in USER_COLUMNS)})",
                values,
            )

    def user(self, user_id: str) -> UserAccount | None:
        return self.auth_memo.get(("user", user_id), lambda: self._read_user(user_id))

    def _read_user(self, user_id: str) -> UserAccount | None:
        with self._cursor() as cur:
            rows = cur.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM users WHERE id = ?", [user_id]).fetchall()
        return _account(rows[0]) if rows else None

    def user_by_email(self, email: str) -> UserAccount | None:
        with self._cursor() as cur:
            rows = cur.execute(
                f"SELECT {', '.join(USER_COLUMNS)} FROM users WHERE lower(email) = lower(?)", [email]
            ).fetchall()
        return _account(rows[0]) if rows else None

    def users(self) -> list[UserAccount]:
        with self._cursor() as cur:
            rows = cur.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM users ORDER BY id").fetchall()
        return [_account(r) for r in rows]

    def count_users(self) -> int:
        with self._cursor() as cur:
            return cur.execute("SELECT count(*) FROM users").fetchall()[0][0]

    @writes("auth_memo")
    def record_sign_in(self, user_id: str, failed_attempts: int, locked_until: datetime | None) -> None:
        with self._cursor() as cur:
            cur.execute(
                "UPDATE users SET failed_attempts = ?, locked_until = ? WHERE id = ?",
                [failed_attempts, locked_until, user_id],
            )

    @writes("auth_memo")
    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        with self._cursor() as cur:
            cur.execute(
                "UPDATE users SET password_hash = ?, failed_attempts = 0, locked_until = NULL WHERE id = ?",
                [password_hash, user_id],
            )

    @writes("auth_memo")
    def set_disabled(self, user_id: str, disabled: bool) -> None:
        with self._cursor() as cur:
            cur.execute("UPDATE users SET disabled = ? WHERE id = ?", [disabled, user_id])

    # -- failed sign-ins and sessions ---------------------------------------------------------------

    @writes("auth_memo")
    def count_failed_sign_in(self, user_id: str, now: datetime, limit: int, locked_until: datetime) -> int:
        """One more failed sign-in, counted in the database itself (never read, add one, write back):
        the failures so far, or 0 when this one reached the limit and locked the account."""
        with self._transaction() as cur:
            row = cur.execute(
                """UPDATE users SET
                       locked_until = CASE WHEN failed_attempts + 1 >= $limit THEN $until ELSE locked_until END,
                       failed_attempts = CASE WHEN failed_attempts + 1 >= $limit THEN 0 ELSE failed_attempts + 1 END
                   WHERE id = $id RETURNING failed_attempts""",
                {"limit": limit, "until": locked_until, "id": user_id},
            ).fetchone()
        return row[0] if row else 0

    @writes("auth_memo")
    def start_session(self, session_id: str, user: UserAccount, auth: str, now: datetime) -> None:
        with self._transaction() as cur:
            cur.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
                [session_id, user.id, list(user.roles), auth, now, now],
            )

    def session(self, session_id: str) -> tuple[str, tuple[str, ...], datetime, datetime | None, str | None] | None:
        """(user id, roles at sign-in, last seen, ended at, why it ended) of a session."""
        return self.auth_memo.get(("session", session_id), lambda: self._read_session(session_id))

    def _read_session(
        self, session_id: str
    ) -> tuple[str, tuple[str, ...], datetime, datetime | None, str | None] | None:
        with self._cursor() as cur:
            row = cur.execute(
                "SELECT user_id, roles, last_seen, ended_at, end_reason FROM sessions WHERE id = ?", [session_id]
            ).fetchone()
        return (row[0], tuple(row[1]), row[2], row[3], row[4]) if row else None

    @writes("auth_memo")
    def touch_session(self, session_id: str, now: datetime) -> None:
        with self._transaction() as cur:
            cur.execute("UPDATE sessions SET last_seen = ? WHERE id = ? AND ended_at IS NULL", [now, session_id])

    @writes("auth_memo")
    def end_user_sessions(self, user_id: str, now: datetime, reason: str) -> int:
        """End every open session of an account (disabled, password reset, locked)."""
        with self._transaction() as cur:
            rows = cur.execute(
                "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE user_id = ? AND ended_at IS NULL RETURNING id",
                [now, reason, user_id],
            ).fetchall()
        return len(rows)

    @writes("auth_memo")
    def end_session(self, session_id: str, now: datetime, reason: str) -> None:
        with self._transaction() as cur:
            cur.execute(
                "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
                [now, reason, session_id],
            )
