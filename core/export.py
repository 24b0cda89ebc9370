"""The client data export: one ZIP with the client's chart, every signed summary (PDF and JSON) and a manifest."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from . import access, pdf, summaries
from .errors import IntegrityFailure
from .integrity import SIGNED_FIELDS, canonical, content_hash
from .models import Actor, Assessment, Chart, Diagnosis, Medication, Note, Plan, SignedSummary
from .service import Practice

# Psychotherapy notes are kept apart from the rest of the record and are excluded from the HIPAA right
# of access (45 CFR 164.501 and 164.524(a)(1)(i)); every other note type is the client's own chart data.
EXCLUDED_NOTE_TYPES = ("clinical",)
CLIENT_FIELDS = (
    "id",
    "full_name",
    "first_name",
    "last_name",
    "date_of_birth",
    "pronouns",
    "gender",
    "phone",
    "email",
    "address",
    "mrn",
    "clinician_id",
    "ai_consent_on",
)
HASH_METHOD = (
    "SHA-256 of the JSON object made of the fields named in hash_covers, with keys sorted, UTF-8, "
    "non-ASCII characters kept as they are and no spaces (separators ',' and ':')."
)
EXCLUDED = [
    "Psychotherapy notes (a clinician's private notes kept separate from the rest of the record): HIPAA excludes "
    "them from the right of access (45 CFR 164.524(a)(1)(i)). Ask the practice if you want to request them.",
    "Draft treatment summaries, which were never signed.",
    "Deleted treatment summaries, which were removed from the record (the practice keeps an audit trail).",
]
README = """Client data export: {name} ({client_id})
{practice}, created {created} UTC

chart/        your chart, one kind of item per file, as JSON and as CSV (UTF-8; opens in spreadsheet programs):
              client (your profile), diagnoses, assessments (questionnaire scores), treatment_plans,
              notes (intake, progress, administrative and cancellation / no-show notes), medications
summaries/    every signed treatment summary, as PDF and as JSON: the signed text, its date range and purpose,
              who signed it and when, the chart items it was built from, and its SHA-256 content hash
manifest.json every file in this export with its SHA-256, so you can check that nothing was changed

Dates are written YYYY-MM-DD; times are UTC.

Not included:
{excluded}

To check a summary's hash: {method}
"""


def _plain(value: Any) -> Any:
    """JSON-ready values: dates as ISO 8601 (times are UTC), tuples as lists."""
    return canonical(value)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(_plain(v)) for v in value)
    return str(_plain(value))


def _table(rows: list[dict[str, Any]], columns: Iterable[str]) -> dict[str, bytes]:
    """One kind of chart item as JSON and as CSV (BOM so spreadsheet programs read non-Latin names right)."""
    columns = list(columns)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([[_csv_cell(r[c]) for c in columns] for r in rows])
    return {
        "json": _json([{c: _plain(r[c]) for c in columns} for r in rows]),
        "csv": out.getvalue().encode("utf-8-sig"),
    }


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _rows(items: Iterable[Any]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(i) for i in items]


def _fields(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def chart_files(chart: Chart) -> dict[str, bytes]:
    """The chart as JSON and CSV per kind of item; psychotherapy notes stay out (see EXCLUDED)."""
    notes = [n for n in chart.notes if n.note_type not in EXCLUDED_NOTE_TYPES]
    client = {f: getattr(chart.client, f) for f in CLIENT_FIELDS}
    kinds = {
        "client": ([client], CLIENT_FIELDS),
        "diagnoses": (_rows(chart.diagnoses), _fields(Diagnosis)),
        "assessments": (_rows(chart.assessments), _fields(Assessment)),
        "treatment_plans": (_rows(chart.plans), _fields(Plan)),
        "notes": (_rows(notes), _fields(Note)),
        "medications": (_rows(chart.medications), _fields(Medication)),
    }
    files = {}
    for name, (rows, columns) in kinds.items():
        for ext, data in _table(rows, columns).items():
            files[f"chart/{name}.{ext}"] = data
    return files


def signed_fields(summary: SignedSummary) -> dict[str, Any]:
    """The fields the signature's hash covers, as they were hashed at signing."""
    fields = {f: getattr(summary, f) for f in SIGNED_FIELDS if f not in ("sources", "citations", "generation")}
    fields["sources"] = [dataclasses.asdict(s) for s in summary.sources]
    fields["citations"] = [{"paragraph": c.paragraph, "item_ids": list(c.item_ids)} for c in summary.citations]
    fields["generation"] = dataclasses.asdict(summary.generation)
    return {f: canonical(fields[f]) for f in SIGNED_FIELDS}


def summary_record(summary: SignedSummary, zone: str) -> dict[str, Any]:
    """A signed summary as JSON: its signed content and metadata, the hash and how to check it."""
    fields = signed_fields(summary)
    if content_hash(fields) != summary.content_hash:  # the store verified it; this guards the mapping above
        raise IntegrityFailure(f"Summary {summary.id} could not be exported with a checkable hash.")
    return {
        **fields,
        "signature": pdf.signature_line(summary, zone),
        "signed_at_zone": "UTC",
        "content_hash": summary.content_hash,
        "hash_covers": list(SIGNED_FIELDS),
        "hash_method": HASH_METHOD,
    }


def _zip(files: dict[str, bytes], created_at: datetime) -> bytes:
    """A ZIP whose bytes depend only on the files and created_at (fixed order, times and attributes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=created_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return out.getvalue()


def export_client(p: Practice, actor: Actor, client_id: str, created_at: datetime | None = None) -> bytes:
    """The client's data export as ZIP bytes; refused whole when any signed summary fails verification."""
    access.require(p.store, actor, "export", client_id)
    created_at = (created_at or summaries.utcnow()).replace(microsecond=0)
    chart = p.store.chart(client_id)
    signed = sorted(summaries.summaries(p, actor, client_id), key=lambda s: (s.signed_at, s.id))
    failing = [s for s in signed if not s.verified]
    for s in failing:
        pdf.refuse(p, actor, s, "Export")
    if failing:
        names = "; ".join(f"{s.id} ({s.range_start} to {s.range_end}, signed by {s.signature})" for s in failing)
        raise IntegrityFailure(
            f"The export was not created: signed summary {names} fails its integrity check, so "
            "its stored content no longer matches the hash taken at signing. Report this to the "
            "practice's privacy officer; the export can be made once it is resolved."
        )
    files = chart_files(chart)
    for s in signed:
        files[f"summaries/{s.id}.pdf"] = pdf.pdf_for(p, s, created_at)
        files[f"summaries/{s.id}.json"] = _json(summary_record(s, p.settings.timezone))
    readme = README.format(
        name=chart.client.full_name,
        client_id=chart.client.id,
        practice=p.settings.practice_name,
        created=created_at.isoformat(sep=" "),
        excluded="\n".join(f"- {e}" for e in EXCLUDED),
        method=HASH_METHOD,
    )
    files = {"README.txt": readme.encode("utf-8"), **files}
    manifest = {
        "export": "client data export",
        "client_id": chart.client.id,
        "practice": p.settings.practice_name,
        "created_at": created_at.isoformat() + "Z",
        "created_by": actor.id,
        "summaries": [s.id for s in signed],
        "excluded": EXCLUDED,
        "files": [
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for path, data in files.items()
        ],
    }
    archive = _zip({"manifest.json": _json(manifest), **files}, created_at)
    p.store.audit(
        summaries.utcnow(),
        actor.id,
        "export",
        client_id,
        None,
        None,
        f"{len(files) + 1} files, {len(signed)} signed summaries; zip sha256 {hashlib.sha256(archive).hexdigest()}",
    )
    return archive
