"""Encounters and their documents to progress notes: one note per encounter, a note's text counted once.

An encounter with a DocumentReference (or a DiagnosticReport.presentedForm) gives one note with the
document's text; an encounter without one gives a short note listing what its record holds, so older
bundles without notes still document their visits. In the behavioral-health scope only encounters
with behavioral-health content become notes (see relevance.py).
"""

from __future__ import annotations

import base64
import binascii
import html
import re

from .context import ERRORED, NOT_BH, NOT_CHART, REPEATED_NOTE, Context, day, moment
from .reader import Entry, Problem, reference_type
from .relevance import behavioral
from .values import first_date, stable_id, text_of, title

SIGNED = (None, "finished", "unknown")
NOT_HELD = {"cancelled": ERRORED, "entered-in-error": ERRORED, "planned": "planned, not yet held"}
FACT_ORDER = ("Diagnoses recorded", "Measures recorded", "Procedures", "Medications prescribed", "Care plans started")
CLASS_NAMES: dict[str | None, str] = {  # looked up with the class code as given, which may be absent
    "AMB": "ambulatory",
    "EMER": "emergency",
    "IMP": "inpatient",
    "VR": "virtual",
    "HH": "home health",
    "OBSENC": "observation",
    "SS": "short stay",
    "ACUTE": "inpatient acute",
}


def attachment_text(entry: Entry, att: object) -> str | None:
    """The text of an inline text attachment; None for other content (PDFs, links)."""
    if not isinstance(att, dict) or not att.get("data"):
        return None
    ctype = str(att.get("contentType") or "text/plain").lower()
    if not ctype.startswith("text/"):
        return None
    try:
        raw = base64.b64decode(att["data"], validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise Problem(entry, "has note text that is not valid base64") from None
    charset = re.search(r"charset=([\w-]+)", ctype)
    try:
        text = raw.decode(charset.group(1) if charset else "utf-8")
    except (UnicodeDecodeError, LookupError):
        raise Problem(entry, "has note text that is not readable in its stated character set") from None
    if ctype.startswith("text/html"):
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return text.strip() or None


def document_text(entry: Entry) -> str | None:
    r = entry.resource
    atts = (
        [c.get("attachment") for c in r.get("content") or [] if isinstance(c, dict)]
        if entry.type == "DocumentReference"
        else list(r.get("presentedForm") or [])
    )
    return next((t for t in (attachment_text(entry, a) for a in atts) if t), None)


def notes(ctx: Context, encounters: list[Entry], documents: list[Entry], reports: list[Entry]) -> None:
    by_encounter: dict[int, list[tuple[Entry, str]]] = {}
    standalone: list[tuple[Entry, str]] = []
    seen: set[str] = set()
    for entry in documents + reports:  # documents first: a report repeating one is the duplicate
        if entry.resource.get("status") in ("entered-in-error", "cancelled"):
            ctx.skip(entry, ERRORED)
            continue
        text = document_text(entry)
        if text is None:
            ctx.skip(entry, NOT_CHART if entry.type == "DiagnosticReport" else "no readable note text")
            continue
        if text in seen:
            ctx.skip(entry, REPEATED_NOTE)
            continue
        seen.add(text)
        enc = ctx.encounter(entry.resource)
        (by_encounter.setdefault(enc.index, []) if enc is not None else standalone).append((entry, text))
    for enc in encounters:
        encounter_note(ctx, enc, by_encounter.get(enc.index, []))
    for entry, text in standalone:
        standalone_note(ctx, entry, text)


def encounter_note(ctx: Context, enc: Entry, docs: list[tuple[Entry, str]]) -> None:
    r = enc.resource
    status = r.get("status")
    kind = (
        title(text_of((r.get("type") or [None])[0]))
        or f"{CLASS_NAMES.get((r.get('class') or {}).get('code'), 'Clinical')} encounter".capitalize()
    )
    reasons = [t for t in (text_of(c) for c in r.get("reasonCode") or []) if t]
    reasons += [
        text_of(t.resource.get("code"))
        for ref in r.get("reasonReference") or []
        if (t := ctx.index.resolve(ref)) is not None and text_of(t.resource.get("code"))
    ]
    bh = (
        enc.index in ctx.bh_encounters
        or behavioral(kind, *reasons)
        or any(behavioral(text_of(d.resource.get("type"))) for d, _ in docs)
    )
    period = r.get("period") or {}
    start_value = period.get("start") or (docs[0][0].resource.get("date") if docs else None)
    if status in NOT_HELD:
        for entry in [enc] + [d for d, _ in docs]:
            ctx.skip(entry, NOT_HELD[status])
        return
    if not start_value:  # checked whether or not the visit is kept: a malformed file is refused
        raise Problem(enc, "has no period start")
    when = day(enc, start_value, "a period start")
    if not ctx.keep(bh):
        for entry in [enc] + [d for d, _ in docs]:
            ctx.skip(entry, NOT_BH)
        return
    refs = [
        ref
        for ref in [a for d, _ in docs for a in d.resource.get("author") or []]
        + [p.get("individual") for p in r.get("participant") or [] if isinstance(p, dict)]
        if isinstance(ref, dict) and ref.get("reference")
    ]
    author = next((a for a in (ctx.clinician(ref, count=False) for ref in refs) if a), None)
    if author is None and refs:  # counted once per note left without its author
        ctx.unresolved[reference_type(refs[0])] += 1
    if docs:
        text = "\n\n".join(t for _, t in docs)
        stamp = first_date(*(d.resource.get("date") or d.resource.get("issued") for d, _ in docs))
    else:
        text = coded_summary(ctx, enc, kind, reasons, when)
        stamp = period.get("end") or period.get("start")
    draft = any(d.resource.get("docStatus") == "preliminary" for d, _ in docs)
    signed_at = moment(enc, stamp, "a date") if stamp and status in SIGNED and not draft else None
    for entry in [enc] + [d for d, _ in docs]:
        ctx.use(entry)
    ctx.rows["notes"].append(
        {
            "id": stable_id("FN", ctx.client_id, enc.key),
            "client_id": ctx.client_id,
            "note_type": "progress",
            "note_format": "free",
            "note_date": when,
            "title": kind,
            "author_id": author[0] if author else None,
            "signed_at": signed_at,
            "text": text,
        }
    )


def coded_summary(ctx: Context, enc: Entry, kind: str, reasons: list[str], when) -> str:
    """A visit without note text, told from its coded data only: nothing is inferred."""
    facts = ctx.encounter_facts.get(enc.index, {})
    lines = [f"Reason for visit: {'; '.join(reasons)}."] if reasons else []
    lines += [f"{label}: {'; '.join(title(x) for x in facts[label])}." for label in FACT_ORDER if facts.get(label)]
    setting = CLASS_NAMES.get((enc.resource.get("class") or {}).get("code"))
    lines.append(f"Visit: {kind}{f' ({setting})' if setting else ''}, {when.isoformat()}.")
    lines.append("The imported record holds no note text for this visit; these lines list its coded data.")
    return "\n".join(lines)


def standalone_note(ctx: Context, entry: Entry, text: str) -> None:
    r = entry.resource
    kind = title(text_of(r.get("type")) or text_of(r.get("code")) or str(r.get("description") or "")) or "Clinical note"
    if not ctx.keep(behavioral(kind, str(r.get("description") or ""))):
        return ctx.skip(entry, NOT_BH)
    stamp = r.get("date") or r.get("effectiveDateTime") or r.get("issued")
    if not stamp:
        raise Problem(entry, "has no date")
    author = next(
        (a for a in (ctx.clinician(ref, count=False) for ref in r.get("author") or r.get("performer") or []) if a), None
    )
    signed = r.get("docStatus") != "preliminary" and r.get("status") != "preliminary"
    ctx.use(entry)
    ctx.rows["notes"].append(
        {
            "id": stable_id("FN", ctx.client_id, entry.key),
            "client_id": ctx.client_id,
            "note_type": "progress",
            "note_format": "free",
            "note_date": day(entry, stamp, "a date"),
            "title": kind,
            "author_id": author[0] if author else None,
            "signed_at": moment(entry, stamp, "a date") if signed else None,
            "text": text,
        }
    )
