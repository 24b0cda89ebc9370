"""Masking of direct identifiers in chart text: what leaves the practice refers to "the client"."""

from __future__ import annotations

import re
from datetime import date

from .models import Client

PHONE = re.compile(r"(?<!\w)(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?!\w)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
STREET = re.compile(
    r"\b\d{1,6}\s+(?:[A-Z][\w'-]*\.?\s+){1,4}"
    r"(?:St|Street|Ave|Avenue|Rd|Road|Ln|Lane|Dr|Drive|Ct|Court|Blvd|Boulevard|Way|Pl|Place|Hollow|Ter|Terrace"
    r"|Cir|Circle|Pkwy|Parkway|Hwy|Highway)\b\.?(?:,?\s+(?:Apt|Unit|Suite|#)\s*\w+)?"
)
RECORD_NUMBER = re.compile(
    r"\b(?:MRN|SSN|Medical record(?: number)?|Record #|Member ID)[:#\s-]*[\w-]*\d[\w-]*", re.IGNORECASE
)
SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)  # not strftime: charts are English whatever the server's locale
PLACEHOLDERS = {
    "name": "the client",
    "phone": "[phone]",
    "email": "[email]",
    "address": "[address]",
    "record": "[record number]",
}


def _name_parts(client: Client) -> list[str]:
    """Name forms to mask, longest first so 'Zoë Ñúñez' goes before 'Zoë'."""
    parts = {client.full_name, f"{client.first_name} {client.last_name}", client.first_name, client.last_name}
    parts |= {p for p in re.split(r"\s+", client.full_name) if len(p) >= 2}
    # Synthea-style names carry digits ("Zulema784"); people also write them without.
    parts |= {re.sub(r"\d+", "", p) for p in list(parts)}
    # One-letter Latin parts are initials, too common to mask; a single CJK character is a name.
    keep = [p.strip() for p in parts if p and (len(p.strip()) >= 2 or not p.strip().isascii())]
    return sorted(set(keep), key=len, reverse=True)


def _date_forms(day: date) -> list[str]:
    """How a date of birth is written in charts: ISO, US numeric, and with the month's name."""
    month = MONTHS[day.month - 1]
    return [
        day.isoformat(),
        f"{day.month}/{day.day}/{day.year}",
        f"{day.month:02d}/{day.day:02d}/{day.year}",
        f"{month} {day.day}, {day.year}",
        f"{month[:3]}. {day.day}, {day.year}",
        f"{month[:3]} {day.day}, {day.year}",
        f"{day.day} {month} {day.year}",
    ]


def mask(text: str, client: Client) -> str:
    """Replace the client's name, contact details, record numbers and street addresses."""
    if not text:
        return text
    # The client's own values first, whole: the street pattern alone would leave "..., Millbrook".
    for value, kind in (
        (client.address, "address"),
        (client.email, "email"),
        (client.phone, "phone"),
        (client.mrn, "record"),
        (client.id, "record"),
    ):
        if value:
            text = text.replace(value, PLACEHOLDERS[kind])
    text = EMAIL.sub(PLACEHOLDERS["email"], text)
    text = SSN.sub(PLACEHOLDERS["record"], text)
    text = PHONE.sub(PLACEHOLDERS["phone"], text)
    text = RECORD_NUMBER.sub(PLACEHOLDERS["record"], text)
    text = STREET.sub(PLACEHOLDERS["address"], text)
    if client.date_of_birth:
        for written in _date_forms(client.date_of_birth):
            text = re.sub(r"(?<!\w)" + re.escape(written) + r"(?!\w)", "[date of birth]", text)
    for part in _name_parts(client):
        # Honorifics go with the name: "Ms. Ñúñez" -> "the client".
        pattern = r"(?:\b(?:Mr|Mrs|Ms|Mx|Miss|Dr)\.?\s+)?(?<!\w)" + re.escape(part) + r"(?:'s)?(?!\w)"
        text = re.sub(pattern, lambda m: "the client's" if m.group(0).endswith("'s") else "the client", text)
    # "the client" at the start of a sentence reads "The client".
    return re.sub(r"(^|[.!?]\s+|\n)the client", lambda m: m.group(1) + "The client", text)
