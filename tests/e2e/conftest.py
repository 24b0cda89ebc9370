"""Real-browser fixtures: the real app under `streamlit run` on a free port, driven by Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from core.config import Settings
from core.service import Practice

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run serve.py` (the app and its download route) on a free loopback port, on its own demo
    database, or on a PostgreSQL database that other servers may share."""

    def __init__(
        self, folder: Path, prepare: Callable[[Practice], None] | None = None, database_url: str | None = None
    ):
        """prepare: work on the demo database before the server opens it (DuckDB admits one process);
        database_url: the PostgreSQL database to serve (given the demo charts if it is empty)."""
        if not Path(CHROMIUM).exists():
            if os.environ.get("CI"):
                pytest.fail("Chromium is not installed; .ci/run installs Debian's chromium package.")
            pytest.skip("Debian's chromium is not installed (apt-get install chromium); CI runs these tests.")
        self.db = folder / "e2e.duckdb"
        self.settings = Settings(db_path=self.db, database_url=database_url)
        practice = Practice.open(self.settings, demo_data=True, anchor=date.today())
        if prepare:
            prepare(practice)
        practice.store.close()
        port = free_port()
        self.log = open(folder / "streamlit.log", "w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "serve.py",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "TS_DB_PATH": str(self.db),
                **({"TS_DATABASE_URL": database_url} if database_url else {}),
            },
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read() == b"ok":
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        pytest.fail(f"streamlit did not become healthy; see {self.log.name}")

    def stop(self) -> None:
        """Stop the server, which lets the test open its database (DuckDB admits one process)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("e2e"))
    yield s
    s.stop()


@pytest.fixture
def own_server(tmp_path):
    """A server of the test's own, for a test that reads the database after stopping it."""
    s = Server(tmp_path)
    yield s
    s.stop()


@pytest.fixture
def browser():
    """Debian's Chromium under Playwright; each test opens its own contexts (one per person or window)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
            ],
        )
        yield chromium
        chromium.close()


def new_page(browser, width: int = 1400, height: int = 1000):
    """A fresh browser context (its own cookies and Streamlit session) with one page."""
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    return pg


@pytest.fixture
def page(browser):
    pg = new_page(browser)
    yield pg
    pg.context.close()
