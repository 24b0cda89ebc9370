"""Page breaks that PyMuPDF's Story layout does not make by itself: headings kept with what follows,
blocks kept whole, short tables moved to the next page and long tables split with their header repeated.

Elements take part through their id: "h…" headings, "k…" blocks never split, "tN" tables whose body rows
are "tNrM" (continuations made here are "tNc…"). Everything else with an id is ordinary content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pymupdf

MAX_PASSES = 12
BREAK = '<div style="page-break-before: always"></div>'
SHORT_TABLE = 0.45  # of the page's text height: shorter tables move whole rather than split
OVERFLOW = 40  # points below the text area: more than any bottom margin, so the layout ran off the page
NUDGE = 0.7  # points taken off the text area when MuPDF misses a page break (see measure)
MAX_PAGES = 300  # far beyond any summary: a layout still going is repeating itself


@dataclass(frozen=True)
class Placed:
    id: str
    page: int
    top: float
    bottom: float  # where it ends on its last page
    last_page: int


class LayoutError(Exception):
    """MuPDF's layout ran off the foot of a page, or (endless) kept making pages without end."""

    def __init__(self, page: int, endless: bool = False):
        super().__init__(f"layout {'never ends' if endless else 'runs off'} page {page}")
        self.endless = endless


def measure(html: str, css: str, archive: pymupdf.Archive, where: pymupdf.Rect) -> list[Placed]:
    """Where each element with an id lands, in document order (the layout markdown-pdf will produce).

    Two MuPDF faults raise LayoutError: it misses a page break when blocks end exactly on the bottom edge
    and sets all the rest on that page, past its foot (a text area a fraction of a point shorter avoids
    it); and a forced page break after a table without border-collapse repeats pages for ever.
    """
    story = pymupdf.Story(html=html, user_css=css, archive=archive)
    first: dict[str, tuple[int, float]] = {}
    last: dict[str, tuple[int, float]] = {}
    page = 0

    def record(pos) -> None:
        if pos.id:
            first.setdefault(pos.id, (page, pos.rect[1]))
            last[pos.id] = (page, pos.rect[3])

    more = 1
    while more:
        page += 1
        more, filled = story.place(where)
        if filled[3] > where.y1 + OVERFLOW or page > MAX_PAGES:
            raise LayoutError(page, endless=page > MAX_PAGES)
        story.element_positions(record, {})
        story.draw(None)  # consume the page without drawing it
    return [Placed(i, p, top, last[i][1], last[i][0]) for i, (p, top) in first.items()]


def _fix(placed: list[Placed], html: str, where: pymupdf.Rect) -> str | None:
    """The HTML with the first page-break problem fixed, or None when there is none."""
    for n, el in enumerate(placed):
        nxt = placed[n + 1] if n + 1 < len(placed) else None
        if el.id.startswith("t") and "r" not in el.id:
            # A table's own box may close on the page it opened on while its rows run on: go by the rows.
            rows = _rows(placed, n)
            if not rows or rows[-1].page == el.page:
                continue
            first_rows = [r for r in rows if r.page == el.page]
            tall = sum(r.bottom - r.top for r in rows) > SHORT_TABLE * where.height
            if not tall or len(first_rows) < 2:
                fixed = _break_before(html, _chain_start(placed, n))
                if fixed:
                    return fixed
                continue
            fixed = _split_table(html, el.id, next(r for r in rows if r.page > el.page).id)
            if fixed:
                return fixed
            continue
        # A block's box may only be reported on its first page, cut off at the foot: that is a split too.
        at_foot = el.bottom >= where.y1 - 1 and (nxt is None or nxt.page > el.page)
        runs_on = el.last_page > el.page or at_foot
        fixed = None
        if el.id.startswith("h") and nxt and nxt.page > el.page:
            # What follows may have been moved on its own earlier: move the heading with it instead.
            fixed = _break_before(_unbreak(html, nxt.id), _chain_start(placed, n))
        elif el.id.startswith("k") and runs_on:
            fixed = _break_before(html, _chain_start(placed, n))
        if fixed:
            return fixed
    return None


def _rows(placed: list[Placed], n: int) -> list[Placed]:
    """The body rows of the table (or table continuation) at n: "t3" and "t3c…" both hold rows "t3r…"."""
    prefix = placed[n].id.split("c")[0] + "r"
    rows = []
    for el in placed[n + 1 :]:
        if not el.id.startswith(prefix):
            break
        rows.append(el)
    return rows


def _chain_start(placed: list[Placed], n: int) -> str:
    """The element to break before so that n moves with the headings directly above it on its page."""
    i = n
    while i and placed[i - 1].id.startswith("h") and placed[i - 1].page == placed[n].page:
        i -= 1
    return placed[i].id


def _unbreak(html: str, element_id: str) -> str:
    tag = html.rfind("<", 0, html.find(f'id="{element_id}"'))
    return html[: tag - len(BREAK)] + html[tag:] if html[:tag].endswith(BREAK) else html


def _break_before(html: str, element_id: str) -> str | None:
    """An empty page-breaking block before the element (MuPDF ignores page-break-before on tables), or None
    when the element already starts a page: a block taller than a page cannot be helped."""
    at = html.find(f'id="{element_id}"')
    tag = html.rfind("<", 0, at)
    if at < 0 or html[:tag].endswith(BREAK):
        return None
    return html[:tag] + BREAK + html[tag:]


def _split_table(html: str, table_id: str, row_id: str) -> str | None:
    """Close the table before the row that starts a new page and open a copy with the same header there."""
    opening = re.search(rf'<table[^>]*\bid="{table_id}"[^>]*>', html)
    head = re.search(r"<thead>.*?</thead>", html[opening.end() :], re.DOTALL) if opening else None
    if opening is None or head is None:  # head is None whenever opening is
        return _break_before(html, row_id)
    cont_id = row_id.replace("r", "c", 1)  # "t3r15" -> "t3c15"
    cont = re.sub(r'\sid="[^"]*"', "", opening.group(0)).replace("<table", f'<table id="{cont_id}"', 1)
    at = html.find(f'<tr id="{row_id}"')
    return html[:at] + f"</tbody></table>\n{BREAK}{cont}{head.group(0)}<tbody>" + html[at:]


def paginate(html: str, css: str, archive: pymupdf.Archive, where: pymupdf.Rect) -> tuple[str, pymupdf.Rect]:
    """The HTML with page breaks added until no heading is left alone at a page's foot, no kept block
    is split and every page of a long table starts with its header; and the text area to lay it out in.
    What is returned has been laid out once without fault, so rendering it cannot run off or hang."""
    good = None
    for _ in range(MAX_PASSES):
        try:
            placed = measure(html, css, archive, where)
        except LayoutError as e:
            if e.endless:
                if good is None:
                    raise
                return good  # the last page break made MuPDF loop: keep the layout before it
            where = pymupdf.Rect(where.x0, where.y0, where.x1, where.y1 - NUDGE)
            continue
        good = (html, where)
        fixed = _fix(placed, html, where)
        if fixed is None:
            break
        html = fixed
    if good is None:
        raise LayoutError(0)
    return good
