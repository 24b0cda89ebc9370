"""Benchmarks at practice scale: prints a table and writes JSON (./dev bench --out FILE.json).

    bench/run.py [--out FILE] [--clients N] [--notes M] [--quick] [--rebuild] [--only a,b,...]

Sections: database, selection, payload, draft, autosave, page, clients, scaling, pdf, memory, browser, postgresql,
mutations. Every figure is a median (p95 where asked) over repeated runs, next to a baseline measured in the same
run on this machine; browser times clicks in Chromium against `streamlit run serve.py` (bench/browser.py);
postgresql puts the practice database on the PostgreSQL server ./dev bench starts, beside DuckDB
(bench/postgres.py); mutations is the claim checker's detection rate of injected errors on the demo charts
(bench/mutations.py).
The practice-scale database is cached under bench/.cache/ (see bench/bigdb.py); --rebuild makes it
again. Benchmarks that write work on a copy, so the cached file stays as built.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import (  # noqa: E402
    bigdb,
    browser,
    common,
    drafting,
    memory,
    mutations,
    page,
    payload,
    pdf_render,
    postgres,
    scaling,
    selection,
)
from core.config import Settings  # noqa: E402
from core.service import Practice  # noqa: E402

SECTIONS = (
    "database",
    "selection",
    "payload",
    "draft",
    "autosave",
    "page",
    "clients",
    "scaling",
    "pdf",
    "memory",
    "browser",
    "postgresql",
    "mutations",
)
TARGETS = {
    "selection_hit_p50_ms": 1.0,
    "draft_p50_ms": 50.0,
    "autosave_p50_ms": 5.0,
    "page_p50_ms": 100.0,
    "pdf_p50_ms": 300.0,
    "pdf_kib": 300.0,
    "memory_mib": 500.0,
    "browser_generate_p50_ms": 300.0,  # click Generate -> the draft on screen
    "browser_generate_cpu_ms": 100.0,  # the server's CPU per Generate click
    "browser_10_generates_p50_s": 1.5,  # ten sessions clicking Generate at once: the median wait
    "browser_first_pdf_ratio": 2.0,  # the first PDF of a fresh server process, against a warm one
    "browser_peak_rss_mib": 500.0,  # the app server with every session of the browser run open
    "clients_page_ms": 50.0,  # a Clients page rerun, server CPU (AppTest), at the practice database's size
    "whole_treatment_generate_ms": 500.0,  # a 5,000-note chart
    "whole_treatment_edit_ms": 100.0,  # a saved edit and the checks the editor runs on it, same chart
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Benchmarks at practice scale.")
    ap.add_argument("--out", type=Path, help="write the results as JSON to this file")
    ap.add_argument("--clients", type=int, default=10_000)
    ap.add_argument("--notes", type=int, help="notes in the database (default: 100 per client)")
    ap.add_argument("--quick", action="store_true", help="few samples: checks that everything runs")
    ap.add_argument("--rebuild", action="store_true", help="build the practice database again")
    ap.add_argument("--only", help=f"comma-separated sections of: {', '.join(SECTIONS)}")
    return ap.parse_args(argv)


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path):
        self.args = args
        self.work = work
        self.quick = args.quick
        self.params = bigdb.Params(clients=args.clients, notes=args.notes or args.clients * 100)
        self.anchor: date = self.params.anchor
        self.results: dict = {}
        self.rows: list[tuple[str, ...]] = []
        self.built: bigdb.Built | None = None
        self._big: Practice | None = None
        self._demo: Practice | None = None

    def n(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    # -- the databases ------------------------------------------------------------------------------

    def practice_at(self, path: Path) -> Practice:
        return Practice.open(Settings(db_path=path), demo_data=False, today=lambda: self.anchor)

    def built_db(self) -> bigdb.Built:
        """The practice-scale database, found in the cache or built on first use."""
        if self.built is None:
            self.built = bigdb.ensure(self.params, rebuild=False, log=print)
        return self.built

    def big(self) -> Practice:
        if self._big is None:
            copy = self.work / "practice.duckdb"
            shutil.copyfile(self.built_db().path, copy)
            self._big = self.practice_at(copy)
        return self._big

    def demo(self) -> Practice:
        if self._demo is None:
            path = self.work / "demo.duckdb"
            p = Practice.open(Settings(db_path=path), demo_data=True, today=lambda: self.anchor, anchor=self.anchor)
            self._demo = p
        return self._demo

    def cases(self, p: Practice, n: int, seed: int = 11) -> list[selection.Case]:
        return selection.cases(p.store, n, seed)

    def draft_case(self, p: Practice) -> selection.Case:
        """A client with a six-month range of typical size: the median number of progress notes."""
        found = drafting.sufficient(p, self.cases(p, 60, seed=5))
        found = [c for c in found if (c.end - c.start).days == 182] or found

        def progress_notes(c: selection.Case) -> int:
            sel = selection.select_and_check(p.store, c, self.anchor)
            if sel is None:  # drafting.sufficient kept only cases with enough documentation
                raise AttributeError(f"{c} has too little documentation after all")  # as sel.progress_notes would
            return len(sel.progress_notes)

        counts = sorted((progress_notes(c), c.client_id, c) for c in found)
        return counts[len(counts) // 2][2]

    # -- sections -------------------------------------------------------------------------------------

    def database(self) -> None:
        started = time.perf_counter()
        self.built = bigdb.ensure(self.params, rebuild=self.args.rebuild, log=print)
        info = self.built.info
        self.results["database"] = {
            **info,
            "cached": self.built.cached,
            "path": str(self.built.path.relative_to(ROOT)),
            "ensure_seconds_this_run": round(time.perf_counter() - started, 2),
        }
        counts = info["counts"]
        self.rows.append(
            (
                "Practice database",
                f"{counts['clients']:,} clients, {counts['notes']:,} notes, "
                f"{counts['assessments']:,} assessments, {counts['diagnoses']:,} diagnoses, "
                f"{counts['treatment_plans']:,} plans",
                "",
                "",
            )
        )
        # The maintenance step a practice runs: the arrival-order copy rewritten in client order.
        copy = self.work / "compacting.duckdb"
        shutil.copyfile(self.built.arrival_path, copy)
        store = Practice.open(Settings(db_path=copy), demo_data=False).store
        started = time.perf_counter()
        store.compact()
        compact_s = time.perf_counter() - started
        store.close()
        self.results["database"]["compact_seconds"] = round(compact_s, 2)
        self.results["database"]["compacted_size_bytes"] = copy.stat().st_size
        copy.unlink()
        self.rows.append(
            (
                "  build (cold) / file size",
                f"{info['build_seconds']:.1f} s / {info['size_bytes'] / 2**20:.0f} MiB"
                + ("" if not self.built.cached else " (cached this run)"),
                f"SQLite copy: {info.get('sqlite_build_seconds', 0):.1f} s / "
                f"{info.get('sqlite_size_bytes', 0) / 2**20:.0f} MiB",
                "",
            )
        )
        self.rows.append(
            (
                "  python -m core compact of the arrival-order copy",
                f"{compact_s:.1f} s",
                f"result {self.results['database']['compacted_size_bytes'] / 2**20:.0f} MiB",
                "",
            )
        )

    def selection(self) -> None:
        big = self.big()
        built = self.built_db()
        shutil.copyfile(built.arrival_path, self.work / "arrival.duckdb")
        arrival = self.practice_at(self.work / "arrival.duckdb")
        lite = selection.SqliteChart(built.sqlite_path)
        variants = {
            "duckdb (now: compacted, one-pass reads)": big.store,
            "duckdb before (arrival order, 8 reads)": selection.LegacyChart(arrival.store),
            "duckdb before, compacted (8 reads)": selection.LegacyChart(big.store),
            "duckdb now, arrival order": arrival.store,
            "sqlite with indexes": lite,
        }
        case_list = self.cases(big, self.n(200, 20))
        selection.run(variants, case_list[:10], self.anchor)  # warm the caches of every variant alike
        res = selection.run(variants, case_list, self.anchor)
        res["memory_hit"] = selection.hits(big.store, case_list, self.anchor)
        lite.close()
        arrival.store.close()
        self.results["selection"] = res
        v = res["variants"]
        now = v["duckdb (now: compacted, one-pass reads)"]
        self.rows.append(
            (
                "Source selection p50 / p95",
                common.fig(now, p95=True),
                "; ".join(f"{k}: {common.fig(x)}" for k, x in v.items() if not k.startswith("duckdb (now")),
                "a miss: no slower than the code before (the variants beside it)",
            )
        )
        hit = res["memory_hit"]
        self.rows.append(
            (
                "  the same range again (the store's memory of reads) p50 / p95",
                common.fig(hit, p95=True),
                f"a read from the database, above; {hit['entries']} selections kept, "
                f"{hit['text_bytes'] / 2**20:.1f} MiB of chart text (bounded at 256 and 64 MiB)",
                self.target("selection_hit_p50_ms", hit["p50_ms"], "ms"),
            )
        )
        if res["mismatches"]:
            raise RuntimeError(f"selection variants disagree on {res['mismatches']} cases")

    def payload(self) -> None:
        big = self.big()
        found = drafting.sufficient(big, self.cases(big, self.n(200, 20), seed=13))
        res = payload.run(big, found)
        self.results["payload"] = res
        self.rows.append(
            (
                "Model input tokens per summary (p50)",
                f"{res['input_tokens_p50']:,}",
                f"whole chart in range, every note type, unmasked: {res['whole_chart_tokens_p50']:,} "
                f"(ratio {res['ratio_p50']:.2f})",
                "",
            )
        )
        self.rows.append(
            (
                "  Update: share served by the prompt cache (p50)",
                f"{res['update_cached_share_p50']:.0%} of {res['update_input_tokens_p50']:,}",
                f"min {res['update_cached_share_min']:.0%}; {res['update_prefix_below_minimum']} of "
                f"{res['cases']} below the {res['min_cacheable_tokens']}-token cache minimum",
                "",
            )
        )

    def draft(self) -> None:
        big, demo = self.big(), self.demo()
        n = self.n(100, 10)
        targets = {
            "practice": (big, drafting.sufficient(big, self.cases(big, n * 2, seed=17))[:n]),
            "demo": (demo, drafting.sufficient(demo, self.cases(demo, 44, seed=17))),
        }
        res = drafting.run_drafts(targets)
        self.results["draft"] = res
        self.rows.append(
            (
                "Offline draft end to end p50 / p95",
                common.fig(res["practice"], p95=True),
                f"44-client demo database: {common.fig(res['demo'], p95=True)}",
                self.target("draft_p50_ms", res["practice"]["p50_ms"], "ms"),
            )
        )

    def autosave(self) -> None:
        big, demo = self.big(), self.demo()
        res = drafting.run_autosave(
            {"practice": (big, self.draft_case(big)), "demo": (demo, self.draft_case(demo))}, self.n(200, 20)
        )
        self.results["autosave"] = res
        self.rows.append(
            (
                "Autosave of an edit p50 / p95",
                common.fig(res["practice"], p95=True),
                f"demo database: {common.fig(res['demo'])}",
                self.target("autosave_p50_ms", res["practice"]["p50_ms"], "ms"),
            )
        )

    def page(self) -> None:
        big, demo = self.big(), self.demo()
        targets = {}
        for name, p in (("practice", big), ("demo", demo)):
            case = self.draft_case(p)
            drafting.summaries.generate(
                p, drafting.ACTOR, case.client_id, case.start, case.end, "Case consultation", replace_existing=True
            )
            targets[name] = (Path(p.store.path), case.client_id)
        res = page.run(targets, reruns=self.n(15, 3), rounds=self.n(3, 1))
        self.results["page"] = res
        self.rows.append(
            (
                "Summary page rerun (AppTest) p50",
                common.fig(res["practice"]),
                f"trivial page: {common.fig(res['trivial page'])}; demo database: "
                f"{common.fig(res['demo'])}; first load {res['practice']['first_run_p50_ms']:.0f} ms",
                self.target("page_p50_ms", res["practice"]["p50_ms"], "ms"),
            )
        )
        edit = res["practice, after an edit"]
        self.rows.append(
            (
                "  rerun after an edit (autosave + checks) p50",
                common.fig(edit),
                f"demo database: {common.fig(res['demo, after an edit'])}",
                "",
            )
        )

    def clients(self) -> None:
        res = scaling.clients_page(Path(self.big().store.path), reruns=self.n(9, 3))
        self.results["clients"] = res
        self.rows.append(
            (
                f"Clients page rerun (AppTest, {res['clients']:,} clients, {res['rows_shown']} shown) p50",
                common.fig(res["page_rerun"]),
                f"the whole list read in core (find_clients): {common.fig(res['whole_list_read'])}",
                self.target("clients_page_ms", res["page_rerun"]["cpu_p50_ms"], "ms CPU"),
            )
        )

    def scaling(self) -> None:
        res = scaling.chart_sizes(self.anchor, self.work, self.quick)
        self.results["scaling"] = res
        rows, fit = res["charts"], res["growth_exponent"]
        for n, r in rows.items():
            big = n == "5000"
            self.rows.append(
                (
                    f"Whole treatment, {r['notes_in_chart']:,}-note chart ({r['notes_in_range']:,} usable): Generate",
                    common.fig(r["generate"]) + f"; first {common.fmt_ms(r['first_generate_ms'])}",
                    f"growth exponent {fit['generate']}" if n == "50" else "",
                    self.target("whole_treatment_generate_ms", r["generate"]["p50_ms"], "ms") if big else "",
                )
            )
            edit = r["save"]["p50_ms"] + r["checks_after_edit"]["p50_ms"]
            self.rows.append(
                (
                    "  saved edit / the checks after it",
                    f"{common.fig(r['save'])} / {common.fig(r['checks_after_edit'])}",
                    f"growth exponent {fit['save']} / {fit['checks_after_edit']}" if n == "50" else "",
                    self.target("whole_treatment_edit_ms", edit, "ms") if big else "",
                )
            )

    def pdf(self) -> None:
        big, demo = self.big(), self.demo()
        res = pdf_render.run(
            {"practice": (big, self.draft_case(big)), "demo": (demo, self.draft_case(demo))}, self.n(15, 3)
        )
        self.results["pdf"] = res
        if not res["available"]:
            self.rows.append(("PDF of a signed summary", "not available", res["reason"], "<= 300 ms, <= 300 KiB"))
            return
        r = res["practice"]
        self.rows.append(
            (
                "PDF of a signed summary p50 / size",
                f"{common.fig(r)} / {r['bytes'] / 1024:.0f} KiB, {r['pages']} pages",
                f"demo database: {common.fig(res['demo'])} / {res['demo']['bytes'] / 1024:.0f} KiB",
                self.target("pdf_p50_ms", r["p50_ms"], "ms") + "; " + self.target("pdf_kib", r["bytes"] / 1024, "KiB"),
            )
        )

    def memory(self) -> None:
        why = memory.available()
        if self.quick or why:
            self.results["memory"] = {"skipped": why or "quick run"}
            self.rows.append(("App peak memory", "skipped", why or "quick run", ""))
            return
        big = self.big()
        self.built = self.built or bigdb.ensure(self.params)
        out = {}
        for name, source in (("practice", self.built.path), ("demo", None)):
            db = self.work / f"server-{name}.duckdb"
            if source:
                shutil.copyfile(source, db)
                p = self.practice_at(db)
            else:
                p = Practice.open(Settings(db_path=db), demo_data=True, today=lambda: self.anchor, anchor=self.anchor)
            case = self.draft_case(p)
            drafting.summaries.generate(
                p, drafting.ACTOR, case.client_id, case.start, case.end, "Case consultation", replace_existing=True
            )
            clients = [c.client_id for c in self.cases(p, 2, seed=23)]
            p.store.close()
            del p
            gc.collect()
            out[name] = memory.serve_and_load(
                db, memory.visits_for(clients, case.client_id), self.work / f"streamlit-{name}.log"
            )
        del big
        self.results["memory"] = out
        self.rows.append(
            (
                "App peak RSS (streamlit run, 5 page loads)",
                f"{out['practice']['peak_rss_mib']:.0f} MiB",
                f"demo database: {out['demo']['peak_rss_mib']:.0f} MiB",
                self.target("memory_mib", out["practice"]["peak_rss_mib"], "MiB"),
            )
        )

    def browser(self) -> None:
        """Click to result in Chromium against `streamlit run serve.py`, against a trivial Streamlit button."""
        why = browser.available()
        named = "browser" in [s.strip() for s in (self.args.only or "").split(",")]
        if why or (self.quick and not named):
            reason = why or "quick run of every section (--only browser --quick runs it)"
            self.results["browser"] = {"skipped": reason}
            self.rows.append(("Browser click to result", "skipped", reason, ""))
            return
        started = common.machine()
        res = browser.run(self.quick, self.work, log=print)
        res["machine"] = started
        res["load_avg_at_end"] = common.machine()["load_avg_at_start"]
        self.results["browser"] = res
        c, base = res["clicks"], res["clicks"]["baseline"]

        def ms(x: float) -> str:
            return f"{x:.0f} ms" if abs(x) >= 10 else f"{x:.1f} ms"

        def vs(wall: float, cpu: float | None = None) -> str:
            text = f"x{wall / base['p50_ms']:.1f}"
            if cpu is not None:
                text += f", CPU x{cpu / base['cpu_p50_ms']:.1f}" if base["cpu_p50_ms"] else ", CPU -"
            return text

        def row(label: str, k: str, note: str = "", target: str = "") -> None:
            x = c[k]
            self.rows.append(
                (
                    f"  {label}",
                    f"{ms(x['p50_ms'])} (server CPU {ms(x['cpu_p50_ms'])}){note}",
                    vs(x["p50_ms"], x["cpu_p50_ms"]),
                    target,
                )
            )

        self.rows.append(
            (
                "Browser: click to result p50 (server CPU p50)",
                f"Chromium, {res['user']}, {res['repetitions']} clients (the first one's clicks kept apart)",
                f"trivial Streamlit button: {ms(base['p50_ms'])} (server CPU {ms(base['cpu_p50_ms'])}), "
                f"n={base['n']}; ratios below",
                "",
            )
        )
        self.rows.append(
            (
                "  server CPU while idle",
                f"{res['idle_cpu_ms_per_s']['app']:.1f} ms per s",
                f"trivial: {res['idle_cpu_ms_per_s']['baseline']:.1f} ms per s",
                "",
            )
        )
        row("sign in -> Clients list", "sign_in")
        row("open a client from the list", "open_client")
        g = c["generate"]
        row(
            "Generate -> draft in the editor",
            "generate",
            target=self.target("browser_generate_p50_ms", g["p50_ms"], "ms")
            + "; CPU "
            + self.target("browser_generate_cpu_ms", g["cpu_p50_ms"], "ms"),
        )
        row(
            "autosave: last keystroke -> Saved",
            "autosave",
            note=f"; {ms(c['autosave']['after_send_ms_p50'])} after the editor's 1 s pause",
        )
        row("Update (Shorter) -> updated draft", "update")
        row("Sign & Approve -> the signing dialog", "sign_dialog")
        row("Sign and Complete -> signed", "sign")

        def first(label: str, x: dict, note: str = "", target: str = "") -> None:
            self.rows.append(
                (
                    f"  first {label} of the server process",
                    f"{ms(x['first_ms'])} (server CPU {ms(x['first_cpu_ms'])}){note}",
                    vs(x["first_ms"], x["first_cpu_ms"]),
                    target,
                )
            )

        pdf, ex = c["pdf"], c["export"]
        ratio = self.target("browser_first_pdf_ratio", pdf["first_ms"] / pdf["p50_ms"], "x a later one")
        first("PDF", pdf, f", {pdf['kib_first']:.0f} KiB", ratio)
        row("later PDF", "pdf")
        first("export", ex)
        row("later export", "export", note=f", {ex['kib_p50']:.0f} KiB")
        for n, b in res["simultaneous_generate"].items():
            t = b["baseline"]
            self.rows.append(
                (
                    f"  {n} simultaneous Generate{'s' if n != '1' else ''}: median / max wait",
                    f"{ms(b['p50_ms'])} / {ms(b['max_ms'])} (server CPU {ms(b['server_cpu_per_click_ms'])} per click)",
                    f"{n} trivial clicks at once: {ms(t['p50_ms'])} / {ms(t['max_ms'])}; "
                    f"x{b['p50_ms'] / t['p50_ms']:.1f} / x{b['max_ms'] / t['max_ms']:.1f}",
                    self.target("browser_10_generates_p50_s", b["p50_ms"] / 1000, "s") if n == "10" else "",
                )
            )
        n, b = list(res["simultaneous_generate"].items())[-1]
        spent, cores = b["cpu_ms_by_process"], res["cores"]
        self.rows.append(
            (
                f"  CPU while the {n} Generates ran ({b['window_ms'] / 1000:.1f} s, {cores} cores)",
                f"server {spent['serve'] / 1000:.1f} s; Chromium, Playwright and this process "
                f"{spent['bench'] / 1000:.1f} s",
                f"every process: {spent['machine'] / 1000:.1f} s of {b['window_ms'] * cores / 1000:.1f} s; "
                f"clicks spread over {b['click_spread_ms']:.0f} ms",
                "",
            )
        )

        self.rows.append(
            (
                "  app server's peak memory (VmHWM) after every session of the run",
                f"{res['peak_rss_mib']:.0f} MiB",
                f"the trivial script's server: {res['baseline_peak_rss_mib']:.0f} MiB",
                self.target("browser_peak_rss_mib", res["peak_rss_mib"], "MiB"),
            )
        )

    def postgresql(self) -> None:
        """The practice database on PostgreSQL beside DuckDB; ten simultaneous Generates on one and on two processes."""
        why = postgres.available()
        if why:
            self.results["postgresql"] = {"skipped": why}
            self.rows.append(("PostgreSQL beside DuckDB", "skipped", why, ""))
            return
        with postgres.database() as url:
            res = postgres.core_figures(self.big(), url, self.anchor, self.quick)
        self.results["postgresql"] = res
        copy = res["copy"]
        self.rows.append(
            (
                "PostgreSQL: python -m core copy of the practice database",
                f"{copy['seconds']:.0f} s, {copy['rows']:,} rows",
                "every signed summary and the audit chain verified in the copy" if copy["verified"] else "NOT verified",
                "",
            )
        )

        def beside(label: str, x: dict, p95: bool = True) -> None:
            pg, duck = x["postgresql"], x["duckdb"]
            self.rows.append(
                (
                    f"  {label}: PostgreSQL p50{' / p95' if p95 else ''}",
                    common.fig(pg, p95=p95),
                    f"DuckDB: {common.fig(duck, p95=p95)}; x{pg['p50_ms'] / duck['p50_ms']:.2f}",
                    "",
                )
            )

        beside("source selection (a read from the database)", res["selection"]["variants"])
        beside("the same range again (the store's memory of reads)", res["selection_hit"])
        beside("offline draft end to end (nothing written)", res["draft"])
        beside("Generate (summaries.generate: the draft and its audit entry written)", res["generate"])
        beside("autosave of an edit", res["autosave"])
        cc = res["concurrent"]
        one, two = cc["one process"], cc["two processes"]
        self.rows.append(
            (
                f"  {cc['sessions']} Generates at once through core, two processes: median / max wait",
                f"{common.fmt_ms(two['p50_ms'])} / {common.fmt_ms(two['max_ms'])}",
                f"one process ({cc['sessions']} threads): {common.fmt_ms(one['p50_ms'])} / "
                f"{common.fmt_ms(one['max_ms'])}; x{two['p50_ms'] / one['p50_ms']:.2f} / "
                f"x{two['max_ms'] / one['max_ms']:.2f}; {cc['rounds']} rounds",
                "",
            )
        )
        named = "postgresql" in [s.strip() for s in (self.args.only or "").split(",")]
        why = browser.available()
        if why or (self.quick and not named):
            reason = why or "quick run of every section (--only postgresql --quick runs it)"
            res["processes"] = {"skipped": reason}
            self.rows.append(("  simultaneous Generates, one process against two", "skipped", reason, ""))
            return
        res["processes"] = proc = postgres.processes(self.quick, self.work, log=print)
        one, two = proc["one process"], proc["two processes"]
        n = proc["sessions"]
        self.rows.append(
            (
                f"  {n} simultaneous Generates (Chromium), two app processes: median / max wait",
                f"{common.fmt_ms(two['p50_ms'])} / {common.fmt_ms(two['max_ms'])} "
                f"(server CPU {common.fmt_ms(two['server_cpu_per_click_ms'])} per click)",
                f"one app process, same database: {common.fmt_ms(one['p50_ms'])} / {common.fmt_ms(one['max_ms'])} "
                f"(CPU {common.fmt_ms(one['server_cpu_per_click_ms'])}); x{two['p50_ms'] / one['p50_ms']:.2f} / "
                f"x{two['max_ms'] / one['max_ms']:.2f}; {proc['rounds']} rounds, {proc['cores']} cores",
                "",
            )
        )

    def mutations(self) -> None:
        """Recall of the claim checker on errors injected into the demo charts' drafts (no big database)."""
        res = mutations.run(self.quick, practice=self.demo())
        self.results["mutations"] = res
        o, fa = res["overall"], res["false_alarms"]
        scored = [(r["recall"], name) for name, r in res["operators"].items() if r["recall"] is not None]
        self.rows.append(
            (
                "Claim checker: injected errors detected",
                f"{mutations.pct(o['recall'])} of {o['applicable']} ({res['drafts']} drafts)",
                f"false alarms: {mutations.fine_pct(fa['rate'])} of {fa['sentences']} clean sentences; "
                f"macro recall {mutations.pct(o['macro_recall'])}",
                "",
            )
        )
        self.rows.append(
            (
                "  weakest error types",
                "; ".join(f"{name} {mutations.pct(r)}" for r, name in sorted(scored)[:3]),
                f"checker p50 {res['findings_ms_p50'] or 0:.0f} ms per draft",
                "",
            )
        )

    def target(self, key: str, value: float, unit: str) -> str:
        limit = TARGETS[key]
        self.results.setdefault("targets", {})[key] = {"target": limit, "value": round(value, 3), "met": value <= limit}
        return f"<= {limit:g} {unit}: {'met' if value <= limit else 'NOT met'}"

    def close(self) -> None:
        for p in (self._big, self._demo):
            if p is not None:
                p.store.close()


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    chosen = [s.strip() for s in args.only.split(",")] if args.only else list(SECTIONS)
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        print(f"unknown sections: {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    machine = common.machine()
    bigdb.CACHE.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="work-", dir=bigdb.CACHE) as tmp:
        bench = Bench(args, Path(tmp))
        try:
            for section in SECTIONS:
                if section in chosen:
                    print(f"[{time.perf_counter() - started:6.1f} s] {section} ...", flush=True)
                    getattr(bench, section)()
        finally:
            bench.close()
    elapsed = round(time.perf_counter() - started, 1)
    header = (
        f"Treatment Summaries benchmarks, {machine['date']}: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['ram_gib']} GiB RAM, Python {machine['python']}, DuckDB {machine['duckdb']}, "
        f"SQLite {machine['sqlite']}; load average at start {machine['load_avg_at_start']}; "
        f"{elapsed} s in all" + (" (quick)" if args.quick else "")
    )
    print()
    print(header)
    print(common.table(bench.rows, ("Measure", "Figure", "Baseline (same run)", "Target")))
    report = {
        "machine": machine,
        "params": {
            "clients": bench.params.clients,
            "notes": bench.params.notes,
            "anchor": bench.anchor.isoformat(),
            "quick": args.quick,
        },
        "elapsed_seconds": elapsed,
        "results": bench.results,
        "table": [dict(zip(("measure", "figure", "baseline", "target"), r)) for r in bench.rows],
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
