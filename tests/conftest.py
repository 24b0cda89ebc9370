"""Shared fixtures: real DuckDB files in temp dirs, a fixed clock, and no network."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest

from core.config import Settings
from core.service import Practice

ANCHOR = date(2026, 6, 30)  # the demo charts' "today" in tests
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def fixtures_dir() -> Path | None:
    """The public FHIR fixtures: ../shared/fixtures/public beside the repo (as in CI), else $TS_FIXTURES."""
    for candidate in (ROOT.parent / "shared" / "fixtures" / "public", os.environ.get("TS_FIXTURES")):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


# The seal key lives outside the database, by default in ~/.config: tests (and the app and CLI
# processes they start, which inherit this) keep theirs in a folder of their own.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="ts-config-")

FIXTURES = fixtures_dir()
NO_FIXTURES = (
    f"the public FHIR fixtures are missing: neither {ROOT.parent / 'shared' / 'fixtures' / 'public'} "
    "nor $TS_FIXTURES is a directory"
)


def demo_ranges(practice, client_id):
    """The ranges tests draft over: the whole treatment and the last 3, 6 and 12 months."""
    today = practice.today()
    first, last = practice.store.chart_span(client_id)
    yield first, min(last, today)
    for days in (91, 182, 365):
        yield today - timedelta(days=days), today


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Only loopback connections: no test may reach a real model API or any other host."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("/"):
            raise RuntimeError(f"network access blocked in tests: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "TS_DB_PATH", "TS_MODEL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory) -> Path:
    """A demo database built once per run; tests get their own copy."""
    path = tmp_path_factory.mktemp("template") / "demo.duckdb"
    practice = Practice.open(Settings(db_path=path), demo_data=True, today=lambda: ANCHOR, anchor=ANCHOR)
    practice.store.close()
    return path


@pytest.fixture
def practice(tmp_path, demo_db_template) -> Practice:
    """A practice on its own copy of the demo database, with the clock at the demo anchor."""
    path = tmp_path / "charts.duckdb"
    shutil.copy(demo_db_template, path)
    p = Practice.open(Settings(db_path=path), today=lambda: ANCHOR)
    yield p
    p.store.close()


@pytest.fixture
def empty_practice(tmp_path) -> Practice:
    p = Practice.open(Settings(db_path=tmp_path / "empty.duckdb"), create=True, today=lambda: ANCHOR)
    yield p
    p.store.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
