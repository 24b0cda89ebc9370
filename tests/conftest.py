"""Shared fixtures: real databases (DuckDB files in temp dirs; PostgreSQL databases on a throwaway
server, see tests/engines.py), a fixed clock, and no network."""

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
from tests import engines

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


def pytest_report_header(config):
    if engines.SERVER:
        return f"PostgreSQL: the tests of modules with ENGINES = BOTH also run on {engines.SERVER}"
    return f"PostgreSQL: SKIPPED, {engines.NO_SERVER}"


def pytest_generate_tests(metafunc):
    """A module with ENGINES = BOTH runs its tests that use a practice once per engine."""
    chosen = any("engine" in m.args[0] for m in metafunc.definition.iter_markers("parametrize"))
    if "engine" in metafunc.fixturenames and getattr(metafunc.module, "ENGINES", None) == engines.BOTH and not chosen:
        metafunc.parametrize("engine", engines.BOTH, indirect=True)


@pytest.fixture
def engine(request) -> str:
    """The store's engine: DuckDB unless the module runs on both."""
    name = getattr(request, "param", "duckdb")
    if name == "postgresql" and not engines.SERVER:
        if os.environ.get("CI"):
            pytest.fail(engines.NO_SERVER)  # CI must run both engines
        pytest.skip(engines.NO_SERVER)
    return name


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


@pytest.fixture(scope="session")
def pg_demo_template() -> str:
    """A demo database on the PostgreSQL server, built once per run; tests get their own copy."""
    name = engines.create_database(name="ts_demo_" + os.urandom(4).hex())
    practice = Practice.open(
        Settings(database_url=engines.database_url(name)), demo_data=True, today=lambda: ANCHOR, anchor=ANCHOR
    )
    practice.store.close()
    yield name
    engines.drop_database(name)


@pytest.fixture
def pg_database(request):
    """Makes databases on the PostgreSQL server for one test (a copy of a template, or empty), dropped after it."""
    made: list[str] = []

    def make(template: str | None = None) -> str:
        made.append(engines.create_database(template))
        return engines.database_url(made[-1])

    yield make
    for name in made:
        engines.drop_database(name)


@pytest.fixture
def practice(request, engine, tmp_path) -> Practice:
    """A practice on its own copy of the demo database, with the clock at the demo anchor."""
    if engine == "postgresql":
        url = request.getfixturevalue("pg_database")(request.getfixturevalue("pg_demo_template"))
        settings = Settings(db_path=tmp_path / "unused.duckdb", database_url=url)
    else:
        path = tmp_path / "charts.duckdb"
        shutil.copy(request.getfixturevalue("demo_db_template"), path)
        settings = Settings(db_path=path)
    p = Practice.open(settings, today=lambda: ANCHOR)
    yield p
    p.store.close()


@pytest.fixture
def empty_practice(request, engine, tmp_path) -> Practice:
    url = request.getfixturevalue("pg_database")() if engine == "postgresql" else None
    p = Practice.open(Settings(db_path=tmp_path / "empty.duckdb", database_url=url), create=True, today=lambda: ANCHOR)
    yield p
    p.store.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
