"""Settings from the environment (and, in the app, Streamlit secrets passed in as a mapping)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MODEL = "claude-sonnet-4-6"
DEFAULT_PRACTICE = "Riverbend Behavioral Health"
DEFAULT_TIMEZONE = "America/Chicago"


def default_db_path() -> Path:
    """Outside the source tree, so a clone never carries chart data."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "treatment-summaries" / "charts.duckdb"


def default_key_path() -> Path:
    """The key that seals signed summaries and chains the audit log: kept outside the database (and
    away from its folder), so whoever holds only the database file cannot forge a seal."""
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "treatment-summaries" / "seal.key"


@dataclass(frozen=True)
class Settings:
    db_path: Path = field(default_factory=default_db_path)
    # A PostgreSQL database shared by several app processes (postgresql://...): used instead of db_path.
    database_url: str | None = field(default=None, repr=False)
    anthropic_api_key: str | None = field(default=None, repr=False)
    anthropic_model: str = DEFAULT_MODEL
    anthropic_base_url: str | None = None
    practice_name: str = DEFAULT_PRACTICE
    timezone: str = DEFAULT_TIMEZONE
    key_path: Path = field(default_factory=default_key_path)
    generation_seconds: float = 120.0  # the longest a draft generation may take, start to end

    @property
    def engine_name(self) -> str:
        """The engine used when nobody asks for one: the model if a key is configured."""
        return "anthropic" if self.anthropic_api_key else "offline"


def load_settings(secrets: Mapping[str, object] | None = None, db_path: str | Path | None = None) -> Settings:
    """Environment first, then secrets (the app passes st.secrets), then defaults."""
    secrets = secrets or {}

    def pick(name: str) -> str | None:
        value = os.environ.get(name) or secrets.get(name)
        return str(value) if value else None

    url = pick("TS_DATABASE_URL")
    if db_path is not None and str(db_path).startswith(("postgresql://", "postgres://")):  # --db names a server
        url, db_path = str(db_path), None
    elif db_path is not None:  # --db names a file: it wins over the environment's server
        url = None
    path = db_path or pick("TS_DB_PATH")
    return Settings(
        db_path=Path(path).expanduser() if path else default_db_path(),
        database_url=url,
        anthropic_api_key=pick("ANTHROPIC_API_KEY"),
        anthropic_model=pick("TS_MODEL") or DEFAULT_MODEL,
        anthropic_base_url=pick("ANTHROPIC_BASE_URL"),
        practice_name=pick("TS_PRACTICE_NAME") or DEFAULT_PRACTICE,
        timezone=pick("TS_TIMEZONE") or DEFAULT_TIMEZONE,
        key_path=Path(key).expanduser() if (key := pick("TS_KEY_PATH")) else default_key_path(),
        generation_seconds=float(pick("TS_GENERATION_SECONDS") or 120),
    )
