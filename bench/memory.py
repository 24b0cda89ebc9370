"""Peak memory of the app serving a database: `streamlit run app.py` on a free port, a few page loads
in headless Chromium, then the server process's peak resident set (VmHWM in /proc/PID/status)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


USER, PASSWORD = "bench", "bench-password-2026"


def ensure_account(db: Path) -> None:
    """A supervisor account to sign in with (the practice database has the charts, not the users)."""
    from core import auth
    from core.config import Settings
    from core.models import Actor
    from core.service import Practice

    p = Practice.open(Settings(db_path=db), demo_data=False)
    try:
        if p.store.user(USER) is None:
            auth.add_user(
                p,
                Actor("cli:bench", "bench", ("admin",), auth="cli"),
                USER,
                "Bench Supervisor",
                ["supervisor"],
                PASSWORD,
                p.store.clinicians()[0].id,
            )
    finally:
        p.store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_run(script: str, port: int) -> list[str]:
    """The command that serves a script on a loopback port, headless, as tests/e2e/conftest.py does."""
    return [
        sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port), "--server.headless", "true",
        "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def available() -> str | None:
    if not Path(CHROMIUM).exists():
        return "Debian's chromium is not installed"
    if not Path("/proc/self/status").exists():
        return "no /proc to read peak memory from"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


def wait_idle(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)


def serve_and_load(db: Path, visits: list[str], log_path: Path) -> dict:
    """Start the app on db, load each path (waiting until the page is done), return memory figures."""
    from playwright.sync_api import sync_playwright

    ensure_account(db)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TS_DB_PATH": str(db)}
    env.pop("ANTHROPIC_API_KEY", None)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            streamlit_run("app.py", port),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.time() + 90
            while True:
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                        break
                except OSError:
                    if time.time() > deadline or proc.poll() is not None:
                        raise RuntimeError(f"streamlit did not become healthy; see {log_path}") from None
                    time.sleep(0.3)
            idle_kib = status_kib(proc.pid, "VmRSS")
            loads = []
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM,
                    headless=True,
                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                )
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                for path in visits:
                    started = time.perf_counter()
                    page.goto(url + path)
                    page.wait_for_selector("[data-testid=stMain]", timeout=120_000)
                    wait_idle(page)
                    # A page load is a new session: sign in, and the app returns to the address.
                    page.get_by_label("User name").fill(USER)
                    page.get_by_label("Password", exact=True).fill(PASSWORD)
                    page.get_by_role("button", name="Sign in").click()
                    page.get_by_label("User name").wait_for(state="detached", timeout=120_000)
                    wait_idle(page)
                    loads.append(
                        {
                            "path": path,
                            "seconds": round(time.perf_counter() - started, 2),
                            "rss_mib": round(status_kib(proc.pid, "VmRSS") / 1024, 1),
                        }
                    )
                browser.close()
            return {
                "peak_rss_mib": round(status_kib(proc.pid, "VmHWM") / 1024, 1),
                "rss_after_start_mib": round(idle_kib / 1024, 1),
                "rss_end_mib": round(status_kib(proc.pid, "VmRSS") / 1024, 1),
                "loads": loads,
            }
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def visits_for(clients: list[str], draft_client: str) -> list[str]:
    """The client list, two charts, the Summary tab with a draft open, then the client list again."""
    return [
        "/",
        f"/client?client={clients[0]}",
        f"/client?client={clients[1]}",
        f"/client?client={draft_client}&tab=Summary",
        "/",
    ]
