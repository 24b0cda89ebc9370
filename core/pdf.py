"""Signed treatment summaries as PDF (markdown-pdf on PyMuPDF), rendered only after the signed hash verifies."""

from __future__ import annotations

import functools
import hashlib
import html
import io
import threading
from datetime import date, datetime, timedelta

import pymupdf
from markdown_it import MarkdownIt
from markdown_pdf import MarkdownPdf, Section

from . import access, plots, summaries
from .clock import local_time, stamp
from .config import Settings
from .errors import IntegrityFailure
from .models import Actor, Assessment, Client, Generation, SignedSummary, SourceRef
from .pagination import paginate
from .safety import neutralize_markdown
from .service import Practice

CONFIDENTIAL = (
    "Confidential: protected health information. Disclosure is limited by HIPAA (45 CFR Parts 160 and "
    "164); substance use information may be further protected by 42 CFR Part 2. If you received this "
    "document in error, notify the sender and destroy it."
)
KIND_LABELS = {
    "diagnosis": "Diagnoses",
    "plan": "Treatment plans",
    "assessment": "Assessments",
    "note": "Progress and intake notes",
    "medication": "Medications",
}
PAGE = pymupdf.paper_rect("letter")
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 54, 54, 62
TEXT_WIDTH = PAGE.width - 2 * MARGIN_X
ACCENT = "#1f4e79"
GREY = (0.37, 0.42, 0.47)

# The signed text is model output and untrusted. It is parsed on its own with raw HTML off and without
# images, links or code blocks: no markup or remote content gets through, and an unclosed code fence
# cannot swallow the signature block that follows it.
BODY_MARKDOWN = (
    MarkdownIt("commonmark", {"html": False})
    .enable("table")
    .disable(["image", "link", "autolink", "reference", "fence", "code", "html_block", "html_inline"])
)

# PyMuPDF is not thread-safe and Streamlit serves each session on its own thread.
_LOCK = threading.Lock()

CSS = """
body { font-family: Body; font-size: 9.5pt; line-height: 1.34; color: #222222; margin: 0; }
p { margin: 0 0 5pt 0; }
ul, ol { margin: 0 0 5pt 0; padding-left: 16pt; }
li { margin: 0 0 1.5pt 0; }
.practice { font-size: 9pt; font-weight: bold; color: %(accent)s; letter-spacing: 0.6pt; }
.title { font-size: 19pt; font-weight: bold; color: #111111; margin: 1pt 0 7pt 0; padding: 0; border-bottom: none; }
table.meta { width: 100%%; border-top: 1.6pt solid %(accent)s; border-bottom: 0.6pt solid #9aa9bb;
             margin: 0 0 8pt 0; }
table.meta td { padding: 4pt 10pt 3pt 0; vertical-align: top; font-size: 9.5pt; border-bottom: none;
                width: 33%%; }
table.meta .k { color: #5f6b78; font-size: 7pt; }
h1, h2 { font-size: 11.5pt; font-weight: bold; color: %(accent)s; margin: 11pt 0 4pt 0; padding-bottom: 1.5pt;
     border-bottom: 0.6pt solid #c5d1de; }
h3, h4, h5, h6 { font-size: 10pt; font-weight: bold; color: #222222; margin: 9pt 0 3pt 0; }
table { border-collapse: collapse; margin: 2pt 0 7pt 0; }  /* also keeps forced page breaks after tables finite */
th { text-align: left; font-weight: bold; font-size: 8.5pt; padding: 2pt 10pt 2pt 0;
     border-bottom: 0.9pt solid #555555; }
td { font-size: 8.5pt; padding: 2pt 10pt 2pt 0; vertical-align: top; border-bottom: 0.4pt solid #cccccc; }
.caption { font-size: 7.5pt; color: #5f6b78; margin: 0 0 4pt 0; }
.signature { border: 0.9pt solid %(accent)s; padding: 7pt 9pt 4pt 9pt; margin: 14pt 0 4pt 0; }
.signed { font-size: 10pt; font-weight: bold; color: #111111; margin-bottom: 3pt; }
.attest { font-style: italic; font-size: 8.5pt; color: #333333; }
.hash { font-family: Mono; font-size: 7.5pt; color: #333333; }
.small { font-size: 7.5pt; color: #444444; }
table.details td { font-size: 7.5pt; border-bottom: none; padding: 0.5pt 10pt 0.5pt 0; }
table.details td.k { color: #5f6b78; }
h4 { font-size: 8.5pt; color: #5f6b78; margin: 6pt 0 1pt 0; }
table.sources { width: 100%%; margin: 0 0 3pt 0; }
table.sources td, table.sources th { font-size: 7.5pt; padding: 1.1pt 14pt 1.1pt 0; }
"""


@functools.cache
def _fonts() -> tuple[pymupdf.Archive, str]:
    """Noto Sans (text) and Ubuntu Mono (the hash) from the pymupdf-fonts package, so every machine renders
    with the same fonts; Han and other scripts Noto Sans lacks fall back to the font built into PyMuPDF
    (Droid Sans Fallback). Fonts are subset when the document is saved."""
    archive = pymupdf.Archive()
    css = pymupdf.css_for_pymupdf_font("notos", archive=archive, name="Body")
    css = pymupdf.css_for_pymupdf_font("ubuntm", archive=archive, name="Mono", CSS=css)
    return archive, css + CSS % {"accent": ACCENT}


@functools.cache
def _stamp_fonts() -> dict[str, pymupdf.Font]:
    return {"regular": pymupdf.Font("notos"), "bold": pymupdf.Font("notosbo"), "fallback": pymupdf.Font("cjk")}


def signature_line(summary: SignedSummary, zone: str) -> str:
    return f"Electronically signed by {summary.signature} on {stamp(summary.signed_at, zone)} ({zone})"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


# -- the document as HTML -------------------------------------------------------------------------------


class _Ids:
    """Element ids the pagination pass reads: h (heading), k (kept whole), t (table), b (other blocks)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, kind: str) -> str:
        self.n += 1
        return f"{kind}{self.n}"


def _body(text: str, ids: _Ids) -> str:
    tokens = BODY_MARKDOWN.parse(neutralize_markdown(text))
    table, in_body = None, False
    for t in tokens:
        if t.nesting == 1 and t.level == 0:
            table = ids("t") if t.type == "table_open" else None
            t.attrSet("id", table or ids("h" if t.type == "heading_open" else "b"))
        in_body = (in_body or t.type == "tbody_open") and t.type != "tbody_close"
        if t.type == "tr_open" and table and in_body:
            t.attrSet("id", f"{table}r{ids('')}")
    return BODY_MARKDOWN.renderer.render(tokens, BODY_MARKDOWN.options, {})


def _header(summary: SignedSummary, client: Client, settings: Settings, ids: _Ids) -> str:
    signed = local_time(summary.signed_at, settings.timezone)
    grid = [
        [
            ("Client", f"<b>{_e(client.full_name)}</b>"),
            ("Date of birth", _e(client.date_of_birth.isoformat())),
            ("Client ID", _e(client.id)),
        ],
        [
            ("Period covered", f"{summary.range_start.isoformat()} to {summary.range_end.isoformat()}"),
            ("Purpose", _e(summary.purpose or "Not stated")),
            ("Signed", f"{signed:%Y-%m-%d}, {_e(summary.signature)}"),
        ],
    ]
    rows = "\n".join(
        "<tr>" + "".join(f'<td><span class="k">{k}</span><br/>{v}</td>' for k, v in row) + "</tr>" for row in grid
    )
    return (
        f'<div id="{ids("k")}">\n<div class="practice">{_e(settings.practice_name.upper())}</div>\n'
        f'<h1 class="title">Treatment Summary</h1>\n<table class="meta">\n{rows}\n</table>\n</div>'
    )


def _chart(summary: SignedSummary, png: bytes | None, ids: _Ids) -> str:
    if not png:
        return ""
    width = int.from_bytes(png[16:20], "big") * 72 / plots.DPI  # from the PNG header: panels keep one size
    return (
        f'<h2 id="{ids("h")}">Assessment scores</h2>\n<div id="{ids("k")}">\n'
        f'<p class="caption">Total scores of the measures this summary was built from, '
        f"{summary.range_start.isoformat()} to {summary.range_end.isoformat()}. Shading marks the severity "
        "bands of each measure; the dashed line is its clinical cut-off.</p>\n"
        f'<img src="scores.png" width="{width:.0f}"/>\n</div>'
    )


def _signature(summary: SignedSummary, settings: Settings, ids: _Ids) -> str:
    return (
        f'<div class="signature" id="{ids("k")}">\n'
        f'<p class="signed">{_e(signature_line(summary, settings.timezone))}</p>\n'
        f'<p class="attest">{_e(summary.attestation)}</p>\n'
        f'<p class="small">Content hash (SHA-256): <span class="hash">{_e(summary.content_hash)}</span></p>\n'
        "</div>"
    )


def _sources(summary: SignedSummary, ids: _Ids) -> str:
    """The chart items the summary was built from, one small table per type (the Type column would change
    width from one page to the next when a long list is split, which reads as a different table)."""
    parts = [f'<h3 id="{ids("h")}">Chart items this summary was built from ({len(summary.sources)})</h3>']
    kinds = [k for k in KIND_LABELS if any(s.kind == k for s in summary.sources)]
    kinds += sorted({s.kind for s in summary.sources} - set(kinds))
    for kind in kinds:
        items = [s for s in summary.sources if s.kind == kind]
        table = ids("t")
        rows = "\n".join(
            f'<tr id="{table}r{ids("")}"><td>{s.date.isoformat()}</td><td>{_e(s.title)}</td></tr>' for s in items
        )
        parts.append(
            f'<h4 id="{ids("h")}">{_e(KIND_LABELS.get(kind, kind.title() + "s"))} ({len(items)})</h4>\n'
            f'<table class="sources" id="{table}">\n<thead><tr><th>Date</th><th>Item</th></tr></thead>\n'
            f"<tbody>\n{rows}\n</tbody>\n</table>"
        )
    return "\n".join(parts)


def _details(summary: SignedSummary, settings: Settings, ids: _Ids) -> str:
    g = summary.generation
    details = [
        ("Drafted with", _e(g.label or g.engine)),
        ("Engine and model", f"{_e(g.engine)}, {_e(g.model)}"),
        ("Draft generated", _e(stamp(g.generated_at, settings.timezone))),
        ("Update rounds", str(summary.update_rounds)),
        ("Summary ID", _e(summary.id)),
    ]
    if g.acknowledged:  # the signer saw these findings of the checks and signed the text as it is
        details.append(("Signed with open findings", "<br/>".join(_e(f) for f in g.acknowledged)))
    rows = "\n".join(f'<tr><td class="k">{k}</td><td>{v}</td></tr>' for k, v in details)
    return (
        f'<h2 id="{ids("h")}">Generation details</h2>\n<table class="details" id="{ids("k")}">\n{rows}\n'
        f"</table>\n{_sources(summary, ids)}"
    )


def document_html(summary: SignedSummary, client: Client, settings: Settings, chart_png: bytes | None) -> str:
    ids = _Ids()
    parts = [
        _header(summary, client, settings, ids),
        f'<div class="summary">\n{_body(summary.text, ids)}\n</div>',
        _chart(summary, chart_png, ids),
        _signature(summary, settings, ids),
        _details(summary, settings, ids),
    ]
    # markdown-pdf parses its input as Markdown: one HTML block without blank lines passes through whole
    # (the body has no <pre>, so dropping blank lines changes nothing on the page).
    lines = [line for part in parts for line in part.splitlines() if line.strip()]
    return "<div>\n" + "\n".join(lines) + "\n</div>\n"


# -- after layout: running header, footer, metadata --------------------------------------------------------


def _write(
    page: pymupdf.Page, x: float, y: float, text: str, size: float, bold: bool = False, color=GREY, right: bool = False
) -> float:
    """One line of text, returning where it ends; characters Noto Sans lacks (Han, for instance) come from
    the fallback font."""
    fonts = _stamp_fonts()
    main = fonts["bold" if bold else "regular"]
    runs: list[tuple[pymupdf.Font, str]] = []
    for ch in text:
        font = main if main.has_glyph(ord(ch)) else fonts["fallback"]
        if runs and runs[-1][0] is font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    if right:
        x -= sum(f.text_length(t, fontsize=size) for f, t in runs)
    writer = pymupdf.TextWriter(page.rect)
    for font, chunk in runs:
        _, (x, y) = writer.append((x, y), chunk, font=font, fontsize=size)
    writer.write_text(page, color=color)
    return x


@functools.cache
def _wrapped(text: str, width: float, size: float) -> tuple[str, ...]:
    font, lines = _stamp_fonts()["regular"], [""]
    for word in text.split():
        candidate = f"{lines[-1]} {word}".strip()
        if lines[-1] and font.text_length(candidate, fontsize=size) > width:
            lines.append(word)
        else:
            lines[-1] = candidate
    return tuple(lines)


def _stamp_pages(doc: pymupdf.Document, client: Client, settings: Settings, created_at: datetime) -> None:
    """Running header (from page 2), page numbers and the confidentiality footer, once the page count is known."""
    left, right, total = MARGIN_X, PAGE.width - MARGIN_X, doc.page_count
    foot = PAGE.height - MARGIN_BOTTOM + 22
    for page in doc.pages():
        page.wrap_contents()  # the Story leaves its coordinate transform in force; isolate it from what we add
        if page.number:
            x = _write(page, left, 36, "Treatment Summary", 7.5, bold=True)
            who = f"{client.full_name}  ·  DOB {client.date_of_birth.isoformat()}  ·  {client.id}"
            _write(page, x + 8, 36, who, 7.5)
            _write(page, right, 36, settings.practice_name, 7.5, right=True)
            page.draw_line((left, 41), (right, 41), color=(0.77, 0.82, 0.87), width=0.5)
        page.draw_line((left, foot - 10), (right, foot - 10), color=(0.77, 0.82, 0.87), width=0.5)
        for n, line in enumerate(_wrapped(CONFIDENTIAL, right - left - 110, 6.3)):
            _write(page, left, foot + 9 * n, line, 6.3)
        _write(page, right, foot, f"Page {page.number + 1} of {total}", 8, bold=True, color=(0.2, 0.2, 0.2), right=True)
        _write(page, right, foot + 9, f"Printed {stamp(created_at, settings.timezone)}", 6.3, right=True)


def _pdf_date(utc: datetime) -> str:
    return f"D:{utc:%Y%m%d%H%M%S}+00'00'"


def render(
    summary: SignedSummary, client: Client, assessments: list[Assessment], settings: Settings, created_at: datetime
) -> bytes:
    """The PDF of a verified summary, charting those of the assessments it was built from; the same summary,
    scores, settings and created_at give the same bytes."""
    if not summary.verified:
        raise IntegrityFailure(
            f"Summary {summary.id} fails its integrity check and cannot be rendered to PDF. "
            "Report this to the practice's privacy officer."
        )
    created_at = created_at.replace(microsecond=0)
    used = {s.id for s in summary.sources}
    where = PAGE + (MARGIN_X, MARGIN_TOP, -MARGIN_X, -MARGIN_BOTTOM)
    with _LOCK:
        archive, css = _fonts()
        chart = plots.score_trends_png([a for a in assessments if a.id in used], width_in=TEXT_WIDTH / 72)
        story_archive = pymupdf.Archive(archive)
        if chart:
            story_archive.add((chart, "scores.png"))
        page_html, where = paginate(document_html(summary, client, settings, chart), css, story_archive, where)
        writer = MarkdownPdf(toc_level=2)
        # markdown-pdf keeps metadata in a class attribute dated at import: give this document its own.
        writer.meta = {
            "creationDate": _pdf_date(created_at),
            "modDate": _pdf_date(created_at),
            "creator": f"Treatment Summaries, {settings.practice_name}",
            "producer": "PyMuPDF",
            "title": f"Treatment Summary: {client.full_name}, {summary.range_start} to {summary.range_end}",
            "author": summary.signature,
            "subject": f"Treatment summary {summary.id}, signed; SHA-256 {summary.content_hash}",
            "keywords": "; ".join(x for x in ("treatment summary", client.id, summary.purpose) if x),
        }
        borders = (where.x0, where.y0, where.x1 - PAGE.width, where.y1 - PAGE.height)
        # markdown-pdf hands root to pymupdf.Story(archive=...), which takes an Archive; its annotation says str.
        section = Section(page_html, root=story_archive, paper_size="Letter", borders=borders)  # type: ignore[arg-type]
        writer.add_section(section, user_css=css)
        raw = io.BytesIO()
        writer.save_bytes(raw)
        doc = pymupdf.open("pdf", raw.getvalue())
        _stamp_pages(doc, client, settings, created_at)
        doc.set_metadata(writer.meta)
        doc.subset_fonts()
        # The file id is normally random: derive it from what the document is, for identical bytes.
        file_id = hashlib.md5(f"{summary.content_hash} {created_at.isoformat()}".encode()).hexdigest().upper()
        doc.xref_set_key(-1, "ID", f"[<{file_id}><{file_id}>]")
        out = doc.tobytes(garbage=4, deflate=True, no_new_id=True)
        doc.close()
    return out


def warm(settings: Settings | None = None) -> None:
    """Render a made-up specimen (with scores, so the chart library loads too) and throw it away: the first
    Download PDF of a server process then does not pay for loading the renderer, its fonts and matplotlib."""
    day, moment = date(2026, 1, 5), datetime(2026, 1, 5, 12, 0)
    client = Client(
        id="WARM", full_name="Specimen", first_name="Specimen", last_name="", date_of_birth=date(1990, 1, 1),
        pronouns=None, gender=None, phone=None, email=None, address=None, mrn=None, clinician_id=None,
        ai_consent_on=None,
    )  # fmt: skip
    scores = [Assessment(f"A{n}", "WARM", "PHQ-9", day + timedelta(days=7 * n), 12 - n, None, "") for n in range(3)]
    summary = SignedSummary(
        id="WARM", client_id="WARM", range_start=day, range_end=day + timedelta(days=14), purpose="",
        text="## Identifying context\n\nSpecimen.\n",
        sources=tuple(SourceRef(a.id, "assessment", a.administered_on, a.instrument) for a in scores),
        citations=(), generation=Generation("offline", "", "", moment, 0), generated_text="", update_rounds=0,
        signer_id="", signer_name="Specimen", signer_credentials="", signed_at=moment, attestation="",
        content_hash="", verified=True,
    )  # fmt: skip
    render(summary, client, scores, settings or Settings(), moment)


# -- the Download PDF action -------------------------------------------------------------------------------


def pdf_for(p: Practice, summary: SignedSummary, created_at: datetime) -> bytes:
    client = p.store.client(summary.client_id)
    return render(
        summary,
        client,
        p.store.assessments_between(client.id, summary.range_start, summary.range_end),
        p.settings,
        created_at,
    )


def refuse(p: Practice, actor: Actor, summary: SignedSummary, what: str) -> None:
    """Audit a refusal caused by a failed integrity check: the privacy officer needs to see it."""
    p.store.audit(
        summaries.utcnow(),
        actor.id,
        "refused",
        summary.client_id,
        summary.id,
        None,
        f"{what} refused: integrity check failed (stored sha256 {summary.content_hash})",
    )


def summary_pdf(p: Practice, actor: Actor, summary_id: str, created_at: datetime | None = None) -> bytes:
    """Download PDF: verify the signed content, render it, audit the download."""
    access.require(p.store, actor, "download", summaries.get_summary(p, actor, summary_id).client_id)
    try:
        summary = summaries.verified(p, summary_id)
    except IntegrityFailure:
        refuse(p, actor, summaries.get_summary(p, actor, summary_id), "PDF")
        raise
    data = pdf_for(p, summary, created_at or summaries.utcnow())
    summaries.record_download(p, actor, summary_id)
    return data
