"""Page breaks added after a trial layout: checked by laying the result out again."""

import pymupdf
import pytest

from core.pagination import BREAK, LayoutError, measure, paginate

WHERE = pymupdf.Rect(50, 50, 350, 451)  # a small page, so a few paragraphs fill it
# Paragraphs 16 pt apart; border-collapse as in the PDF's style sheet (see the last test for why).
CSS = "body { margin: 0; font-size: 10pt; } p { margin: 0 0 4pt 0; } table { border-collapse: collapse; }"


def paged(html: str) -> tuple[str, pymupdf.Rect]:
    return paginate(html, CSS, pymupdf.Archive(), WHERE)


def layout(html: str) -> dict[str, tuple[int, int]]:
    """Element id -> (first page, last page) after pagination."""
    out, where = paged(html)
    return {p.id: (p.page, p.last_page) for p in measure(out, CSS, pymupdf.Archive(), where)}


def filler(n: int, prefix: str = "b") -> str:
    return "".join(f'<p id="{prefix}{i}">Line {i} of the text that fills the page.</p>' for i in range(n))


def rows(table: str, n: int) -> str:
    return "".join(f'<tr id="{table}r{i}"><td>2026-01-01</td><td>row {i}</td></tr>' for i in range(n))


def lines_per_page() -> int:
    placed = measure(filler(200), CSS, pymupdf.Archive(), WHERE)
    return sum(1 for p in placed if p.page == 1)


def test_heading_at_the_foot_of_a_page_moves_with_its_text():
    n = lines_per_page() - 1
    pages = layout(filler(n) + '<h2 id="h1">Risk and safety</h2><p id="x1">Text under the heading.</p>')
    assert pages["h1"][0] == pages["x1"][0] == 2


def test_long_table_is_split_with_its_header_on_every_page():
    n = lines_per_page()
    html = (
        filler(5)
        + '<table id="t1"><thead><tr><th>Date</th><th>Item</th></tr></thead><tbody>'
        + rows("t1", 3 * n)
        + "</tbody></table>"
    )
    out, where = paged(html)
    placed = measure(out, CSS, pymupdf.Archive(), where)
    pieces = [p for p in placed if p.id == "t1" or p.id.startswith("t1c")]
    assert len(pieces) >= 3 and out.count("<thead>") == len(pieces)
    for piece in pieces:
        body_rows = [p for p in placed if p.id.startswith("t1r") and p.page == piece.page]
        assert body_rows and all(r.top > piece.top for r in body_rows)
    assert len({p.page for p in pieces}) == len(pieces)  # one piece per page, each opening with its header


def test_short_table_moves_whole_with_its_headings():
    n = lines_per_page() - 4
    html = (
        filler(n) + '<h3 id="h1">Chart items</h3><h4 id="h2">Notes</h4><table id="t1"><thead><tr><th>Date</th>'
        "<th>Item</th></tr></thead><tbody>" + rows("t1", 6) + "</tbody></table>"
    )
    pages = layout(html)
    assert pages["h1"][0] == pages["h2"][0] == pages["t1r0"][0] == pages["t1r5"][0] == 2


def test_kept_block_is_not_split_and_a_block_taller_than_a_page_is_left_alone():
    n = lines_per_page() - 3
    kept = '<div id="k1">' + "".join(f"<p>Signature line {i}</p>" for i in range(6)) + "</div>"
    assert layout(filler(n) + kept)["k1"] == (2, 2)
    huge = '<div id="k2">' + "".join(f"<p>Line {i}</p>" for i in range(3 * lines_per_page())) + "</div>"
    out, _ = paged(filler(3) + huge)
    assert out.count(BREAK) <= 1  # moved once at most, then left to flow


def test_a_missed_page_break_is_caught_and_avoided():
    exact = pymupdf.Rect(50, 50, 350, 450)  # 400 pt: exactly 25 paragraphs, where MuPDF misses the break
    with pytest.raises(LayoutError):
        measure(filler(100), CSS, pymupdf.Archive(), exact)
    html, where = paginate(filler(100), CSS, pymupdf.Archive(), exact)
    assert where.y1 < exact.y1 and max(p.page for p in measure(html, CSS, pymupdf.Archive(), where)) == 4


def test_a_layout_that_never_ends_is_caught():
    table = '<table><tr><td>row</td></tr></table><p style="page-break-before: always">next</p>'
    with pytest.raises(LayoutError) as caught:
        measure(table, "table { border-collapse: separate; }", pymupdf.Archive(), WHERE)
    assert caught.value.endless
    assert max(p.page for p in measure(table.replace("<p", '<p id="p1"'), CSS, pymupdf.Archive(), WHERE)) == 2
