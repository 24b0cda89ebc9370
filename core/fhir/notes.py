"""Encounters and their documents to progress notes: one note per encounter, a note's text counted once.

An encounter with a DocumentReference (or a DiagnosticReport.presentedForm) gives one note with the
document's text; an encounter without one gives a short note listing what its record holds, so older
bundles without notes still document their visits. In the behavioral-health scope only encounters
with behavioral-health content become notes, never a wellness, routine obstetric, telephone or
administrative visit (see relevance.py), and a document keeps only its behavioral-health lines: no
immunizations, demographics (age, race and ethnicity, marital status, orientation, education,
insurance) or other conditions and procedures. No note lists an item dated after the note.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from datetime import date

from ..text import joined_lines
from .context import ERRORED, NOT_A_SESSION, NOT_BH, NOT_CHART, REPEATED_NOTE, Context, day, moment
from .reader import Entry, Problem, reference_type
from .relevance import behavioral, behavioral_concept, behavioral_medication, controlled, routine_visit
from .values import fact_key, first_date, stable_id, text_of, title

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
    types = [t for t in r.get("type") or [] if isinstance(t, dict)]
    reasons = [t for t in (text_of(c) for c in r.get("reasonCode") or []) if t]
    reasons += [
        text_of(t.resource.get("code"))
        for ref in r.get("reasonReference") or []
        if (t := ctx.index.resolve(ref)) is not None and text_of(t.resource.get("code"))
    ]
    bh = (
        enc.index in ctx.bh_encounters
        or behavioral(kind, *reasons)
        or any(behavioral_concept(c, "") for c in types + list(r.get("reasonCode") or []))
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
    # A screen at a check-up or a call about a refill is not a session: in the behavioral-health scope
    # such visits are left out, so a summary never counts them (their scores and diagnoses are kept).
    reason = (
        NOT_BH if not ctx.keep(bh) else NOT_A_SESSION if ctx.behavioral_only and routine_visit(types, kind) else None
    )
    if reason:
        for entry in [enc] + [d for d, _ in docs]:
            ctx.skip(entry, reason)
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
        text = "\n\n".join(behavioral_text(ctx, t, when, enc.index) for _, t in docs)
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
    recorded = ctx.encounter_facts.get(enc.index, {})
    # Only what was recorded by the day of the visit: Synthea files some later items under it.
    facts = {
        label: [x for x, days in recorded.get(label, {}).items() if any(d is None or d <= when for d in days)]
        for label in FACT_ORDER
    }
    if ctx.behavioral_only:  # a behavioral-health visit for bronchitis too: only its behavioral-health reasons
        reasons = [x for x in reasons if behavioral(x) or fact_key(x) in ctx.kept_terms]
    lines = [f"Reason for visit: {'; '.join(reasons)}."] if reasons else []
    lines += [f"{label}: {'; '.join(title(x) for x in facts[label])}." for label in FACT_ORDER if facts[label]]
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
    when = day(entry, stamp, "a date")
    ctx.use(entry)
    ctx.rows["notes"].append(
        {
            "id": stable_id("FN", ctx.client_id, entry.key),
            "client_id": ctx.client_id,
            "note_type": "progress",
            "note_format": "free",
            "note_date": when,
            "title": kind,
            "author_id": author[0] if author else None,
            "signed_at": moment(entry, stamp, "a date") if signed else None,
            "text": behavioral_text(ctx, text, when, None),
        }
    )


# -- the behavioral-health lines of a document ------------------------------------------------------

IMMUNIZATION = re.compile(r"\bimmuni[sz]|\bvaccin|\binoculat", re.IGNORECASE)
SUBJECT = r"^(?:the\s+)?(?:patient|client)\s+"
PEOPLE = (
    r"non-?hispanic|hispanic|latin[oax]|white|black|african[- ]american|asian|american|indian|alaska|native|"
    r"pacific|islander|hawaiian|caucasian|multiracial|other|male|female|man|woman|boy|girl|transgender|non-?binary"
)
# Sentences that only state who the person is: age with race and gender ("Zula72 is a 44 year-old
# non-hispanic white female."), marital status, orientation, background, education, insurance.
DEMOGRAPHIC = re.compile(
    r"^(?:\S+\s+){0,4}?(?:is|was)\s+an?\s+\d+[- ](?:years?|yrs?)[- ]old(?:\s+(?:" + PEOPLE + r"))*\s*\.?$"
    r"|" + SUBJECT + r"(?:is|was)\s+(?:married|single|divorced|widowed|separated|unmarried|never married)\s*\.?$"
    r"|\bidentif(?:ies|y|ied)\s+as\b|\bsexual orientation\b|\bgender identity\b|\bsocioeconomic\b"
    r"|" + SUBJECT + r"(?:is an?|has an?|has|has completed|completed)\b.*\b(?:college|high school|education|degree)\b"
    r"|" + SUBJECT + r"currently has\b|" + SUBJECT + r"(?:has|is covered by)\s+(?:no\s+)?(?:health\s+)?insurance\b"
    r"|^(?:race|ethnicity|religion|marital status|insurance|payer)\s*:",
    re.IGNORECASE,
)
# Race and ethnicity words before a person word, taken out of a sentence that says more.
RACE = re.compile(
    r"\b(?:(?:non-?hispanic|hispanic|latin[oax]|caucasian|african[- ]american|asian(?:[- ]american)?|"
    r"native american|american indian|alaska native|pacific islander|multiracial)(?:\s+(?:white|black|asian))?"
    r"|white|black)\s+(?=(?:male|female|man|woman|boy|girl|person|adult|patient|client)\b)",
    re.IGNORECASE,
)
HISTORY = re.compile(r"^(?P<head>.*?\bhas a history of\s+)(?P<items>.+?)(?P<end>\.?)$", re.IGNORECASE)
PRESENTING = re.compile(r"^(?P<head>.*?\b(?:is presenting with|presents with)\s+)(?P<items>.+?)(?P<end>\.?)$", re.I)
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
ITEM = re.compile(r"^[-*]\s+(.*)$")


def behavioral_text(ctx: Context, text: str, when: date, enc_index: int | None) -> str:
    """In the behavioral-health scope, a document's lines that are behavioral-health content and told
    by the note's day: each sentence, list and list item is kept or left out on its own, and a heading
    left with nothing under it goes too. Outside that scope the document is kept as written."""
    if not ctx.behavioral_only:
        return text
    # Items this visit recorded only after its day (what a list of this visit must not name).
    later = (
        {key for key, days in ctx.dated.get(enc_index, {}).items() if min(days) > when}
        if enc_index is not None
        else set()
    )

    def wanted(item: str, history: bool = False) -> bool:
        key = fact_key(item)
        if ctx.first_dated.get(key, when) > when if history else key in later:
            return False
        return behavioral(item) or behavioral_medication(item) or controlled(item) or key in ctx.kept_terms

    def listed(m: re.Match[str], history: bool) -> str | None:
        items = [i.strip() for i in re.split(r",\s*(?![^()]*\))", m.group("items")) if i.strip()]
        kept = [i for i in items if wanted(re.sub(r"^and\s+", "", i), history)]
        return f"{m.group('head')}{', '.join(kept)}{m.group('end')}" if kept else None

    def sentence(s: str) -> str | None:
        if IMMUNIZATION.search(s) or DEMOGRAPHIC.search(s):
            return None
        for pattern, history in ((HISTORY, True), (PRESENTING, False)):
            m = pattern.match(s)
            if m:
                return listed(m, history)
        return RACE.sub("", s)

    out: list[tuple[str, str]] = []  # (kind, line): heading, item, intro (ends in ':'), text, blank
    section, dropped_intro = "", False
    for line in joined_lines(text):
        line = line.strip()
        heading, item = HEADING.match(line), ITEM.match(line)
        if not line:
            out.append(("blank", ""))
        elif heading:
            out.append(("heading", line))
            section, dropped_intro = heading.group(2), False
        elif item:
            if not dropped_intro and wanted(item.group(1)):
                out.append(("item", line))
        elif re.search(r"medication", section, re.I) and not line.endswith((".", ":", "!", "?")):
            kept = [m for m in re.split(r";\s*", line) if m and wanted(m)]  # "drug a; drug b"
            if kept:
                out.append(("text", "; ".join(kept)))
        else:
            said = re.split(r"(?<=[.!?])\s+", line)
            results = [sentence(x) for x in said]
            kept = [k for k in results if k]
            dropped_intro = said[-1].endswith(":") and results[-1] is None  # its list goes with it
            if kept:
                out.append(("intro" if kept[-1].endswith(":") else "text", " ".join(kept)))
    return _tidy(out)


def _tidy(out: list[tuple[str, str]]) -> str:
    """Lines again: no list introduction without items, no heading without content, no blank runs."""
    for i, (kind, line) in enumerate(out):
        if kind == "intro":
            after = next((k for k, _ in out[i + 1 :] if k != "blank"), None)
            if after != "item":
                said = re.split(r"(?<=[.!?])\s+", line)[:-1]
                out[i] = ("text", " ".join(said)) if said else ("blank", "")
    keep = [True] * len(out)
    for i, (kind, line) in enumerate(out):
        if kind == "heading":
            level = len(line) - len(line.lstrip("#"))
            content = False
            for k, t in out[i + 1 :]:
                if k == "heading" and len(t) - len(t.lstrip("#")) <= level:
                    break
                if k not in ("heading", "blank"):
                    content = True
                    break
            keep[i] = content
    lines: list[str] = []
    for (kind, line), kept in zip(out, keep):
        if not kept:
            continue
        if kind == "blank":
            if lines and lines[-1] != "":
                lines.append("")
        else:
            lines.append(line)
    return "\n".join(lines).strip()
