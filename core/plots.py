"""Score-trend charts for documents: one small panel per measure with its severity bands, as PNG bytes."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from datetime import date, timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .models import Assessment
from .scoring import INSTRUMENTS

# Light to dark, so a band's shade says how severe it is without a legend.
BAND_SHADES = ("#e9f3ea", "#f5f2dc", "#fbeBd6", "#f9dfcf", "#f6d2d2")
LINE = "#1f4e79"
INK = "#333333"
MUTED = "#7a7a7a"
PER_ROW = 3
PANEL_H = 1.4  # inches per row of panels
DPI = 130
MARGIN = dict(left=0.32, right=0.08, top=0.22, bottom=0.24, gap=0.42)  # inches


def score_trends_png(assessments: Iterable[Assessment], width_in: float = 7.0, dpi: int = DPI) -> bytes | None:
    """PNG of every measure's total scores over time, or None when there are none. Panels are a third of
    width_in wide whatever their number, so one measure does not become one huge chart."""
    points = tuple(
        (a.instrument, a.administered_on, a.total_score)
        for a in sorted(assessments, key=lambda a: (a.administered_on, a.id))
    )
    return _png(points, width_in, dpi) if points else None


@functools.lru_cache(maxsize=32)  # an export renders every summary of a client, often over the same scores
def _png(points: tuple[tuple[str, date, int], ...], width_in: float, dpi: int) -> bytes:
    """Uses the object API (Figure + Agg canvas), never pyplot: pyplot keeps global state that Streamlit's
    one-thread-per-session model would share between users. Axes are placed by hand and ticks set
    explicitly because layout engines and date locators cost more than the drawing itself."""
    by_instrument: dict[str, list[tuple[date, int]]] = {}
    for instrument, day, score in points:
        by_instrument.setdefault(instrument, []).append((day, score))
    codes = [c for c in INSTRUMENTS if c in by_instrument] + sorted(set(by_instrument) - set(INSTRUMENTS))
    cols = min(PER_ROW, len(codes))
    rows = -(-len(codes) // cols)
    height = PANEL_H * rows
    panel_w = (width_in - MARGIN["gap"] * (PER_ROW - 1)) / PER_ROW
    width_in = panel_w * cols + MARGIN["gap"] * (cols - 1)
    fig = Figure(figsize=(width_in, height), dpi=dpi)
    FigureCanvasAgg(fig)
    first = min(d for series in by_instrument.values() for d, _ in series)
    last = max(d for series in by_instrument.values() for d, _ in series)
    for n, code in enumerate(codes):
        row, col = divmod(n, cols)
        x0 = col * (panel_w + MARGIN["gap"]) + MARGIN["left"]
        y0 = height - (row + 1) * PANEL_H + MARGIN["bottom"]
        ax = fig.add_axes(
            (
                x0 / width_in,
                y0 / height,
                (panel_w - MARGIN["left"] - MARGIN["right"]) / width_in,
                (PANEL_H - MARGIN["top"] - MARGIN["bottom"]) / height,
            )
        )
        _panel(ax, code, by_instrument[code], first, last)
    out = io.BytesIO()
    # No 'Software' entry: the same scores give the same bytes (deterministic PDFs).
    fig.savefig(out, format="png", dpi=dpi, metadata={"Software": None}, facecolor="white")
    return out.getvalue()


def _date_ticks(first: date, last: date) -> list[date]:
    """First days of two to four months spread over the range (the range's ends when it is short)."""
    span = (last - first).days
    if span < 62:
        return [first, last] if span else [first]
    months = span // 30
    step = max(1, -(-months // 3))
    start = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
    ticks = []
    while start <= last:
        ticks.append(start)
        for _ in range(step):
            start = (start + timedelta(days=32)).replace(day=1)
    return ticks


def _panel(ax, code: str, points: list[tuple[date, int]], first: date, last: date) -> None:
    spec = INSTRUMENTS.get(code)
    top = spec.max_score if spec else max(s for _, s in points)
    if spec:
        bounds = [low for low, _ in spec.bands] + [spec.max_score]
        for i, (low, label) in enumerate(spec.bands):
            ax.axhspan(low, bounds[i + 1], color=BAND_SHADES[min(i, len(BAND_SHADES) - 1)], lw=0, zorder=0)
            y0, y1 = low, bounds[i + 1]
            if spec.cutoff is not None and y0 < spec.cutoff < y1:  # keep the label clear of the cut-off line
                y0, y1 = max((y0, spec.cutoff), (spec.cutoff, y1), key=lambda part: part[1] - part[0])
            short = label.split(",")[0]
            if (y1 - y0) / spec.max_score >= 0.1 and len(short) <= 18:  # only where the label fits
                ax.text(
                    0.985,
                    (y0 + y1) / 2,
                    short,
                    transform=ax.get_yaxis_transform(),
                    ha="right",
                    va="center",
                    fontsize=5,
                    color=MUTED,
                    zorder=2,
                )
        if spec.cutoff:
            ax.axhline(spec.cutoff, color="#8c8c8c", lw=0.6, ls=(0, (3, 2)), zorder=1)
        ax.set_yticks(sorted({low for low, _ in spec.bands} | {spec.max_score}))
    x = [(d - first).days for d, _ in points]
    scores = [s for _, s in points]
    ax.plot(x, scores, color=LINE, lw=1.3, marker="o", ms=3, zorder=3)
    span = max((last - first).days, 1)
    ax.set_xlim(-span * 0.04, span * 1.04)
    ax.set_ylim(0, top)
    ticks = _date_ticks(first, last)
    ax.set_xticks([(t - first).days for t in ticks], [f"{t:%b %Y}" for t in ticks])
    title = code + (f"   cut-off {spec.cutoff}" if spec and spec.cutoff is not None else "")
    # A text, not set_title: title placement measures the whole axes, which costs more than drawing it.
    ax.text(0, 1.04, title, transform=ax.transAxes, fontsize=7.5, color=INK, fontweight="bold", va="bottom")
    ax.tick_params(labelsize=6, colors=INK, length=2, width=0.5, pad=1.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_linewidth(0.5)
        ax.spines[side].set_color("#888888")
