"""Render time and size of signed-summary PDFs on the demo charts; prints a table, writes JSON.

    .venv/bin/python -m bench.pdf [--out results.json] [--runs 7]

Each run starts with the score-chart cache empty, as a first download does; times are wall clock and
CPU time of this process (the CPU column is steadier on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pymupdf

from core import pdf, plots, summaries
from core.config import Settings
from core.models import Actor
from core.service import Practice

ANCHOR = date(2026, 6, 30)
SIGNER = Actor("K01", "Dana Whitfield", "clinician", "LCSW", "K01")
# (client, days, Update instruction applied before signing): short to long documents.
CASES = [("C1013", 91, "shorter"), ("C1001", 91, "shorter"), ("C1001", 182, None), ("C1006", 182, None),
         ("C1004", 1000, None)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        practice = Practice.open(Settings(db_path=Path(tmp) / "bench.duckdb"), today=lambda: ANCHOR, anchor=ANCHOR)
        rows = [measure(practice, *case, runs=args.runs) for case in CASES]
        practice.store.close()
    print(f"{'client':<8} {'range':>6} {'update':<8} {'pages':>5} {'KB':>6} {'wall ms':>8} {'cpu ms':>7}")
    for r in rows:
        print(f"{r['client']:<8} {r['days']:>5}d {r['update'] or '-':<8} {r['pages']:>5} {r['kb']:>6.0f} "
              f"{r['wall_ms']:>8.0f} {r['cpu_ms']:>7.0f}")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n")


def measure(practice: Practice, client: str, days: int, instruction: str | None, runs: int) -> dict:
    draft = summaries.generate(practice, SIGNER, client, ANCHOR - timedelta(days=days), ANCHOR, "Transfer of care",
                               replace_existing=True).draft
    if instruction:
        draft = summaries.update(practice, SIGNER, draft.id, draft.text, instruction)
    summary = summaries.sign(practice, SIGNER, draft.id)
    created = datetime(2026, 7, 1, 12, 0)
    pdf.pdf_for(practice, summary, created)  # warm up imports and fonts, as a running app has
    wall, cpu = [], []
    for _ in range(runs):
        plots._png.cache_clear()
        w, c = time.perf_counter(), time.process_time()
        data = pdf.pdf_for(practice, summary, created)
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    pages = pymupdf.open("pdf", data).page_count
    return {"client": client, "days": days, "update": instruction, "pages": pages, "kb": len(data) / 1024,
            "wall_ms": statistics.median(wall), "cpu_ms": statistics.median(cpu), "runs": runs}


if __name__ == "__main__":
    main()
