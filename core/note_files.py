"""Notes from files: plain text, Markdown, CSV (a note per row) and PDF, as notes of one client.

Every note keeps its type, so an administrative or psychotherapy note stays out of summaries. A
file's notes are all imported or, if one row or page is bad, none of any file, and the error says
which file, row or page and why. A note's id comes from its client, type, date and text, so
importing the same file again adds nothing. The text keeps its words; only a layout flattened by an
export (line breaks turned into commas) is restored, so each header starts its own line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from . import prose
from .errors import InvalidImport
from .fhir.values import stable_id
from .models import NOTE_TYPES
from .text import clean

SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown", ".csv": "csv", ".pdf": "pdf"}
MAX_NOTE_CHARS = 200_000  # a note longer than about 60 pages is a wrong file, not a note
MAX_FILE_BYTES = 50_000_000
# CSV columns: the names this reads, and the other names exports give them.
COLUMNS = {
    "text": ("text", "note", "body", "transcription", "note_text", "content"),
    "date": ("date", "note_date", "service_date", "date_of_service", "visit_date"),
    "type": ("type", "note_type", "kind"),
    "title": ("title", "note_title", "sample_name", "name", "subject"),
    "author": ("author", "clinician", "provider", "author_id"),
    "signed": ("signed", "signed_at", "is_signed", "status"),
}
YES = {"yes", "y", "true", "1", "signed", "final", "finalized", "completed"}
NO = {"no", "n", "false", "0", "unsigned", "draft", "preliminary", "pending"}
WORD_LETTER = {
    "SUBJECTIVE": "S",
    "OBJECTIVE": "O",
    "ASSESSMENT": "A",
    "PLAN": "P",
    "DATA": "D",
    "BEHAVIOR": "B",
    "BEHAVIOUR": "B",
    "INTERVENTION": "I",
    "INTERVENTIONS": "I",
    "RESPONSE": "R",
}
FORMATS = (  # the note layout, from the headers its sections open with
    ("BIRP", ("B", "I", "R", "P")),
    ("DAP", ("D", "A", "P")),
    ("SOAP", ("S", "O", "A", "P")),
)


@dataclass(frozen=True)
class Defaults:
    """What a file does not say about its notes: from the command line or the import page."""

    note_type: str = "progress"
    note_date: date | None = None
    author: str | None = None  # a clinician's id or name
    signed: bool = True  # a note exported from a record system is final unless it says otherwise


@dataclass
class NotesReport:
    file: str
    client_id: str
    notes: int  # notes read from the file
    added: int = 0
    by_type: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        kinds = ", ".join(f"{n} {t}" for t, n in sorted(self.by_type.items()))
        again = self.notes - self.added
        return (
            f"{self.file}: {self.notes} note{'s' if self.notes != 1 else ''} ({kinds}) for client {self.client_id}; "
            f"added {self.added}" + (f", {again} already in the chart (left as they were)." if again else ".")
        )


@dataclass(frozen=True)
class Read:
    """One note as read from a file, before it has an id and an author id."""

    where: str  # "notes.csv row 4", "consult.pdf"
    note_type: str
    note_date: date
    title: str
    author: str | None
    signed_at: datetime | None
    text: str


def read_notes(path: Path, defaults: Defaults, today: date) -> list[Read]:
    """The notes of one file; InvalidImport names the row or page and what is wrong."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InvalidImport(
            f"{path.name}: not a file of notes this can read (plain text, Markdown, CSV or PDF: "
            f"{', '.join(sorted(SUFFIXES))}). Nothing was imported."
        )
    if not path.is_file():
        raise InvalidImport(f"There is no file {path}. Nothing was imported.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidImport(f"{path.name}: larger than {MAX_FILE_BYTES // 1_000_000} MB. Nothing was imported.")
    if kind == "csv":
        return _csv(path, defaults, today)
    text = _pdf_text(path) if kind == "pdf" else _decoded(path.read_bytes(), path.name)
    title = _title(text, path) if kind == "markdown" else _title_of_file(path)
    return [_note(path.name, text, defaults, today, title=title)]


def _decoded(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InvalidImport(
            f"{name}: line {line} is not UTF-8 text (byte {e.start + 1}). Save the file as UTF-8 and import it "
            "again. Nothing was imported."
        ) from None


def _pdf_text(path: Path) -> str:
    import pymupdf  # the PDF library markdown-pdf already brings

    try:
        doc = pymupdf.open(path)
    except Exception:  # noqa: BLE001 - PyMuPDF raises its own types for every kind of broken file
        raise InvalidImport(f"{path.name}: not a readable PDF. Nothing was imported.") from None
    with doc:
        if doc.needs_pass:
            raise InvalidImport(f"{path.name}: the PDF is password-protected. Nothing was imported.")
        pages = []
        for number in range(1, doc.page_count + 1):
            page = doc.load_page(number - 1)
            try:
                text = page.get_text("text", sort=True)
            except Exception:  # noqa: BLE001
                raise InvalidImport(f"{path.name}: page {number} cannot be read. Nothing was imported.") from None
            if not text.strip() and page.get_images():
                raise InvalidImport(
                    f"{path.name}: page {number} is an image without text (a scan?); it would be left out. "
                    "Run text recognition (OCR) on the file first. Nothing was imported."
                )
            pages.append(text.strip())
    return "\n\n".join(p for p in pages if p)


def _title(text: str, path: Path) -> str:
    m = re.search(r"^\s*#{1,6}\s+(.+?)\s*#*\s*$", text, re.M)
    return m.group(1).strip() if m else _title_of_file(path)


def _title_of_file(path: Path) -> str:
    return re.sub(r"[\s_-]+", " ", path.stem).strip().capitalize() or "Imported note"


def _csv(path: Path, defaults: Defaults, today: date) -> list[Read]:
    text = _decoded(path.read_bytes(), path.name)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        raise InvalidImport(f"{path.name}: not a readable CSV ({e}). Nothing was imported.") from None
    if not rows:
        raise InvalidImport(f"{path.name}: the file is empty. Nothing was imported.")
    header = [h.strip().lower().replace(" ", "_") for h in rows[0]]
    where = {key: next((header.index(n) for n in names if n in header), None) for key, names in COLUMNS.items()}
    if where["text"] is None:
        raise InvalidImport(
            f"{path.name}: no column of note text (one named {', '.join(COLUMNS['text'])}). Its columns: "
            f"{', '.join(rows[0])}. Nothing was imported."
        )
    out = []
    for number, row in enumerate(rows[1:], 2):  # row 1 is the header, as a spreadsheet numbers them
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InvalidImport(
                f"{path.name} row {number}: {len(row)} cells where the header has {len(header)}. Nothing was imported."
            )
        cell = {k: (row[i].strip() if i is not None else "") for k, i in where.items()}
        label = f"{path.name} row {number}"
        out.append(
            _note(
                label,
                row[where["text"]],  # type: ignore[index]
                defaults,
                today,
                title=cell["title"] or _title_of_file(path),
                note_type=cell["type"] or None,
                day=cell["date"] or None,
                author=cell["author"] or None,
                signed=cell["signed"] or None,
            )
        )
    if not out:
        raise InvalidImport(f"{path.name}: no rows of notes under the header. Nothing was imported.")
    return out


def _note(
    where: str,
    text: str,
    defaults: Defaults,
    today: date,
    *,
    title: str,
    note_type: str | None = None,
    day: str | None = None,
    author: str | None = None,
    signed: str | None = None,
) -> Read:
    text = clean(text).strip()
    if not text:
        raise InvalidImport(f"{where}: the note has no text. Nothing was imported.")
    if len(text) > MAX_NOTE_CHARS:
        raise InvalidImport(f"{where}: {len(text):,} characters, more than a note holds. Nothing was imported.")
    kind = (note_type or defaults.note_type).strip().lower()
    if kind not in NOTE_TYPES:
        raise InvalidImport(f"{where}: note type {kind!r} is not one of {', '.join(NOTE_TYPES)}. Nothing was imported.")
    if day is not None:
        try:
            when = date.fromisoformat(day[:10])
        except ValueError:
            raise InvalidImport(
                f"{where}: the date {day!r} is not a date (YYYY-MM-DD). Nothing was imported."
            ) from None
    elif defaults.note_date is not None:
        when = defaults.note_date
    else:
        raise InvalidImport(f"{where}: the note has no date; give one (--date YYYY-MM-DD). Nothing was imported.")
    if when > today:
        raise InvalidImport(f"{where}: the date {when} is in the future. Nothing was imported.")
    on_the_day = datetime.combine(when, time())  # when a file says a note is signed but not when
    if signed is None:
        signed_at = on_the_day if defaults.signed else None
    elif signed.lower() in YES:
        signed_at = on_the_day
    elif signed.lower() in NO:
        signed_at = None
    else:
        try:
            signed_at = datetime.fromisoformat(signed)
        except ValueError:
            raise InvalidImport(
                f"{where}: 'signed' is {signed!r}; write yes, no or when it was signed (YYYY-MM-DD HH:MM). "
                "Nothing was imported."
            ) from None
        if signed_at.tzinfo is not None:  # stored as UTC without a zone, like every timestamp of the chart
            signed_at = signed_at.astimezone(UTC).replace(tzinfo=None)
        if signed_at.date() < when:
            raise InvalidImport(f"{where}: signed {signed_at} is before the note's date {when}. Nothing was imported.")
    return Read(where, kind, when, clean(title)[:200], author or defaults.author, signed_at, prose.layout(text))


def note_format(text: str) -> str:
    """SOAP, DAP or BIRP when the note's sections are those letters or words, else free text."""
    heads = {s.header.strip().upper() for s in prose.sections(text) if s.header}
    letters = {h if len(h) == 1 else WORD_LETTER.get(h) for h in heads}
    return next((name for name, need in FORMATS if set(need) <= letters), "free")


def rows(client_id: str, notes: Iterable[Read], clinicians: Mapping[str, str]) -> dict[str, list[dict]]:
    """Chart rows for the notes: the notes, and a clinician row for an author the chart does not know
    (matched by id, else by name, case aside)."""
    known = {k.lower(): v for k, v in clinicians.items()}
    new: dict[str, dict] = {}
    out: dict[str, dict] = {}  # by id: a note given twice is one note
    for n in notes:
        author_id = None
        if n.author:
            author_id = known.get(n.author.lower())
            if author_id is None:
                author_id = stable_id("NC", n.author.lower())
                new[author_id] = {"id": author_id, "display_name": clean(n.author)[:120], "credentials": ""}
        note_id = stable_id("NN", client_id, n.note_type, n.note_date.isoformat(), n.text)
        out.setdefault(
            note_id,
            {
                "id": note_id,
                "client_id": client_id,
                "note_type": n.note_type,
                "note_format": note_format(n.text),
                "note_date": n.note_date,
                "title": n.title,
                "author_id": author_id,
                "signed_at": n.signed_at,
                "text": n.text,
            },
        )
    return {"clinicians": list(new.values()), "notes": list(out.values())}
