"""Small readers of FHIR data types: codeable concepts, dates, names, and the stable ids of imported rows."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date, datetime

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10")
FHIR_DATE = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"(?:Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
# SNOMED CT's semantic tags, dropped from titles where they read as noise ("Encounter for problem (procedure)").
SEMANTIC_TAG = re.compile(
    r"\s*\((?:procedure|regime/therapy|observable entity|record artifact|situation|"
    r"environment|qualifier value)\)\s*$"
)


def stable_id(prefix: str, *parts: str) -> str:
    """The same inputs give the same id on every import, so a re-import finds its rows."""
    return f"{prefix}-{hashlib.sha256(chr(31).join(parts).encode()).hexdigest()[:12].upper()}"


def codings(concept: object) -> list[dict]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def coding(concept: object, *systems: str) -> dict | None:
    return next((c for c in codings(concept) if c.get("system") in systems and c.get("code")), None)


def text_of(concept: object) -> str:
    """What a CodeableConcept says in words: its text, else its first display, else its first code."""
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"]).strip()
    for c in codings(concept):
        if c.get("display"):
            return str(c["display"]).strip()
    return next((str(c["code"]) for c in codings(concept) if c.get("code")), "")


def title(text: str) -> str:
    text = SEMANTIC_TAG.sub("", text).strip()
    return text[:1].upper() + text[1:]


def fact_key(text: str) -> str:
    """How a coded item is compared with the words of a note: lower case, without trailing tags
    ("Stress (finding)" and "stress" are one fact)."""
    text = text.lower().strip()
    while True:
        shorter = re.sub(r"\s*\([^()]*\)\s*$", "", text)
        if shorter == text or not shorter:
            return re.sub(r"\s+", " ", text).strip(" .;,")
        text = shorter


def code_of(concept: object) -> str | None:
    """The code of a status-like CodeableConcept (clinicalStatus, verificationStatus)."""
    return next((str(c["code"]) for c in codings(concept) if c.get("code")), None)


def parse_date(value: object) -> date:
    """A FHIR date or dateTime as the calendar day it was written in (its own time zone, not UTC);
    partial dates ('2019', '2019-05') are read as their first day."""
    m = FHIR_DATE.match(value) if isinstance(value, str) else None
    if not m:
        raise ValueError(f"{value!r} is not a FHIR date")
    return date(int(m[1]), int(m[2] or 1), int(m[3] or 1))


def parse_datetime(value: object) -> datetime:
    """Wall-clock time as written, like the day in parse_date, so a note's date and time agree."""
    m = FHIR_DATE.match(value) if isinstance(value, str) else None
    if not m:
        raise ValueError(f"{value!r} is not a FHIR dateTime")
    return datetime(int(m[1]), int(m[2] or 1), int(m[3] or 1), int(m[4] or 0), int(m[5] or 0), int(m[6] or 0))


def first_date(*values: object) -> object:
    """The first value present, to parse: FHIR often offers a dateTime or a Period."""
    for v in values:
        if isinstance(v, dict):
            v = v.get("start") or v.get("end")
        if v:
            return v
    return None


def human_name(names: Iterable[object] | None) -> tuple[str, str, str]:
    """(full name, first name, last name) of the official name, else the first one given."""
    candidates = [n for n in names or [] if isinstance(n, dict)]
    if not candidates:
        return "", "", ""
    name = next((n for n in candidates if n.get("use") == "official"), candidates[0])
    given = [str(g).strip() for g in name.get("given") or [] if str(g).strip()]
    family = str(name.get("family") or "").strip()
    full = " ".join(given + ([family] if family else [])) or str(name.get("text") or "").strip()
    first = given[0] if given else (full.split()[0] if full else "")
    last = family or (full.split()[-1] if len(full.split()) > 1 else "")
    return full, first, last
