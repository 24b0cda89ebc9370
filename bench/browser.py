"""What people wait for in a real browser: Playwright drives Debian's Chromium (headless) against
`streamlit run serve.py` on a fresh demo database, and times each click to its visible result, with the
server process's CPU per click; a trivial Streamlit script (a button that writes a line) served by a
second `streamlit run` is timed the same way, in turns with the app, as the baseline.

Times are taken in the page: the click's own event time (or the last keystroke, for autosave) to the
moment the page's DOM first shows the result (a MutationObserver and a 10 ms poll), so Playwright's
polling does not add to them; downloads end when Playwright has the whole file. The server's CPU is
utime + stime of the server process and its children (/proc/PID/stat, in 10 ms clock ticks), read
before the click and after the result shows and the server is idle again (journey.wait_idle).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .common import percentile
from .memory import CHROMIUM, free_port, status_kib, streamlit_run

ROOT = Path(__file__).resolve().parent.parent
LAUNCH_ARGS = [  # as tests/e2e/conftest.py launches Chromium
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
APP_FILES = ("app.py", "serve.py", "core", "ui", "pages", "data", ".streamlit/config.toml")
USER = "ruth"  # the supervisor: every demo client, and every clinical action
PASSWORDS = {"ruth": "ruth-demo-2026"}  # the demo account's (tests/e2e/journey.py)
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
TRIVIAL = """import streamlit as st

st.title("Baseline")
if st.button("Write a line"):
    st.session_state["clicks"] = st.session_state.get("clicks", 0) + 1
    st.write(f"Clicked {st.session_state['clicks']} times.")
"""
TYPED = " Seen today; engaged and hopeful."

# -- what the page shows when a click is done (JavaScript, given `arg` and the watch record `w`) -------------

HEADING = """(name) => [...document.querySelectorAll('h1')].some(
    (h) => h.textContent.trim() === name && !h.closest('[data-stale=true]') && h.checkVisibility())"""
DRAFT = """() => { const a = document.querySelector('.ts-editor textarea');
    return !!a && a.value.startsWith('## Identifying context') && !a.closest('[data-stale=true]'); }"""
SAVED = """(arg, w) => { const s = document.querySelector('.ts-editor-status'); const t = s ? s.textContent : '';
    if (t.startsWith('Saving')) { if (w.saving === null) w.saving = performance.timeOrigin + performance.now(); return false; }
    return w.saving !== null && t.startsWith('Saved '); }"""
UPDATED = """(before) => { const a = document.querySelector('.ts-editor textarea');
    return !!a && a.value.length > 0 && a.value !== before && !a.closest('[data-stale=true]'); }"""
DIALOG = """() => { const d = document.querySelector('[role=dialog]');
    return !!d && d.textContent.includes('I attest to the statement above') && d.checkVisibility(); }"""
SIGNED = """() => [...document.querySelectorAll('[data-testid=stCaptionContainer]')].some(
    (e) => e.textContent.startsWith('Signed by ') && !e.closest('[data-stale=true]') && e.checkVisibility())"""
LINE = """(text) => [...document.querySelectorAll('[data-testid=stMarkdownContainer] p')].some(
    (p) => p.textContent.trim() === text && !p.closest('[data-stale=true]'))"""

WATCH = """(arg) => {
  if (window.__tsWatchStop) window.__tsWatchStop();
  const now = () => performance.timeOrigin + performance.now();
  const w = (window.__tsWatch = { click: null, input: null, saving: null, done: null });
  const ready = () => { try { return Boolean((__COND__)(arg, w)); } catch (e) { return false; } };
  const onClick = (e) => { if (e.isTrusted && w.click === null) w.click = performance.timeOrigin + e.timeStamp; };
  const onInput = (e) => { if (w.saving === null) w.input = performance.timeOrigin + e.timeStamp; };
  const check = () => { if (w.done === null && (w.click !== null || w.input !== null) && ready()) { w.done = now(); stop(); } };
  const observer = new MutationObserver(check);
  const timer = setInterval(check, 10);
  const stop = () => { observer.disconnect(); clearInterval(timer);
    window.removeEventListener('click', onClick, true); window.removeEventListener('input', onInput, true); };
  window.addEventListener('click', onClick, true);
  window.addEventListener('input', onInput, true);
  observer.observe(document.documentElement, { subtree: true, childList: true, characterData: true });
  window.__tsWatchStop = stop;
}"""
BROWSER_NOW = "() => performance.timeOrigin + performance.now()"
AT_ONCE = """([label, at]) => {
  const w = window.__tsWatch;
  const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === label);
  if (!button) throw new Error('no button ' + label);
  setTimeout(() => { w.click = performance.timeOrigin + performance.now(); button.click(); },
    at - (performance.timeOrigin + performance.now()));
}"""


def clock_offset(page) -> float:
    """The page's clock (performance.timeOrigin + now) minus ours, in ms."""
    before = time.time() * 1000
    browser_now = page.evaluate(BROWSER_NOW)
    return browser_now - (before + time.time() * 1000) / 2


# -- steps as tests/e2e/journey.py takes them (copied: importing tests/ would make mypy check tests/e2e too) --


def wait_idle(page) -> None:
    """Streamlit's running indicator gone, its script state not running, no stale elements left."""
    from playwright.sync_api import expect

    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
    expect(page.locator("[data-testid=stApp][data-test-script-state=running]")).to_have_count(0, timeout=60_000)
    expect(page.locator("[data-stale=true]")).to_have_count(0, timeout=60_000)


def type_at_end(page, text: str) -> None:
    """Type as a person does, with the cursor at the end of the draft, and stay in the field."""
    page.locator(".ts-editor textarea").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def available() -> str | None:
    from . import memory

    return memory.available()


# -- the servers -------------------------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU ticks: utime + stime + cutime + cstime) of one process, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name may hold spaces and parentheses
    return int(fields[1]), sum(int(x) for x in fields[11:15])


def snapshot(to: Path) -> Path:
    """A copy of the app's code as it is now, to serve from: edits made in the working tree while the
    benchmark runs neither change what is measured nor make Streamlit's file watcher ask to rerun."""
    to.mkdir(parents=True)
    for name in APP_FILES:
        src = ROOT / name
        (to / name).parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, to / name)  # with __pycache__: modification times are kept, so it stays valid
        else:
            shutil.copy2(src, to / name)
    return to


def tree_cpu_ms(roots: dict[str, int]) -> dict[str, float]:
    """CPU time so far of each root process with every process below it (a process counts for the
    nearest root above it: the servers apart from this process, Playwright's driver and Chromium)."""
    parents: dict[int, int] = {}
    ticks: dict[int, float] = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (st := _stat(int(name))) is not None:
            parents[int(name)], ticks[int(name)] = st
    by_pid = {pid: name for name, pid in roots.items()}
    total = dict.fromkeys(roots, 0.0)
    for pid, t in ticks.items():
        p = pid
        while p > 1 and p not in by_pid:
            p = parents.get(p, 0)
        if p in by_pid:
            total[by_pid[p]] += t * TICK_MS
    return total


def machine_busy_ms() -> float:
    """CPU time every process of the machine has used so far, all cores (/proc/stat, less idle and iowait)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) * TICK_MS


class Served:
    """One `streamlit run SCRIPT` on a free loopback port, started as tests/e2e/conftest.py starts the app."""

    running: list[Served] = []  # every server started, kept apart from this process's other children

    def __init__(self, script: Path, env: dict[str, str], log: Path, cwd: Path = ROOT, name: str = ""):
        self.name = name or script.stem  # the key of its CPU in cpu_now()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = open(log, "w")
        self.proc = subprocess.Popen(
            streamlit_run(str(script), self.port),
            cwd=cwd,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.started = time.perf_counter()
        Served.running.append(self)

    def wait_healthy(self, seconds: float = 90) -> float:
        deadline = time.time() + seconds
        while True:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read() == b"ok":
                    return time.perf_counter() - self.started
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"streamlit did not become healthy; see {self.log_path}") from None
                time.sleep(0.2)

    def settle(self, window: float = 0.5, limit_ms: float = 25, timeout: float = 60) -> float:
        """Seconds until the server's CPU over `window` drops to `limit_ms` (work it starts in the background,
        such as serve.py loading the PDF renderer, is then done and not counted in the first clicks)."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            cpu = self.cpu_ms()
            time.sleep(window)
            if self.cpu_ms() - cpu <= limit_ms:
                break
        return time.perf_counter() - started

    def cpu_ms(self) -> float:
        """CPU time of the server and every process below it, so far."""
        return tree_cpu_ms({"server": self.proc.pid})["server"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        if self in Served.running:
            Served.running.remove(self)


def cpu_now() -> dict[str, float]:
    """CPU ms so far of each server (by script name), of this process with Playwright's driver and
    Chromium ("bench"), and of the whole machine ("machine", every process on every core)."""
    roots = {s.name: s.proc.pid for s in Served.running} | {"bench": os.getpid()}
    return tree_cpu_ms(roots) | {"machine": machine_busy_ms()}


def cpu_since(before: dict[str, float]) -> dict[str, float]:
    now = cpu_now()
    return {k: round(now[k] - v) for k, v in before.items() if k in now}


# -- timing one click ----------------------------------------------------------------------------------------------


@dataclass
class Samples:
    """One kind of click: wall ms (click to result) and the server's CPU ms, in the order measured."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    extra: dict[str, list[float]] = field(default_factory=dict)

    def add(self, wall: float, cpu: float, **extra: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)
        for k, v in extra.items():
            self.extra.setdefault(k, []).append(v)


def summarize(s: Samples, skip_first: bool = True) -> dict:
    """Medians of the warm samples (all but the first, which is reported beside them)."""
    warm = slice(1, None) if skip_first and len(s.wall) > 1 else slice(None)
    wall, cpu = s.wall[warm], s.cpu[warm]
    out = {
        "p50_ms": round(statistics.median(wall), 1),
        "p95_ms": round(percentile(wall, 95), 1),
        "min_ms": round(min(wall), 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_mean_ms": round(statistics.fmean(cpu), 1),
        "n": len(wall),
        "first_ms": round(s.wall[0], 1),
        "first_cpu_ms": round(s.cpu[0], 1),
        "samples_ms": [round(x, 1) for x in s.wall],
        "cpu_samples_ms": [round(x, 1) for x in s.cpu],
    }
    for k, v in s.extra.items():
        out[f"{k}_p50"] = round(statistics.median(v[warm]), 1)
        out[f"{k}_samples"] = [round(x, 1) for x in v]
    return out


class Clicker:
    """Times clicks on pages of one server."""

    def __init__(self, server: Served, wait_idle: Callable):
        self.server = server
        self.wait_idle = wait_idle

    def watch(self, page, cond: str, arg=None) -> None:
        page.evaluate(WATCH.replace("__COND__", cond), arg)

    def timed(
        self, page, cond: str, act: Callable[[], None], arg=None, timeout: float = 120_000, start: str = "click"
    ) -> dict:
        """Click (act), wait for cond, then for the server to be idle: wall ms in the page from the click
        (or from the last keystroke, start="input"), and the server's CPU ms."""
        self.watch(page, cond, arg)
        cpu = self.server.cpu_ms()
        act()
        page.wait_for_function("() => window.__tsWatch && window.__tsWatch.done !== null", timeout=timeout)
        self.wait_idle(page)
        used = self.server.cpu_ms() - cpu
        w = page.evaluate("() => window.__tsWatch")
        return {"wall": w["done"] - w[start], "cpu": used, "w": w}

    def timed_download(self, page, act: Callable[[], None]) -> dict:
        """Click (act) to the whole file in Playwright's hands; the page's clock lined up with ours first."""
        self.watch(page, "() => false")
        offset = clock_offset(page)
        cpu = self.server.cpu_ms()
        with page.expect_download(timeout=120_000) as info:
            act()
        path = info.value.path()
        end = time.time() * 1000 + offset
        self.wait_idle(page)
        used = self.server.cpu_ms() - cpu
        w = page.evaluate("() => window.__tsWatch")
        return {"wall": end - w["click"], "cpu": used, "bytes": Path(path).stat().st_size}

    def idle_rate(self, seconds: float) -> float:
        """CPU ms per second of the server while nobody clicks."""
        cpu = self.server.cpu_ms()
        time.sleep(seconds)
        return (self.server.cpu_ms() - cpu) / seconds


# -- the run -----------------------------------------------------------------------------------------------------


def generatable_clients(settings) -> list[tuple[str, str]]:
    """(id, name) of the demo clients whose default range (last 6 months) is enough to Generate from,
    in the database of `settings` (a core.config.Settings), which gets the demo charts if it is empty."""
    from core import charts, sources
    from core.errors import UserError
    from core.models import Actor
    from core.service import Practice

    ruth = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW, Clinical Supervisor", "K06")
    p = Practice.open(settings, demo_data=True, anchor=date.today())
    try:
        found = []
        for r in p.store.client_rows():
            rng = charts.preset_range(p, ruth, r.id, "Last 6 months")
            try:
                sources.require_sufficient(charts.preview_sources(p, ruth, r.id, rng.start, rng.end, ""))
            except UserError:
                continue
            found.append((r.id, r.full_name))
        return found
    finally:
        p.store.close()


def run(quick: bool, work: Path, log: Callable[[str], None] = print) -> dict:
    from playwright.sync_api import expect, sync_playwright

    reps = 2 if quick else 6  # the whole clinical chain, one client each: the first is the cold one
    sign_ins = 2 if quick else 6
    levels = (1, 3) if quick else (1, 5, 10)
    between = 2  # baseline clicks after each measured repetition

    folder = Path(tempfile.mkdtemp(prefix="browser-", dir=work))
    db, key = folder / "demo.duckdb", folder / "seal.key"
    from core.config import Settings

    clients = generatable_clients(Settings(db_path=db, key_path=key))
    needed = reps + sum(levels)
    if len(clients) < needed:
        raise RuntimeError(f"{len(clients)} demo clients can Generate from the last 6 months; {needed} are needed")
    chain_clients, burst_clients = clients[:reps], clients[reps:needed]
    trivial = folder / "baseline" / "trivial.py"
    trivial.parent.mkdir()
    trivial.write_text(TRIVIAL)
    env = {**os.environ, "TS_DB_PATH": str(db), "TS_KEY_PATH": str(key)}
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "TS_DEMO"):
        env.pop(name, None)  # the offline engine, the default
    code = snapshot(folder / "app")
    app = Served(code / "serve.py", env, folder / "streamlit-app.log", cwd=code)
    base = Served(trivial, env, folder / "streamlit-baseline.log", cwd=code)  # the app's .streamlit/config.toml
    out: dict = {
        "user": USER,
        "database": "demo charts (44 clients), anchored today",
        "engine": "offline",
        "repetitions": reps,
        "sign_ins": sign_ins,
        "cpu_tick_ms": TICK_MS,
    }
    clicks: dict[str, Samples] = {
        k: Samples()
        for k in (
            "sign_in",
            "open_client",
            "generate",
            "autosave",
            "update",
            "sign_dialog",
            "sign",
            "pdf",
            "export",
            "baseline",
        )
    }
    cpu, began = cpu_now(), time.perf_counter()
    try:
        out["server_start_s"] = {"app": round(app.wait_healthy(), 2), "baseline": round(base.wait_healthy(), 2)}
        out["server_settled_s"] = {"app": round(app.settle(), 2), "baseline": round(base.settle(), 2)}
        out["server_cpu_at_settle_ms"] = {"app": round(app.cpu_ms()), "baseline": round(base.cpu_ms())}
        A, B = Clicker(app, wait_idle), Clicker(base, wait_idle)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
            try:

                def new_page():
                    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
                    pg = context.new_page()
                    pg.set_default_timeout(60_000)
                    return pg

                def load(pg, url: str, ready) -> float:
                    started = time.perf_counter()
                    pg.goto(url)
                    expect(ready(pg)).to_be_visible(timeout=120_000)
                    wait_idle(pg)
                    return (time.perf_counter() - started) * 1000

                def user_field(pg):
                    return pg.get_by_label("User name")

                # The baseline page stays open; each of its clicks writes the next line.
                bpage = new_page()
                out["first_page_load_ms"] = {
                    "baseline": round(load(bpage, base.url, lambda pg: pg.get_by_role("button", name="Write a line")))
                }
                clicked = [0]

                def baseline_click(page=bpage, pages_clicked=clicked) -> dict:
                    pages_clicked[0] += 1
                    return B.timed(
                        page,
                        LINE,
                        lambda: page.get_by_role("button", name="Write a line").click(),
                        arg=f"Clicked {pages_clicked[0]} times.",
                    )

                def baseline_turn() -> None:
                    for _ in range(between):
                        r = baseline_click()
                        clicks["baseline"].add(r["wall"], r["cpu"])

                def sign_in_click(pg, cond: str, arg) -> dict:
                    user_field(pg).fill(USER)
                    pg.get_by_label("Password", exact=True).fill(PASSWORDS[USER])
                    return A.timed(pg, cond, lambda: pg.get_by_role("button", name="Sign in").click(), arg=arg)

                # 1. Sign-in: a fresh session each time (the first page load of the process is not timed).
                log("  sign-in")
                for i in range(sign_ins):
                    pg = new_page()
                    ms = load(pg, app.url, user_field)
                    if i == 0:
                        out["first_page_load_ms"]["app"] = round(ms)
                    r = sign_in_click(pg, HEADING, "Clients")
                    clicks["sign_in"].add(r["wall"], r["cpu"])
                    pg.context.close()
                    baseline_turn()
                out["idle_cpu_ms_per_s"] = {"app": round(A.idle_rate(3.0), 2), "baseline": round(B.idle_rate(3.0), 2)}

                # 2. The clinical chain, one client per repetition: open, Generate, type, Update, sign, PDF, export.
                log("  clinical chain")
                page = new_page()
                load(page, app.url, user_field)
                sign_in_click(page, HEADING, "Clients")
                for i, (client_id, name) in enumerate(chain_clients):
                    log(f"    {i + 1}/{reps} {client_id}")
                    page.get_by_placeholder("e.g. Ñúñez or C1001").fill(client_id)
                    page.keyboard.press("Enter")
                    expect(page.get_by_text(re.compile(r"^1 client\."))).to_be_visible()
                    wait_idle(page)
                    box = page.get_by_test_id("stDataFrame").bounding_box()
                    r = A.timed(page, HEADING, lambda: page.mouse.click(box["x"] + 15, box["y"] + 52), arg=name)
                    clicks["open_client"].add(r["wall"], r["cpu"])

                    if page.get_by_role("heading", name="Treatment summaries").count() == 0:
                        page.get_by_role("tab", name="Summary").click()
                    expect(page.get_by_role("heading", name="Treatment summaries")).to_be_visible()
                    page.get_by_role("button", name="Add").click()
                    page.get_by_text("Treatment Summary", exact=True).click()
                    expect(page.get_by_text("New treatment summary")).to_be_visible()
                    wait_idle(page)
                    r = A.timed(page, DRAFT, lambda: page.get_by_role("button", name="Generate").click())
                    clicks["generate"].add(r["wall"], r["cpu"])

                    r = A.timed(page, SAVED, lambda: type_at_end(page, TYPED), timeout=30_000, start="input")
                    w = r["w"]
                    clicks["autosave"].add(r["wall"], r["cpu"], after_send_ms=w["done"] - w["saving"])

                    page.get_by_text("Shorter", exact=True).click()
                    expect(page.get_by_label("Instruction for Update")).to_have_value("shorter")
                    wait_idle(page)
                    before = page.locator(".ts-editor textarea").input_value()
                    r = A.timed(page, UPDATED, lambda: page.get_by_role("button", name="Update").click(), arg=before)
                    clicks["update"].add(r["wall"], r["cpu"])

                    r = A.timed(page, DIALOG, lambda: page.get_by_role("button", name="Sign & Approve").click())
                    clicks["sign_dialog"].add(r["wall"], r["cpu"])
                    dialog = page.get_by_role("dialog")
                    dialog.get_by_text("I attest to the statement above").click()
                    wait_idle(page)
                    password = dialog.get_by_label("Your password, to confirm it is you signing")
                    password.fill(PASSWORDS[USER])
                    password.press("Enter")
                    wait_idle(page)
                    acknowledge = dialog.get_by_text(re.compile(r"^I have read the \d+ statement"))
                    if acknowledge.count():
                        acknowledge.click()
                        wait_idle(page)
                    complete = dialog.get_by_role("button", name="Sign and Complete")
                    r = A.timed(page, SIGNED, lambda: complete.click())
                    clicks["sign"].add(r["wall"], r["cpu"])

                    pdf = page.get_by_role("button", name="Download PDF").first
                    r = A.timed_download(page, lambda: pdf.click())
                    clicks["pdf"].add(r["wall"], r["cpu"], kib=r["bytes"] / 1024)
                    export = page.get_by_role("button", name="Export client data")
                    r = A.timed_download(page, lambda: export.click())
                    clicks["export"].add(r["wall"], r["cpu"], kib=r["bytes"] / 1024)

                    page.get_by_role("link", name="Clients").click()
                    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
                    wait_idle(page)
                    baseline_turn()
                page.context.close()
                out["clients"] = [c for c, _ in chain_clients]

                # 3. Simultaneous sessions: each on its own client's New summary form, Generate clicked at once.
                log("  simultaneous Generates")
                bursts: dict[str, dict] = {}
                left = list(burst_clients)
                for n in levels:
                    mine, left = left[:n], left[n:]
                    pages = [summary_form(new_page(), app, client_id, name) for client_id, name in mine]
                    bursts[str(n)] = burst([app], pages, DRAFT, "Generate")
                    bursts[str(n)]["clients"] = [c for c, _ in mine]
                    for pg in pages:
                        pg.context.close()
                    # The same number of sessions clicking the trivial button at once.
                    tpages = [new_page() for _ in range(n)]
                    for pg in tpages:
                        load(pg, base.url, lambda p: p.get_by_role("button", name="Write a line"))
                    bursts[str(n)]["baseline"] = burst([base], tpages, LINE, "Write a line", "Clicked 1 times.")
                    for pg in tpages:
                        pg.context.close()
                    log(f"    {n}: median {bursts[str(n)]['p50_ms']:.0f} ms, max {bursts[str(n)]['max_ms']:.0f} ms")
                # The app server's peak memory: every session of the run still open on it, the last burst included.
                out["peak_rss_mib"] = round(status_kib(app.proc.pid, "VmHWM") / 1024, 1)
                out["baseline_peak_rss_mib"] = round(status_kib(base.proc.pid, "VmHWM") / 1024, 1)
                out["cpu_window_s"] = round(time.perf_counter() - began, 1)
                out["cpu_ms_by_process"] = cpu_since(cpu)  # the whole section, as in the bursts
                bpage.context.close()
            except Exception:
                failure(browser, (app, base))
                raise
            browser.close()
    finally:
        app.stop()
        base.stop()
    seconds = time.perf_counter() - began
    out["seconds"] = round(seconds, 1)
    out["cores"] = os.cpu_count()
    out["clicks"] = {k: summarize(s) for k, s in clicks.items()}
    out["clicks"]["pdf"]["kib_first"] = round(clicks["pdf"].extra["kib"][0], 1)
    out["simultaneous_generate"] = bursts
    return out


def failure(browser, servers: tuple[Served, ...]) -> None:
    """What the screens and the servers showed when a step failed: screenshots in bench/results/, log tails."""
    shots = ROOT / "bench" / "results"
    shots.mkdir(parents=True, exist_ok=True)
    for i, context in enumerate(browser.contexts):
        for j, pg in enumerate(context.pages):
            try:
                pg.screenshot(path=shots / f"browser-failure-{i}-{j}.png", full_page=True)
            except Exception as e:  # a page that cannot draw any more says so below
                print(f"no screenshot of page {i}-{j}: {e}", file=sys.stderr)
    for server in servers:
        server._log.flush()
        tail = server.log_path.read_text(errors="replace").splitlines()[-25:]
        print(f"--- {server.log_path.name}, last lines:", *tail, sep="\n", file=sys.stderr)
    print(f"screenshots: {shots}/browser-failure-*.png", file=sys.stderr)


def summary_form(page, server: Served, client_id: str, name: str):
    """A fresh session on the client's New treatment summary form, signed in through the link to the client
    (as a clinician opens a link they were sent): `page`, ready for Generate."""
    from playwright.sync_api import expect

    page.goto(f"{server.url}/client?client={client_id}&tab=Summary")
    page.get_by_label("User name").fill(USER)
    page.get_by_label("Password", exact=True).fill(PASSWORDS[USER])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible(timeout=120_000)  # back where the link pointed
    expect(page.get_by_role("heading", name="Treatment summaries")).to_be_visible()
    page.get_by_role("button", name="Add").click()
    page.get_by_text("Treatment Summary", exact=True).click()
    expect(page.get_by_text("New treatment summary")).to_be_visible()
    wait_idle(page)
    return page


def burst(servers: list[Served], pages: list, cond: str, label: str, arg=None) -> dict:
    """Every page clicks its button at the same moment, each on a timer armed for one instant (Playwright's
    clicks one after another, each waiting for its page, spread over a second with ten pages and the
    server busy); each one's wait counts from its own click. The pages may be served by several servers:
    server_cpu_ms is theirs together."""
    for pg in pages:
        pg.get_by_role("button", name=label).scroll_into_view_if_needed()
        pg.evaluate(WATCH.replace("__COND__", cond), arg)
    at = time.time() * 1000 + 300 + 30 * len(pages)  # after every page is armed
    cpu, started = cpu_now(), time.perf_counter()
    for pg in pages:
        pg.evaluate(AT_ONCE, [label, at + clock_offset(pg)])
    for pg in pages:
        pg.wait_for_function("() => window.__tsWatch && window.__tsWatch.done !== null", timeout=180_000)
    for pg in pages:
        wait_idle(pg)
    spent = cpu_since(cpu)
    used = sum(spent[s.name] for s in servers)
    window = (time.perf_counter() - started) * 1000
    marks = [pg.evaluate("() => window.__tsWatch") for pg in pages]
    waits = [m["done"] - m["click"] for m in marks]
    first = min(m["click"] for m in marks)
    return {
        "sessions": len(pages),
        "p50_ms": round(statistics.median(waits), 1),
        "max_ms": round(max(waits), 1),
        "waits_ms": [round(x, 1) for x in waits],
        "click_spread_ms": round(max(m["click"] for m in marks) - first, 1),
        "all_done_after_first_click_ms": round(max(m["done"] for m in marks) - first, 1),
        "server_cpu_ms": round(used, 1),
        "server_cpu_per_click_ms": round(used / len(pages), 1),
        # What ran over the same window (arming to idle), CPU ms: each server; "bench" is this process with
        # Playwright's driver and Chromium; "machine" every process on every core (the rest: other work).
        "window_ms": round(window),
        "cpu_ms_by_process": spent,
        "load_avg_1min_after": round(os.getloadavg()[0], 2),
    }
