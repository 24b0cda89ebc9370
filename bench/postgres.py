"""PostgreSQL beside DuckDB (issue #20): the practice database moved with `python -m core copy`, then source
selection, Generate and autosave on both in the same run, the engines taking turns case by case; and ten
sessions clicking Generate at once in Chromium, served by one app process against two app processes on one
PostgreSQL database.

The server is the one `./dev bench` starts ($TS_TEST_POSTGRESQL, a throwaway cluster with the default
durability settings); each run makes its own databases there and drops them after."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from core import maintenance, summaries
from core.config import Settings
from core.models import Actor
from core.service import Practice

from . import browser, drafting, selection
from .common import sample, stats_ms

SERVER = os.environ.get("TS_TEST_POSTGRESQL")
ADMIN = Actor("cli:bench", "bench", ("supervisor", "admin"), auth="cli")  # as `python -m core copy` runs


def available() -> str | None:
    if not SERVER:
        return "no PostgreSQL server: ./dev bench starts one when Debian's postgresql is installed"
    try:
        import psycopg

        with psycopg.connect(SERVER, connect_timeout=5):
            return None
    except Exception as e:  # noqa: BLE001 - any reason the server cannot be reached is the reason to skip
        return f"the PostgreSQL server in TS_TEST_POSTGRESQL does not answer: {e}"


@contextmanager
def database() -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards: its address."""
    import psycopg

    assert SERVER
    name = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(urlsplit(SERVER)._replace(path="/" + name))
    finally:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run_generates(practices: dict[str, tuple[Practice, list[selection.Case]]]) -> dict:
    """summaries.generate as the Generate button calls it (selection, draft, checks, the draft and its audit
    entry written), replacing the client's draft each time; the engines take turns case by case."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in practices}
    n = max(len(cases) for _, cases in practices.values())
    for i in range(n):
        for name, (p, cases) in practices.items():
            c = cases[i % len(cases)]
            times[name] += sample(
                lambda _i: summaries.generate(
                    p, drafting.ACTOR, c.client_id, c.start, c.end, "Case consultation", replace_existing=True
                ),
                1,
                warmup=0 if i else 2,
            )
    return {name: stats_ms(t) for name, t in times.items()}


def worker() -> None:
    """One process of concurrent_generates (python -m bench.postgres JSON): a thread per case, each drafting once
    to warm up; "ready" on stdout, then at "go" on stdin every thread drafts again; prints each one's seconds."""
    import json
    import sys
    import threading

    args = json.loads(sys.argv[1])
    today = date.fromisoformat(args["today"])
    p = Practice.open(
        Settings(database_url=args["url"], key_path=Path(args["key"])), demo_data=False, today=lambda: today
    )
    go = threading.Barrier(len(args["cases"]) + 1)
    waits: list[float] = []

    def one(client_id: str, start: str, end: str) -> None:
        def generate():
            return summaries.generate(
                p,
                drafting.ACTOR,
                client_id,
                date.fromisoformat(start),
                date.fromisoformat(end),
                "Case consultation",
                replace_existing=True,
            )

        generate()
        go.wait()
        began = time.perf_counter()
        generate()
        waits.append(time.perf_counter() - began)

    threads = [threading.Thread(target=one, args=tuple(c)) for c in args["cases"]]
    for t in threads:
        t.start()
    while go.n_waiting < len(threads):
        time.sleep(0.01)
    print("ready", flush=True)
    sys.stdin.readline()
    go.wait()
    for t in threads:
        t.join()
    p.store.close()
    print(json.dumps(waits), flush=True)


def concurrent_generates(settings: Settings, cases: list, today: date, rounds: int) -> dict:
    """len(cases) Generates at the same instant through core (no browser on the machine's cores): one process
    with a thread per case, against two processes with half the threads each, on one PostgreSQL database. The
    layouts take turns round by round; each wait counts from the common start to that draft being saved."""
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    waits: dict[str, list[float]] = {"one process": [], "two processes": []}
    for _ in range(rounds):
        for layout, parts in (("one process", [cases]), ("two processes", [cases[0::2], cases[1::2]])):
            procs = [
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bench.postgres",
                        json.dumps(
                            {
                                "url": settings.database_url,
                                "key": str(settings.key_path),
                                "today": today.isoformat(),
                                "cases": [(c.client_id, c.start.isoformat(), c.end.isoformat()) for c in part],
                            }
                        ),
                    ],
                    cwd=root,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for part in parts
            ]
            for proc in procs:  # every thread warmed up and waiting
                assert proc.stdout is not None and proc.stdin is not None
                if proc.stdout.readline().strip() != "ready":
                    raise RuntimeError("a generating process ended before it was ready")
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
            for proc in procs:
                out, _ = proc.communicate(timeout=600)
                if proc.returncode != 0:
                    raise RuntimeError(f"a generating process ended with {proc.returncode}")
                waits[layout] += [w * 1000 for w in json.loads(out.strip().splitlines()[-1])]
    return {
        "sessions": len(cases),
        "rounds": rounds,
        **{
            layout: {"p50_ms": round(statistics.median(w), 1), "max_ms": round(max(w), 1), "n": len(w)}
            for layout, w in waits.items()
        },
    }


def core_figures(duck: Practice, url: str, anchor: date, quick: bool) -> dict:
    """The DuckDB practice copied into the empty database at `url`, then the same reads and writes on both."""
    started = time.perf_counter()
    report = maintenance.copy_to(duck, ADMIN, url)
    copy_s = time.perf_counter() - started
    if not report.verified:
        raise RuntimeError(f"the copy does not verify: {report.chain}; {report.not_verified}")
    pg = Practice.open(replace(duck.settings, database_url=url), demo_data=False, today=lambda: anchor)
    try:
        n = 20 if quick else 200
        case_list = selection.cases(duck.store, n, seed=29)
        both: dict[str, object] = {"duckdb": duck.store, "postgresql": pg.store}
        selection.run(both, case_list[:10], anchor)  # warm both alike
        chosen = selection.run(both, case_list, anchor)
        if chosen["mismatches"]:
            raise RuntimeError(f"DuckDB and PostgreSQL select different items on {chosen['mismatches']} cases")
        found = drafting.sufficient(duck, case_list)[: 10 if quick else 60]
        engines = {"duckdb": (duck, found), "postgresql": (pg, found)}
        return {
            "copy": {"seconds": round(copy_s, 1), "rows": sum(report.rows.values()), "verified": report.verified},
            "selection": chosen,
            "selection_hit": {
                "duckdb": selection.hits(duck.store, found, anchor),
                "postgresql": selection.hits(pg.store, found, anchor),
            },
            "draft": drafting.run_drafts(engines),
            "generate": run_generates(engines),
            "autosave": drafting.run_autosave(
                {"duckdb": (duck, found[0]), "postgresql": (pg, found[0])}, 20 if quick else 200
            ),
            "concurrent": concurrent_generates(pg.settings, found[:10], anchor, 1 if quick else 5),
        }
    finally:
        pg.store.close()


def processes(quick: bool, work: Path, log: Callable[[str], None] = print) -> dict:
    """N sessions, each on its own client's New summary form, click Generate at the same instant: all served
    by one `streamlit run serve.py`, then split between two, on one PostgreSQL database; the layouts take
    turns round by round, and the drafts are discarded between rounds (through core, from this process,
    while both servers run) so every round generates from the same charts."""
    from playwright.sync_api import sync_playwright

    sessions, rounds = (4, 1) if quick else (10, 3)
    folder = Path(tempfile.mkdtemp(prefix="processes-", dir=work))
    key = folder / "seal.key"
    with database() as url:
        settings = Settings(database_url=url, key_path=key)
        clients = browser.generatable_clients(settings)[:sessions]
        if len(clients) < sessions:
            raise RuntimeError(f"{len(clients)} demo clients can Generate from the last 6 months; {sessions} needed")
        env = {**os.environ, "TS_DATABASE_URL": url, "TS_KEY_PATH": str(key)}
        for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "TS_DEMO", "TS_DB_PATH"):
            env.pop(name, None)
        code = browser.snapshot(folder / "app")
        servers = [
            browser.Served(code / "serve.py", env, folder / f"streamlit-{i}.log", cwd=code, name=f"app-{i}")
            for i in (1, 2)
        ]
        p = Practice.open(settings, demo_data=False)
        results: dict[str, list[dict]] = {"one process": [], "two processes": []}
        try:
            for s in servers:
                s.wait_healthy()
                s.settle()
            with sync_playwright() as pw:
                chromium = pw.chromium.launch(executable_path=browser.CHROMIUM, headless=True, args=browser.LAUNCH_ARGS)
                try:
                    for r in range(rounds):
                        for layout, used in (("one process", servers[:1]), ("two processes", servers)):
                            pages = []
                            for i, (client_id, name) in enumerate(clients):
                                context = chromium.new_context(viewport={"width": 1400, "height": 1000})
                                page = context.new_page()
                                page.set_default_timeout(60_000)
                                pages.append(browser.summary_form(page, used[i % len(used)], client_id, name))
                            b = browser.burst(used, pages, browser.DRAFT, "Generate")
                            results[layout].append(b)
                            log(f"    round {r + 1}, {layout}: median {b['p50_ms']:.0f} ms, max {b['max_ms']:.0f} ms")
                            for page in pages:
                                page.context.close()
                            for client_id, _ in clients:
                                draft = summaries.active_draft(p, drafting.ACTOR, client_id)
                                if draft is None:
                                    raise RuntimeError(f"no draft for {client_id} after its Generate")
                                summaries.discard(p, drafting.ACTOR, draft.id)
                except Exception:
                    browser.failure(chromium, tuple(servers))
                    raise
                chromium.close()
        finally:
            for s in servers:
                s.stop()
            p.store.close()
    out: dict = {"sessions": sessions, "rounds": rounds, "cores": os.cpu_count(), "clients": [c for c, _ in clients]}
    for layout, bursts in results.items():
        waits = [w for b in bursts for w in b["waits_ms"]]
        out[layout] = {
            "p50_ms": round(statistics.median(waits), 1),
            "max_ms": round(max(waits), 1),
            "round_p50_ms": [b["p50_ms"] for b in bursts],
            "server_cpu_per_click_ms": round(sum(b["server_cpu_ms"] for b in bursts) / len(waits), 1),
            "cpu_ms_by_process": [b["cpu_ms_by_process"] for b in bursts],
        }
    return out


if __name__ == "__main__":
    worker()
