"""Signed summaries as PDF, on real DuckDB files: what the document says (by its extracted text), that only
verified content is rendered, that model output cannot inject markup, and that the bytes are deterministic."""

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pymupdf
import pytest
from pypdf import PdfReader

from core import pdf, summaries
from core.errors import IntegrityFailure, InvalidInput
from core.models import Actor

# Dana signs for clients of other clinicians too in these tests, so she acts with supervisor rights.
DANA = Actor("dana", "Dana Whitfield", ("supervisor",), "LCSW", "K01")
PASSWORD = "dana-demo-2026"
CREATED = datetime(2026, 7, 1, 15, 30)


def sign(practice, client="C1001", days=182, purpose="Transfer of care", text=None):
    """A signed summary; a made-up text (a layout test's) is signed over the checks' findings."""
    today = practice.today()
    draft = summaries.generate(practice, DANA, client, today - timedelta(days=days), today, purpose).draft
    return summaries.sign(practice, DANA, draft.id, text=text, password=PASSWORD, acknowledged=text is not None)


def extract(data: bytes) -> str:
    """The document's text with whitespace collapsed (lines wrap wherever the layout put them)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_pdf_holds_header_body_signature_hash_and_generation_details(practice, artifacts):
    s = sign(practice)
    data = pdf.summary_pdf(practice, DANA, s.id, created_at=CREATED)
    text = extract(data)
    signed = s.signed_at.replace(tzinfo=UTC).astimezone(ZoneInfo("America/Chicago"))
    client = practice.store.client("C1001")
    for expected in [
        "RIVERBEND BEHAVIORAL HEALTH",
        "Treatment Summary",
        "Zoë Ñúñez",
        "Date of birth",
        client.date_of_birth.isoformat(),
        "Client ID C1001",
        f"{s.range_start.isoformat()} to {s.range_end.isoformat()}",
        "Purpose Transfer of care",
        f"Electronically signed by Dana Whitfield, LCSW on {signed:%Y-%m-%d %H:%M} {signed.tzname()} (America/Chicago)",
        s.attestation,
        f"Content hash (SHA-256): {s.content_hash}",
        "Identifying context",
        "Diagnoses",
        "Measurement-based outcomes",
        "Risk and safety",
        "Recommendations and next steps",
        "Assessment scores",
        "Generation details",
        "Rule-based draft (offline engine, no AI model)",
        "offline, rules-v1",
        "Draft generated",
        f"Chart items this summary was built from ({len(s.sources)})",
        "Page 1 of",
        "Confidential: protected health information",
        "Printed 2026-07-01 10:30 CDT",
    ]:
        assert expected in text, expected
    for item in s.sources:
        assert f"{item.date.isoformat()} {item.title}" in text
    meta = PdfReader(io.BytesIO(data)).metadata
    assert meta.title == f"Treatment Summary: Zoë Ñúñez, {s.range_start} to {s.range_end}"
    assert meta.author == "Dana Whitfield, LCSW" and s.id in meta.subject and s.content_hash in meta.subject
    doc = pymupdf.open("pdf", data)
    assert doc.metadata["creationDate"].startswith("D:20260701153000")
    assert [e.action for e in summaries.audit_log(practice, DANA, "C1001")][0] == "download"
    doc[0].get_pixmap(dpi=110).save(artifacts / "summary-C1001-page1.png")
    (artifacts / "summary-C1001.pdf").write_bytes(data)


def test_every_page_is_numbered_and_names_the_client(practice):
    data = pdf.summary_pdf(practice, DANA, sign(practice, days=365).id, created_at=CREATED)
    doc = pymupdf.open("pdf", data)
    assert doc.page_count >= 2
    for page in doc:
        text = page.get_text()
        assert f"Page {page.number + 1} of {doc.page_count}" in text and "Confidential" in text
        if page.number:
            assert "Zoë Ñúñez" in text and "C1001" in text  # the running header of every later page


NAMES = [("C1001", "Zoë Ñúñez"), ("C1006", "李娜"), ("C1007", "Nguyễn Thị Lan"), ("C1008", "Søren Østergaard")]


@pytest.mark.parametrize("client,name", NAMES)
def test_names_in_any_script_survive_extraction(practice, artifacts, client, name):
    s = sign(practice, client=client)
    data = pdf.summary_pdf(practice, DANA, s.id, created_at=CREATED)
    assert name in extract(data) and name in PdfReader(io.BytesIO(data)).metadata.title
    doc = pymupdf.open("pdf", data)
    fonts = {f[3] for page in doc for f in page.get_fonts()}
    assert fonts and all("+" in f for f in fonts), fonts  # every font embedded as a subset
    doc[0].get_pixmap(dpi=110, clip=pymupdf.Rect(0, 0, 612, 200)).save(artifacts / f"header-{client}.png")


def test_file_is_small_with_fonts_subset(practice):
    data = pdf.summary_pdf(practice, DANA, sign(practice, client="C1006").id, created_at=CREATED)
    assert len(data) < 300_000


def test_same_created_at_gives_the_same_bytes(practice):
    s = sign(practice)
    first = pdf.pdf_for(practice, s, CREATED)
    assert pdf.pdf_for(practice, s, CREATED) == first
    later = pdf.pdf_for(practice, s, CREATED + timedelta(days=1))
    assert later != first and "Printed 2026-07-02" in extract(later)


def test_warming_the_renderer_changes_no_later_pdf(practice):
    """The server renders a specimen as it starts (serve.py); a summary's PDF is the same byte for byte."""
    s = sign(practice)
    before = pdf.pdf_for(practice, s, CREATED)
    pdf.warm(practice.settings)
    assert pdf.pdf_for(practice, s, CREATED) == before and "Specimen" not in extract(before)


def test_altered_summary_is_refused_and_the_refusal_audited(practice):
    s = sign(practice)
    practice.store._con.execute(
        "UPDATE summaries SET text = replace(text, 'years old', 'years young') WHERE id = ?", [s.id]
    )
    with pytest.raises(IntegrityFailure, match=f"Summary {s.id} fails its integrity check"):
        pdf.summary_pdf(practice, DANA, s.id, created_at=CREATED)
    tampered = summaries.get_summary(practice, DANA, s.id)
    with pytest.raises(IntegrityFailure):
        pdf.render(tampered, practice.store.client("C1001"), [], practice.settings, CREATED)
    actions = [e.action for e in summaries.audit_log(practice, DANA, "C1001")]
    assert actions[0] == "refused" and "download" not in actions


INJECTED = """## Identifying context

The client attended <img src=http://evil/x> six sessions. ![tracker](http://evil/y.png)

<script>alert("x")</script> See [the leaflet](http://evil/z) and <http://evil/auto>.

[ref]: http://evil/ref

## Measurement-based outcomes

```
an unclosed code fence must not swallow the signature block
"""


def test_model_markup_never_becomes_markup_an_image_or_a_link(practice):
    s = sign(practice, text=INJECTED)
    data = pdf.summary_pdf(practice, DANA, s.id, created_at=CREATED)
    text = extract(data)
    assert "The client attended" in text and "six sessions." in text and "See the leaflet and" in text
    assert "evil/z" not in text and "y.png" not in text and "evil/ref" not in text
    assert "an unclosed code fence must not swallow the signature block" in text
    assert text.index("an unclosed code fence") < text.index("Electronically signed by Dana Whitfield")
    doc = pymupdf.open("pdf", data)
    assert all(not page.get_links() for page in doc)
    assert sum(len(page.get_images()) for page in doc) == 1  # the score chart, nothing from the text


def test_long_table_repeats_its_header_and_headings_stay_with_their_text(practice):
    rows = "\n".join(f"| 2026-01-{n % 28 + 1:02d} | Scale-Q | {n % 27} |" for n in range(120))
    body = "## Scores\n\n| Date | Measure | Score |\n|---|---|---|\n" + rows + "\n\n## After the table\n\nDone."
    data = pdf.summary_pdf(practice, DANA, sign(practice, text=body).id, created_at=CREATED)
    doc = pymupdf.open("pdf", data)
    pages_with_rows = [p for p in doc if any(w[4] == "Scale-Q" for w in p.get_text("words"))]
    assert len(pages_with_rows) >= 3
    for page in pages_with_rows:
        words = [w[4] for w in page.get_text("words") if 44 < w[1] < 700]
        first_row = words.index("Scale-Q")
        assert "Date" in words[:first_row] and "Measure" in words[:first_row], page.number
    for page in doc:  # no heading is the last thing on a page
        blocks = [b for b in page.get_text("blocks") if b[1] < 700]
        assert blocks[-1][4].strip() not in ("Scores", "After the table", "Generation details")


def test_unknown_time_zone_is_a_clear_error(practice):
    s = sign(practice)
    settings = practice.settings.__class__(db_path=practice.settings.db_path, timezone="Mars/Olympus")
    with pytest.raises(InvalidInput, match="not a known time zone"):
        pdf.render(s, practice.store.client("C1001"), [], settings, CREATED)
