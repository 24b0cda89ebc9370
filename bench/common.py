"""Shared by the benchmarks: timing with medians and p95, the machine's description, the table."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def stats_ms(samples: list[tuple[float, float]]) -> dict:
    """Median, p95 and minimum of wall-clock samples, plus the median CPU time of this process (all
    its threads) over the same calls: steadier than wall time when other work shares the machine."""
    ms = [w * 1000 for w, _ in samples]
    cpu = [c * 1000 for _, c in samples]
    return {
        "p50_ms": round(statistics.median(ms), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "min_ms": round(min(ms), 3),
        "cpu_p50_ms": round(statistics.median(cpu), 3),
        "n": len(ms),
    }


def sample(fn: Callable[[int], object], n: int, warmup: int = 3) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of n calls of fn(i) after a few warm-up calls; garbage collection is kept
    out of the timed calls (collected between them) so one slow pause does not land on a random sample."""
    for i in range(warmup):
        fn(i)
    times = []
    for i in range(n):
        gc.collect()
        gc.disable()
        try:
            cpu = time.process_time()
            started = time.perf_counter()
            fn(i)
            times.append((time.perf_counter() - started, time.process_time() - cpu))
        finally:
            gc.enable()
    return times


def machine() -> dict:
    import sqlite3

    import duckdb

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    cores: int | None
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    return {
        "cpu": cpu,
        "cores": cores,
        "ram_gib": ram,
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "sqlite": sqlite3.sqlite_version,
        "load_avg_at_start": load,
        "date": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f} ms" if value < 1 else f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"


def fig(stats: dict, p95: bool = False) -> str:
    """'p50 [/ p95] (CPU p50)' of one stats_ms result."""
    text = fmt_ms(stats["p50_ms"]) + (f" / {fmt_ms(stats['p95_ms'])}" if p95 else "")
    return f"{text} (CPU {fmt_ms(stats['cpu_p50_ms'])})"


def table(rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(tuple("-" * w for w in widths)), *map(line, rows)])
