"""SQL of user accounts: who may sign in, with which roles, and the state of failed sign-ins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

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


class AuthStore:
    """Accounts (mixed into Store). Password hashes come in already hashed; no plain text here."""

    _cursor: Callable
    _transaction: Callable

    def add_user(self, user: dict) -> None:
        with self._cursor() as cur:
            cur.execute(
                f"INSERT INTO users ({', '.join(USER_COLUMNS)}) VALUES ({', '.join('?' for _ in USER_COLUMNS)})",
                [user.get(c) for c in USER_COLUMNS],
            )

    def user(self, user_id: str) -> dict | None:
        with self._cursor() as cur:
            rows = cur.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM users WHERE id = ?", [user_id]).fetchall()
        return dict(zip(USER_COLUMNS, rows[0])) if rows else None

    def user_by_email(self, email: str) -> dict | None:
        with self._cursor() as cur:
            rows = cur.execute(
                f"SELECT {', '.join(USER_COLUMNS)} FROM users WHERE lower(email) = lower(?)", [email]
            ).fetchall()
        return dict(zip(USER_COLUMNS, rows[0])) if rows else None

    def users(self) -> list[dict]:
        with self._cursor() as cur:
            rows = cur.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM users ORDER BY id").fetchall()
        return [dict(zip(USER_COLUMNS, r)) for r in rows]

    def count_users(self) -> int:
        with self._cursor() as cur:
            return cur.execute("SELECT count(*) FROM users").fetchall()[0][0]

    def record_sign_in(self, user_id: str, failed_attempts: int, locked_until: datetime | None) -> None:
        with self._cursor() as cur:
            cur.execute(
                "UPDATE users SET failed_attempts = ?, locked_until = ? WHERE id = ?",
                [failed_attempts, locked_until, user_id],
            )

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        with self._cursor() as cur:
            cur.execute(
                "UPDATE users SET password_hash = ?, failed_attempts = 0, locked_until = NULL WHERE id = ?",
                [password_hash, user_id],
            )

    def set_disabled(self, user_id: str, disabled: bool) -> None:
        with self._cursor() as cur:
            cur.execute("UPDATE users SET disabled = ? WHERE id = ?", [disabled, user_id])
