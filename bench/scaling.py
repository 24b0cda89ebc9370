"""Cost against size: one client's whole treatment at 50, 500 and 5,000 notes (Generate, a saved edit and
the checks the editor runs after it), fitted as a growth exponent; and the Clients page rerun (AppTest)
at the practice database's size, against reading the whole list as the page did before it was paged."""

from __future__ import annotations

import logging
import math
import os
import shutil
import statistics
from datetime import date
from pathlib import Path

from core import auth, charts, summaries
from core.config import Settings
from core.models import ActiveDraft, Actor
from core.service import Practice

from . import bigdb
from .common import sample, stats_ms

ROOT = Path(__file__).resolve().parent.parent
ACTOR = Actor("cli:bench", "Bench", ("supervisor", "admin"), auth="cli")


def exponent(points: list[tuple[float, float]]) -> float | None:
    """The slope of log(cost) on log(size), least squares: 1.0 is linear."""
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx, my = statistics.fmean(x for x, _ in pts), statistics.fmean(y for _, y in pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return round(sum((x - mx) * (y - my) for x, y in pts) / den, 2) if den else None


def one_chart(notes: int, anchor: date, work: Path, repeats: int) -> dict:
    built = bigdb.ensure(bigdb.Params(clients=1, notes=notes, anchor=anchor), log=lambda _m: None)
    db = work / f"chart-{notes}.duckdb"
    shutil.copyfile(built.path, db)
    p = Practice.open(Settings(db_path=db), demo_data=False, today=lambda: anchor)
    try:
        client_id = p.store.client_rows()[0].id
        first, _ = p.store.chart_span(client_id)
        assert first is not None
        generate, save, checks, in_range = [], [], [], 0
        for i in range(repeats):
            existing = summaries.active_draft(p, ACTOR, client_id)
            if existing:
                summaries.discard(p, ACTOR, existing.id)
            generate += sample(
                lambda _i: summaries.generate(p, ACTOR, client_id, first, anchor, "Case consultation"), 1, 0
            )
            draft = summaries.active_draft(p, ACTOR, client_id)
            assert draft is not None
            sel = summaries.draft_selection(p, ACTOR, draft)
            in_range = len(sel.notes)
            for k in range(3):  # typing: each save, then the checks of the saved text (what the editor shows)
                text = f"{draft.text}\n\nEdit {i}-{k}."

                def saved(_i: int, d: ActiveDraft = draft, t: str = text) -> object:
                    return summaries.save(p, ACTOR, d.id, t, base_revision=d.revision)

                save += sample(saved, 1, warmup=0)
                draft = summaries.active_draft(p, ACTOR, client_id)
                assert draft is not None

                def checked(_i: int, d: ActiveDraft = draft) -> object:
                    return charts.check_text(p, ACTOR, sel, d.text, d.citations)

                checks += sample(checked, 1, warmup=0)
        return {
            "notes_in_chart": built.info["counts"]["notes"],
            "notes_in_range": in_range,
            "generate": stats_ms(generate),
            "first_generate_ms": round(generate[0][0] * 1000, 1),
            "save": stats_ms(save),
            "checks_after_edit": stats_ms(checks),
        }
    finally:
        p.store.close()


def chart_sizes(anchor: date, work: Path, quick: bool) -> dict:
    sizes = (50, 500) if quick else (50, 500, 5000)
    rows = {str(n): one_chart(n, anchor, work, 1 if quick else 3) for n in sizes}
    fit = {
        what: exponent([(r["notes_in_range"], r[what]["p50_ms"]) for r in rows.values()])
        for what in ("generate", "save", "checks_after_edit")
    }
    return {"charts": rows, "growth_exponent": fit}


def clients_page(db: Path, reruns: int) -> dict:
    """The Clients page rerun, signed in as a supervisor (every client), beside the whole list read in
    core (find_clients: what every rerun read before the list was paged)."""
    from streamlit.testing.v1 import AppTest

    from ui import keys

    from .page import _clear

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    _clear()  # the app's practice is cached per process: this one is on `db`
    previous = os.environ.get("TS_DB_PATH")
    os.environ["TS_DB_PATH"] = str(db)
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.session_state[keys.ACTOR] = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW", "K06", auth="cli")
        at.session_state[keys.SIGNED_IN_AT] = auth.now()
        at.run()
        if at.exception:
            raise RuntimeError(f"the Clients page failed: {at.exception[0].message}")
        shown = len(at.dataframe[0].value)
        page = stats_ms(sample(lambda _i: at.run(), reruns, warmup=1))
        p = Practice.open(Settings(db_path=db), demo_data=False)
        whole = stats_ms(sample(lambda _i: charts.find_clients(p, ACTOR), max(3, reruns // 3), warmup=1))
        total = p.store.count_clients()
    finally:
        if previous is None:
            os.environ.pop("TS_DB_PATH", None)
        else:
            os.environ["TS_DB_PATH"] = previous
        _clear()
    return {"clients": total, "rows_shown": shown, "page_rerun": page, "whole_list_read": whole}
